"""Column types shared by the models."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

from sqlalchemy import DateTime, event
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


def new_token(nbytes: int = 18) -> str:
    """A URL-safe random token (default 144 bits)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a token: what lookups search by, so no query compares the secret."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(stored: str | None, given: str | None) -> bool:
    """Compare a stored token with a presented one in constant time."""
    if stored is None or given is None:
        return False
    return hmac.compare_digest(stored.encode("utf-8", "surrogatepass"),
                               given.encode("utf-8", "surrogatepass"))


def keep_token_digest(token_attribute, digest_name: str) -> None:
    """Whenever ``token_attribute`` is set, set ``digest_name`` to its SHA-256 as well.

    The one place a token's digest is written: every path that creates or reissues a token
    (constructor, reissue, import, walk-in, demo) goes through the attribute, so none forgets.
    """
    @event.listens_for(token_attribute, "set")
    def _set_digest(target, value, oldvalue, initiator) -> None:
        setattr(target, digest_name, token_digest(value) if value is not None else None)
