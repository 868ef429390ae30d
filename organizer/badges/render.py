"""The badge renderer: a pure function of badge data and a preset that writes a PDF.

No Flask and no database here: :mod:`organizer.badges.service` turns guests into
:class:`BadgeData`, and the CLI, the host views and the door call :func:`render_badges` or
:func:`badges_pdf`.  Geometry comes from :mod:`organizer.badges.presets`.

Speed comes from doing per badge only what differs between badges: the layout of a preset is
computed once, the event header is one PDF form XObject drawn by reference on every badge,
QR codes are vector paths built from integer bitmaps (:mod:`organizer.badges.qr`), and fonts are
embedded once as subsets.
"""
from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import fonts, qr
from .marks import alignment_test, draw_cut_marks, draw_fold_marks
from .pdfcanvas import binary_streams, compress_last_page, new_canvas
from .presets import DEFAULT_PRESET, SAFE_MARGIN, Cell, Preset, get_preset
from .textfit import clean, ellipsize, fit_line, fit_name, line_extent, summarise_answer, wrap

__all__ = ["BadgeData", "RenderReport", "alignment_test", "badges_pdf", "render_badges",
           "summarise_answer"]

# Content stays this far inside the label: the 3 mm safe margin plus room for ink overshoot.
PADDING = SAFE_MARGIN + 1.5 * mm
MIN_QR_MODULE = 0.5 * mm
COMFORTABLE_QR_MODULE = 0.6 * mm
GREY = 0.35


@dataclass
class BadgeData:
    """Everything printed on one guest's badge (plain data, no database objects)."""

    name: str
    company: str = ""
    role: str = ""
    offer_summary: str = ""
    need_summary: str = ""
    event_title: str = ""
    badge_number: int | None = None
    qr_url: str = ""
    # Suggested introductions for the back of a foldover badge, one line each.
    intros: list[str] = field(default_factory=list)


@dataclass
class RenderReport:
    """What a render produced, and what could not be printed faithfully."""

    badges: int = 0
    pages: int = 0
    layout: str = DEFAULT_PRESET
    # Character -> names of the badges where no embedded font could draw it.
    uncovered: dict[str, list[str]] = field(default_factory=dict)
    qr_levels: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class _Layout:
    """Where things go on one face of a badge of a given size (local coordinates)."""

    width: float
    height: float
    left: float
    right: float
    bottom: float
    top: float
    title_size: float
    title_baseline: float
    middle_top: float
    middle_bottom: float
    name_max: float
    company_size: float
    body_size: float
    label_size: float
    qr_box: float
    text_right: float

    @property
    def inner_width(self) -> float:
        """Width between the paddings."""
        return self.right - self.left


def _stack_height(lines: list[tuple]) -> float:
    """Height of lines stacked by :meth:`_BadgeWriter._stack`."""
    return sum(sum(line_extent(text, bold)) * size + after
               for text, size, bold, _, after in lines)


@lru_cache(maxsize=None)
def _layout(width: float, height: float) -> _Layout:
    left, right, bottom, top = PADDING, width - PADDING, PADDING, height - PADDING
    box_w, box_h = right - left, top - bottom
    title_size = max(6.0, min(10.0, box_h * 0.06))
    title_baseline = top - 1.1 * title_size
    gap = box_h * 0.03
    qr_box = min(box_h * 0.5, box_w * 0.36)
    body_size = max(6.5, min(10.5, box_h * 0.052))
    return _Layout(
        width=width, height=height, left=left, right=right, bottom=bottom, top=top,
        title_size=title_size, title_baseline=title_baseline,
        middle_top=title_baseline - 0.45 * title_size - gap,
        middle_bottom=bottom + qr_box + gap,
        name_max=box_h * 0.2, company_size=max(7.0, min(13.0, box_h * 0.068)),
        body_size=body_size, label_size=body_size * 0.85, qr_box=qr_box,
        text_right=right - qr_box - 0.02 * box_w,
    )


