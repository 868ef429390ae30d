"""Embedded fonts with wide Unicode coverage: registration, per-font runs, widths and gaps.

Every PDF the kit prints (badges, the host matching sheet) draws text through a
:class:`FontChain`: a primary face (DejaVu Sans) and fallbacks (Noto Sans Arabic and Hebrew,
WenQuanYi Micro Hei for CJK, Symbola for emoji) tried in order for each character, so a glyph
missing from one font comes from the next instead of printing a box.  The TTF files are vendored
in ``organizer/badges/fonts/`` (see its README for sources and licences) and embedded as subsets.

Typical use::

    from organizer.badges.fonts import REGULAR, BOLD, register_fonts, draw_string
    register_fonts()
    width = BOLD.width("Zoë 李", 18)
    draw_string(canvas, x, y, "Zoë 李", 18, bold=True)

Right-to-left text is shaped (Arabic contextual forms) and reordered into visual order by
:func:`prepare_text`, which every function here applies first.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")

# Shown, in the primary font, for a character that no embedded font covers.
REPLACEMENT = "\ufffd"

_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
           (0xFE70, 0xFEFF))
_HEBREW = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))
_EMOJI = ((0x1F000, 0x1FAFF),)


@dataclass(frozen=True)
class FontFace:
    """One TTF face: its reportlab name, file, and the code points it is preferred for."""

    name: str
    filename: str
    subfont_index: int = 0
    # Ranges where this face wins over earlier faces that also cover the character
    # (Noto's Arabic is better drawn than DejaVu's; emoji should all come from one face).
    preferred: tuple[tuple[int, int], ...] = ()

    @property
    def path(self) -> Path:
        """Where the font file lives."""
        return FONT_DIR / self.filename


_register_lock = threading.Lock()
_registered: dict[str, TTFont] = {}


def _font(face: FontFace) -> TTFont:
    """The registered reportlab font for a face, registering it on first use."""
    font = _registered.get(face.name)
    if font is None:
        with _register_lock:
            font = _registered.get(face.name)
            if font is None:
                font = TTFont(face.name, str(face.path), subfontIndex=face.subfont_index)
                pdfmetrics.registerFont(font)
                _registered[face.name] = font
    return font


class FontChain:
    """An ordered list of faces that together cover a wide range of Unicode."""

    def __init__(self, name: str, faces: tuple[FontFace, ...]):
        self.name = name
        self.faces = faces
        self._cmaps: list[dict[int, int] | None] = [None] * len(faces)
        self._face_of: dict[str, str | None] = {}

    @property
    def primary(self) -> str:
        """The reportlab name of the primary face."""
        return self.faces[0].name

    def register(self) -> None:
        """Register every face of the chain with reportlab (idempotent)."""
        for index in range(len(self.faces)):
            self._cmap(index)

    def _cmap(self, index: int) -> dict[int, int]:
        # Faces load on first need: a Latin-only print never parses the 5 MB CJK font.
        cmap = self._cmaps[index]
        if cmap is None:
            cmap = self._cmaps[index] = _font(self.faces[index]).face.charToGlyph
        return cmap

    def face_for(self, char: str) -> str | None:
        """The name of the face that draws ``char``, or None when no face covers it."""
        name = self._face_of.get(char, "")
        if name == "":
            code = ord(char)
            candidates = range(len(self.faces))
            name = next((self.faces[i].name for i in candidates
                         if any(lo <= code <= hi for lo, hi in self.faces[i].preferred)
                         and code in self._cmap(i)), None)
            if name is None:
                name = next((self.faces[i].name for i in candidates if code in self._cmap(i)),
                            None)
            self._face_of[char] = name
        return name

    def covers(self, font_name: str, char: str) -> bool:
        """True when the face called ``font_name`` in this chain has a glyph for ``char``."""
        return any(face.name == font_name and ord(char) in self._cmap(i)
                   for i, face in enumerate(self.faces))

    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        """Split text (after :func:`prepare_text`) into ``(font name, substring)`` runs."""
        return _runs(self, prepare_text(text))

    def width(self, text: str, size: float) -> float:
        """Width in points of ``text`` drawn at ``size`` through this chain."""
        return sum(pdfmetrics.stringWidth(part, font, size) for font, part in self.runs(text))

    def uncovered(self, text: str) -> list[str]:
        """The distinct characters of ``text`` that no face of the chain covers."""
        return sorted({c for c in prepare_text(text) if self.face_for(c) is None})


@lru_cache(maxsize=2048)
def _runs(chain: FontChain, text: str) -> tuple[tuple[str, str], ...]:
    runs: list[tuple[str, str]] = []
    current: str | None = None
    buf: list[str] = []
    for char in text:
        font = chain.face_for(char)
        if font is None:
            font, char = chain.primary, REPLACEMENT
        elif (current is not None and font != current and _is_neutral(char)
              and chain.covers(current, char)):
            # Spaces, punctuation and combining marks stay with the run they sit in when that
            # font has them: fewer font switches, and a mark stays on its base letter.
            font = current
        if font != current and buf:
            runs.append((current, "".join(buf)))
            buf = []
        current = font
        buf.append(char)
    if buf:
        runs.append((current, "".join(buf)))
    return tuple(runs)


def _is_neutral(char: str) -> bool:
    return unicodedata.category(char)[0] in "ZPM" or char.isdigit()


REGULAR = FontChain("regular", (
    FontFace("PIF-DejaVuSans", "DejaVuSans.ttf"),
    FontFace("PIF-NotoSansArabic", "NotoSansArabic-Regular.ttf", preferred=_ARABIC),
    FontFace("PIF-NotoSansHebrew", "NotoSansHebrew-Regular.ttf", preferred=_HEBREW),
    FontFace("PIF-WenQuanYiMicroHei", "wqy-microhei.ttc"),
    FontFace("PIF-SymbolaEmoji", "Symbola-emoji.ttf", preferred=_EMOJI),
))
BOLD = FontChain("bold", (
    FontFace("PIF-DejaVuSans-Bold", "DejaVuSans-Bold.ttf"),
    FontFace("PIF-NotoSansArabic-Bold", "NotoSansArabic-Bold.ttf", preferred=_ARABIC),
    FontFace("PIF-NotoSansHebrew-Bold", "NotoSansHebrew-Bold.ttf", preferred=_HEBREW),
    # No bold CJK or emoji face is vendored; the regular ones stand in (legible, not faux-bold).
    FontFace("PIF-WenQuanYiMicroHei", "wqy-microhei.ttc"),
    FontFace("PIF-SymbolaEmoji", "Symbola-emoji.ttf", preferred=_EMOJI),
))


def register_primary_fonts() -> None:
    """Register the regular and bold primary faces (DejaVu Sans), enough to start a canvas;
    fallback faces load when a character needs them."""
    REGULAR._cmap(0)
    BOLD._cmap(0)


def register_fonts() -> None:
    """Register every vendored face with reportlab; safe to call many times."""
    REGULAR.register()
    BOLD.register()


def chain(bold: bool = False) -> FontChain:
    """The bold or regular font chain."""
    return BOLD if bold else REGULAR


_SPACE_LIKE = re.compile(r"[\s\u2028\u2029]+")
_RTL_CLASSES = {"R", "AL"}
# Blocks holding every right-to-left letter: a quick test before asking unicodedata.
_MAYBE_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                        "\U0001e800-\U0001efff]")


def has_right_to_left(text: str) -> bool:
    """Whether the text holds a right-to-left letter (Hebrew, Arabic, ...)."""
    return bool(_MAYBE_RTL.search(text)) and any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text)


@lru_cache(maxsize=2048)
def prepare_text(text: str) -> str:
    """Normalise text for drawing: NFC, no control characters, one-line, RTL in visual order."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():
        return " ".join(text.split())  # the common case: nothing to normalise or reorder
    text = unicodedata.normalize("NFC", text)
    # Tabs and new lines become spaces; other control characters (NUL, BEL...) are dropped.
    text = "".join(" " if c.isspace() else c for c in text
                   if c.isspace() or unicodedata.category(c) != "Cc")
    text = _SPACE_LIKE.sub(" ", text).strip()
    if has_right_to_left(text):
        text = _visual_order(text)
    # Format characters (bidi marks, joiners, variation selectors) have no glyph to draw.
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cs")
                   and not 0xFE00 <= ord(c) <= 0xFE0F)
    return _SPACE_LIKE.sub(" ", text).strip()


