"""Putting messages in the outbox and claiming them for delivery."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from ..dbtypes import utcnow
from ..writelock import sqlite_write_turn
from .models import OutboxMessage

# A claim older than this is assumed to belong to a sender that died.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 8


def queue_message(session: Session, *, to: str, subject: str, body: str,
                  ics: bytes | None = None, event_id: int | None = None) -> None:
    """Add a message to the outbox in the caller's transaction.

    One INSERT sent at once rather than an object for the next flush: an RSVP writes its
    confirmation while it holds the event's lock, so the cheaper the better.
    """
    session.connection().execute(insert(OutboxMessage.__table__).values(
        to_addr=to, subject=subject, body_text=body, ics=ics, event_id=event_id))


def claim_next(session: Session, now: datetime | None = None,
               skip: Collection[int] = ()) -> OutboxMessage | None:
    """Atomically claim one undelivered message, so several senders never send it twice.

    ``skip`` holds ids this sender already tried in its current pass.
    """
    now = now or utcnow()
    stale = now - CLAIM_TIMEOUT
    while True:
        query = select(OutboxMessage.id).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale))
        if skip:
            query = query.where(OutboxMessage.id.not_in(list(skip)))
        candidate = session.scalar(query.order_by(OutboxMessage.id).limit(1))
        if candidate is None:
            session.rollback()
            return None
        # Conditional update: only one sender's UPDATE matches the unclaimed row.
        with sqlite_write_turn(session):
            claimed = session.execute(
                update(OutboxMessage).where(
                    OutboxMessage.id == candidate, OutboxMessage.sent_at.is_(None),
                    or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale))
                .values(claimed_at=now, attempts=OutboxMessage.attempts + 1))
            session.commit()
        if claimed.rowcount == 1:
            return session.get(OutboxMessage, candidate)


def pending_count(session: Session) -> int:
    """Messages not delivered yet."""
    return len(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None))).all())