class _BadgeWriter:
    """Owns the canvas for one render: draws faces, reuses forms, tracks the report."""

    def __init__(self, canvas: Canvas, preset: Preset, report: RenderReport):
        self.canvas = canvas
        self.preset = preset
        self.report = report
        self._headers: dict[tuple[str, float, float], str] = {}

    # --- text helpers ---------------------------------------------------------------------

    def _note_uncovered(self, text: str, who: str, bold: bool) -> None:
        if all(fonts.REPLACEMENT not in part for _, part in fonts.chain(bold).runs(text)):
            return  # every character had a glyph (the common case, checked from cached runs)
        for char in fonts.uncovered_characters(text, bold):
            names = self.report.uncovered.setdefault(char, [])
            if who not in names:
                names.append(who)

    def _text(self, text_object, x: float, y: float, text: str, size: float, bold: bool,
              align: str = "left") -> None:
        runs = fonts.chain(bold).runs(text)
        if not runs:
            return
        if align != "left":
            width = sum(stringWidth(part, font, size) for font, part in runs)
            x -= width / 2 if align == "centre" else width
        text_object.setTextOrigin(x, y)
        for font, part in runs:
            text_object.setFont(font, size)
            text_object.textOut(part)

    # --- shared artwork -------------------------------------------------------------------

    def _header_form(self, title: str, layout: _Layout) -> str:
        """The event title and rule, drawn once per title and badge size, reused by reference."""
        key = (title, layout.width, layout.height)
        name = self._headers.get(key)
        if name is None:
            name = f"BadgeHeader{len(self._headers)}"
            canvas = self.canvas
            canvas.beginForm(name, 0, 0, layout.width, layout.height)
            number_room = 4.5 * layout.title_size
            shown = ellipsize(title, layout.title_size, layout.inner_width - number_room)
            text_object = canvas.beginText()
            text_object.setFillGray(GREY)
            self._text(text_object, layout.left, layout.title_baseline, shown,
                       layout.title_size, False)
            canvas.drawText(text_object)
            canvas.setStrokeGray(0.6)
            canvas.setLineWidth(0.5)
            rule_y = layout.title_baseline - 0.4 * layout.title_size
            canvas.line(layout.left, rule_y, layout.right, rule_y)
            canvas.endForm()
            self._headers[key] = name
        return name

    # --- faces ----------------------------------------------------------------------------

    def _enter(self, cell: Cell) -> None:
        canvas = self.canvas
        canvas.saveState()
        if cell.rotated:
            canvas.translate(cell.x + cell.width, cell.y + cell.height)
            canvas.rotate(180)
        else:
            canvas.translate(cell.x, cell.y)

    def front(self, badge: BadgeData, cell: Cell) -> None:
        """Draw the front of a badge into a cell."""
        layout = _layout(cell.width, cell.height)
        canvas = self.canvas
        name = clean(badge.name) or " "
        self._enter(cell)
        canvas.doForm(self._header_form(clean(badge.event_title), layout))
        text_object = canvas.beginText()
        if badge.badge_number is not None:
            self._text(text_object, layout.right, layout.title_baseline,
                       f"#{badge.badge_number}", layout.title_size, True, "right")

        # Name and company/role, centred in the middle band.
        company = " \u00b7 ".join(part for part in (clean(badge.company), clean(badge.role))
                                  if part)
        company_h = sum(line_extent(company)) * layout.company_size if company else 0.0
        band = layout.middle_top - layout.middle_bottom
        name_lines, name_size = fit_name(name, layout.inner_width, band - company_h * 1.15,
                                         layout.name_max)
        extents = [line_extent(line, True) for line in name_lines]
        block = sum(up + down for up, down in extents) * name_size + company_h * 1.15
        y = layout.middle_top - max(0.0, (band - block) / 2)
        centre = (layout.left + layout.right) / 2
        for line, (up, down) in zip(name_lines, extents):
            y -= up * name_size
            self._text(text_object, centre, y, line, name_size, True, "centre")
            y -= down * name_size
        self._note_uncovered(name, name, True)
        if company:
            shown, size = fit_line(company, layout.inner_width, layout.company_size,
                                   min(7.0, layout.company_size))
            up, _ = line_extent(shown)
            y -= 0.15 * company_h + up * size
            text_object.setFillGray(GREY)
            self._text(text_object, centre, y, shown, size, False, "centre")
            text_object.setFillGray(0)
            self._note_uncovered(company, name, False)

        # "Ask me about" / "Looking for" beside the QR code, down to the label's padding.
        summaries = [(label, clean(summary)) for label, summary in
                     (("Ask me about:", badge.offer_summary), ("Looking for:", badge.need_summary))
                     if clean(summary)]
        top = layout.middle_bottom - 0.01 * layout.height
        self._stack(text_object, self._summary_lines(summaries, layout, top), layout.left, top)
        for _, summary in summaries:
            self._note_uncovered(summary, name, False)
        canvas.drawText(text_object)

        if badge.qr_url:
            self._qr(badge.qr_url, layout)
        canvas.restoreState()

    @staticmethod
    def _summary_lines(summaries, layout: _Layout, top: float) -> list[tuple]:
        """(text, size, bold, grey, space after) lines that fit between ``top`` and the bottom
        padding: two lines per answer at full size if they fit, else one, else smaller type."""
        width = layout.text_right - layout.left
        room = top - layout.bottom
        lines: list[tuple] = []
        for max_lines, scale in ((2, 1.0), (1, 1.0), (1, 0.85), (1, 0.7)):
            body, label = layout.body_size * scale, layout.label_size * scale
            lines = []
            for caption, summary in summaries:
                lines.append((caption, label, True, True, 0.0))
                wrapped = wrap(summary, body, width, max_lines)
                for i, line in enumerate(wrapped):
                    lines.append((line, body, False, False,
                                  0.25 * body if i == len(wrapped) - 1 else 0.0))
            if _stack_height(lines) <= room:
                return lines
        return lines

    def _stack(self, text_object, lines: list[tuple], x: float, top: float,
               bottom: float | None = None) -> float:
        """Draw lines downward from ``top``; a line that would cross the bottom padding (or
        ``bottom``) is left out rather than drawn outside the label."""
        floor = PADDING if bottom is None else bottom
        y = top
        for text, size, bold, grey, after in lines:
            up, down = line_extent(text, bold)
            if y - (up + down) * size < floor - 1e-6:
                break
            y -= up * size
            if grey:
                text_object.setFillGray(GREY)
            self._text(text_object, x, y, text, size, bold)
            if grey:
                text_object.setFillGray(0)
            y -= down * size + after
        return y

    def _qr(self, url: str, layout: _Layout) -> None:
        # The box holds the symbol and its quiet zone on the text side (left and top); on the
        # label side (right and bottom) the quiet zone lies in the blank padding instead, which
        # is wide enough for four modules. That buys bigger modules on small labels.
        quiet_in_box = qr.QUIET_ZONE
        level = qr.choose_level(url, layout.qr_box, MIN_QR_MODULE, COMFORTABLE_QR_MODULE,
                                quiet_in_box)
        matrix = qr.make_matrix(url, level)
        module = min(layout.qr_box / (matrix.size + quiet_in_box), PADDING / qr.QUIET_ZONE)
        origin_x = layout.right - matrix.size * module
        origin_y = layout.bottom
        self.canvas.addLiteral(f"q {module:.4f} 0 0 {module:.4f} {origin_x:.3f} {origin_y:.3f} cm"
                               f"\n0 g\n{qr.path_operators(matrix)}\nQ")
        self.report.qr_levels[level] += 1

    def back(self, badge: BadgeData, cell: Cell) -> None:
        """Draw the back of a foldover badge: the name again and suggested introductions."""
        layout = _layout(cell.width, cell.height)
        canvas = self.canvas
        self._enter(cell)
        canvas.doForm(self._header_form(clean(badge.event_title), layout))
        text_object = canvas.beginText()
        name, size = fit_line(clean(badge.name) or " ", layout.inner_width,
                              layout.company_size * 1.4, 7.0, bold=True)
        body = layout.body_size
        lines = [(name, size, True, False, 0.6 * body),
                 ("Suggested introductions", layout.label_size, True, True, 0.2 * body)]
        intros = [clean(intro) for intro in badge.intros if clean(intro)]
        if intros:
            room = layout.middle_top - layout.bottom - _stack_height(lines)
            shown = []
            for index, intro in enumerate(intros):
                line = (ellipsize("\u2022 " + intro, body, layout.inner_width), body, False,
                        False, 0.25 * body)
                more = len(intros) - index - 1
                tail = [(f"+ {more} more on the host's sheet", body, False, True, 0.0)] if more \
                    else []
                if _stack_height(shown + [line] + tail) > room:
                    shown.append((f"+ {len(intros) - index} more on the host's sheet", body,
                                  False, True, 0.0))
                    break
                shown.append(line)
                self._note_uncovered(intro, badge.name, False)
            lines += shown
        else:
            message = ("Your host will print suggested introductions here once matching has "
                       "run. Until then: ask someone what they could use help with.")
            lines += [(line, body, False, True, 0.1 * body)
                      for line in wrap(message, body, layout.inner_width, 4)]
        self._stack(text_object, lines, layout.left, layout.middle_top)
        canvas.drawText(text_object)
        canvas.restoreState()

    # --- page furniture -------------------------------------------------------------------

