"""The host's badge page: choices, counts, and the download it leads to."""
from organizer.extensions import db


def test_badge_page_offers_layouts_selections_and_counts(host_client, make_event, make_guest):
    event = make_event(slug="b")
    make_guest(event, name="Ann")
    make_guest(event, name="Bo", attendance="no")
    page = host_client.get("/host/events/b/badges")
    assert page.status_code == 200
    html = page.text
    for text in ("Avery 5392", "Avery L4785", "CR80", "Foldover", "Alignment test page",
                 "Cut marks", "Shift right (mm)", "(1)"):
        assert text in html
    pdf = host_client.get("/host/events/b/badges.pdf?only=new&layout=avery-5392&offset_x=0")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    db.session.expire_all()
    assert "(0)" in host_client.get("/host/events/b/badges").text  # nothing new to print


def test_badge_page_needs_login(client, make_event):
    make_event(slug="b")
    assert client.get("/host/events/b/badges").status_code == 302
