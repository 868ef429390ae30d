"""Reading the check-in log: the host's view and its CSV export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..hosting.csvio import neutralise_formula
from ..hosting.models import Event
from ..rsvp.models import Guest
from .models import CheckinLog

LOG_COLUMNS = ["time", "scanned_at", "door", "result", "badge_number", "name", "detail",
               "idempotency_key"]


@dataclass
class LogEntry:
    """One log row with the guest's name and badge number where known."""

    row: CheckinLog
    guest_name: str
    badge_number: int | None


def read_checkin_log(session: Session, event: Event, limit: int | None = None,
                     newest_first: bool = True) -> list[LogEntry]:
    """The event's check-in log, refused scans included."""
    order = CheckinLog.id.desc() if newest_first else CheckinLog.id
    query = (select(CheckinLog, Guest.name, Guest.badge_number)
             .outerjoin(Guest, Guest.id == CheckinLog.guest_id)
             .where(CheckinLog.event_id == event.id).order_by(order))
    if limit:
        query = query.limit(limit)
    return [LogEntry(row, name or "", number) for row, name, number in session.execute(query)]


def _local(event: Event, moment: datetime | None) -> str:
    return event.local(moment).isoformat(timespec="seconds") if moment else ""


def export_checkin_log_csv(session: Session, event: Event) -> str:
    """The whole log as CSV text, oldest first, times in the event's zone, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LOG_COLUMNS)
    for entry in read_checkin_log(session, event, newest_first=False):
        row = entry.row
        writer.writerow([neutralise_formula(str(cell)) for cell in (
            _local(event, row.created_at), _local(event, row.scanned_at), row.door_name,
            row.result, entry.badge_number or "", entry.guest_name, row.detail,
            row.idempotency_key or "")])
    return out.getvalue()
