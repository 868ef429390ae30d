"""Matching tables: stored answer analyses, the host's choices, saved runs and publication."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db

# What a host can say about a pair of guests. Locks and vetoes are about one suggested
# introduction (giver -> receiver); exclusions and pins are about two people, either way round.
CHOICE_KINDS = ("lock", "veto", "exclude", "pin")
DIRECTED_KINDS = ("lock", "veto")
STRENGTHS = ("strong", "possible")


class GuestAnalysis(db.Model):
    """The engine's reading of one guest's answers, computed once when the answers change."""

    __tablename__ = "guest_analysis"

    id: Mapped[int] = mapped_column(primary_key=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), unique=True)
    # sha256 of the answers (and the analysis format version) the data was computed from.
    answers_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guest = relationship("Guest")


class MatchChoice(db.Model):
    """A host's lock, veto, exclusion ("not A with B") or pin ("A must meet B") for an event."""

    __tablename__ = "match_choice"
    __table_args__ = (
        UniqueConstraint("event_id", "kind", "guest_a_id", "guest_b_id"),
        CheckConstraint("kind IN ('lock', 'veto', 'exclude', 'pin')", name="kind_known"),
        CheckConstraint("guest_a_id <> guest_b_id", name="two_guests"),
        # Undirected choices are stored with the smaller id first, so each pair has one row.
        CheckConstraint("kind IN ('lock', 'veto') OR guest_a_id < guest_b_id", name="pair_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # For locks and vetoes: a is the giver, b the receiver.
    guest_a_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    guest_b_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guest_a = relationship("Guest", foreign_keys=[guest_a_id])
    guest_b = relationship("Guest", foreign_keys=[guest_b_id])


class MatchRun(db.Model):
    """One run of the matcher the host reviewed: its suggestions, unserved needs and circles."""

    __tablename__ = "match_run"
    __table_args__ = (
        CheckConstraint("per_guest > 0", name="per_guest_positive"),
        CheckConstraint("guest_count >= 0", name="guest_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_present_only: Mapped[bool] = mapped_column(Boolean, default=False)
    per_guest: Mapped[int] = mapped_column(Integer, default=3)
    guest_count: Mapped[int] = mapped_column(Integer, default=0)
    # Ids of the guests the run covered, and circles/chains of guest ids (derived data).
    guest_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    circles_json: Mapped[str] = mapped_column(Text, default="[]")
    # {guest id: answers hash} as the run read them, so the host can be told who changed since.
    answers_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")

    suggestions = relationship("MatchSuggestion", back_populates="run", cascade="all, delete-orphan",
                               passive_deletes=True, order_by="MatchSuggestion.id")
    unserved = relationship("UnservedNeedRow", back_populates="run", cascade="all, delete-orphan",
                            passive_deletes=True, order_by="UnservedNeedRow.id")

    @property
    def guest_ids(self) -> list[int]:
        """The guests this run matched."""
        return json.loads(self.guest_ids_json or "[]")

    @property
    def answer_hashes(self) -> dict[int, str]:
        """Each matched guest's answers hash when the run was made (empty for older runs)."""
        return {int(k): v for k, v in json.loads(self.answers_json or "{}").items()}

    @property
    def circles(self) -> list[dict]:
        """Pay-it-forward groups: {"members": [guest ids in helping order], "closed": bool}."""
        return [group if isinstance(group, dict) else {"members": group, "closed": True}
                for group in json.loads(self.circles_json or "[]")]


class MatchSuggestion(db.Model):
    """A suggested introduction of a run: the giver can help with something the receiver could use."""

    __tablename__ = "match_suggestion"
    __table_args__ = (
        UniqueConstraint("run_id", "giver_id", "receiver_id"),
        CheckConstraint("giver_id <> receiver_id", name="not_self"),
        CheckConstraint("strength IN ('strong', 'possible')", name="strength_known"),
        CheckConstraint("rank > 0", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    giver_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"), index=True)
    # 1 = the best suggestion for this receiver.
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    strength: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    offer_item: Mapped[str] = mapped_column(Text, default="")
    need_item: Mapped[str] = mapped_column(Text, default="")
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    run = relationship("MatchRun", back_populates="suggestions")
    giver = relationship("Guest", foreign_keys=[giver_id])
    receiver = relationship("Guest", foreign_keys=[receiver_id])

    @property
    def is_strong(self) -> bool:
        """True for a safe-bet introduction."""
        return self.strength == "strong"


class UnservedNeedRow(db.Model):
    """A need of a run that nobody present offers: one the host can help with personally."""

    __tablename__ = "match_unserved"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    guest_id: Mapped[int] = mapped_column(ForeignKey("guest.id", ondelete="CASCADE"))
    need_item: Mapped[str] = mapped_column(Text)
    best_score: Mapped[float] = mapped_column(Float, default=0.0)

    run = relationship("MatchRun", back_populates="unserved")
    guest = relationship("Guest")


class MatchPublication(db.Model):
    """Which run an event's guests see on their own page ("people you should meet"); no row: none."""

    __tablename__ = "match_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run = relationship("MatchRun")
