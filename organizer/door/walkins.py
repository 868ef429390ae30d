"""Walk-ins: a guest added at the door, checked in on the spot."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..forms import clean_line
from ..hosting.models import Event
from ..rsvp.models import ANSWER_MAX, NAME_MAX, Attendance, Guest
from ..rsvp.services import GuestAnswers, create_guest, normalise_email
from .models import CheckinLog, DoorKey

COMPANY_MAX = 200


class WalkinError(DomainError):
    """The walk-in form has a problem; ``field`` names the input to fix."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class WalkinForm:
    """What the door volunteer types: the name, the rest optional, offer/need one line each."""

    name: str
    email: str = ""
    company: str = ""
    can_offer: str = ""
    could_use: str = ""


def _one_line(text: str) -> str:
    """One line of text, without control characters (NUL breaks PostgreSQL), as forms clean it."""
    return " ".join(clean_line(text or "").split())


def add_walkin(session: Session, event: Event, form: WalkinForm, door_key: DoorKey | None,
               now: datetime) -> Guest:
    """Add a guest at the door and check them in; commits and logs it."""
    name = _one_line(form.name)
    if not name:
        raise WalkinError("Type the guest's name.", "name")
    if len(name) > NAME_MAX:
        raise WalkinError(f"Names are at most {NAME_MAX} characters.", "name")
    email = normalise_email(form.email)
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise WalkinError("That e-mail address does not look right.", "email") from None
    if email and session.query(Guest.id).filter_by(event_id=event.id, email=email).first():
        raise WalkinError("A guest with this e-mail is already on the list: search their name.",
                          "email")
    company, can_offer, could_use = (_one_line(form.company), _one_line(form.can_offer),
                                     _one_line(form.could_use))
    # Too long is refused, not cut: nothing is stored half-way. The door form has no maxlength
    # (it would cut a paste silently), so the message names the field.
    for field_name, label, value, limit in (("company", "Company", company, COMPANY_MAX),
                                            ("can_offer", "Can offer", can_offer, ANSWER_MAX),
                                            ("could_use", "Could use", could_use, ANSWER_MAX)):
        if len(value) > limit:
            raise WalkinError(f"{label}: at most {limit} characters.", field_name)
    answers = GuestAnswers(name=name, email=email, company=company, can_offer=can_offer,
                           could_use=could_use)
    guest = create_guest(session, event, answers, source="walkin", now=now)
    # The volunteer is letting this person in: a full event does not waitlist them at the door.
    guest.attendance = Attendance.yes
    guest.waitlisted_at = None
    guest.checked_in_at = now
    session.flush()
    session.add(CheckinLog(event_id=event.id, guest_id=guest.id,
                           door_key_id=door_key.id if door_key else None,
                           door_name=door_key.name if door_key else "", result="ok",
                           created_at=now, detail="Walk-in added at the door."))
    session.commit()
    return guest
