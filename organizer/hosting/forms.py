"""Host forms: account setup, login, event details, CSV import."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, Regexp

from ..forms import BaseForm
from .services import MIN_PASSWORD, SLUG_RE, EventDetails


@lru_cache(maxsize=1)
def timezone_choices() -> list[SelectChoice]:
    """Every IANA zone name, sorted, for the event form."""
    return [SelectChoice(z, z) for z in sorted(available_timezones()) if "/" in z or z == "UTC"]


class SetupForm(BaseForm):
    """The first host account, created on the first visit."""

    email = EmailField("Your e-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200,
                               message=f"Use at least {MIN_PASSWORD} characters.")])
    confirm = PasswordField("Password again", validators=[
        DataRequired(), EqualTo("password", message="The two passwords differ.")])


class LoginForm(BaseForm):
    """Host login."""

    email = EmailField("E-mail", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class EventForm(BaseForm):
    """Everything a host sets on an event."""

    title = StringField("Title", validators=[DataRequired("Give the event a title."),
                                             Length(max=200)])
    slug = StringField("Web address (slug)", validators=[
        DataRequired(), Length(max=64),
        Regexp(SLUG_RE, message="Use lower-case letters, digits and dashes, like spring-party.")],
        description="Guests RSVP at /e/<slug>.")
    starts_at = DateTimeLocalField("Starts", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("When does it start?")])
    ends_at = DateTimeLocalField("Ends", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    timezone = SelectField("Time zone", choices=[], default="UTC")
    venue = StringField("Venue", validators=[Length(max=300)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    capacity = IntegerField("Capacity", validators=[Optional(), NumberRange(min=1)],
                            description="Leave empty for no limit; extra \"yes\" answers join "
                                        "a waitlist.")
    rsvp_deadline = DateTimeLocalField("RSVP deadline", format="%Y-%m-%dT%H:%M",
                                       validators=[Optional()])
    is_open = BooleanField("RSVPs open", default=True)
    categories = TextAreaField("Offer/need categories (optional, one per line)",
                               validators=[Length(max=2000)],
                               description="Shown as tick-boxes beside the two questions.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()

    def to_details(self) -> EventDetails:
        """The form's values as event details, times in the chosen zone."""
        from zoneinfo import ZoneInfo
        tz = ZoneInfo(self.timezone.data)

        def aware(value):
            return value.replace(tzinfo=tz) if value else None
        return EventDetails(
            title=self.title.data, slug=self.slug.data, starts_at=aware(self.starts_at.data),
            ends_at=aware(self.ends_at.data), timezone=self.timezone.data,
            venue=self.venue.data or "", description=self.description.data or "",
            capacity=self.capacity.data, rsvp_deadline=aware(self.rsvp_deadline.data),
            is_open=bool(self.is_open.data),
            categories=[line.strip()[:60] for line in (self.categories.data or "").split("\n")
                        if line.strip()][:30])

    def fill_from(self, event) -> None:
        """Show an existing event's values in the form (local times)."""
        def local(value):
            return event.local(value).replace(tzinfo=None) if value else None
        self.title.data, self.slug.data = event.title, event.slug
        self.starts_at.data, self.ends_at.data = local(event.starts_at), local(event.ends_at)
        self.timezone.data, self.venue.data = event.timezone, event.venue
        self.description.data, self.capacity.data = event.description, event.capacity
        self.rsvp_deadline.data, self.is_open.data = local(event.rsvp_deadline), event.is_open
        self.categories.data = "\n".join(event.categories)


class ImportForm(BaseForm):
    """Upload a guest CSV."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
