"""Font chain: coverage by fallback, right-to-left visual order, gaps reported, not boxes."""
from __future__ import annotations

import io
import unicodedata

import pdfplumber
from reportlab.pdfgen.canvas import Canvas

from organizer.badges import fonts


def faces(text: str, bold: bool = False) -> list[str]:
    return [font for font, _ in fonts.chain(bold).runs(text)]


def test_european_scripts_come_from_dejavu_in_one_run():
    for name in ("Zażółć Gęślą Jaźń", "Nguyễn Thị Minh Khai", "Αλέξανδρος", "Дмитрий"):
        assert faces(name) == ["PIF-DejaVuSans"]
        assert faces(name, bold=True) == ["PIF-DejaVuSans-Bold"]
        assert fonts.uncovered_characters(name) == []


def test_cjk_and_hangul_fall_back_to_wenquanyi():
    assert faces("李小龍 山田太郎 김민준") == ["PIF-WenQuanYiMicroHei"]


def test_emoji_come_from_symbola_and_latin_stays_in_dejavu():
    assert faces("Ana 😀🎉") == ["PIF-DejaVuSans", "PIF-SymbolaEmoji"]


def test_arabic_is_shaped_and_in_visual_order():
    visual = fonts.prepare_text("محمد")
    # Contextual forms, drawn left to right: the last letter (dal, final form) comes first.
    assert unicodedata.name(visual[0]) == "ARABIC LETTER DAL FINAL FORM"
    assert unicodedata.name(visual[-1]) == "ARABIC LETTER MEEM INITIAL FORM"
    assert faces("محمد") == ["PIF-NotoSansArabic"]


def test_hebrew_is_reversed_for_drawing_and_brackets_stay_paired():
    assert fonts.prepare_text("שלום") == "םולש"
    assert fonts.prepare_text("דוד (דני)") == "(ינד) דוד"
    assert fonts.prepare_text("Ali (علي)").startswith("Ali (")


def test_control_and_format_characters_are_dropped():
    assert fonts.prepare_text("Jo\x00hn\x07\tDoe\u200b\u202e") == "John Doe"


def test_uncovered_characters_are_reported_and_drawn_as_replacement():
    text = "Ann \U0010fffd"
    assert fonts.uncovered_characters(text) == ["\U0010fffd"]
    assert fonts.REGULAR.runs(text) == (("PIF-DejaVuSans", "Ann \ufffd"),)


def test_width_adds_up_over_runs():
    assert fonts.string_width("Ana李", 10) == (fonts.string_width("Ana", 10)
                                                + fonts.string_width("李", 10))
    assert fonts.string_width("", 10) == 0


def test_drawn_text_uses_embedded_subset_fonts():
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    fonts.draw_string(canvas, 50, 700, "Zoë 李 😀 שלום محمد", 20)
    canvas.save()
    with pdfplumber.open(io.BytesIO(buffer.getvalue())) as pdf:
        names = {char["fontname"].split("+", 1)[1] for char in pdf.pages[0].chars}
        subset = {char["fontname"].split("+", 1)[0] for char in pdf.pages[0].chars}
    assert {"DejaVuSans", "WenQuanYiMicroHei-0", "Symbola", "NotoSansHebrew-Regular",
            "NotoSansArabic-Regular"} <= names
    assert all(len(tag) == 6 for tag in subset)  # ABCDEF+Name: embedded as a subset
