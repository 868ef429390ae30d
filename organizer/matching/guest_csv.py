"""Reading a guest CSV for matching without a database."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..csvread import NOT_UTF8, NotUtf8Error, decode, dialect, map_header, row_problem, without_sep_line
from .results import GuestAnswers

REQUIRED_COLUMNS = ("name", "email", "company", "can_offer", "could_use")
# The kit's own export has an attendance column, a form tool the RSVP form's question: guests who
# said no ("No", "No, I can't make it"), or wait for a place, are not matched, as `pif match SLUG`
# leaves them out. The guest import keeps these columns with the guest instead.
STATUS_HEADERS = {"attendance": {"attendance", "are you coming?", "attending", "attendee status", "rsvp"},
                  "checked_in_at": {"checked_in_at", "checked in", "check-in time"}}


def _not_coming(answer: str) -> bool:
    words = answer.strip().lower().replace(",", " ").split()
    return bool(words) and words[0] in ("no", "not", "waitlist", "waitlisted", "declined", "cancelled")


class GuestCsvError(ValueError):
    """The CSV cannot be read as a guest list."""


def read_guest_csv(path: Path | str, not_coming: list[str] | None = None,
                   present_only: bool = False) -> list[GuestAnswers]:
    """Guests from a UTF-8 (optional BOM) CSV with name,email,company,can_offer,could_use; extras ignored.
    The header may be spelt as the guest import accepts it ("Can offer", "What could you use?",
    Eventbrite's "First Name" / "Last Name"), and commas, semicolons or tabs, and Excel's "sep="
    first line, are read as the import reads them. Rows whose attendance column ("attendance",
    "Are you coming?") says no or waitlist are left out, and with `present_only` the rows whose
    checked_in_at is empty; their e-mail addresses go to `not_coming` when a list is given."""
    try:
        text = decode(Path(path).read_bytes())
    except NotUtf8Error as exc:
        raise GuestCsvError(f"row {exc.line}: {NOT_UTF8}") from None
    if not text.strip():
        raise GuestCsvError("the file is empty")
    # Rows are numbered as a spreadsheet shows them: the header is row 1, a cell of several lines is
    # one row, and Excel hides its "sep=" line.
    text, delimiter = without_sep_line(text)
    # Strict quotes: an unclosed quote is an error, instead of the rest of the file swallowed into one
    # cell (the guests after it silently missing).
    reader = csv.reader(io.StringIO(text, newline=""), dialect(text, delimiter))
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise GuestCsvError(f"row 1: {row_problem(exc)}") from None
    columns = map_header(header)
    status = map_header(header, STATUS_HEADERS)
    attendance, checked_in = status.get("attendance"), status.get("checked_in_at")
    if present_only and checked_in is None:
        raise GuestCsvError("--present-only needs a checked_in_at column (the kit's export has one); "
                            f"the header has: {', '.join(h.strip() for h in header)}")
    has_name = "name" in columns or "first_name" in columns or "last_name" in columns
    missing = [c for c in REQUIRED_COLUMNS
               if c not in columns and c != "company" and not (c == "name" and has_name)]
    if missing:
        shown = ", ".join(h.strip() for h in header)
        raise GuestCsvError(f"missing column(s): {', '.join(missing)}; the header has: {shown}")

    def cell(record: list[str], index: int | None, strip: bool = True) -> str:
        value = record[index] if index is not None and index < len(record) else ""
        return value.strip() if strip else value
    guests: list[GuestAnswers] = []
    seen: set[str] = set()
    line = 1
    while True:
        line += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise GuestCsvError(f"row {line}: {row_problem(exc)}") from None
        if not any(value.strip() for value in record):
            continue  # a blank line between guests
        email = cell(record, columns["email"]).lower()
        name = cell(record, columns.get("name")) or " ".join(
            part for part in (cell(record, columns.get("first_name")),
                              cell(record, columns.get("last_name"))) if part)
        if not email:
            raise GuestCsvError(f"row {line}: an e-mail address is needed to identify the guest")
        if email in seen:
            raise GuestCsvError(f"row {line}: {email} appears twice")
        seen.add(email)
        if _not_coming(cell(record, attendance)) or (present_only and not cell(record, checked_in)):
            if not_coming is not None:
                not_coming.append(email)
            continue
        guests.append(GuestAnswers(key=email, name=name or email,
                                   can_offer=cell(record, columns["can_offer"], strip=False),
                                   could_use=cell(record, columns["could_use"], strip=False),
                                   company=cell(record, columns.get("company"))))
    return guests
