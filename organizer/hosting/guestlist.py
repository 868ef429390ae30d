"""The host's guest table: search, filter by status, sort."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..door.roster import normalise_name
from ..rsvp.models import Attendance, Guest
from .models import Event

SORTS = {
    "name": (func.lower(Guest.name), Guest.id),
    "newest": (Guest.created_at.desc(), Guest.id.desc()),
    "badge": (Guest.badge_number,),
    "company": (func.lower(Guest.company), func.lower(Guest.name)),
}
STATUSES = [a.value for a in Attendance] + ["checked_in"]


def _searched_text(guest: Guest) -> str:
    """What the search looks in, folded: name, e-mail, company, role and both answers."""
    return normalise_name(" ".join(filter(None, (guest.name, guest.email, guest.company, guest.role,
                                                 guest.can_offer, guest.could_use))))


def list_guests(session: Session, event: Event, *, search: str = "", status: str = "",
                sort: str = "name", limit: int = 5000) -> list[Guest]:
    """Guests of an event matching a search text and status, in the chosen order.

    Every word of the search must appear somewhere in the guest's text, accents and case ignored
    as in the door's name search ("wisniewska" finds "Wiśniewska"). The folding is Python's
    (normalise_name), so the words are matched in Python, the same on SQLite and PostgreSQL,
    and "%" or "_" are plain characters.
    """
    query = select(Guest).where(Guest.event_id == event.id)
    if status == "checked_in":
        query = query.where(Guest.checked_in_at.is_not(None))
    elif status in {a.value for a in Attendance}:
        query = query.where(Guest.attendance == Attendance(status))
    query = query.order_by(*SORTS.get(sort, SORTS["name"]))
    words = normalise_name(search).split()[:5]
    if not words:
        return list(session.scalars(query.limit(limit)))
    found = []
    for guest in session.scalars(query):
        text = _searched_text(guest)
        if all(word in text for word in words):
            found.append(guest)
    return found[:limit]
