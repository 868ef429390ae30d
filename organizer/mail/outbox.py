"""Putting messages in the outbox and claiming them for delivery."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Row, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from ..dbtypes import utcnow
from ..writelock import sqlite_write_turn
from .models import OutboxMessage

# A claim older than this is assumed to belong to a sender that died.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 8


_QUEUE = insert(OutboxMessage.__table__)  # built once; the values come as parameters


def outbox_row(*, to: str, subject: str, body: str, ics: bytes | None = None,
               event_id: int | None = None) -> dict:
    """A message (``queue_message``'s arguments) as the outbox table's column values."""
    return {"to_addr": to, "subject": subject, "body_text": body, "ics": ics, "event_id": event_id}


def queue_message(session: Session, *, to: str, subject: str, body: str,
                  ics: bytes | None = None, event_id: int | None = None) -> None:
    """Add a message to the outbox in the caller's transaction.

    One INSERT sent at once rather than an object for the next flush: an RSVP writes its
    confirmation while it holds the event's lock, so the cheaper the better.
    """
    session.connection().execute(_QUEUE, outbox_row(to=to, subject=subject, body=body, ics=ics,
                                                    event_id=event_id))


def claim_batch(session: Session, now: datetime | None = None, limit: int = 50,
                skip: Collection[int] = ()) -> list[Row]:
    """Atomically claim up to `limit` undelivered messages, oldest first, so several senders
    never send one twice. One transaction per batch: the sender's share of the database (and,
    on SQLite, of the single writer's turn) stays small while RSVPs keep arriving.

    PostgreSQL skips rows another sender has locked (FOR UPDATE SKIP LOCKED); everywhere, the
    UPDATE only takes rows still unclaimed, so a batch holds only what this sender got.
    ``skip`` holds ids this sender already tried in its current pass.
    """
    now = now or utcnow()
    table = OutboxMessage.__table__
    claimable = and_(table.c.sent_at.is_(None), table.c.attempts < MAX_ATTEMPTS,
                     or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - CLAIM_TIMEOUT))
    query = select(table.c.id).where(claimable).order_by(table.c.id).limit(limit)
    if skip:
        query = query.where(table.c.id.not_in(list(skip)))
    connection = session.connection()
    with sqlite_write_turn(session):
        candidates = connection.scalars(query.with_for_update(skip_locked=True)).all()
        claimed = connection.scalars(update(table).where(table.c.id.in_(candidates), claimable)
                                     .values(claimed_at=now, attempts=table.c.attempts + 1)
                                     .returning(table.c.id)).all() if candidates else []
        session.commit()
    if not claimed:
        return []
    # Plain rows, not ORM objects: the sender commits after every message, which would expire
    # (and reload, one query each) the rest of a batch of objects.
    return list(session.connection().execute(
        select(table.c.id, table.c.to_addr, table.c.subject, table.c.body_text, table.c.ics)
        .where(table.c.id.in_(claimed)).order_by(table.c.id)))


def pending_count(session: Session) -> int:
    """Messages not delivered yet."""
    return len(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None))).all())
