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
_GUEST_ID_BY_EMAIL = select(_GUESTS.c.id).where(_GUESTS.c.event_id == bindparam("event_id"),
                                                _GUESTS.c.email == bindparam("email"))
_PLACE_COUNTS = select(
    func.count(case((_GUESTS.c.attendance == Attendance.yes, 1))),
    func.count(case((_GUESTS.c.attendance == Attendance.waitlist, 1))),
).where(_GUESTS.c.event_id == bindparam("event_id"))

# Badge numbers come from the event's counter, never below the highest number on its guest
# list (guests added before the counter existed). The UPDATE locks the event row, and once
# PostgreSQL grants the lock it reads the row's counter again, so writers that queued for the
# lock each get the next number, even inside a single statement.
_LAST_BADGE = _EVENTS.c.last_badge_number
_HIGHEST_BADGE = select(func.coalesce(func.max(_GUESTS.c.badge_number), 0)).where(
    _GUESTS.c.event_id == bindparam("event_id")).scalar_subquery()
_BADGE_FLOOR = case((_LAST_BADGE >= _HIGHEST_BADGE, _LAST_BADGE), else_=_HIGHEST_BADGE)
_TAKE_BADGES = update(_EVENTS).where(_EVENTS.c.id == bindparam("event_id")).values(
    last_badge_number=_BADGE_FLOOR + bindparam("count")).returning(_LAST_BADGE)
_INSERT_GUEST = insert(_GUESTS).returning(_GUESTS.c.id, _GUESTS.c.badge_number)
# Plain column defaults ("{}", ""), given as values: an INSERT … SELECT in a statement with a
# data-modifying CTE gets no Python-side defaults filled in (the outbox's are given too).
_GUEST_DEFAULTS = {column.key: column.default.arg for column in _GUESTS.c
                   if column.default is not None and column.default.is_scalar}
_OUTBOX_COLUMNS = ("to_addr", "subject", "body_text", "ics", "created_at", "attempts")


@lru_cache(maxsize=8)
def _rsvp_in_one_statement(names: tuple[str, ...]):
    """PostgreSQL: take the event's next badge number (which locks the event), insert the guest
    and queue the confirmation in one statement, so the event is locked only while the
    database works on it, not across round trips. ``names``: the guest's columns but event_id,
    which comes from the locked event row like the badge number. Parameters are named
    ``guest_<column>`` and ``mail_<column>``: a parameter named like an event column would
    become part of the UPDATE's SET."""
    taken = update(_EVENTS).where(_EVENTS.c.id == bindparam("event_id")).values(
        last_badge_number=_BADGE_FLOOR + 1).returning(_EVENTS.c.id, _LAST_BADGE).cte("taken")
    outbox = OutboxMessage.__table__
    queued = insert(outbox).from_select([*_OUTBOX_COLUMNS, "event_id"], select(
        *[bindparam(f"mail_{name}", type_=outbox.c[name].type) for name in _OUTBOX_COLUMNS],
        taken.c.id)).cte("queued")
    return insert(_GUESTS).from_select([*names, "event_id", "badge_number"], select(
        *[bindparam(f"guest_{name}", type_=_GUESTS.c[name].type) for name in names],
        taken.c.id, taken.c.last_badge_number,
    )).returning(_GUESTS.c.id, _GUESTS.c.badge_number).add_cte(queued)


def autocommit_until_commit(session: Session) -> None:
    """PostgreSQL: run the session's statements each in its own transaction until the session
    commits, for a request that reads and then writes in one statement (an RSVP). It saves the
    BEGIN and COMMIT round trips; the pool gives the connection back its usual isolation.
    It applies from the session's next transaction; within one already begun (a test's session
    that has read something) it does nothing. Elsewhere (SQLite) it does nothing either."""
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def lock_event(session: Session, event: Event) -> None:
    """Serialise writers of one event's guest list (row lock on PostgreSQL, write lock on SQLite)."""
    connection = session.connection()
    statement = _LOCK_EVENT_ROW if connection.dialect.name == "postgresql" else _LOCK_EVENT
    connection.execute(statement, {"event_id": event.id})


