"""Checking a guest in from a scanned badge code: exactly once, logged, idempotent."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..dbtypes import new_token, token_digest, token_matches
from ..errors import DomainError
from ..hosting.models import Event
from ..rsvp.models import Attendance, Guest
from ..rsvp.services import find_guest_by_badge_token
from ..writelock import sqlite_write_turn
from .models import CheckinLog, DoorKey, RetiredBadgeToken

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# An offline scan may be synced hours later, but not claim a time far in the past or future.
OFFLINE_MAX_AGE = timedelta(hours=24)

REASONS = {
    "ok": "Checked in.",
    "already": "Already checked in.",
    "unknown": "Unknown code: this is not one of our badges.",
    "wrong_event": "This badge is for another event.",
    "revoked": "This badge was replaced by a newer one.",
    "not_attending": "This guest is not on the guest list for tonight.",
}


class NothingToUndo(DomainError):
    """There is no check-in from this door left to undo."""


@dataclass
class CheckinOutcome:
    """The answer to one scan, as the API and the page show it."""

    result: str
    reason: str
    guest: Guest | None = None
    first_checked_in_at: datetime | None = None
    first_door: str | None = None
    replayed: bool = False
    # For an offline scan synced late: the other check-in of the same guest.
    conflict: dict[str, Any] | None = None
    log_id: int | None = None
    # The guest's public fields as they stood at the answer (read before the commit expires
    # the row, so answering costs no extra query).
    guest_fields: dict[str, Any] | None = None


def parse_badge_code(code: str | None) -> str | None:
    """The badge token in a scanned text (the badge URL or the bare token), or None."""
    text = (code or "").strip()
    if not text:
        return None
    if "/" in text or ":" in text:
        # Scanners and keyboards vary the scheme's case ("HTTPS://"); urlsplit lowers it.
        if "://" not in text:
            text = ("http://host" if text.startswith("/") else "http://") + text
        parts = urlsplit(text)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if len(segments) < 2 or segments[-2].lower() != "b":
            return None
        text = segments[-1]
    return text if TOKEN_RE.match(text) else None


def public_fields(guest: Guest) -> dict[str, Any]:
    """What door staff see about a guest: name, company, badge number, their "ask me about"."""
    offer = (guest.can_offer or "").strip().splitlines()
    return {
        "id": guest.id,
        "name": guest.name,
        "company": guest.company or "",
        "badge_number": guest.badge_number,
        "ask_me_about": offer[0][:200] if offer else "",
        "source": guest.source,
        "checked_in_at": guest.checked_in_at.isoformat() if guest.checked_in_at else None,
    }


def _first_checkin(session: Session, guest: Guest) -> tuple[datetime | None, str | None]:
    """The guest's standing check-in: its time and the door that made it."""
    last_undo = session.scalar(select(func.max(CheckinLog.id)).where(
        CheckinLog.guest_id == guest.id, CheckinLog.result == "undone")) or 0
    row = session.execute(
        select(CheckinLog.door_name).where(
            CheckinLog.guest_id == guest.id, CheckinLog.result == "ok", CheckinLog.id > last_undo)
        .order_by(func.coalesce(CheckinLog.scanned_at, CheckinLog.created_at), CheckinLog.id)
        .limit(1)).first()
    return guest.checked_in_at, (row[0] if row else None)


def _refusal(session: Session, event: Event, token: str | None) -> tuple[str, str, Guest | None]:
    """Classify a scan that is not a check-in candidate: result, reason, guest if any."""
    if token is None:
        return "unknown", "Not a badge code.", None
    guest = find_guest_by_badge_token(session, token)
    if guest is not None:
        if guest.event_id != event.id:
            return "wrong_event", REASONS["wrong_event"], None
        return "", "", guest
    retired = session.scalar(select(RetiredBadgeToken).where(
        RetiredBadgeToken.token_hash == token_digest(token)))
    if retired is not None and token_matches(retired.token, token):
        if retired.event_id != event.id:
            return "wrong_event", REASONS["wrong_event"], None
        return "revoked", REASONS["revoked"], session.get(Guest, retired.guest_id)
    return "unknown", REASONS["unknown"], None