MAX_OFFSET_MM = 20.0  # more than any printer's shift: a typo, not a calibration


def offset_problem(offset_x_mm: float, offset_y_mm: float) -> str:
    """Why calibration offsets cannot be used, or "" when they can. NaN passed the old
    "above 20 mm" test (every comparison with NaN is false) and wrote "nan" into the PDF."""
    if not (math.isfinite(offset_x_mm) and math.isfinite(offset_y_mm)):
        return "Offsets are numbers of millimetres."
    if abs(offset_x_mm) > MAX_OFFSET_MM or abs(offset_y_mm) > MAX_OFFSET_MM:
        return f"Offsets above {MAX_OFFSET_MM:g} mm are not a printer shift."
    return ""


def render_badges(badges: Iterable[BadgeData], out: BinaryIO, *, layout: str = DEFAULT_PRESET,
                  cut_marks: bool = False, offset_x_mm: float = 0.0, offset_y_mm: float = 0.0,
                  progress: Callable[[int], None] | None = None) -> RenderReport:
    """Write a PDF of badges to ``out``; returns what was printed and what could not be.

    ``offset_x_mm``/``offset_y_mm`` move everything right/up to calibrate a printer that
    shifts the page (see :func:`alignment_test`).  ``progress`` is called with the number of
    badges drawn so far, every page.
    """
    with binary_streams():
        return _render(badges, out, get_preset(layout), cut_marks, offset_x_mm, offset_y_mm,
                       progress)


