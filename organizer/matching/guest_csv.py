"""Reading a guest CSV for matching without a database."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..csvread import NOT_UTF8, NotUtf8Error, decode, dialect, row_problem, without_sep_line
from .results import GuestAnswers

REQUIRED_COLUMNS = ("name", "email", "company", "can_offer", "could_use")


class GuestCsvError(ValueError):
    """The CSV cannot be read as a guest list."""


def read_guest_csv(path: Path | str) -> list[GuestAnswers]:
    """Guests from a UTF-8 (optional BOM) CSV with name,email,company,can_offer,could_use; extras ignored.
    Commas, semicolons or tabs, and Excel's "sep=" first line, are read as the guest import reads them."""
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
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect(text, delimiter))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise GuestCsvError(f"row 1: {row_problem(exc)}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header and c != "company"]
    if missing:
        raise GuestCsvError(f"missing column(s): {', '.join(missing)}; the header has: {', '.join(header)}")
    reader.fieldnames = header
    guests: list[GuestAnswers] = []
    seen: set[str] = set()
    line = 1
    while True:
        line += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise GuestCsvError(f"row {line}: {row_problem(exc)}") from None
        email = (row.get("email") or "").strip().lower()
        name = (row.get("name") or "").strip()
        if not email:
            raise GuestCsvError(f"row {line}: an e-mail address is needed to identify the guest")
        if email in seen:
            raise GuestCsvError(f"row {line}: {email} appears twice")
        seen.add(email)
        guests.append(GuestAnswers(key=email, name=name or email,
                                   can_offer=row.get("can_offer") or "",
                                   could_use=row.get("could_use") or "",
                                   company=(row.get("company") or "").strip()))
    return guests
