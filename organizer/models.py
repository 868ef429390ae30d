"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""
from .door.models import CheckinLog, DoorKey, RetiredBadgeToken  # noqa: F401
from .hosting.models import Event, Host
from .mail.models import OutboxMessage
from .matching.models import GuestAnalysis, MatchChoice, MatchPublication, MatchRun  # noqa: F401
from .rsvp.models import Attendance, Guest

__all__ = ["Attendance", "Event", "Guest", "Host", "OutboxMessage"]
