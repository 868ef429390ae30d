"""The e-mails the kit sends to guests, and the calendar file that goes with them."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy.orm import Session

from .outbox import queue_message

if TYPE_CHECKING:
    from ..hosting.models import Event
    from ..rsvp.models import Guest


def edit_link(guest: "Guest", base_url: str) -> str:
    """The guest's private link for changing or declining their RSVP."""
    return f"{base_url.rstrip('/')}/r/{guest.edit_token}"


def event_ics(event: "Event", base_url: str) -> bytes:
    """An iCalendar file for the event."""
    return _event_ics(event.id, event.slug, event.title, event.created_at, event.starts_at,
                      event.ends_at, event.venue, event.description, base_url)


@lru_cache(maxsize=64)
def _event_ics(event_id, slug, title, created_at, starts_at, ends_at, venue, description,
               base_url) -> bytes:
    # Cached on every field it shows, so an edited event gets a fresh file.
    cal = Calendar()
    cal.add("prodid", "-//Pay-It-Forward Party Kit//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"event-{event_id}-{slug}@pif")
    item.add("summary", title)
    item.add("dtstamp", created_at)
    item.add("dtstart", starts_at)
    if ends_at:
        item.add("dtend", ends_at)
    if venue:
        item.add("location", venue)
    if description:
        item.add("description", description)
    item.add("url", f"{base_url.rstrip('/')}/e/{slug}")
    cal.add_component(item)
    return cal.to_ical()


def when_text(event: "Event") -> str:
    """The event's start (and end) in its own time zone, for e-mails."""
    start = event.local(event.starts_at)
    text = start.strftime("%A %d %B %Y, %H:%M")
    if event.ends_at:
        text += event.local(event.ends_at).strftime("–%H:%M")
    return f"{text} ({event.timezone})"


def _status_line(guest: "Guest", position: int | None) -> str:
    answer = guest.attendance.value
    if answer == "waitlist":
        return (f"The event is full, so you are on the waitlist (number {position}). "
                "We will e-mail you if a place frees up.")
    return {"yes": "You're coming — see you there!",
            "maybe": "You said maybe — let us know when you decide.",
            "no": "You said you can't come. Thanks for letting us know."}[answer]


def _footer(event: "Event", guest: "Guest", base_url: str) -> str:
    return (f"\nWhen: {when_text(event)}\nWhere: {event.venue or 'to be announced'}\n\n"
            f"Your private link (change your answers or decline):\n{edit_link(guest, base_url)}\n\n"
            "Keep this link to yourself: anyone with it can change your RSVP.\n")


def _guest_message(guest: "Guest", event: "Event", subject: str, message: str,
                   base_url: str) -> dict | None:
    """Greeting, message, the event's time and place and the edit link, with the .ics file
    unless the guest said they can't come: the arguments of `queue_message`, or None for a
    guest with no address."""
    if not guest.email:
        return None
    body = f"Hi {guest.name},\n\n{message}\n" + _footer(event, guest, base_url)
    ics = None if guest.attendance.value == "no" else event_ics(event, base_url)
    return {"to": guest.email, "subject": f"{subject}: {event.title}", "body": body,
            "ics": ics, "event_id": event.id}


def _queue_to_guest(session: Session, guest: "Guest", subject: str, message: str,
                    base_url: str) -> None:
    parts = _guest_message(guest, guest.event, subject, message, base_url)
    if parts:
        queue_message(session, **parts)


def rsvp_confirmation(guest: "Guest", event: "Event", *, base_url: str,
                      position: int | None) -> dict | None:
    """The confirmation e-mail of a new RSVP (edit link, .ics), ready for `queue_message`."""
    return _guest_message(guest, event, "Your RSVP",
                          f"Thanks for your RSVP to {event.title}.\n"
                          f"{_status_line(guest, position)}", base_url)


def queue_edit_link_reminder(session: Session, guest: "Guest", *, base_url: str,
                             position: int | None) -> None:
    """Someone RSVP'd again with this address: tell its owner the answer on file (``position``:
    their waitlist place, if waitlisted) and send the existing edit link."""
    _queue_to_guest(session, guest, "Your RSVP link",
                    f"Someone (probably you) RSVP'd to {guest.event.title} again with this "
                    "address. This address already has an RSVP, so nothing was changed.\n"
                    f"Your answer on file: {_status_line(guest, position)}\n"
                    "To change it, or any of your answers, use your private link below.",
                    base_url)


def queue_waitlist_promotion(session: Session, guest: "Guest", *, base_url: str) -> None:
    """A place freed up and this waitlisted guest now has it."""
    _queue_to_guest(session, guest, "You're in",
                    f"Good news: a place opened up at {guest.event.title} and it is yours. "
                    "You're now on the guest list.\nIf you can no longer come, please decline "
                    "with your private link so the next person can have the place.", base_url)


def queue_matches_ready(session: Session, guest: "Guest", can_help_you: list[tuple[str, str]],
                        you_can_help: list[tuple[str, str]], *, base_url: str) -> None:
    """The host published introductions: who the guest should meet and why, as (name, why) pairs
    worded as on their page. Contact details are not in the e-mail; the page shows those the
    other guests agreed to share."""
    lines = [f"The host of {guest.event.title} has picked people for you to meet at the party."]
    if can_help_you:
        lines += ["", "They could help you:"] + [f"- {name}: {why}" for name, why in can_help_you]
    if you_can_help:
        lines += ["", "You could help them:"] + [f"- {name}: {why}" for name, why in you_can_help]
    lines += ["", "Your private page below shows them, with contact details where people agreed "
                  "to share them, and stays up to date if the host changes the introductions."]
    _queue_to_guest(session, guest, "People to meet", "\n".join(lines), base_url)
