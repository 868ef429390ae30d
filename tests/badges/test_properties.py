"""Property tests: any name, company and answers render without error, inside the label."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from organizer.badges import fonts
from organizer.badges.presets import get_preset
from organizer.badges.render import BadgeData, badges_pdf
from organizer.badges.textfit import fit_name, summarise_answer

from .pdfcheck import misplaced

SCRIPTS = st.sampled_from([
    "Zażółć Gęślą Jaźń", "Nguyễn Thị Minh Khai", "Αλέξανδρος", "Дмитрий", "محمد بن سلمان",
    "דוד בן-גוריון", "李小龍", "김민준", "山田太郎", "Ana 😀🎉", "Ωmega (ת)", "\u202eevil\u202c",
])
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
TEXT = st.one_of(ANY_TEXT, SCRIPTS, st.lists(SCRIPTS, max_size=6).map(" ".join),
                 st.text("aAé ", min_size=80, max_size=120),
                 st.text(st.characters(categories=("Cc", "Cf", "Zs")), max_size=20))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=TEXT, company=st.one_of(st.just(""), TEXT), role=TEXT, offer=TEXT, need=TEXT,
       layout=st.sampled_from(["cr80", "avery-l4785", "foldover"]))
def test_any_badge_renders_inside_its_label(name, company, role, offer, need, layout):
    badge = BadgeData(name=name[:120], company=company, role=role,
                      offer_summary=summarise_answer(offer), need_summary=summarise_answer(need),
                      event_title=role, badge_number=7, qr_url="https://party.test/b/tok",
                      intros=[offer] if offer else [])
    pdf = badges_pdf([badge], layout=layout)
    assert misplaced(pdf, get_preset(layout)) == []


@settings(max_examples=200, deadline=None)
@given(name=TEXT, width=st.floats(40, 300), height=st.floats(10, 120))
def test_fitted_names_never_exceed_their_box(name, width, height):
    lines, size = fit_name(name, width, height, 40)
    assert len(lines) <= 2
    for line in lines:
        assert fonts.string_width(line, size, True) <= width * (1 + 1e-9)
