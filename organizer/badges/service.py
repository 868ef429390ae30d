"""Badges from the database: choose guests, turn them into BadgeData, render, mark printed.

Plain functions taking a session, the data and ``now``; the CLI, the host views and the door
(walk-ins) call them the same way.  The renderer itself knows nothing about the database.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..config import base_url_problem
from ..errors import DomainError
from ..hosting.models import Event
from ..rsvp.models import Attendance, Guest
from .presets import DEFAULT_PRESET, UnknownPreset, get_preset
from .qr import QrTooDense
from .render import BadgeData, RenderReport, render_badges
from .textfit import summarise_answer

# Which guests a print run covers.
SELECTIONS = {
    "going": "guests who answered yes or maybe",
    "checked-in": "guests checked in at the door",
    "new": "going guests whose badge has not been printed yet",
    "all": "every guest on the list, whatever they answered",
}
DEFAULT_SELECTION = "going"


class BadgeError(DomainError):
    """A badge request that cannot be carried out (unknown event, layout, selection...)."""


def badge_url(base_url: str, token: str) -> str:
    """The URL a badge's QR code encodes (../shared/DESIGN.md, "Badge QR"): no personal data."""
    if not base_url:
        raise BadgeError("BASE_URL is not set, so badge QR codes would have no address to "
                         "open; set BASE_URL (e.g. https://party.example.org).")
    problem = base_url_problem(base_url)
    if problem:
        raise BadgeError(problem)
    return f"{base_url.rstrip('/')}/b/{token}"


def badge_data(guest: Guest, base_url: str, intros: Sequence[str] = ()) -> BadgeData:
    """What one guest's badge shows."""
    return BadgeData(
        name=guest.name,
        company=guest.company or "",
        role=guest.role or "",
        offer_summary=summarise_answer(guest.can_offer),
        need_summary=summarise_answer(guest.could_use),
        event_title=guest.event.title if guest.event else "",
        badge_number=guest.badge_number,
        qr_url=badge_url(base_url, guest.badge_token),
        intros=list(intros),
    )


def event_by_slug(session: Session, slug: str) -> Event:
    """The event with this slug, or :class:`BadgeError`."""
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise BadgeError(f"No event called {slug!r}.")
    return event


def _selection_filter(only: str):
    if only == "going":
        return Guest.attendance.in_((Attendance.yes, Attendance.maybe))
    if only == "checked-in":
        return Guest.checked_in_at.is_not(None)
    if only == "new":
        return (Guest.attendance.in_((Attendance.yes, Attendance.maybe))
                & Guest.badge_printed_at.is_(None))
    if only == "all":
        return Guest.id.is_not(None)
    raise BadgeError(f"Unknown selection {only!r}; choose one of: " + ", ".join(SELECTIONS))


def select_guests(session: Session, event: Event, only: str = DEFAULT_SELECTION) -> list[Guest]:
    """The event's guests in a selection, in badge-number order."""
    return list(session.scalars(select(Guest).where(Guest.event_id == event.id,
                                                    _selection_filter(only))
                                .order_by(Guest.badge_number, Guest.id)))


def count_guests(session: Session, event: Event, only: str = DEFAULT_SELECTION) -> int:
    """How many guests a selection holds."""
    return session.scalar(select(func.count(Guest.id)).where(Guest.event_id == event.id,
                                                             _selection_filter(only))) or 0


def check_layout(layout: str) -> str:
    """The layout name if known, else :class:`BadgeError` listing the presets."""
    try:
        return get_preset(layout).name
    except UnknownPreset as exc:
        raise BadgeError(str(exc)) from None


def render_guests(session: Session, guests: Sequence[Guest], out: BinaryIO, *, base_url: str,
                  now: datetime, layout: str = DEFAULT_PRESET, cut_marks: bool = False,
                  offset_x_mm: float = 0.0, offset_y_mm: float = 0.0, mark_printed: bool = True,
                  intros: Mapping[int, Sequence[str]] | None = None,
                  progress: Callable[[int], None] | None = None) -> RenderReport:
    """Render these guests' badges to ``out``; record ``now`` as their print time (committed).

    ``intros`` maps a guest id to suggested introductions for the foldover back; by default a
    foldover shows the introductions the host has published (:func:`published_intros`).
    """
    check_layout(layout)
    if intros is None:
        intros = published_intros(session, guests) if get_preset(layout).foldover else {}

    def data() -> Iterator[BadgeData]:
        for guest in guests:
            yield badge_data(guest, base_url, intros.get(guest.id, ()))

    try:
        report = render_badges(data(), out, layout=layout, cut_marks=cut_marks,
                               offset_x_mm=offset_x_mm, offset_y_mm=offset_y_mm,
                               progress=progress)
    except QrTooDense as exc:
        raise BadgeError(str(exc)) from None
    if mark_printed and guests:
        session.execute(update(Guest).where(Guest.id.in_([guest.id for guest in guests]))
                        .values(badge_printed_at=now))
        session.commit()
    return report


def published_intros(session: Session, guests: Sequence[Guest]) -> dict[int, list[str]]:
    """Per guest id, the introductions the host published from matching, one line each:
    people who can help the guest first, then people the guest can help.  Empty lists when
    nothing is published, so the foldover back shows its empty state."""
    from ..matching.published import matches_for_guest  # the matching feature owns publication

    intros = {}
    for guest in guests:
        matches = matches_for_guest(session, guest)
        intros[guest.id] = [f"{match.name} \u2014 {match.text}"
                            for match in (*matches.can_help_you, *matches.you_can_help)]
    return intros


def render_event_badges(session: Session, event: Event, out: BinaryIO, *, base_url: str,
                        now: datetime, only: str = DEFAULT_SELECTION, **options) -> RenderReport:
    """Render the badges of a selection of an event's guests (see :func:`render_guests`)."""
    return render_guests(session, select_guests(session, event, only), out, base_url=base_url,
                         now=now, **options)


def guest_of_event(session: Session, event: Event, guest_id: int) -> Guest:
    """One guest of this event, or :class:`BadgeError`."""
    guest = session.get(Guest, guest_id)
    if guest is None or guest.event_id != event.id:
        raise BadgeError("No such guest at this event.")
    return guest
