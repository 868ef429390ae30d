"""Guests: one row per person per event, whatever way they arrived (RSVP, import, walk-in)."""
from __future__ import annotations

import enum
import json
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, keep_token_digest, new_token, utcnow
from ..extensions import db

NAME_MAX = 120
ANSWER_MAX = 1000


class Attendance(str, enum.Enum):
    """What the guest answered, plus the waitlist the kit puts them on when full."""

    yes = "yes"
    maybe = "maybe"
    no = "no"
    waitlist = "waitlist"


class Guest(db.Model):
    """A guest of one event with their answers and private tokens."""

    __tablename__ = "guest"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        UniqueConstraint("event_id", "badge_number"),
        CheckConstraint("badge_number > 0", name="badge_number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Lower-cased; None for walk-ins who gave no address.
    email: Mapped[str | None] = mapped_column(String(254))
    company: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(200), default="")
    can_offer: Mapped[str] = mapped_column(Text, default="")
    could_use: Mapped[str] = mapped_column(Text, default="")
    categories_json: Mapped[str] = mapped_column(Text, default="[]")
    consent_share: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[Attendance] = mapped_column(
        Enum(Attendance, native_enum=False, length=16, validate_strings=True),
        default=Attendance.yes)
    source: Mapped[str] = mapped_column(String(16), default="rsvp")
    badge_number: Mapped[int] = mapped_column(Integer)
    # The raw tokens stay (edit links are e-mailed again, badge codes printed again), but
    # lookups go by their SHA-256 and then compare the token in constant time
    # (services.find_guest_by_edit_token / find_guest_by_badge_token). Both are set on
    # construction and the digests follow every change (see the events below).
    edit_token: Mapped[str] = mapped_column(String(64), unique=True)
    badge_token: Mapped[str] = mapped_column(String(64), unique=True)
    edit_token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    badge_token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the guest last went onto the waitlist: the queue order.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship("Event", back_populates="guests")

    @property
    def categories(self) -> list[str]:
        """The categories the guest ticked."""
        return json.loads(self.categories_json or "[]")

    @categories.setter
    def categories(self, value: list[str]) -> None:
        self.categories_json = json.dumps(list(value), ensure_ascii=False)

    @property
    def extra(self) -> dict[str, str]:
        """Columns from an imported CSV that the kit does not use, kept as they were."""
        return json.loads(self.extra_json or "{}")

    @property
    def is_going(self) -> bool:
        """True when the guest is expected at the door."""
        return self.attendance in (Attendance.yes, Attendance.maybe)


@event.listens_for(Guest, "init")
def _new_guest_tokens(target: Guest, args, kwargs) -> None:
    """Every new guest gets fresh random tokens (144 bits) unless given some."""
    kwargs.setdefault("edit_token", new_token())
    kwargs.setdefault("badge_token", new_token())


keep_token_digest(Guest.edit_token, "edit_token_hash")
keep_token_digest(Guest.badge_token, "badge_token_hash")
