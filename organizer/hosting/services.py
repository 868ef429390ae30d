"""Host accounts and events: plain services shared by the dashboard and the CLI."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import DomainError
from .models import Event, Host

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MIN_PASSWORD = 10


def host_count(session: Session) -> int:
    """How many host accounts exist (none means first-run setup)."""
    return session.scalar(select(func.count()).select_from(Host)) or 0


def create_host(session: Session, email: str, password: str) -> Host:
    """Create a host account with a hashed password (caller commits)."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise DomainError("Please give a valid e-mail address.")
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(f"The password must be at least {MIN_PASSWORD} characters.")
    if session.scalar(select(Host).where(Host.email == email)):
        raise DomainError(f"A host with the address {email} already exists.")
    host = Host(email=email, password_hash=generate_password_hash(password))
    session.add(host)
    session.flush()
    return host


def host_for_session(session: Session, session_id: str) -> Host | None:
    """The host a session cookie names ("<id>.<session_version>"), or None when it names no host,
    or a session version the host has since ended (by logging out)."""
    host_id, _, version = (session_id or "").partition(".")
    if not host_id.isdigit() or not version.isdigit():
        return None  # includes cookies from before session versions: those log in again
    host = session.get(Host, int(host_id))
    return host if host is not None and host.session_version == int(version) else None


def end_sessions(session: Session, host: Host) -> None:
    """Log the host out everywhere: every session cookie issued so far stops working (caller
    commits)."""
    host.session_version = (host.session_version or 0) + 1
    session.flush()


def authenticate(session: Session, email: str, password: str) -> Host | None:
    """The host with these credentials, or None."""
    host = session.scalar(select(Host).where(Host.email == (email or "").strip().lower()))
    if host is None:
        # Same work as a real check, so timing does not reveal which addresses exist.
        check_password_hash(generate_password_hash("x"), password or "")
        return None
    return host if check_password_hash(host.password_hash, password or "") else None


def check_timezone(name: str) -> ZoneInfo:
    """The named IANA time zone, or a DomainError naming the problem."""
    if name not in available_timezones():
        raise DomainError(f"Unknown time zone {name!r}: use a name like Europe/London.")
    return ZoneInfo(name)


def slugify(text: str) -> str:
    """A URL slug from a title."""
    import unicodedata
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:64].strip("-") or "event"


def parse_local(value: str, tz: ZoneInfo) -> datetime:
    """Parse "YYYY-MM-DD HH:MM" (or ISO "T") as a time in the event's zone."""
    try:
        naive = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise DomainError(f"Cannot read the time {value!r}: use YYYY-MM-DD HH:MM.") from None
    return naive.replace(tzinfo=tz) if naive.tzinfo is None else naive


@dataclass
class EventDetails:
    """Everything a host sets on an event; times are aware datetimes."""

    title: str
    slug: str
    starts_at: datetime
    timezone: str = "UTC"
    ends_at: datetime | None = None
    venue: str = ""
    description: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None
    is_open: bool = True
    categories: list[str] = field(default_factory=list)


def _validate(session: Session, details: EventDetails, event: Event | None) -> None:
    if not details.title.strip():
        raise DomainError("The event needs a title.")
    if not SLUG_RE.match(details.slug):
        raise DomainError("The slug may use lower-case letters, digits and dashes "
                          "(like spring-party), up to 64 characters.")
    other = session.scalar(select(Event).where(Event.slug == details.slug))
    if other is not None and other is not event:
        raise DomainError(f"The slug {details.slug!r} is taken by another event.")
    check_timezone(details.timezone)
    if details.ends_at and details.ends_at < details.starts_at:
        raise DomainError("The event cannot end before it starts.")
    if details.capacity is not None and details.capacity < 1:
        raise DomainError("Capacity must be at least 1 (leave it empty for no limit).")


def create_event(session: Session, details: EventDetails, *, is_demo: bool = False) -> Event:
    """Create an event after checking its details (caller commits)."""
    _validate(session, details, None)
    event = Event(is_demo=is_demo)
    _apply(event, details)
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, details: EventDetails) -> Event:
    """Change an event's details (caller commits; promote the waitlist if capacity grew)."""
    _validate(session, details, event)
    _apply(event, details)
    session.flush()
    return event


def _apply(event: Event, details: EventDetails) -> None:
    event.title = details.title.strip()
    event.slug = details.slug
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.timezone = details.timezone
    event.venue = details.venue
    event.description = details.description
    event.capacity = details.capacity
    event.rsvp_deadline = details.rsvp_deadline
    event.is_open = details.is_open
    event.categories = [c for c in details.categories if c]


def event_by_slug(session: Session, slug: str) -> Event:
    """The event with this slug or a DomainError."""
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise DomainError(f"No event with the slug {slug!r}.")
    return event
