"""The printed host matching sheet: a pure function of :class:`SheetData` that returns PDF bytes.

Layout happens first (every entry becomes a block of measured lines), then pagination (blocks are
never split across pages unless one is taller than a page), then drawing, so each page can say
"page N of M". Text goes through the badge fonts' fallback chain, so every script prints.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from ..badges.fonts import BOLD, REGULAR, has_right_to_left, register_fonts
from ..badges.fonts import draw_string as draw_any_script
from ..badges.fonts import string_width as any_script_width
from .sheet_data import SheetData, SheetGuest, guest_label, unserved_by_guest

PAPERS = {"letter": letter, "a4": A4}
STRONG_LABEL = "★ strong"
POSSIBLE_LABEL = "possible"
LEGEND = "★ strong = a safe bet   ·   possible = worth a try, check first   ·   ☐ tick when done"


@dataclass(frozen=True)
class SheetLayout:
    """Sizes and spacing in points: readable at arm's length (body 11 pt)."""

    margin: float = 15 * mm
    header_height: float = 34.0
    footer_height: float = 22.0
    name_size: float = 13.0
    body_size: float = 11.0
    small_size: float = 10.0
    section_size: float = 15.0
    leading: float = 1.3
    entry_gap: float = 9.0
    indent: float = 14.0
    box: float = 9.0
    label_width: float = 66.0
    grey: float = 0.35


LAYOUT = SheetLayout()


@dataclass(frozen=True)
class Line:
    """One drawn line: text at an x offset, or a rule; `box` draws a tick box; `label` a strength."""

    text: str
    x: float
    size: float
    bold: bool = False
    grey: bool = False
    box: bool = False
    label: str = ""
    right: str = ""
    rule: bool = False
    lead: str = ""  # drawn in bold before `text`


@dataclass
class Block:
    """Lines kept together on one page (one guest's entry, or a section heading with its first line)."""

    lines: list[Line]
    gap_after: float = 0.0
    keep: int = 0  # a block taller than a page is split by lines, but never within its first `keep`

    def height(self, layout: SheetLayout) -> float:
        """Points this block takes on the page."""
        return sum(line.size * layout.leading for line in self.lines) + self.gap_after


@lru_cache(maxsize=1)
def _fonts_ready() -> bool:
    register_fonts()
    return True


@lru_cache(maxsize=65536)
def _unit_width(text: str, bold: bool) -> float:
    return any_script_width(text, 1.0, bold)


def _plain(text: str) -> bool:
    # Printable ASCII on one line: the primary face has every glyph and nothing needs reordering.
    return text.isascii() and text.isprintable()


def string_width(text: str, size: float, bold: bool = False) -> float:
    """Width of text in points; plain ASCII straight from the primary face, other text via the chain."""
    _fonts_ready()
    if _plain(text):
        return stringWidth(text, (BOLD if bold else REGULAR).primary, size)
    return _unit_width(text, bold) * size


def draw_string(canvas: Canvas, x: float, y: float, text: str, size: float, bold: bool = False,
                align: str = "left") -> float:
    """Draw one line; plain ASCII skips the fallback machinery (the primary face covers it)."""
    if not _plain(text) or align != "left":
        return draw_any_script(canvas, x, y, text, size, bold=bold, align=align)
    font = (BOLD if bold else REGULAR).primary
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)
    return stringWidth(text, font, size)


def wrap(text: str, width: float, size: float, bold: bool = False,
         first_width: float | None = None) -> list[str]:
    """Break text into lines no wider than `width` (the first: `first_width`, when given).

    Words first; a word wider than a line (CJK has no spaces) is broken between characters.
    """
    words = text.split()
    if not words:
        return []
    text = " ".join(words)
    limit = width if first_width is None else first_width
    if string_width(text, size, bold) <= limit:
        return [text]
    space = string_width(" x", size, bold) - string_width("x", size, bold)
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word in words:
        word_width = string_width(word, size, bold)
        if current and used + space + word_width <= limit:
            current.append(word)
            used += space + word_width
            continue
        if current:
            lines.append(" ".join(current))
            current, used, limit = [], 0.0, width
        if word_width <= limit:
            current, used = [word], word_width
            continue
        piece = ""
        for char in word:  # a word wider than the line (CJK has no spaces): break anywhere
            if piece and string_width(piece + char, size, bold) > limit:
                lines.append(piece)
                piece, limit = "", width
            piece += char
        current, used = [piece], string_width(piece, size, bold)
    if current:
        lines.append(" ".join(current))
    return _keep_direction(text, [line for line in lines if line])


