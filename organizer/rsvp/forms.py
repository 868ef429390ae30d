"""The RSVP form a guest fills in on their phone."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from ..forms import BaseForm, MultiCheckboxField
from .models import ANSWER_MAX, NAME_MAX, Attendance
from .services import GuestAnswers


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"{what} can be at most {limit} characters — please shorten it.")


class RsvpForm(BaseForm):
    """Name, contact, the two pay-it-forward questions, consent and attendance."""

    name = StringField("Your name", validators=[
        DataRequired("Please tell us your name."), _length(NAME_MAX, "Your name")])
    email = EmailField("E-mail", validators=[
        DataRequired("Please give your e-mail address: we send your confirmation there."),
        Email("That doesn't look like an e-mail address (like name@example.com)."),
        Length(max=254)])
    company = StringField("Company or organisation", validators=[_length(200, "Company")])
    role = StringField("Role", validators=[_length(200, "Role")])
    can_offer = TextAreaField("What can you offer?", validators=[
        _length(ANSWER_MAX, "This answer")])
    could_use = TextAreaField("What could you use?", validators=[
        _length(ANSWER_MAX, "This answer")])
    categories = MultiCheckboxField("Topics", choices=[])
    consent_share = BooleanField(
        "Share my company, role and e-mail with the people I'm matched with")
    attendance = RadioField("Are you coming?", choices=[
        SelectChoice("yes", "Yes, I'll be there"), SelectChoice("maybe", "Maybe"),
        SelectChoice("no", "No, I can't make it")],
        default="yes", validators=[InputRequired("Please tell us if you're coming.")])

    def set_categories(self, categories: list[str]) -> None:
        """Offer the event's host-defined categories as tick-boxes."""
        self.categories.choices = [SelectChoice(c, c) for c in categories]

    def to_answers(self) -> GuestAnswers:
        """The submitted answers as a plain object for the services."""
        return GuestAnswers(
            name=self.name.data, email=self.email.data, company=self.company.data or "",
            role=self.role.data or "", can_offer=self.can_offer.data or "",
            could_use=self.could_use.data or "", categories=list(self.categories.data or []),
            consent_share=bool(self.consent_share.data),
            attendance=Attendance(self.attendance.data))


class EditRsvpForm(RsvpForm):
    """The same questions through the edit link; the address stays as it was."""

    email = None

    def to_answers(self) -> GuestAnswers:
        """The submitted answers (without an address) for the services."""
        return GuestAnswers(
            name=self.name.data, company=self.company.data or "", role=self.role.data or "",
            can_offer=self.can_offer.data or "", could_use=self.could_use.data or "",
            categories=list(self.categories.data or []),
            consent_share=bool(self.consent_share.data),
            attendance=Attendance(self.attendance.data))
