"""Badge layouts as data: one entry per label stock or badge printer, with its published sizes.

Adding a preset is adding one :class:`Preset` to :data:`PRESETS`; the renderer, the CLI, the
web view and the tests all read the geometry from here.  Sizes are in PDF points (1/72 inch);
``inch`` and ``mm`` from reportlab convert the published figures.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm

# Nothing of a badge is drawn closer than this to its label's edge (printers shift, dies vary).
SAFE_MARGIN = 3 * mm


@dataclass(frozen=True)
class Cell:
    """One printable face of a badge on the page, in PDF points (origin bottom left)."""

    x: float
    y: float
    width: float
    height: float
    # A foldover's back face is printed upside down so it reads upright once folded.
    rotated: bool = False

    @property
    def x1(self) -> float:
        """Right edge."""
        return self.x + self.width

    @property
    def y1(self) -> float:
        """Top edge."""
        return self.y + self.height

    def shifted(self, dx: float, dy: float) -> Cell:
        """The same cell moved by a calibration offset."""
        return Cell(self.x + dx, self.y + dy, self.width, self.height, self.rotated)


@dataclass(frozen=True)
class Slot:
    """Where one guest's badge goes on a page: its front face and, for foldovers, its back."""

    front: Cell
    back: Cell | None = None

    @property
    def cells(self) -> tuple[Cell, ...]:
        """Every face of the slot."""
        return (self.front,) if self.back is None else (self.front, self.back)


@dataclass(frozen=True)
class Preset:
    """A label sheet or badge card: page size, label size and the grid of labels."""

    name: str
    title: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int = 1
    rows: int = 1
    # Distance from the page's left and top edges to the first label, and label-to-label pitch.
    left: float = 0.0
    top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0
    corner_radius: float = 0.0
    # A foldover strip is a front face above a back face of the same size, folded between them.
    foldover: bool = False
    source: str = ""

    @property
    def per_page(self) -> int:
        """Badges per page."""
        return self.columns * self.rows

    @property
    def page_size(self) -> tuple[float, float]:
        """(width, height) in points."""
        return (self.page_width, self.page_height)

    @property
    def strip_height(self) -> float:
        """Height of one slot: a label, or two for a foldover."""
        return self.label_height * (2 if self.foldover else 1)

    def slots(self, offset_x: float = 0.0, offset_y: float = 0.0) -> list[Slot]:
        """Every slot on a page in reading order (left to right, top to bottom)."""
        slots = []
        for row in range(self.rows):
            for column in range(self.columns):
                x = self.left + column * self.pitch_x + offset_x
                top = self.page_height - self.top - row * self.pitch_y + offset_y
                if self.foldover:
                    front = Cell(x, top - self.label_height, self.label_width, self.label_height)
                    back = Cell(x, top - 2 * self.label_height, self.label_width,
                                self.label_height, rotated=True)
                    slots.append(Slot(front, back))
                else:
                    slots.append(Slot(Cell(x, top - self.label_height, self.label_width,
                                           self.label_height)))
        return slots


PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset(
        name="avery-5392", title="Avery 5392 name badge inserts, 4 x 3 in, 6 per US Letter sheet",
        page_width=LETTER[0], page_height=LETTER[1], label_width=4 * inch, label_height=3 * inch,
        columns=2, rows=3, left=0.25 * inch, top=1 * inch, pitch_x=4 * inch, pitch_y=3 * inch,
        source="Six 4 x 3 in cells, 0.25 in side and 1 in top/bottom margins, no gutters: "
               "Paper::Specs' Avery 74541 entry (same insert family) and the figures quoted "
               "from Avery's 5392/74536/5384/74540/74541 template; gLabels' "
               "avery-us-templates.xml has no 5392 entry to compare with.",
    ),
    Preset(
        name="avery-l4785", title="Avery L4785 name badges, 80 x 50 mm, 10 per A4 sheet",
        page_width=A4[0], page_height=A4[1], label_width=80 * mm, label_height=50 * mm,
        columns=2, rows=5, left=18 * mm, top=13 * mm, pitch_x=95 * mm, pitch_y=55 * mm,
        corner_radius=4 * mm,
        source="Avery UK L4785 self-adhesive name badges; geometry from gLabels' "
               "avery-iso-templates.xml (x0=18mm y0=13mm dx=95mm dy=55mm, 80 x 50 mm, r=4mm).",
    ),
    Preset(
        name="single-4x3", title="One 4 x 3 in badge per page (badge printers, card stock)",
        page_width=4 * inch, page_height=3 * inch, label_width=4 * inch, label_height=3 * inch,
        source="4 x 3 in is the common badge-insert size (as avery-5392).",
    ),
    Preset(
        name="cr80", title="CR80 card, 85.6 x 54 mm, one per page (PVC card printers)",
        page_width=85.6 * mm, page_height=54 * mm, label_width=85.6 * mm, label_height=54 * mm,
        corner_radius=3.18 * mm,
        source="ISO/IEC 7810 ID-1 (CR80): 85.60 x 53.98 mm, corner radius 3.18 mm.",
    ),
    Preset(
        name="foldover", title="Foldover strips, 4 x 3 in front over back, 2 per US Letter sheet",
        page_width=LETTER[0], page_height=LETTER[1], label_width=4 * inch, label_height=3 * inch,
        columns=2, rows=1, left=0.25 * inch, top=1 * inch, pitch_x=4 * inch, pitch_y=6 * inch,
        foldover=True,
        source="Two 4 x 6 in strips on plain card, cut out and folded in half into a 4 x 3 in "
               "lanyard pocket; the back is printed upside down so it reads upright when folded.",
    ),
)}

DEFAULT_PRESET = "avery-5392"


class UnknownPreset(ValueError):
    """No preset of that name."""


def get_preset(name: str) -> Preset:
    """The preset called ``name``, or :class:`UnknownPreset` listing the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownPreset(f"Unknown badge layout {name!r}; choose one of: "
                            + ", ".join(sorted(PRESETS))) from None