def _not_attending_reason(guest: Guest) -> str | None:
    if guest.attendance == Attendance.no:
        return "This guest declined or cancelled their RSVP."
    if guest.attendance == Attendance.waitlist:
        return "This guest is on the waitlist, without a confirmed place."
    return None


def _replay(session: Session, event: Event, row: CheckinLog) -> CheckinOutcome:
    """The answer already given to a request with this idempotency key."""
    guest = session.get(Guest, row.guest_id) if row.guest_id else None
    outcome = CheckinOutcome(row.result, row.detail or REASONS.get(row.result, ""), guest,
                             replayed=True, log_id=row.id)
    if guest is not None and row.result in ("ok", "already"):
        outcome.first_checked_in_at, outcome.first_door = _first_checkin(session, guest)
    outcome.guest_fields = public_fields(guest) if guest else None
    return outcome


def _clamp_scanned_at(scanned_at: datetime | None, now: datetime) -> datetime | None:
    if scanned_at is None:
        return None
    if scanned_at.tzinfo is None:
        raise DomainError("scanned_at needs a time zone.")
    return min(max(scanned_at, now - OFFLINE_MAX_AGE), now)


def checkin_guest(session: Session, event: Event, code: str | None, door_key: DoorKey | None,
                  now: datetime, idempotency_key: str | None = None,
                  scanned_at: datetime | None = None) -> CheckinOutcome:
    """Check in the guest whose badge was scanned; commits, and logs every answer.

    Exactly once: the guest row is claimed by one conditional UPDATE, so of two doors scanning
    the same badge at the same instant the database lets exactly one through. ``scanned_at`` is
    the phone's time for a scan queued offline: the earliest check-in of a guest wins.
    """
    idempotency_key = (idempotency_key or "").strip()[:64] or None
    if idempotency_key:
        seen = session.scalar(select(CheckinLog).where(
            CheckinLog.event_id == event.id, CheckinLog.idempotency_key == idempotency_key))
        if seen is not None:
            return _replay(session, event, seen)
    scanned_at = _clamp_scanned_at(scanned_at, now)
    token = parse_badge_code(code)
    result, reason, guest = _refusal(session, event, token)
    decided: CheckinOutcome | None = CheckinOutcome(result, reason, guest) if result else None
    if decided is None:
        not_attending = _not_attending_reason(guest)
        if not_attending:
            decided = CheckinOutcome("not_attending", not_attending, guest)
        elif guest.checked_in_at is not None and scanned_at is None:
            # Already in: no claim needed, so the answer is read before taking the write turn.
            at_first, door_first = _first_checkin(session, guest)
            decided = CheckinOutcome("already", REASONS["already"], guest, at_first, door_first)
    with sqlite_write_turn(session):
        outcome = _decide_and_log(session, event, guest, door_key, decided, now, scanned_at,
                                  idempotency_key)
    if outcome is None:  # the same idempotency key raced in from a retry: the first stands
        seen = session.scalar(select(CheckinLog).where(
            CheckinLog.event_id == event.id, CheckinLog.idempotency_key == idempotency_key))
        return _replay(session, event, seen)
    return outcome


def _decide_and_log(session: Session, event: Event, guest: Guest | None,
                    door_key: DoorKey | None, decided: CheckinOutcome | None, now: datetime,
                    scanned_at: datetime | None,
                    idempotency_key: str | None) -> CheckinOutcome | None:
    """Claim the guest unless already decided, log the answer and commit.

    Returns None when the same idempotency key raced in from another request.
    """
    outcome = decided or _claim(session, guest, scanned_at or now, scanned_at is not None)
    if outcome.result == "ok":  # this scan is now the guest's standing check-in
        outcome.first_checked_in_at = guest.checked_in_at
        outcome.first_door = door_key.name if door_key else ""
    outcome.guest_fields = public_fields(outcome.guest) if outcome.guest else None
    session.add(CheckinLog(event_id=event.id, guest_id=guest.id if guest else None,
                           door_key_id=door_key.id if door_key else None,
                           door_name=door_key.name if door_key else "", result=outcome.result,
                           created_at=now, scanned_at=scanned_at,
                           idempotency_key=idempotency_key, detail=outcome.reason[:200]))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if not idempotency_key:
            raise
        return None
    return outcome


