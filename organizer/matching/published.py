"""Publishing a run to guests, and what each guest then sees on their own page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..hosting.models import Event
from ..rsvp.models import Attendance, Guest
from .models import MatchPublication, MatchSuggestion
from .results import NEAR_MISS_SCORE
from .service import GOING, MatchingError, latest_run
from .text import answer_spans, quoted


def publication(session: Session, event: Event) -> MatchPublication | None:
    """What the event's guests currently see, or None when nothing is published."""
    return session.scalar(select(MatchPublication).where(MatchPublication.event_id == event.id))


def publish_matches(session: Session, event: Event, *, now: datetime) -> MatchPublication:
    """Show the latest run to guests on their own pages ("people you should meet")."""
    publish_latest(session, event, now=now)
    return publication(session, event)


def publish_latest(session: Session, event: Event, *, now: datetime) -> bool:
    """Publish the latest run; True when this call changed what guests see, False when that run
    was already published (a second tab, a second click: the guests are not e-mailed twice).
    The change is one conditional statement, so of two requests at once only one makes it; two
    first publications at once meet the unique event_id, and the caller retries (views._commit)."""
    run = latest_run(session, event)
    if run is None:
        raise MatchingError("Run the matcher before publishing.")
    moved = session.execute(update(MatchPublication).where(
        MatchPublication.event_id == event.id, MatchPublication.run_id != run.id)
        .values(run_id=run.id, published_at=now).execution_options(synchronize_session=False)).rowcount
    if moved:
        session.expire_all()
        return True
    if session.scalar(select(MatchPublication.id).where(MatchPublication.event_id == event.id)):
        return False
    session.add(MatchPublication(event_id=event.id, run_id=run.id, published_at=now))
    session.flush()
    return True


def unpublish_matches(session: Session, event: Event) -> bool:
    """Hide the matches from guests again."""
    current = publication(session, event)
    if current is None:
        return False
    session.delete(current)
    session.flush()
    return True


# ---------------------------------------------------------------- the guest's own page

@dataclass(frozen=True)
class GuestMatch:
    """Someone a guest should meet, with only what that person agreed to share."""

    name: str
    text: str          # why, in words addressed to the guest
    is_strong: bool
    company: str       # "" unless the other guest consented to share
    email: str         # "" unless the other guest consented to share
    role: str = ""     # "" unless the other guest consented to share


@dataclass(frozen=True)
class GuestMatches:
    """People who can help the guest, and people the guest can help."""

    can_help_you: list[GuestMatch]
    you_can_help: list[GuestMatch]

    def __bool__(self) -> bool:
        return bool(self.can_help_you or self.you_can_help)


def _shared(other: Guest, name: str, text: str, is_strong: bool) -> GuestMatch:
    if other.consent_share:  # "Share my company, role and e-mail"
        return GuestMatch(name, text, is_strong, other.company or "", other.email or "", other.role or "")
    return GuestMatch(name, text, is_strong, "", "")


def shown_to_guests(row: MatchSuggestion) -> bool:
    """Guests see strong introductions, the ones the host locked or asked for, and possible ones
    that come close to strong (NEAR_MISS_SCORE). A weaker guess ("worth a try, check
    the reason first") is advice to the host, who sees it on the matches page and the sheet: shown to
    guests as the host's pick, it told a data analyst he could help with "a website refresh"."""
    return (row.is_strong or row.is_locked or row.is_pinned
            or row.score >= NEAR_MISS_SCORE)


def _taking_part(guest: Guest) -> bool:
    """Coming (yes, maybe) or checked in at the door, and not since declined."""
    return guest.attendance in GOING or (guest.checked_in_at is not None
                                         and guest.attendance != Attendance.no)


def _still_written(item: str, answer: str) -> bool:
    """Whether a run's quoted item is still one of the answer's items (its writer may have edited it)."""
    if not item:
        return True
    wanted = " ".join(item.split()).casefold()  # runs stored before quoted() collapsed spaces
    return any(quoted(text).casefold() == wanted for text in answer_spans(answer or ""))


def still_current(row: MatchSuggestion) -> bool:
    """A published introduction still holds: both guests are still coming, and what it quotes is
    still what they wrote. Otherwise it would tell a guest to meet someone who declined, or quote an
    offer its writer has since deleted ("I no longer do bookkeeping"), until the host re-runs."""
    return (_taking_part(row.giver) and _taking_part(row.receiver)
            and _still_written(row.offer_item, row.giver.can_offer)
            and _still_written(row.need_item, row.receiver.could_use))


def matches_for_guest(session: Session, guest: Guest) -> GuestMatches:
    """The published introductions of one guest that still hold; empty when unpublished or the guest
    is not going."""
    empty = GuestMatches([], [])
    if not _taking_part(guest):
        return empty
    run_id = session.scalar(select(MatchPublication.run_id).where(
        MatchPublication.event_id == guest.event_id))
    if run_id is None:
        return empty
    rows = session.scalars(select(MatchSuggestion).where(
        MatchSuggestion.run_id == run_id,
        (MatchSuggestion.giver_id == guest.id) | (MatchSuggestion.receiver_id == guest.id))
        .order_by(MatchSuggestion.rank, MatchSuggestion.id)).all()
    return _matches_from(guest, rows)


def notify_guests(session: Session, event: Event, *, base_url: str) -> int:
    """E-mail each guest who is coming and has introductions on their page that the host has picked
    people for them to meet (names and why; contact details stay on the page, by consent). Returns
    how many were e-mailed. The caller commits and wakes the sender."""
    from ..mail import messages  # the mail layer loads with the first notice, not at app start

    current = publication(session, event)
    if current is None:
        return 0
    rows = session.scalars(select(MatchSuggestion).where(MatchSuggestion.run_id == current.run_id)
                           .order_by(MatchSuggestion.rank, MatchSuggestion.id)).all()
    by_guest: dict[int, list[MatchSuggestion]] = {}
    for row in rows:
        by_guest.setdefault(row.giver_id, []).append(row)
        by_guest.setdefault(row.receiver_id, []).append(row)
    sent = 0
    guests = session.scalars(select(Guest).where(Guest.id.in_(list(by_guest)))
                             .order_by(Guest.id)).all() if by_guest else []
    for guest in guests:
        if not guest.email or not _taking_part(guest):
            continue
        mine = _matches_from(guest, by_guest[guest.id])
        if mine:
            messages.queue_matches_ready(session, guest, [(m.name, m.text) for m in mine.can_help_you],
                                         [(m.name, m.text) for m in mine.you_can_help], base_url=base_url)
            sent += 1
    return sent


def _matches_from(guest: Guest, rows: list[MatchSuggestion]) -> GuestMatches:
    """What the guest's page lists from the published rows that involve them."""
    helpers, helped = [], []
    for row in rows:
        if not shown_to_guests(row) or not still_current(row):
            continue
        if row.receiver_id == guest.id:
            other = row.giver
            text = (f"offers “{row.offer_item}” — for your “{row.need_item}”"
                    if row.offer_item else "The host thinks you two should meet.")
            helpers.append(_shared(other, other.name, text, row.is_strong))
        else:
            other = row.receiver
            text = (f"could use “{row.need_item}” — you offer “{row.offer_item}”"
                    if row.need_item else "The host thinks you two should meet.")
            helped.append(_shared(other, other.name, text, row.is_strong))
    return GuestMatches(helpers, helped)
