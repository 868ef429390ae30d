"""csv module errors in words a host can act on, shared by the guest import and `pif match --csv`
(a module of its own, so the matcher's CSV mode does not import the database layer)."""
from __future__ import annotations

import csv


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