def _render(badges: Iterable[BadgeData], out: BinaryIO, preset: Preset, cut_marks: bool,
            offset_x_mm: float, offset_y_mm: float,
            progress: Callable[[int], None] | None) -> RenderReport:
    report = RenderReport(layout=preset.name)
    slots = preset.slots(offset_x_mm * mm, offset_y_mm * mm)
    canvas = new_canvas(out, preset, "Name badges")
    writer = _BadgeWriter(canvas, preset, report)
    page_open = False
    for index, badge in enumerate(badges):
        position = index % preset.per_page
        if position == 0 and page_open:
            _finish_page(writer, slots, cut_marks)
            report.pages += 1
            if progress:
                progress(index)
        slot = slots[position]
        writer.front(badge, slot.front)
        if slot.back is not None:
            writer.back(badge, slot.back)
        page_open = True
        report.badges += 1
    if page_open:
        _finish_page(writer, slots, cut_marks)
        report.pages += 1
    else:
        _empty_page(canvas, preset)
        canvas.showPage()
        report.pages = 1
    canvas.save()
    if progress:
        progress(report.badges)
    return report


def _finish_page(writer: _BadgeWriter, slots, cut_marks: bool) -> None:
    if cut_marks:
        draw_cut_marks(writer.canvas, writer.preset.page_size,
                       [cell for slot in slots for cell in slot.cells])
        if writer.preset.foldover:
            draw_fold_marks(writer.canvas, slots)
    writer.canvas.showPage()
    compress_last_page(writer.canvas)


def _empty_page(canvas: Canvas, preset: Preset) -> None:
    text = canvas.beginText()
    size = min(12.0, preset.page_height / 12)
    text.setTextOrigin(PADDING, preset.page_height - PADDING - size)
    text.setFont(fonts.REGULAR.primary, size)
    fonts.register_primary_fonts()
    text.textOut("No guests to print.")
    canvas.drawText(text)


def badges_pdf(badges: Iterable[BadgeData], **options) -> bytes:
    """The badge PDF as bytes (see :func:`render_badges` for the options)."""
    buffer = io.BytesIO()
    render_badges(badges, buffer, **options)
    return buffer.getvalue()
