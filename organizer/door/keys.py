"""Door keys: create, list, revoke, and authenticate the bearer of one."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DomainError
from ..hosting.models import Event
from .models import DOOR_NAME_MAX, DoorKey


class DoorKeyError(DomainError):
    """A door key problem; ``status`` is the HTTP status the API answers with."""

    status = 401
    code = "unauthorized"


class DoorKeyMissing(DoorKeyError):
    """No door key was given."""

    code = "missing_key"


class DoorKeyUnknown(DoorKeyError):
    """The door key matches no key we issued."""

    code = "unknown_key"


class DoorKeyRevoked(DoorKeyError):
    """The host revoked this door key."""

    status = 403
    code = "revoked_key"


class DoorKeyWrongEvent(DoorKeyError):
    """The door key belongs to another event."""

    status = 403
    code = "wrong_event_key"


class DoorKeyNameError(DomainError):
    """The door name is empty, too long or already used for this event."""


@dataclass
class IssuedDoorKey:
    """A freshly created key with its secret, which is shown once and never stored."""

    door_key: DoorKey
    secret: str


def hash_secret(secret: str) -> str:
    """The stored form of a door key secret (sha256 hex)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_door_key(session: Session, event: Event, name: str, now: datetime) -> IssuedDoorKey:
    """Issue a named door key for an event (caller commits)."""
    name = " ".join((name or "").split())
    if not name:
        raise DoorKeyNameError("Give the door a name, e.g. “Front door”.")
    if len(name) > DOOR_NAME_MAX:
        raise DoorKeyNameError(f"Door names are at most {DOOR_NAME_MAX} characters.")
    taken = session.scalar(select(DoorKey.id).where(DoorKey.event_id == event.id,
                                                    DoorKey.name == name))
    if taken:
        raise DoorKeyNameError(f"There is already a door called “{name}”.")
    secret = secrets.token_urlsafe(24)  # 192 bits
    key = DoorKey(event_id=event.id, name=name, key_hash=hash_secret(secret), created_at=now)
    session.add(key)
    session.flush()
    return IssuedDoorKey(key, secret)


def next_door_name(session: Session, event: Event) -> str:
    """A free default name: "Door 1", "Door 2", ..."""
    names = set(session.scalars(select(DoorKey.name).where(DoorKey.event_id == event.id)))
    n = 1
    while f"Door {n}" in names:
        n += 1
    return f"Door {n}"


def list_door_keys(session: Session, event: Event) -> list[DoorKey]:
    """The event's door keys, oldest first, revoked ones included."""
    return list(session.scalars(select(DoorKey).where(DoorKey.event_id == event.id)
                                .order_by(DoorKey.created_at, DoorKey.id)))


def revoke_door_key(session: Session, event: Event, key_id: int, now: datetime) -> DoorKey:
    """Revoke one of the event's door keys at once (caller commits)."""
    key = session.get(DoorKey, key_id)
    if key is None or key.event_id != event.id:
        raise DomainError("No such door key for this event.")
    if key.revoked_at is None:
        key.revoked_at = now
    return key


def authenticate_door_key(session: Session, event: Event, secret: str | None) -> DoorKey:
    """The live door key of this event matching the secret, or a DoorKeyError."""
    secret = (secret or "").strip()
    if not secret:
        raise DoorKeyMissing("This request needs a door key.")
    wanted = hash_secret(secret)
    key = session.scalar(select(DoorKey).where(DoorKey.key_hash == wanted))
    # The lookup is by hash; compare again in constant time so timing says nothing either way.
    if key is None or not hmac.compare_digest(key.key_hash, wanted):
        raise DoorKeyUnknown("This door key is not valid.")
    if key.event_id != event.id:
        raise DoorKeyWrongEvent("This door key is for another event.")
    if key.revoked_at is not None:
        raise DoorKeyRevoked("The host revoked this door link. Ask for a new one.")
    return key


def authenticate_door(session: Session, slug: str, secret: str | None) -> tuple[Event, DoorKey]:
    """The event named by ``slug`` and the live door key of it matching the secret.

    One query on the happy path (key joined to its event); raises DoorKeyError, or LookupError
    when no event has this slug.
    """
    secret = (secret or "").strip()
    if not secret:
        raise DoorKeyMissing("This request needs a door key.")
    wanted = hash_secret(secret)
    row = session.execute(select(DoorKey, Event).join(Event, Event.id == DoorKey.event_id)
                          .where(DoorKey.key_hash == wanted)).first()
    if row is not None and row[1].slug == slug:
        key, event = row
        if not hmac.compare_digest(key.key_hash, wanted):
            raise DoorKeyUnknown("This door key is not valid.")
        if key.revoked_at is not None:
            raise DoorKeyRevoked("The host revoked this door link. Ask for a new one.")
        return event, key
    event = session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise LookupError(slug)
    if row is None:
        raise DoorKeyUnknown("This door key is not valid.")
    raise DoorKeyWrongEvent("This door key is for another event.")
