"""Fitting text into boxes: shrink to fit, wrap onto lines, shorten on a word boundary.

All functions take logical-order text and measure it through :mod:`organizer.badges.fonts`,
so fallback fonts and right-to-left shaping are accounted for.  Sizes are in points.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..textcut import ELLIPSIS, shorten
from . import fonts

# Above the baseline, in em: room for accents and stacked Vietnamese diacritics.
LINE_UP = 1.1
MIN_DOWN = 0.3

_ITEM_SPLIT = re.compile(r"[\n\r;\u2022\u00b7|]+|,\s|\s[-\u2013\u2014]\s")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7>]+|\d+[.)])\s*")


_DESCENTS: dict[str, float] = {}


def _descent(font_name: str) -> float:
    """How far below the baseline a face reaches (in em), as PDF tools measure it."""
    descent = _DESCENTS.get(font_name)
    if descent is None:
        face = next(face for chain in (fonts.REGULAR, fonts.BOLD) for face in chain.faces
                    if face.name == font_name)
        descent = _DESCENTS[font_name] = max(MIN_DOWN,
                                             -fonts._font(face).face.descent / 1000)
    return descent


@lru_cache(maxsize=2048)
def line_extent(text: str, bold: bool = False) -> tuple[float, float]:
    """(up, down) in em that a line of this text occupies around its baseline."""
    down = MIN_DOWN
    for font, _ in fonts.chain(bold).runs(text):
        down = max(down, _descent(font))
    return LINE_UP, down


def clean(text: str | None) -> str:
    """One line of text without control characters or runs of spaces."""
    if not text:
        return ""
    if not text.isprintable():
        text = "".join(" " if c.isspace() else c for c in text
                       if c.isspace() or unicodedata.category(c) != "Cc")
    return " ".join(text.split())


def summarise_answer(text: str | None, limit: int = 60) -> str:
    """The first item of a free-text answer, shortened on a word boundary with an ellipsis.

    Items are separated by new lines, semicolons, bullets or commas; list markers ("- ",
    "1. ") are dropped.  ``limit`` is in characters.
    """
    if not text:
        return ""
    for item in _ITEM_SPLIT.split(text):
        item = clean(_BULLET.sub("", item)).strip(" .,:;")
        if item:
            return shorten(item, limit)
    return ""


def ellipsize(text: str, size: float, max_width: float, bold: bool = False) -> str:
    """``text`` shortened (word boundary first, else characters) until it fits ``max_width``."""
    chain = fonts.chain(bold)
    if chain.width(text, size) <= max_width:
        return text
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:count]).rstrip(" .,:;-\u00b7\u2013\u2014") + ELLIPSIS
        if chain.width(candidate, size) <= max_width:
            return candidate
    # One long word (or CJK): cut characters, keeping at least the ellipsis.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if chain.width(text[:middle] + ELLIPSIS, size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + ELLIPSIS if low else (ELLIPSIS if chain.width(ELLIPSIS, size)
                                               <= max_width else "")


def fit_line(text: str, max_width: float, max_size: float, min_size: float,
             bold: bool = False) -> tuple[str, float]:
    """Shrink ``text`` from ``max_size`` to fit one line; below ``min_size`` shorten it."""
    if not text:
        return "", max_size
    unit = fonts.chain(bold).width(text, 1.0)
    size = max_size if unit <= 0 else min(max_size, max_width / unit)
    if size >= min_size:
        return text, size
    return ellipsize(text, min_size, max_width, bold), min_size


def wrap(text: str, size: float, max_width: float, max_lines: int,
         bold: bool = False) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; the last is shortened if needed."""
    chain = fonts.chain(bold)
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines - 1:
        if chain.width(rest, size) <= max_width:
            break
        words = rest.split(" ")
        taken = 1
        while taken < len(words) and chain.width(" ".join(words[:taken + 1]), size) <= max_width:
            taken += 1
        line = " ".join(words[:taken])
        if chain.width(line, size) > max_width:
            # A single word wider than the line: break inside it.
            cut = _chars_fitting(line, size, max_width, bold)
            lines.append(line[:cut])
            rest = (line[cut:] + " " + " ".join(words[taken:])).strip()
        else:
            lines.append(line)
            rest = " ".join(words[taken:])
    if rest:
        lines.append(ellipsize(rest, size, max_width, bold))
    return [line for line in lines if line]


def _chars_fitting(text: str, size: float, max_width: float, bold: bool) -> int:
    chain = fonts.chain(bold)
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if chain.width(text[:middle], size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return low


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x2FA1F)


def _break_points(text: str) -> list[int]:
    """Where a name may wrap: spaces, hyphens, and between CJK characters."""
    points = [i for i, c in enumerate(text) if c == " "]
    points += [i + 1 for i, c in enumerate(text[:-1]) if c in "-\u2010/"]
    points += [i for i in range(1, len(text)) if _is_cjk(text[i - 1]) or _is_cjk(text[i])]
    return sorted(set(p for p in points if 0 < p < len(text)))


def fit_name(name: str, max_width: float, max_height: float, max_size: float,
             bold: bool = True) -> tuple[list[str], float]:
    """The name on one or two lines at the largest size that fits the box; never overflows.

    Two lines are used only when they allow a clearly larger size than one.  A name with no
    place to break is split between characters rather than clipped.
    """
    if not name:
        return [], max_size
    chain = fonts.chain(bold)
    max_height = max(max_height, 1.0)

    def height_em(lines: list[str]) -> float:
        return sum(sum(line_extent(line, bold)) for line in lines)

    unit = chain.width(name, 1.0) or 1.0
    one = min(max_size, max_width / unit, max_height / height_em([name]))
    best_lines, best_size = [name], one
    if one >= max_size * 0.999:
        return best_lines, one
    points = _break_points(name) or list(range(1, len(name)))
    for point in points:
        first, second = name[:point].strip(), name[point:].strip()
        if not first or not second:
            continue
        widest = max(chain.width(first, 1.0), chain.width(second, 1.0)) or 1.0
        size = min(max_size, max_width / widest, max_height / height_em([first, second]))
        # Two lines must buy a clearly bigger name than one.
        threshold = best_size * (1.12 if len(best_lines) == 1 else 1.0)
        if size > threshold:
            best_lines, best_size = [first, second], size
    return best_lines, best_size
