"""Text fitting: summaries, shrink-to-fit names, ellipses on word boundaries."""
from __future__ import annotations

from organizer.badges import fonts
from organizer.badges.textfit import ELLIPSIS, ellipsize, fit_name, summarise_answer, wrap


def test_summary_takes_the_first_item():
    assert summarise_answer("Intros to finance recruiters, Python mentoring") == \
        "Intros to finance recruiters"
    assert summarise_answer("- design feedback\n- beta testers") == "design feedback"
    assert summarise_answer("1. Legal advice; 2. Tax advice") == "Legal advice"
    assert summarise_answer("") == ""
    assert summarise_answer(None) == ""
    assert summarise_answer(" ;\n ") == ""


def test_summary_is_shortened_on_a_word_boundary():
    text = "Introductions to people who organise large community events in many countries"
    short = summarise_answer(text, limit=40)
    assert short.endswith(ELLIPSIS) and len(short) <= 40
    assert text.startswith(short[:-1])
    assert short[-2] != " "


def test_short_name_is_one_line_at_full_size():
    lines, size = fit_name("Bo", 200, 80, 36)
    assert lines == ["Bo"] and size == 36


def test_long_name_wraps_onto_two_lines_and_fits():
    name = "Maximilian Alexander Friedrich Wilhelm von Hohenzollern-Sigmaringen"
    lines, size = fit_name(name, 250, 80, 36)
    assert len(lines) == 2
    assert " ".join(lines).replace("- ", "-") == name or "".join(lines) != ""
    assert max(fonts.string_width(line, size, True) for line in lines) <= 250 + 1e-6


def test_unbreakable_name_never_overflows():
    lines, size = fit_name("W" * 120, 200, 60, 36)
    assert all(fonts.string_width(line, size, True) <= 200 + 1e-6 for line in lines)


def test_ellipsize_prefers_word_boundaries():
    text = "Beta testers for a very long mobile app project name"
    short = ellipsize(text, 10, 120)
    assert short.endswith(ELLIPSIS) and fonts.string_width(short, 10) <= 120
    assert text.startswith(short[:-1]) and not short[:-1].endswith(" ")


def test_wrap_never_exceeds_lines_or_width():
    lines = wrap("word " * 40, 10, 100, 2)
    assert len(lines) == 2 and lines[-1].endswith(ELLIPSIS)
    assert all(fonts.string_width(line, 10) <= 100 for line in lines)
