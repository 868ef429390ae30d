"""Guests: one row per person per event, whatever way they arrived (RSVP, import, walk-in)."""
from __future__ import annotations

import enum
import json
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, new_token, utcnow
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
    edit_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    badge_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
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
