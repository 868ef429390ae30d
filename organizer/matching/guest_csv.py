"""Reading a guest CSV for matching without a database."""
from __future__ import annotations

import csv
from pathlib import Path

from ..csvproblems import row_problem
from .results import GuestAnswers

REQUIRED_COLUMNS = ("name", "email", "company", "can_offer", "could_use")


class GuestCsvError(ValueError):
    """The CSV cannot be read as a guest list."""


def read_guest_csv(path: Path | str) -> list[GuestAnswers]:
    """Guests from a UTF-8 (optional BOM) CSV with name,email,company,can_offer,could_use; extras ignored."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        # Strict: an unclosed quote is an error, instead of the rest of the file swallowed into one cell
        # (the guests after it silently missing).
        reader = csv.DictReader(handle, strict=True)
        try:
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
        except csv.Error as exc:
            raise GuestCsvError(f"row 1: {row_problem(exc)}") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in header and c != "company"]
        if missing:
            raise GuestCsvError(f"missing column(s): {', '.join(missing)}")
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
