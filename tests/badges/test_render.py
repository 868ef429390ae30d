"""Badge PDFs: every object inside its label's safe area on every preset, QR geometry, marks,
foldover backs, shared resources. Positions come from pdfplumber, not from our own layout."""
from __future__ import annotations

import io

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from organizer.badges.presets import PRESETS, SAFE_MARGIN, get_preset
from organizer.badges.render import BadgeData, alignment_test, badges_pdf, render_badges

from .pdfcheck import misplaced, page_objects
from .samples import sample_badges


@pytest.fixture(scope="module")
def rendered():
    """Each preset's PDF of the multi-script sample badges (rendered once per module)."""
    badges = sample_badges()
    return {name: badges_pdf(badges, layout=name) for name in PRESETS}


@pytest.mark.parametrize("layout", sorted(PRESETS))
def test_everything_lies_inside_its_label_with_a_3mm_margin(rendered, layout):
    assert misplaced(rendered[layout], get_preset(layout)) == []


@pytest.mark.parametrize("layout", sorted(PRESETS))
def test_qr_modules_are_big_enough_with_a_clear_quiet_zone(rendered, layout):
    preset = get_preset(layout)
    cells = [slot.front for slot in preset.slots()]
    for _, objects in page_objects(rendered[layout]):
        for cell in cells:
            rects = [o for o in objects if o[0] == "rect" and cell.x <= o[1] <= cell.x1
                     and cell.y <= o[2] <= cell.y1]
            if not rects:
                continue
            module = min(o[4] - o[2] for o in rects)
            assert module >= 0.5 * mm - 0.01
            x0, y0 = min(o[1] for o in rects), min(o[2] for o in rects)
            x1, y1 = max(o[3] for o in rects), max(o[4] for o in rects)
            assert x1 - x0 == pytest.approx(y1 - y0, abs=0.01)  # square symbol
            quiet = 4 * module - 0.01
            for kind, a0, b0, a1, b1, _ in objects:
                if kind == "rect" or not (cell.x <= a0 <= cell.x1 and cell.y <= b0 <= cell.y1):
                    continue
                clear = a1 <= x0 - quiet or a0 >= x1 + quiet or b1 <= y0 - quiet or \
                    b0 >= y1 + quiet
                assert clear, f"{kind} within the quiet zone on {layout}"
            # On the label side the quiet zone lies in the blank padding, inside the label.
            assert cell.x1 - x1 >= quiet and y0 - cell.y >= quiet


def test_calibration_offset_moves_everything():
    pdf = badges_pdf(sample_badges(6), layout="avery-5392", offset_x_mm=2, offset_y_mm=-1.5)
    preset = get_preset("avery-5392")
    assert misplaced(pdf, preset, 2 * mm, -1.5 * mm) == []
    assert misplaced(pdf, preset) != []  # and it really moved


@pytest.mark.parametrize("layout", ["avery-5392", "avery-l4785", "foldover"])
def test_cut_marks_stay_off_the_labels(layout):
    preset = get_preset(layout)
    pdf = badges_pdf(sample_badges(preset.per_page), layout=layout, cut_marks=True)
    cells = [cell for slot in preset.slots() for cell in slot.cells]
    marks = [o for _, objects in page_objects(pdf) for o in objects
             if o[0] == "line" and not any(cell.x <= o[1] <= cell.x1 and cell.y <= o[2] <= cell.y1
                                           for cell in cells)]
    assert len(marks) >= 4
    for _, x0, y0, x1, y1, _ in marks:
        for cell in cells:
            apart = x1 < cell.x or x0 > cell.x1 or y1 < cell.y or y0 > cell.y1
            assert apart, "a cut mark touches a label"


def test_foldover_back_lists_intros_or_explains_the_empty_state():
    badges = [BadgeData(name="Priya Shah", event_title="Party", badge_number=1,
                        qr_url="http://party.test/b/abc", intros=["Bob Lee — could use help"]),
              BadgeData(name="Bob Lee", event_title="Party", badge_number=2,
                        qr_url="http://party.test/b/def")]
    pdf = badges_pdf(badges, layout="foldover")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        preset = get_preset("foldover")
        left, right = preset.slots()
        back_text = [page.crop((cell.x, page.height - cell.y1, cell.x1, page.height - cell.y))
                     .extract_text() for cell in (left.back, right.back)]
    # Printed upside down (to read upright when folded): extract the characters reversed.
    assert "Bob Lee" in back_text[0][::-1] or "Bob Lee" in back_text[0]
    assert "matching" in back_text[1][::-1] or "matching" in back_text[1]


def test_header_artwork_is_one_shared_form_and_fonts_are_subsets():
    pdf = badges_pdf(sample_badges(24), layout="avery-5392")
    reader = PdfReader(io.BytesIO(pdf))
    forms = set()
    for page in reader.pages:
        for name, ref in page["/Resources"].get("/XObject", {}).items():
            if ref.get_object()["/Subtype"] == "/Form":
                forms.add(ref.idnum)
    assert len(forms) == 1  # one event title: one header form, drawn by reference on each badge
    fonts = {font.get_object()["/BaseFont"] for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("+" in str(name) for name in fonts)


def test_report_lists_characters_no_font_has():
    buffer = io.BytesIO()
    report = render_badges([BadgeData(name="Ann \U0010fffd", qr_url="http://x.test/b/1")],
                           buffer, layout="cr80")
    assert report.uncovered == {"\U0010fffd": ["Ann \U0010fffd"]}
    assert report.badges == 1 and report.pages == 1


def test_empty_guest_list_gives_a_one_page_pdf_saying_so():
    with pdfplumber.open(io.BytesIO(badges_pdf([], layout="avery-5392"))) as document:
        assert len(document.pages) == 1
        assert "No guests" in document.pages[0].extract_text()


@pytest.mark.parametrize("layout", sorted(PRESETS))
def test_alignment_test_outlines_every_label(layout):
    preset = get_preset(layout)
    buffer = io.BytesIO()
    alignment_test(buffer, layout=layout, offset_x_mm=1)
    with pdfplumber.open(io.BytesIO(buffer.getvalue())) as document:
        assert len(document.pages) == 1
        rects = document.pages[0].rects
    outlines = [r for r in rects if abs(r["width"] - preset.label_width) < 0.1
                and abs(r["height"] - preset.label_height) < 0.1]
    assert len(outlines) == len([c for s in preset.slots() for c in s.cells])
    safe = [r for r in rects if abs(r["width"] - (preset.label_width - 2 * SAFE_MARGIN)) < 0.1]
    assert len(safe) == len(outlines)
