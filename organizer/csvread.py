"""Reading a CSV the way hosts' spreadsheets write it, shared by the guest import and `pif match --csv`
(a module of its own, so the matcher's CSV mode does not import the database layer): Excel's "sep=" line,
the delimiter (comma, semicolon or tab), strict quotes, and the csv module's errors in words a host can
act on."""
from __future__ import annotations

import csv
import re

# Excel may start a CSV with a line like "sep=;" naming the delimiter.
EXCEL_SEP_LINE = re.compile(r"sep=([,;\t|])[ \t]*(?:\r\n|\n|\r)")
NOT_UTF8 = "the file is not UTF-8 text; save it as 'CSV UTF-8' and try again"


# Header spellings accepted for each guest field (compared lower-cased, spaces collapsed): the kit's own
# columns, the RSVP form's labels and questions, and Eventbrite's attendee export.
HEADER_ALIASES = {
    "name": {"name", "full name", "your name"},
    "first_name": {"first name", "first_name", "firstname"},
    "last_name": {"last name", "last_name", "lastname", "surname"},
    "email": {"email", "e-mail", "email address", "e-mail address"},
    "company": {"company", "organisation", "organization", "company or organisation",
                "company or organization"},
    "role": {"role", "job title", "title"},
    "can_offer": {"can_offer", "can offer", "what can you offer?"},
    "could_use": {"could_use", "could use", "what could you use?"},
}


def map_header(header: list[str], aliases_of: dict[str, set[str]] = HEADER_ALIASES) -> dict[str, int]:
    """Each field's column index, for the header spellings in `aliases_of` (first one wins)."""
    mapping: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = " ".join(raw.strip().lower().split())
        for field_name, aliases in aliases_of.items():
            if key in aliases and field_name not in mapping:
                mapping[field_name] = index
    return mapping


class NotUtf8Error(ValueError):
    """The bytes are not UTF-8; `line` is the line of the first one that is not."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}: {NOT_UTF8}")
        self.line = line


def decode(data: bytes) -> str:
    """UTF-8 text of a file (a byte-order mark is accepted)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8Error(data[:exc.start].count(b"\n") + 1) from None


def without_sep_line(text: str) -> tuple[str, str | None]:
    """The text after Excel's "sep=;" first line and the delimiter it names, or the text and None."""
    sep_line = EXCEL_SEP_LINE.match(text)
    return (text[sep_line.end():], sep_line.group(1)) if sep_line else (text, None)


def dialect(text: str, delimiter: str | None = None) -> type[csv.Dialect]:
    """Excel's dialect with the given delimiter, or the one the header line uses most of , ; and tab
    (a spreadsheet set to a European locale saves with semicolons)."""
    if delimiter is None:
        header = text.split("\n", 1)[0]
        counts = {d: header.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","

    class Dialect(csv.excel):
        pass
    Dialect.delimiter = delimiter
    # Strict: a stray quote is an error for its row, instead of silently swallowing the
    # rest of the file into one cell.
    Dialect.strict = True
    return Dialect


def row_problem(exc: csv.Error) -> str:
    """A csv module error in words a host can act on."""
    message = str(exc)
    if "unexpected end of data" in message:
        return ("a quote (\") opened on this line is never closed, so the rest of the file "
                "cannot be read; close it, or put the whole cell in quotes and double any "
                "quote inside it (\"\")")
    if "expected after" in message:
        return ("a stray quote (\") inside a cell; put the whole cell in quotes and double "
                "any quote inside it (\"\")")
    if "field larger than field limit" in message:
        return f"a cell is too long (over {csv.field_size_limit()} characters)"
    return f"cannot read this row: {message}"