def take_badge_numbers(session: Session, event: Event, count: int = 1) -> int:
    """Hand out ``count`` consecutive badge numbers of an event and return the first. It locks
    the event until the caller's transaction ends, like ``lock_event``."""
    last = session.connection().execute(_TAKE_BADGES, {"event_id": event.id, "count": count}
                                        ).scalar_one()
    return last - count + 1


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


def event_is_full(session: Session, event: Event) -> bool:
    """True when the event has a capacity and every place is taken: a "yes" now waits."""
    return event.capacity is not None and count_confirmed(session, event) >= event.capacity


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
                  source=source, badge_number=take_badge_numbers(session, event),
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
    that needs no lock -- the guest row, the confirmation e-mail -- is prepared first. When the
    event has no capacity limit, PostgreSQL then does the rest in one statement (queue the
    confirmation, take the next badge number, insert the guest) and the commit; elsewhere the
    confirmation is queued before the lock. A known
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
    values = {**_GUEST_DEFAULTS,
              **{key: value for key, value in vars(guest).items() if key in _GUESTS.c}}
    connection = session.connection()
    one_statement = (confirmation and event.capacity is None
                     and connection.dialect.name == "postgresql")
    if not one_statement and connection.get_execution_options().get(
            "isolation_level") == "AUTOCOMMIT":
        # The steps below must share one transaction (the lock holds until the commit): end
        # the autocommit stretch and carry on with a fresh connection from the pool.
        session.commit()
    try:
        with sqlite_write_turn(session):
            connection = session.connection()
            position = None
            if one_statement:
                # Nothing in the message depends on the lock (no waitlist place to tell).
                names = tuple(name for name in values if name != "event_id")
                mail = {**outbox_row(**confirmation), "created_at": now, "attempts": 0}
                row = connection.execute(_rsvp_in_one_statement(names), {
                    "event_id": event.id, **{f"mail_{name}": mail[name] for name in _OUTBOX_COLUMNS},
                    **{f"guest_{name}": values[name] for name in names}}).one()
                confirmation = None
            else:
                if confirmation and event.capacity is None:
                    queue_message(session, **confirmation)  # before the lock: it needs none
                    confirmation = None
                badge = take_badge_numbers(session, event)  # locks the event from here on
                if wanted == Attendance.yes and event.capacity is not None:
                    confirmed, waiting = _place_counts(session, event)
                    if confirmed >= event.capacity:
                        values.update(attendance=Attendance.waitlist, waitlisted_at=now)
                        position = waiting + 1
                row = connection.execute(_INSERT_GUEST, {**values, "badge_number": badge}).one()
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
            messages.queue_edit_link_reminder(session, existing, base_url=base_url,
                                              position=waitlist_position(session, existing))
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


DECLINABLE = (Attendance.yes, Attendance.maybe, Attendance.waitlist)


def can_decline_late(guest: Guest, now: datetime) -> bool:
    """True when the guest may still say "I can't come after all" although they can no longer
    change their answers: they hold or wait for a place and the party has not started."""
    return guest.attendance in DECLINABLE and now < guest.event.starts_at


def decline_rsvp(session: Session, guest: Guest, *, base_url: str,
                 now: datetime | None = None) -> Guest:
    """The guest can't come after all: their answer becomes "no" and a place they held goes to
    the waitlist, as through ``update_rsvp``. Unlike every other change this stays allowed
    after the RSVP deadline and when the host has closed RSVPs (a "no" only frees a place, and
    the host would rather know), until the party starts."""
    now = now or utcnow()
    event = guest.event
    if now >= event.starts_at:
        raise RsvpClosed("The party has already started. Contact the host if you can't come.")
    with sqlite_write_turn(session):
        lock_event(session, event)
        session.refresh(guest, ["attendance"])  # as it is now, under the lock
        if guest.attendance not in DECLINABLE:
            session.rollback()
            return guest
        was_confirmed = guest.attendance == Attendance.yes
        _place(session, event, guest, Attendance.no, now)
        guest.updated_at = now
        session.flush()
        if was_confirmed:
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
