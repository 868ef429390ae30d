"""Guest CSV in and out: the kit's own columns and Eventbrite's attendee export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..csvread import NOT_UTF8, NotUtf8Error, decode, map_header, without_sep_line
from ..csvread import dialect as _dialect
from ..csvread import row_problem as _row_problem
from ..dbtypes import utcnow
from ..errors import DomainError
from ..forms import clean_line, clean_text
from ..hosting.models import Event
from ..rsvp.models import ANSWER_MAX, NAME_MAX, Attendance, Guest
from ..rsvp.services import lock_event, take_badge_numbers

KIT_COLUMNS = ["name", "email", "company", "can_offer", "could_use"]
EXPORT_COLUMNS = KIT_COLUMNS + ["role", "attendance", "badge_number", "categories",
                                "checked_in_at", "source", "created_at"]
FIELD_LIMITS = {"name": NAME_MAX, "company": 200, "role": 200, "can_offer": ANSWER_MAX,
                "could_use": ANSWER_MAX}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# More guests than any party: a bigger file (100 000 rows took 30 s) ran into the server's worker
# timeout and the host got a bare error page, nothing imported. Refused with a message instead.
MAX_IMPORT_ROWS = 10_000


@dataclass
class RowError:
    """One bad row: where it is and what is wrong."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvImportError(DomainError):
    """The file was not imported; every bad row is listed."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "\n".join(str(e) for e in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"Nothing was imported: {len(errors)} problem(s) found.\n{shown}{more}")


@dataclass
class ImportedRow:
    """A validated row ready to become a guest."""

    line: int
    values: dict[str, str]
    extra: dict[str, str]


@dataclass
class ImportResult:
    """What an import did."""

    added: list[Guest] = field(default_factory=list)
    skipped_existing: list[tuple[int, str]] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """UTF-8 text of an uploaded file (a BOM is accepted), or a clear error."""
    try:
        return decode(data)
    except NotUtf8Error as exc:
        raise CsvImportError([RowError(exc.line, NOT_UTF8)]) from None


def parse_guest_csv(text: str) -> list[ImportedRow]:
    """Read and validate every row; raise CsvImportError listing all bad rows."""
    text, delimiter = without_sep_line(text)
    header_line = 1 if delimiter is None else 2
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text, delimiter))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvImportError([RowError(header_line, "the file is empty")]) from None
    except csv.Error as exc:
        raise CsvImportError([RowError(header_line, "cannot read the header: "
                                       + _row_problem(exc))]) from None
    columns = map_header(header)
    missing = []
    if "name" not in columns and not {"first_name", "last_name"} & columns.keys():
        missing.append("name (or First Name / Last Name)")
    if "email" not in columns:
        missing.append("email")
    if missing:
        raise CsvImportError([RowError(header_line,
                                       "missing column(s): " + ", ".join(missing)
                                       + f"; the header has: {', '.join(header)}")])
    used = set(columns.values())
    errors: list[RowError] = []
    rows: list[ImportedRow] = []
    seen: dict[str, int] = {}
    line = header_line + 1
    while True:
        start = line
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader goes on with the next line, so every broken row gets reported.
            errors.append(RowError(start, _row_problem(exc)))
            line = reader.line_num + header_line
            continue
        line = reader.line_num + header_line
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header) and any(c.strip() for c in record[len(header):]):
            errors.append(RowError(start, f"has {len(record)} fields but the header has "
                                          f"{len(header)} (a stray delimiter or quote?)"))
            continue
        row = _validate_row(start, record, header, columns, used, seen, errors)
        if row:
            rows.append(row)
            if len(rows) > MAX_IMPORT_ROWS:
                raise CsvImportError([RowError(start, f"the file has more than {MAX_IMPORT_ROWS:,} "
                                                      "guests; split it into smaller files")])
    if errors:
        raise CsvImportError(errors)
    return rows


def _validate_row(line: int, record: list[str], header: list[str], columns: dict[str, int],
                  used: set[int], seen: dict[str, int],
                  errors: list[RowError]) -> ImportedRow | None:
    def cell(field_name: str) -> str:
        index = columns.get(field_name)
        if index is None or index >= len(record):
            return ""
        multi_line = field_name in ("can_offer", "could_use")
        return (clean_text if multi_line else clean_line)(record[index])

    values = {f: cell(f) for f in ("email", "company", "role", "can_offer", "could_use")}
    values["name"] = cell("name") or " ".join(
        p for p in (cell("first_name"), cell("last_name")) if p)
    problems = []
    if not values["name"]:
        problems.append("the name is empty")
    for field_name, limit in FIELD_LIMITS.items():
        if len(values[field_name]) > limit:
            problems.append(f"{field_name} is {len(values[field_name])} characters "
                            f"(the limit is {limit})")
    if not values["email"]:
        problems.append("the e-mail is empty")
    else:
        try:
            values["email"] = validate_email(values["email"],
                                             check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            problems.append(f"the e-mail {values['email']!r} is not valid ({exc})")
        else:
            if values["email"] in seen:
                problems.append(f"the e-mail {values['email']} is also on line "
                                f"{seen[values['email']]}")
            else:
                seen[values["email"]] = line
    if problems:
        errors.append(RowError(line, "; ".join(problems)))
        return None
    # Kept columns are cleaned like the kit's own (no NUL or other control characters).
    extra = {clean_line(header[i]): clean_text(record[i])
             for i in range(min(len(header), len(record)))
             if i not in used and clean_line(header[i])}
    return ImportedRow(line, values, extra)


def import_guests(session: Session, event: Event, rows: Iterable[ImportedRow], *,
                  now: datetime | None = None, progress=None) -> ImportResult:
    """Add validated rows as "yes" guests in one transaction; known addresses are left as they are."""
    import json
    now = now or utcnow()
    lock_event(session, event)
    existing = set(session.scalars(select(Guest.email).where(
        Guest.event_id == event.id, Guest.email.is_not(None))))
    result = ImportResult()
    to_add = []
    for row in rows:
        if row.values["email"] in existing:
            result.skipped_existing.append((row.line, row.values["email"]))
        else:
            to_add.append(row)
    number = take_badge_numbers(session, event, len(to_add)) if to_add else 0
    for row in to_add:
        guest = Guest(event_id=event.id, attendance=Attendance.yes, source="import",
                      badge_number=number, created_at=now, updated_at=now,
                      extra_json=json.dumps(row.extra, ensure_ascii=False), **row.values)
        number += 1
        session.add(guest)
        result.added.append(guest)
        if progress:
            progress(1)
    session.commit()
    return result


def neutralise_formula(value: str) -> str:
    """Stop spreadsheets from running a cell as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_guests_csv(session: Session, event: Event) -> str:
    """The event's guest list as CSV text (formulas neutralised), imported extra columns last."""
    import json
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    guests = list(session.scalars(select(Guest).where(Guest.event_id == event.id)
                                  .order_by(Guest.badge_number)))
    extras: list[str] = []
    for g in guests:
        for key in json.loads(g.extra_json or "{}"):
            if key not in extras and key not in EXPORT_COLUMNS:
                extras.append(key)
    # Imported column names are cells too: a header like "=HYPERLINK(...)" is neutralised.
    writer.writerow(EXPORT_COLUMNS + [neutralise_formula(key) for key in extras])
    for g in guests:
        extra = g.extra
        row = [g.name, g.email or "", g.company, g.can_offer, g.could_use, g.role,
               g.attendance.value, str(g.badge_number), "; ".join(g.categories),
               g.checked_in_at.isoformat() if g.checked_in_at else "", g.source,
               g.created_at.isoformat()] + [extra.get(key, "") for key in extras]
        writer.writerow([neutralise_formula(v) for v in row])
    return out.getvalue()
