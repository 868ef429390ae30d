"""Reading a guest CSV for matching without a database."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..csvread import NOT_UTF8, NotUtf8Error, decode, dialect, map_header, row_problem, without_sep_line
from .results import GuestAnswers

REQUIRED_COLUMNS = ("name", "email", "company", "can_offer", "could_use")
# The kit's own export has an attendance column: guests who said no, or wait for a place, are not
# matched, as `pif match SLUG` leaves them out.
NOT_COMING = {"no", "waitlist"}


class GuestCsvError(ValueError):
    """The CSV cannot be read as a guest list."""


def read_guest_csv(path: Path | str, not_coming: list[str] | None = None) -> list[GuestAnswers]:
    """Guests from a UTF-8 (optional BOM) CSV with name,email,company,can_offer,could_use; extras ignored.
    The header may be spelt as the guest import accepts it ("Can offer", "What could you use?",
    Eventbrite's "First Name" / "Last Name"), and commas, semicolons or tabs, and Excel's "sep="
    first line, are read as the import reads them. Rows whose attendance column says no or
    waitlist are left out; their e-mail addresses go to `not_coming` when a list is given."""
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
    attendance = next((i for i, h in enumerate(header) if h.strip().lower() == "attendance"), None)
    has_name = "name" in columns or "first_name" in columns or "last_name" in columns
    missing = [c for c in REQUIRED_COLUMNS
               if c not in columns and c != "company" and not (c == "name" and has_name)]
    if missing:
        shown = ", ".join(h.strip() for h in header)
        raise GuestCsvError(f"missing column(s): {', '.join(missing)}; the header has: {shown}")

    def cell(record: list[str], field: str) -> str:
        index = columns.get(field)
        return record[index].strip() if index is not None and index < len(record) else ""
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
        email = cell(record, "email").lower()
        name = cell(record, "name") or " ".join(
            part for part in (cell(record, "first_name"), cell(record, "last_name")) if part)
        if not email:
            raise GuestCsvError(f"row {line}: an e-mail address is needed to identify the guest")
        if email in seen:
            raise GuestCsvError(f"row {line}: {email} appears twice")
        seen.add(email)
        said = record[attendance].strip().lower() if attendance is not None and attendance < len(record) else ""
        if said in NOT_COMING:
            if not_coming is not None:
                not_coming.append(email)
            continue
        index_offer, index_need = columns["can_offer"], columns["could_use"]
        guests.append(GuestAnswers(key=email, name=name or email,
                                   can_offer=record[index_offer] if index_offer < len(record) else "",
                                   could_use=record[index_need] if index_need < len(record) else "",
                                   company=cell(record, "company")))
    return guests
