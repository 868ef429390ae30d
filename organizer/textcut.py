"""Cutting text to a length on a word boundary, with an ellipsis: for badges and for quotes of answers.

Plain Python (no fonts, no database), so the matching engine can use it without loading reportlab.
"""
from __future__ import annotations

ELLIPSIS = "\u2026"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters on a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 3:
        cut = cut[:space]
    return cut.rstrip(" .,:;-") + ELLIPSIS
