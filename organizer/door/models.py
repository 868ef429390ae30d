"""Door check-in tables: door keys, the append-only check-in log, retired badge tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, keep_token_digest, utcnow
from ..extensions import db

DOOR_NAME_MAX = 80

# What a scan (or an undo) came to; the first six are the API's "result" values.
CHECKIN_RESULTS = ("ok", "already", "unknown", "wrong_event", "revoked", "not_attending",
                   "undone")


class DoorKey(db.Model):
    """A named secret that gives one phone door access to one event; stored only as a hash."""

    __tablename__ = "door_key"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(DOOR_NAME_MAX))
    # sha256 hex of the secret; the secret itself is shown once and never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event = relationship("Event")

    @property
    def is_revoked(self) -> bool:
        """True once the host has revoked the key."""
        return self.revoked_at is not None


class CheckinLog(db.Model):
    """One row per scan, undo or walk-in at the door, refused scans included; never updated."""

    __tablename__ = "checkin_log"
    __table_args__ = (
        # A client retrying a scan with the same idempotency key gets the first answer back.
        UniqueConstraint("event_id", "idempotency_key"),
        CheckConstraint("result IN ('ok', 'already', 'unknown', 'wrong_event', 'revoked', "
                        "'not_attending', 'undone')", name="result_known"),
        Index("ix_checkin_log_guest_id_result", "guest_id", "result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # Null for scans that matched no guest of this event.
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("guest.id", ondelete="SET NULL"))
    door_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("door_key.id", ondelete="SET NULL"))
    # Copied so the log still reads right after a key is renamed or deleted.
    door_name: Mapped[str] = mapped_column(String(DOOR_NAME_MAX), default="")
    result: Mapped[str] = mapped_column(String(16))
    # When the server handled it, and when the phone scanned it (differs for offline scans).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    # A short reason in words for refused scans ("badge of another event", ...), no personal data.
    detail: Mapped[str] = mapped_column(String(200), default="")

    guest = relationship("Guest")


class RetiredBadgeToken(db.Model):
    """A badge token that was replaced by a reissued badge; scanning it answers "revoked"."""

    __tablename__ = "retired_badge_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the token, set with it: scans look retired tokens up by this.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


keep_token_digest(RetiredBadgeToken.token, "token_hash")