def _visual_order(text: str) -> str:
    """Arabic joined into contextual forms, then the bidi algorithm's visual order."""
    import arabic_reshaper
    from bidi import get_display

    return _mirror_reversed_brackets(get_display(arabic_reshaper.reshape(text)))


_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">", "\u00ab": "\u00bb", "\u2039": "\u203a"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}


def _mirror_reversed_brackets(visual: str) -> str:
    """Swap bracket pairs that came out of reordering back to front, e.g. ``)Ali(``.

    The bidi implementation reorders but does not mirror glyphs (rule L4), so a pair inside a
    right-to-left run reads ``)...(``; in visual order every pair must read ``(...)``.
    """
    if not any(c in _PAIRS or c in _CLOSERS for c in visual):
        return visual
    chars = list(visual)
    open_stack: list[int] = []
    stray_closers: list[int] = []
    for i, c in enumerate(chars):
        if c in _PAIRS:
            open_stack.append(i)
        elif c in _CLOSERS:
            if open_stack and chars[open_stack[-1]] == _CLOSERS[c]:
                open_stack.pop()
            else:
                stray_closers.append(i)
    stray_openers = list(open_stack)
    for close_at in stray_closers:
        partner = next((o for o in stray_openers if o > close_at
                        and chars[o] == _CLOSERS[chars[close_at]]), None)
        if partner is not None:
            stray_openers.remove(partner)
            chars[close_at], chars[partner] = _CLOSERS[chars[close_at]], _PAIRS[chars[partner]]
    return "".join(chars)


def string_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of text drawn at ``size`` in the regular or bold chain."""
    return chain(bold).width(text, size)


def uncovered_characters(text: str, bold: bool = False) -> list[str]:
    """Characters of ``text`` that no embedded font can draw (they print as U+FFFD)."""
    return chain(bold).uncovered(text)


def draw_string(canvas, x: float, y: float, text: str, size: float, bold: bool = False,
                align: str = "left") -> float:
    """Draw one line of text with font fallback on a reportlab canvas; returns its width.

    ``align`` is ``left`` (x is the start), ``centre`` (x is the middle) or ``right``.
    """
    runs = chain(bold).runs(text)
    width = sum(pdfmetrics.stringWidth(part, font, size) for font, part in runs)
    if align == "centre":
        x -= width / 2
    elif align == "right":
        x -= width
    text_object = canvas.beginText(x, y)
    for font, part in runs:
        text_object.setFont(font, size)
        text_object.textOut(part)
    canvas.drawText(text_object)
    return width
