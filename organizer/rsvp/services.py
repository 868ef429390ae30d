"""Guest services: RSVP, edit, decline, waitlist. Plain Python, shared by views, CLI and tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from ..dbtypes import token_digest, token_matches, utcnow
from ..errors import DomainError
from ..hosting.models import Event
from ..mail import messages
from ..mail.models import OutboxMessage
from ..mail.outbox import outbox_row, queue_message
from ..writelock import sqlite_write_turn
from .models import Attendance, Guest


class RsvpClosed(DomainError):
    """RSVPs are not accepted for this event right now."""


@dataclass
class GuestAnswers:
    """What a guest tells us on the RSVP form (or a CSV row, or at the door)."""

    name: str
    email: str | None = None
    company: str = ""
    role: str = ""
    can_offer: str = ""
    could_use: str = ""
    categories: list[str] = field(default_factory=list)
    consent_share: bool = False
    attendance: Attendance = Attendance.yes


@dataclass
class RsvpOutcome:
    """What happened to an RSVP: the guest row and whether it was new."""

    guest: Guest
    is_new: bool


def normalise_email(email: str | None) -> str | None:
    """Addresses compare case-insensitively; empty means none."""
    email = (email or "").strip().lower()
    return email or None


# The RSVP path's statements, built once: Core statements with bound parameters, run on the
# session's connection, skip the ORM's per-statement bookkeeping. An invitation blast runs
# them hundreds of times a second.
_EVENTS, _GUESTS = Event.__table__, Guest.__table__
# PostgreSQL: a row lock that writes no new row version (an UPDATE per RSVP would leave an
# invitation blast's worth of dead event rows). Elsewhere (SQLite) a no-op UPDATE, since it
# has no row locks: the UPDATE takes the database's write lock.
_LOCK_EVENT_ROW = select(_EVENTS.c.id).where(_EVENTS.c.id == bindparam("event_id")).with_for_update(
    key_share=True)  # FOR NO KEY UPDATE: foreign keys to the event still check without waiting
_LOCK_EVENT = update(_EVENTS).where(_EVENTS.c.id == bindparam("event_id")).values(id=_EVENTS.c.id)
# PostgreSQL, an RSVP's confirmation and the row lock in one statement (one round trip fewer):
# the message goes into the outbox in a data-modifying CTE of the locking SELECT.
_QUEUE_THEN_LOCK_EVENT_ROW = _LOCK_EVENT_ROW.add_cte(insert(OutboxMessage.__table__).values(
    {name: bindparam(name) for name in ("to_addr", "subject", "body_text", "ics", "event_id")}
).cte("queued"))
_GUEST_ID_BY_EMAIL = select(_GUESTS.c.id).where(_GUESTS.c.event_id == bindparam("event_id"),
                                                _GUESTS.c.email == bindparam("email"))
_PLACE_COUNTS = select(
    func.count(case((_GUESTS.c.attendance == Attendance.yes, 1))),
    func.count(case((_GUESTS.c.attendance == Attendance.waitlist, 1))),
).where(_GUESTS.c.event_id == bindparam("event_id"))


@lru_cache(maxsize=8)
def _insert_guest_statement(names: tuple[str, ...]):
    """INSERT of a guest with these columns; the badge number is the event's highest plus one,
    read in the same statement (so call it with the event locked)."""
    return insert(_GUESTS).from_select([*names, "badge_number"], select(
        *[bindparam(name, type_=_GUESTS.c[name].type) for name in names],
        func.coalesce(func.max(_GUESTS.c.badge_number), 0) + 1,
    ).where(_GUESTS.c.event_id == bindparam("event_id"))).returning(
        _GUESTS.c.id, _GUESTS.c.badge_number)


def lock_event(session: Session, event: Event, *, queue: dict | None = None) -> None:
    """Serialise writers of one event's guest list (row lock on PostgreSQL, write lock on SQLite).

    ``queue``: a message (``queue_message``'s arguments) to put in the outbox first, in the
    same transaction; on PostgreSQL in the same statement.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if queue:
            connection.execute(_QUEUE_THEN_LOCK_EVENT_ROW,
                               {**outbox_row(**queue), "event_id": event.id})
        else:
            connection.execute(_LOCK_EVENT_ROW, {"event_id": event.id})
        return
    if queue:
        queue_message(session, **queue)
    connection.execute(_LOCK_EVENT, {"event_id": event.id})


def next_badge_number(session: Session, event: Event) -> int:
    """The next free badge number of an event (call with the event locked)."""
    current = session.scalar(select(func.max(Guest.badge_number)).where(Guest.event_id == event.id))
    return (current or 0) + 1


def count_confirmed(session: Session, event: Event) -> int:
    """Guests holding a place ("yes")."""
    return session.scalar(select(func.count()).select_from(Guest).where(
        Guest.event_id == event.id, Guest.attendance == Attendance.yes)) or 0


def attendance_counts(session: Session, event: Event) -> dict[str, int]:
    """Number of guests per attendance answer, every answer present."""
    rows = session.execute(select(Guest.attendance, func.count()).where(
        Guest.event_id == event.id).group_by(Guest.attendance)).all()
    counts = {a.value: 0 for a in Attendance}
    counts.update({a.value: n for a, n in rows})
    return counts


def waitlist_position(session: Session, guest: Guest) -> int | None:
    """1-based place in the waitlist, or None when not waitlisted."""
    if guest.attendance != Attendance.waitlist:
        return None
    ahead = session.scalar(select(func.count()).select_from(Guest).where(
        Guest.event_id == guest.event_id, Guest.attendance == Attendance.waitlist,
        (Guest.waitlisted_at < guest.waitlisted_at)
        | ((Guest.waitlisted_at == guest.waitlisted_at) & (Guest.id < guest.id))))
    return (ahead or 0) + 1


def _place(session: Session, event: Event, guest: Guest, wanted: Attendance,
           now: datetime) -> None:
    """Set attendance, sending a "yes" to the waitlist when the event is full."""
    if wanted == Attendance.yes and guest.attendance != Attendance.yes:
        if event.capacity is not None and count_confirmed(session, event) >= event.capacity:
            if guest.attendance != Attendance.waitlist:
                guest.waitlisted_at = now
            guest.attendance = Attendance.waitlist
            return
    if wanted == Attendance.waitlist:
        wanted = Attendance.yes
    guest.attendance = wanted
    guest.waitlisted_at = None


def create_guest(session: Session, event: Event, answers: GuestAnswers, *,
                 source: str = "rsvp", now: datetime | None = None,
                 event_locked: bool = False) -> Guest:
    """Add a guest to an event (caller commits); applies capacity and the waitlist."""
    now = now or utcnow()
    if not event_locked:
        lock_event(session, event)
    guest = Guest(event_id=event.id, name=answers.name, email=normalise_email(answers.email),
                  company=answers.company, role=answers.role, can_offer=answers.can_offer,
                  could_use=answers.could_use, consent_share=answers.consent_share,
                  source=source, badge_number=next_badge_number(session, event),
                  attendance=Attendance.no, created_at=now, updated_at=now)
    guest.categories = answers.categories
    session.add(guest)
    _place(session, event, guest, answers.attendance, now)
    session.flush()
    return guest


def find_guest_by_email(session: Session, event: Event, email: str | None) -> Guest | None:
    """The event's guest with this address, if any."""
    email = normalise_email(email)
    if email is None:
        return None
    # Usually nobody: ask for the id alone (cheap), and load the guest only when there is one.
    guest_id = session.connection().scalar(_GUEST_ID_BY_EMAIL,
                                           {"event_id": event.id, "email": email})
    return None if guest_id is None else session.get(Guest, guest_id)


TOKEN_MAX = 64


def find_guest_by_edit_token(session: Session, token: str | None) -> Guest | None:
    """The guest whose private edit link carries this token.

    Looked up by the token's SHA-256, then confirmed in constant time, so no comparison's
    timing depends on how much of a guessed token is right.
    """
    if not token or len(token) > TOKEN_MAX:
        return None
    guest = session.scalar(select(Guest).where(Guest.edit_token_hash == token_digest(token)))
    return guest if guest is not None and token_matches(guest.edit_token, token) else None


def find_guest_by_badge_token(session: Session, token: str | None) -> Guest | None:
    """The guest whose badge QR code carries this token (by its SHA-256, then constant time)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    guest = session.scalar(select(Guest).where(Guest.badge_token_hash == token_digest(token)))
    return guest if guest is not None and token_matches(guest.badge_token, token) else None


def submit_rsvp(session: Session, event: Event, answers: GuestAnswers, *, base_url: str,
                now: datetime | None = None) -> RsvpOutcome:
    """Record a public RSVP; a known address gets its edit link again and nothing changes.

    An invitation blast is the busiest moment of the kit, and each RSVP of an event waits for
    the one before it (badge numbers and the capacity need the event locked). So everything
    that needs no lock -- the guest row, the confirmation e-mail -- is prepared first, the
    confirmation is queued before the lock when the event has no capacity limit, and the
    locked part is the guest's INSERT and the commit (plus the row lock on PostgreSQL). A known
    address is caught by the database's unique (event, e-mail) constraint rather than by a
    query before every new RSVP: duplicates are the rare case.
    """
    now = now or utcnow()
    reason = event.rsvp_closed_reason(now)
    if reason:
        raise RsvpClosed(reason)
    wanted = Attendance.yes if answers.attendance == Attendance.waitlist else answers.attendance
    guest = Guest(event_id=event.id, name=answers.name, email=normalise_email(answers.email),
                  company=answers.company, role=answers.role, can_offer=answers.can_offer,
                  could_use=answers.could_use, consent_share=answers.consent_share,
                  source="rsvp", attendance=wanted, created_at=now, updated_at=now)
    guest.categories = answers.categories
    confirmation = messages.rsvp_confirmation(guest, event, base_url=base_url, position=None)
    values = {key: value for key, value in vars(guest).items() if key in _GUESTS.c}
    try:
        with sqlite_write_turn(session) as serialised:
            early = None
            if confirmation and event.capacity is None:
                # Nothing in it depends on the lock (no waitlist place to tell): queued first,
                # in the same transaction, so the event stays locked for less time.
                early, confirmation = confirmation, None
            if not serialised:
                lock_event(session, event, queue=early)
            elif early:
                queue_message(session, **early)
            position = None
            if wanted == Attendance.yes and event.capacity is not None:
                confirmed, waiting = _place_counts(session, event)
                if confirmed >= event.capacity:
                    values.update(attendance=Attendance.waitlist, waitlisted_at=now)
                    position = waiting + 1
            row = session.connection().execute(_insert_guest_statement(tuple(values)),
                                               {**values, "event_id": event.id}).one()
            guest.id, guest.badge_number = row
            if position is not None:
                guest.attendance, guest.waitlisted_at = Attendance.waitlist, now
                confirmation = messages.rsvp_confirmation(guest, event, base_url=base_url,
                                                          position=position)
            if confirmation:
                queue_message(session, **confirmation)
            session.commit()
    except IntegrityError:
        # The address is already on the list (perhaps added a moment ago by a twin request).
        session.rollback()
        existing = find_guest_by_email(session, event, answers.email)
        if existing is None:
            raise
        with sqlite_write_turn(session):
            messages.queue_edit_link_reminder(session, existing, base_url=base_url)
            session.commit()
        return RsvpOutcome(existing, is_new=False)
    # Hand the caller an ordinary persistent Guest without loading it back.
    make_transient_to_detached(guest)
    session.add(guest)
    return RsvpOutcome(guest, is_new=True)


def _place_counts(session: Session, event: Event) -> tuple[int, int]:
    """Guests holding a place and guests on the waitlist, in one query."""
    confirmed, waiting = session.connection().execute(_PLACE_COUNTS, {"event_id": event.id}).one()
    return confirmed, waiting


def update_rsvp(session: Session, guest: Guest, answers: GuestAnswers, *, base_url: str,
                now: datetime | None = None) -> Guest:
    """Apply a guest's changes through their edit link, moving the waitlist as needed."""
    now = now or utcnow()
    event = guest.event
    reason = event.rsvp_closed_reason(now)
    if reason:
        raise RsvpClosed(reason + " Contact the host to change your answers.")
    with sqlite_write_turn(session):
        lock_event(session, event)
        was_confirmed = guest.attendance == Attendance.yes
        guest.name, guest.company, guest.role = answers.name, answers.company, answers.role
        guest.can_offer, guest.could_use = answers.can_offer, answers.could_use
        guest.categories = answers.categories
        guest.consent_share = answers.consent_share
        guest.updated_at = now
        _place(session, event, guest, answers.attendance, now)
        session.flush()
        if was_confirmed and guest.attendance != Attendance.yes:
            promote_from_waitlist(session, event, base_url=base_url, now=now)
        session.commit()
    return guest


def promote_from_waitlist(session: Session, event: Event, *, base_url: str,
                          now: datetime | None = None) -> list[Guest]:
    """Give free places to the waitlist in order and e-mail each promoted guest (caller commits)."""
    now = now or utcnow()
    promoted: list[Guest] = []
    while event.capacity is None or count_confirmed(session, event) < event.capacity:
        first = session.scalar(select(Guest).where(
            Guest.event_id == event.id, Guest.attendance == Attendance.waitlist)
            .order_by(Guest.waitlisted_at, Guest.id).limit(1))
        if first is None:
            break
        first.attendance = Attendance.yes
        first.waitlisted_at = None
        first.updated_at = now
        session.flush()
        messages.queue_waitlist_promotion(session, first, base_url=base_url)
        promoted.append(first)
    return promoted
