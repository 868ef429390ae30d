"""The host guest table in a real browser: long unbroken words wrap inside the page."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

LONG_WORD = "Bartholomew" + "x" * 109  # 120 characters, the most a name can have

# How much wider than its scroll container a table is (0 when it fits).
TABLE_OVERFLOW = """table => {
    const wrap = table.closest('.table-wrap') || table.parentElement;
    return {table: table.getBoundingClientRect().width, container: wrap.clientWidth,
            scroll: wrap.scrollWidth - wrap.clientWidth};
}"""


@pytest.mark.parametrize("width", [1280, 360])
def test_guest_table_fits_its_container(host_page, live_server, make_event, make_guest, width):
    event = make_event(slug="spring")
    make_guest(event, name=LONG_WORD, company="Megacorp" + "y" * 80,
               can_offer="Mentoring " + "z" * 150)
    make_guest(event, name="Ada Lovelace", company="Analytical Engines")
    page = host_page(width)
    page.goto(f"{live_server}/host/events/{event.slug}")
    size = page.eval_on_selector("table.guests", TABLE_OVERFLOW)
    assert size["table"] <= size["container"] and size["scroll"] == 0, size
    # The name is still on screen in full (wrapped), not hidden out of view.
    name = page.eval_on_selector(f"table.guests a >> text={LONG_WORD[:20]}",
                                 "a => a.getBoundingClientRect().right")
    assert name <= width