_STRONG_DIRECTIONS = {"L": "\u200e", "R": "\u200f", "AL": "\u200f"}  # left-to-right / right-to-left mark
# At the head of a line the sheet composes in English around a guest's name ("محمد (#42) — need —
# nobody offers"): the line is laid out left to right, as the words around the name are, instead
# of taking its direction from a right-to-left name and putting "nobody offers" first.
LTR = _STRONG_DIRECTIONS["L"]


def _keep_direction(text: str, lines: list[str]) -> list[str]:
    """Each wrapped line keeps its paragraph's direction.

    The bidi algorithm reads a line's direction from its first strong letter, so a continuation line
    that starts inside a right-to-left name ("… Noa Levi / נועה | לוי (#7) → Yusuf …") would be laid
    out right to left, its names and badge numbers in the wrong order. A direction mark (an invisible
    strong letter, dropped before drawing) at the head of each continuation line prevents that.
    """
    if len(lines) < 2 or not has_right_to_left(text):
        return lines  # left to right throughout: nothing to keep
    directions = (unicodedata.bidirectional(c) for c in text)
    mark = next(_STRONG_DIRECTIONS[d] for d in directions if d in _STRONG_DIRECTIONS)
    return lines[:1] + [mark + line for line in lines[1:]]


class SheetRenderer:
    """Owns the reportlab canvas of one sheet: lays out, paginates and draws."""

    def __init__(self, data: SheetData, paper: str = "letter", layout: SheetLayout = LAYOUT):
        if paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
        self.data, self.layout = data, layout
        self.page_width, self.page_height = PAPERS[paper]
        self.text_width = self.page_width - 2 * layout.margin

    # ------------------------------------------------------------ layout
    def _para(self, text: str, x: float, size: float, bold: bool = False, grey: bool = False,
              max_lines: int | None = None) -> list[Line]:
        lines = wrap(text, self.text_width - x, size, bold)
        if max_lines and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1][: max(0, len(lines[-1]) - 2)] + " …"
        return [Line(part, x, size, bold, grey) for part in lines]

    def _guest_block(self, guest: SheetGuest) -> Block:
        lay = self.layout
        title = guest.name + (f"  ·  {guest.company}" if guest.company else "")
        number = f"#{guest.badge_number}" if guest.badge_number else ""
        name_width = self.text_width - string_width(number, lay.name_size, True) - 12
        names = wrap(title, name_width, lay.name_size, True)
        lines = [Line(names[0], 0, lay.name_size, True, right=number)]
        lines += [Line(part, 0, lay.name_size, True) for part in names[1:]]
        if guest.could_use:
            lines += self._para("Could use: " + guest.could_use, lay.indent, lay.small_size,
                                grey=True, max_lines=3)
        if not guest.intros:
            lines.append(Line("No introduction suggested — ask what they are looking for.",
                              lay.indent, lay.body_size, grey=True))
        reason_x = lay.indent + lay.box + 6
        keep = len(lines)  # the name is never left alone at a page's foot: kept with the first intro
        for number, intro in enumerate(guest.intros):
            label = STRONG_LABEL if intro.is_strong else POSSIBLE_LABEL
            extra = " · kept by host" if intro.is_locked else (" · host's pick" if intro.is_pinned else "")
            head_x = reason_x + lay.label_width
            width = self.text_width - head_x
            head = LTR + guest_label(intro.name, intro.badge_number) + extra
            heads = wrap(head, width, lay.body_size, True)
            room = width - string_width(heads[-1] + " — ", lay.body_size, True)
            why = wrap(intro.text, width, lay.body_size, first_width=room)
            if why and string_width(why[0], lay.body_size) <= room:
                heads[-1] = (heads[-1], "— " + why.pop(0))
            for i, part in enumerate(heads):
                lead, text = part if isinstance(part, tuple) else (part, "")
                lines.append(Line(text, head_x, lay.body_size, lead=lead, box=i == 0,
                                  label=label if i == 0 else ""))
            lines += [Line(part, head_x, lay.body_size) for part in why]
            if number == 0:
                keep = len(lines)
        if guest.helps:
            lines += self._para("Can help: " + ", ".join(guest.helps), lay.indent, lay.small_size,
                                grey=True)
        return Block(lines, lay.entry_gap, keep)

    def _section(self, title: str, first: list[Line], note: str = "") -> list[Block]:
        lay = self.layout
        head = [Line(title, 0, lay.section_size, True)]
        if note:
            head += self._para(note, 0, lay.small_size, grey=True)
        return [Block(head + first[:1]), *([Block(first[1:])] if first[1:] else [])]

    def blocks(self) -> list[Block]:
        """Every block of the sheet in reading order."""
        lay = self.layout
        out = [Block([Line("Introductions, by guest", 0, lay.section_size, True)]
                     + self._para(LEGEND, 0, lay.small_size, grey=True), lay.entry_gap)]
        guests = [self._guest_block(g) for g in self.data.guests]
        if guests:
            out += guests
        else:
            out.append(Block([Line("No guests in this run.", 0, lay.body_size)]))
        if self.data.unserved:
            needs: list[Block] = []
            for group in unserved_by_guest(self.data):
                label = guest_label(group.name, group.badge_number)
                needs.append(Block(self._para(f"{LTR}{label} — {group.text}",
                                              lay.indent, lay.body_size), 3.0))
            head = Block([Line("", 0, lay.entry_gap, rule=True),
                          Line("Needs nobody here clearly offers", 0, lay.section_size, True)]
                         + self._para("No safe-bet helper among the guests: you may be able to "
                                      "help with these yourself, or know someone who can.", 0,
                                      lay.small_size, grey=True)
                         + needs[0].lines, 3.0)
            out += [head, *needs[1:]]
        if self.data.circles:
            circles = []
            for number, circle in enumerate(self.data.circles, start=1):
                kind = "Circle" if circle.is_closed else "Chain"
                chain = " → ".join(circle.route)
                circles.append(Block(self._para(f"{kind} {number}: {chain}", lay.indent,
                                                lay.body_size), 3.0))
            head = Block([Line("", 0, lay.entry_gap, rule=True),
                          Line("Pay-it-forward circles", 0, lay.section_size, True)]
                         + self._para("Each person helps the next (in a circle the last helps "
                                      "the first). Seat them together or introduce them as a "
                                      "group.", 0,
                                      lay.small_size, grey=True)
                         + circles[0].lines, 3.0)
            out += [head, *circles[1:]]
        return out

    def pages(self) -> list[list[Block]]:
        """The blocks split into pages."""
        lay = self.layout
        room = self.page_height - 2 * lay.margin - lay.header_height - lay.footer_height
        pages: list[list[Block]] = [[]]
        used = 0.0
        for block in self.blocks():
            height = block.height(lay)
            if used + height > room and pages[-1]:
                if height > room:  # taller than a page: split it by lines
                    for part in self._split(block, room - used, room):
                        if pages[-1] and used + part.height(lay) > room:
                            pages.append([])
                            used = 0.0
                        pages[-1].append(part)
                        used += part.height(lay)
                    continue
                pages.append([])
                used = 0.0
            pages[-1].append(block)
            used += height
        return pages

    def _split(self, block: Block, first_room: float, room: float) -> list[Block]:
        parts, current, used, limit = [], [], 0.0, first_room
        for index, line in enumerate(block.lines):
            h = line.size * self.layout.leading
            if current and used + h > limit and index >= block.keep:
                parts.append(Block(current))
                current, used, limit = [], 0.0, room
            current.append(line)
            used += h
        parts.append(Block(current, block.gap_after))
        return parts

    # ------------------------------------------------------------ drawing
    def render(self) -> bytes:
        """The sheet as PDF bytes."""
        register_fonts()
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(self.page_width, self.page_height), pageCompression=1)
        canvas.setTitle(f"Host matching sheet — {self.data.event_title}")
        canvas.setAuthor("Pay-It-Forward Party Kit")
        pages = self.pages()
        for number, blocks in enumerate(pages, start=1):
            self._header(canvas)
            self._footer(canvas, number, len(pages))
            y = self.page_height - self.layout.margin - self.layout.header_height
            for block in blocks:
                y = self._draw_block(canvas, block, y)
            canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def _header(self, canvas: Canvas) -> None:
        lay, data = self.layout, self.data
        left, right = lay.margin, self.page_width - lay.margin
        top = self.page_height - lay.margin
        canvas.setFillGray(0)
        date_width = string_width(data.event_when, lay.small_size)
        titles = wrap(data.event_title, self.text_width - date_width - 24, 12.0, True)
        title = titles[0] + (" …" if len(titles) > 1 else "")
        draw_string(canvas, left, top - 12, title, 12.0, bold=True)
        draw_string(canvas, right, top - 12, data.event_when, lay.small_size, align="right")
        canvas.setFillGray(lay.grey)
        sub = f"Host matching sheet  ·  {data.scope}  ·  matched {data.run_at}"
        draw_string(canvas, left, top - 26, sub, lay.small_size)
        canvas.setFillGray(0)
        canvas.setLineWidth(0.8)
        canvas.line(left, top - lay.header_height + 4, right, top - lay.header_height + 4)

    def _footer(self, canvas: Canvas, number: int, total: int) -> None:
        lay = self.layout
        y = lay.margin
        canvas.setFillGray(lay.grey)
        draw_string(canvas, lay.margin, y, self.data.event_title, lay.small_size)
        canvas.setFillGray(0)
        draw_string(canvas, self.page_width - lay.margin, y, f"page {number} of {total}",
                    lay.body_size, bold=True, align="right")

    def _draw_block(self, canvas: Canvas, block: Block, y: float) -> float:
        lay = self.layout
        left = lay.margin
        for line in block.lines:
            step = line.size * lay.leading
            y -= step
            base = y + (step - line.size) / 2
            if line.rule:
                canvas.setLineWidth(0.5)
                canvas.setStrokeGray(0.6)
                canvas.line(left, y + step / 2, self.page_width - lay.margin, y + step / 2)
                canvas.setStrokeGray(0)
                continue
            if line.box:
                box_x = left + line.x - lay.label_width - lay.box - 6
                canvas.setLineWidth(1.0)
                canvas.rect(box_x, base - 1, lay.box, lay.box, stroke=1, fill=0)
                strong = line.label == STRONG_LABEL
                draw_string(canvas, box_x + lay.box + 6, base, line.label, line.size, bold=strong)
            canvas.setFillGray(lay.grey if line.grey else 0)
            x = left + line.x
            if line.lead:
                x += draw_string(canvas, x, base, line.lead, line.size, bold=True)
                x += line.size * 0.32  # a space (draw_string trims trailing spaces)
            if line.text:
                draw_string(canvas, x, base, line.text, line.size, bold=line.bold)
            if line.right:
                draw_string(canvas, self.page_width - lay.margin, base, line.right, line.size,
                            bold=True, align="right")
            canvas.setFillGray(0)
        return y - block.gap_after


def render_sheet(data: SheetData, paper: str = "letter") -> bytes:
    """The host matching sheet for `data` on US Letter or A4, as PDF bytes."""
    return SheetRenderer(data, paper).render()
