"""Page furniture for label sheets: cut marks, fold marks and the printer alignment test."""
from __future__ import annotations

from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from . import fonts
from .pdfcanvas import new_canvas
from .presets import DEFAULT_PRESET, SAFE_MARGIN, Cell, Slot, get_preset
from .textfit import wrap


def draw_cut_marks(canvas: Canvas, page_size: tuple[float, float], cells: list[Cell]) -> None:
    """Short lines in the page margin, in line with every label edge (never on a label)."""
    page_w, page_h = page_size
    xs = sorted({round(c.x, 3) for c in cells} | {round(c.x1, 3) for c in cells})
    ys = sorted({round(c.y, 3) for c in cells} | {round(c.y1, 3) for c in cells})
    left = min(c.x for c in cells)
    right = max(c.x1 for c in cells)
    low = min(c.y for c in cells)
    high = max(c.y1 for c in cells)
    gap, length = 1.5 * mm, 5 * mm
    canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0)
    lines = []
    for x in xs:
        if high + gap < page_h:
            lines.append((x, high + gap, x, min(page_h, high + gap + length)))
        if low - gap > 0:
            lines.append((x, low - gap, x, max(0.0, low - gap - length)))
    for y in ys:
        if left - gap > 0:
            lines.append((left - gap, y, max(0.0, left - gap - length), y))
        if right + gap < page_w:
            lines.append((right + gap, y, min(page_w, right + gap + length), y))
    canvas.lines(lines)
    canvas.restoreState()


def draw_fold_marks(canvas: Canvas, slots: list[Slot]) -> None:
    """Dashed ticks in the left and right page margins, level with each strip's fold line."""
    page_width = canvas._pagesize[0]
    left = min(slot.front.x for slot in slots)
    right = max(slot.front.x1 for slot in slots)
    canvas.saveState()
    canvas.setDash(2, 2)
    canvas.setLineWidth(0.3)
    for y in sorted({round(slot.front.y, 3) for slot in slots}):
        if left - 1.5 * mm > 0:
            canvas.line(max(0.0, left - 6.5 * mm), y, left - 1.5 * mm, y)
        if right + 1.5 * mm < page_width:
            canvas.line(right + 1.5 * mm, y, min(page_width, right + 6.5 * mm), y)
    canvas.restoreState()


def _alignment_cell(canvas: Canvas, cell: Cell, label: str) -> None:
    """A label's outline, its safe area (dotted), a centre cross and millimetre scales."""
    canvas.setDash()
    canvas.rect(cell.x, cell.y, cell.width, cell.height)
    canvas.setDash(1, 2)
    canvas.rect(cell.x + SAFE_MARGIN, cell.y + SAFE_MARGIN, cell.width - 2 * SAFE_MARGIN,
                cell.height - 2 * SAFE_MARGIN)
    canvas.setDash()
    cx, cy = cell.x + cell.width / 2, cell.y + cell.height / 2
    canvas.line(cx - 5 * mm, cy, cx + 5 * mm, cy)
    canvas.line(cx, cy - 5 * mm, cx, cy + 5 * mm)
    # Millimetre ticks from the top-left corner inward, to read a shift directly.
    for tick in range(0, 16):
        length = 3 * mm if tick % 5 == 0 else 1.5 * mm
        canvas.line(cell.x + tick * mm, cell.y1, cell.x + tick * mm, cell.y1 - length)
        canvas.line(cell.x, cell.y1 - tick * mm, cell.x + length, cell.y1 - tick * mm)
    size = max(5.0, min(8.0, cell.height / 20))
    fonts.draw_string(canvas, cx, cy + 7 * mm, label, size, align="centre")


def alignment_test(out: BinaryIO, *, layout: str = DEFAULT_PRESET, offset_x_mm: float = 0.0,
                   offset_y_mm: float = 0.0) -> None:
    """One page to print on plain paper and hold against a label sheet: every label outline,
    its 3 mm safe area, centre crosses and millimetre scales, with the offsets in use."""
    preset = get_preset(layout)
    canvas = new_canvas(out, preset, "Badge alignment test")
    fonts.register_primary_fonts()
    slots = preset.slots(offset_x_mm * mm, offset_y_mm * mm)
    canvas.setLineWidth(0.5)
    for number, slot in enumerate(slots, start=1):
        for cell in slot.cells:
            label = f"badge {number}" if slot.back is None else \
                f"badge {number} {'back' if cell.rotated else 'front'}"
            _alignment_cell(canvas, cell, label)
    # Instructions above the first label when the sheet has room, else inside the label.
    cells = [cell for slot in slots for cell in slot.cells]
    size = max(5.0, min(8.0, preset.page_height / 40))
    width = preset.page_width - 4 * SAFE_MARGIN
    lines = [f"Alignment test: {preset.name} ({preset.title}).",
             f"Offsets in use: x {offset_x_mm:+.1f} mm, y {offset_y_mm:+.1f} mm. Print at 100% "
             "(no 'fit to page') and hold the page against a label sheet in front of a light.",
             "Printed too far right (or up) by N mm? Print with offset x (or y) -N; "
             "too far left (or down): +N."]
    wrapped = [line for text in lines for line in wrap(text, size, width, 3)]
    room_above = preset.page_height - max(cell.y1 for cell in cells)
    top = preset.page_height - 2 * mm if room_above >= (len(wrapped) * 1.3 + 1) * size \
        else cells[0].y + cells[0].height * 0.4
    for i, line in enumerate(wrapped):
        fonts.draw_string(canvas, preset.page_width / 2, top - (i + 1) * 1.3 * size, line, size,
                          align="centre")
    canvas.showPage()
    canvas.save()
