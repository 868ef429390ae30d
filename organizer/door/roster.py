"""What the door knows about the guest list: offline copy, name search, live numbers."""
from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..dbtypes import token_digest
from ..hosting.models import Event
from ..rsvp.models import Attendance, Guest
from .checkin import public_fields
from .models import RetiredBadgeToken

# Letters that carry no combining mark to strip, spelled the way people type them on a phone.
_FOLD = str.maketrans({"đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe",
                       "ß": "ss", "þ": "th", "ı": "i"})
TOKEN_HASH_CHARS = 32  # 128 bits of sha256: enough to tell badges apart, useless as a badge


def normalise_name(text: str) -> str:
    """Fold a name for matching: no accents, no case, single spaces ("Zoë" -> "zoe")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_FOLD).split())


def token_hash(token: str) -> str:
    """The form in which a badge token travels to door phones for offline checks."""
    return token_digest(token)[:TOKEN_HASH_CHARS]


def door_status(guest: Guest) -> str:
    """Attending, declined or waitlisted, as the door sees it."""
    if guest.attendance == Attendance.no:
        return "declined"
    if guest.attendance == Attendance.waitlist:
        return "waitlist"
    return "attending"


def guest_list_for_door(session: Session, event: Event) -> dict[str, Any]:
    """The guest list a door phone keeps for name search and offline validation."""
    guests = session.scalars(select(Guest).where(Guest.event_id == event.id)
                             .order_by(Guest.name, Guest.id))
    retired = session.scalars(select(RetiredBadgeToken.token_hash)
                              .where(RetiredBadgeToken.event_id == event.id))
    # The stored digests are token_hash() of the tokens, before the cut.
    return {
        "event": {"slug": event.slug, "title": event.title, "timezone": event.timezone},
        "guests": [dict(public_fields(g), token_hash=g.badge_token_hash[:TOKEN_HASH_CHARS],
                        status=door_status(g)) for g in guests],
        "retired_token_hashes": [digest[:TOKEN_HASH_CHARS] for digest in retired],
        "token_hash_chars": TOKEN_HASH_CHARS,
    }


def search_guests(session: Session, event: Event, query: str, limit: int = 20) -> list[Guest]:
    """Guests whose name (or company) contains the query, ignoring accents and case."""
    wanted = normalise_name(query)
    if not wanted:
        return []
    rows = session.execute(select(Guest.id, Guest.name, Guest.company)
                           .where(Guest.event_id == event.id)).all()
    starts, contains = [], []
    for guest_id, name, company in rows:
        folded = normalise_name(name)
        if folded.startswith(wanted) or f" {wanted}" in folded:
            starts.append((folded, guest_id))
        elif wanted in folded or wanted in normalise_name(company or ""):
            contains.append((folded, guest_id))
    ids = [i for _, i in sorted(starts) + sorted(contains)][:limit]
    found = {g.id: g for g in session.scalars(select(Guest).where(Guest.id.in_(ids)))}
    return [found[i] for i in ids]


def checkin_stats(session: Session, event: Event, bucket_minutes: int = 15) -> dict[str, Any]:
    """Arrived / expected and arrivals per time bucket (event's local time)."""
    expected = session.scalar(select(func.count()).select_from(Guest).where(
        Guest.event_id == event.id,
        Guest.attendance.in_([Attendance.yes, Attendance.maybe]))) or 0
    times = list(session.scalars(select(Guest.checked_in_at).where(
        Guest.event_id == event.id, Guest.checked_in_at.is_not(None))))
    walkins = session.scalar(select(func.count()).select_from(Guest).where(
        Guest.event_id == event.id, Guest.source == "walkin")) or 0
    buckets: Counter[datetime] = Counter()
    for moment in times:
        local = event.local(moment)
        buckets[local.replace(minute=local.minute - local.minute % bucket_minutes,
                              second=0, microsecond=0)] += 1
    series, total = [], 0
    for start in sorted(buckets):
        total += buckets[start]
        series.append({"start": start.isoformat(), "arrivals": buckets[start],
                       "cumulative": total})
    return {"arrived": len(times), "expected": expected, "walkins": walkins,
            "bucket_minutes": bucket_minutes, "arrivals": series}

