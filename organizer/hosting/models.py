"""Hosts and their events."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db


class Host(UserMixin, db.Model):
    """A host account (e-mail + hashed password)."""

    __tablename__ = "host"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of the id kept in the signed session cookie: logging out raises it, so every cookie
    # issued before (a copy kept by someone else, another browser) stops being accepted.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def get_id(self) -> str:
        """Flask-Login's id for the session: "<id>.<session_version>"."""
        return f"{self.id}.{self.session_version}"


class Event(db.Model):
    """A party: when and where, capacity, RSVP rules and optional offer/need categories."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    venue: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    categories_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The highest badge number handed out (see organizer.rsvp.services.take_badge_numbers).
    last_badge_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    guests = relationship("Guest", back_populates="event", cascade="all, delete-orphan",
                          lazy="dynamic")

    @property
    def categories(self) -> list[str]:
        """Host-defined offer/need categories, in display order."""
        return json.loads(self.categories_json or "[]")

    @categories.setter
    def categories(self, value: list[str]) -> None:
        self.categories_json = json.dumps(list(value), ensure_ascii=False)

    @property
    def tz(self) -> ZoneInfo:
        """The event's time zone."""
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime | None) -> datetime | None:
        """A UTC moment shown in the event's time zone."""
        return moment.astimezone(self.tz) if moment else None

    def rsvp_closed_reason(self, now: datetime) -> str | None:
        """Why RSVPs are not accepted right now, or None when they are."""
        if not self.is_open:
            return "The host has closed RSVPs for this event."
        if self.rsvp_deadline and now > self.rsvp_deadline:
            return "The RSVP deadline for this event has passed."
        return None