def _claim(session: Session, guest: Guest, at: datetime, is_offline: bool) -> CheckinOutcome:
    """Set the guest's check-in time if nobody has: the one atomic step that decides "ok"."""
    won = session.execute(
        update(Guest).where(Guest.id == guest.id, Guest.checked_in_at.is_(None))
        .values(checked_in_at=at).execution_options(synchronize_session=False)).rowcount
    if won == 1:
        set_committed_value(guest, "checked_in_at", at)
        return CheckinOutcome("ok", REASONS["ok"], guest)
    session.refresh(guest, ["checked_in_at"])
    if is_offline and guest.checked_in_at is not None and at < guest.checked_in_at:
        # Scanned offline before the standing check-in: the earlier one wins, and says so.
        other_at, other_door = _first_checkin(session, guest)
        earlier = session.execute(
            update(Guest).where(Guest.id == guest.id, Guest.checked_in_at > at)
            .values(checked_in_at=at).execution_options(synchronize_session=False)).rowcount
        session.refresh(guest, ["checked_in_at"])
        if earlier == 1:
            outcome = CheckinOutcome("ok", REASONS["ok"], guest, conflict={
                "door": other_door, "checked_in_at": other_at.isoformat() if other_at else None,
                "kept": "this scan (earlier)"})
            return outcome
    at_first, door_first = _first_checkin(session, guest)
    outcome = CheckinOutcome("already", REASONS["already"], guest, at_first, door_first)
    if is_offline:
        outcome.conflict = {"door": door_first,
                            "checked_in_at": at_first.isoformat() if at_first else None,
                            "kept": "the other check-in (earlier)"}
    return outcome


def undo_last_checkin(session: Session, event: Event, door_key: DoorKey | None, now: datetime,
                      guest_id: int | None = None) -> Guest:
    """Undo this door's most recent check-in (or the given guest's); commits and logs it."""
    query = select(CheckinLog).where(CheckinLog.event_id == event.id,
                                     CheckinLog.result == "ok")
    if guest_id is not None:
        query = query.where(CheckinLog.guest_id == guest_id)
    elif door_key is not None:
        query = query.where(CheckinLog.door_key_id == door_key.id)
    for row in session.scalars(query.order_by(CheckinLog.id.desc()).limit(20)):
        undone_after = session.scalar(select(CheckinLog.id).where(
            CheckinLog.guest_id == row.guest_id, CheckinLog.result == "undone",
            CheckinLog.id > row.id).limit(1))
        if undone_after or row.guest_id is None:
            continue
        cleared = session.execute(
            update(Guest).where(Guest.id == row.guest_id, Guest.checked_in_at.is_not(None))
            .values(checked_in_at=None).execution_options(synchronize_session=False)).rowcount
        if not cleared:
            continue
        session.add(CheckinLog(event_id=event.id, guest_id=row.guest_id,
                               door_key_id=door_key.id if door_key else None,
                               door_name=door_key.name if door_key else "", result="undone",
                               created_at=now, detail="Check-in undone."))
        session.commit()
        guest = session.get(Guest, row.guest_id)
        session.refresh(guest)
        return guest
    session.rollback()
    raise NothingToUndo("There is no check-in from this door to undo.")


def retire_badge_token(session: Session, guest: Guest, now: datetime) -> str:
    """Give the guest a new badge token; the old one then scans as "revoked" (caller commits)."""
    session.add(RetiredBadgeToken(token=guest.badge_token, guest_id=guest.id,
                                  event_id=guest.event_id, retired_at=now))
    guest.badge_token = new_token()
    session.flush()
    return guest.badge_token
