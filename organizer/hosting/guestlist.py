"""The host's guest table: search, filter by status, sort."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..rsvp.models import Attendance, Guest
from .models import Event

SORTS = {
    "name": (func.lower(Guest.name), Guest.id),
    "newest": (Guest.created_at.desc(), Guest.id.desc()),
    "badge": (Guest.badge_number,),
    "company": (func.lower(Guest.company), func.lower(Guest.name)),
}
STATUSES = [a.value for a in Attendance] + ["checked_in"]


def list_guests(session: Session, event: Event, *, search: str = "", status: str = "",
                sort: str = "name", limit: int = 5000) -> list[Guest]:
    """Guests of an event matching a search text and status, in the chosen order."""
    query = select(Guest).where(Guest.event_id == event.id)
    if status == "checked_in":
        query = query.where(Guest.checked_in_at.is_not(None))
    elif status in {a.value for a in Attendance}:
        query = query.where(Guest.attendance == Attendance(status))
    for word in search.split()[:5]:
        pattern = f"%{word.lower()}%"
        query = query.where(or_(func.lower(Guest.name).like(pattern),
                                func.lower(Guest.email).like(pattern),
                                func.lower(Guest.company).like(pattern),
                                func.lower(Guest.role).like(pattern),
                                func.lower(Guest.can_offer).like(pattern),
                                func.lower(Guest.could_use).like(pattern)))
    return list(session.scalars(query.order_by(*SORTS.get(sort, SORTS["name"])).limit(limit)))
