"""Host accounts: first-run setup, login, and every host route closed to anonymous visitors."""
import pytest
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Host
from tests.conftest import csrf_from


def test_first_visit_asks_for_host_account_then_closes_setup(client):
    assert client.get("/").location.endswith("/host/setup")
    page = client.get("/host/setup")
    response = client.post("/host/setup", data={
        "email": "Me@Example.com", "password": "a long password", "confirm": "a long password",
        "csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.location.endswith("/host/")
    host = db.session.scalar(select(Host))
    assert host.email == "me@example.com" and "a long password" not in host.password_hash
    assert "Load a demo event" in client.get("/host/").text
    # Once a host exists, setup is closed to everyone.
    other = client.application.test_client()
    assert other.get("/host/setup").location.endswith("/host/login")


def test_setup_rejects_short_or_mismatched_password(client):
    page = client.get("/host/setup")
    response = client.post("/host/setup", data={"email": "a@b.org", "password": "short",
                                                "confirm": "short", "csrf_token": csrf_from(page)})
    assert "at least 10 characters" in response.text
    assert db.session.scalar(select(Host)) is None


def test_wrong_password_is_refused(client, host_client):
    other = client.application.test_client()
    page = other.get("/host/login")
    response = other.post("/host/login", data={"email": "host@example.com", "password": "nope",
                                               "csrf_token": csrf_from(page)})
    assert response.status_code == 200 and "Wrong e-mail or password." in response.text


def test_login_without_csrf_token_is_refused(client, host_client):
    other = client.application.test_client()
    response = other.post("/host/login", data={"email": "host@example.com",
                                                "password": "correct horse battery"})
    assert response.status_code in (200, 400)
    assert other.get("/host/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/host/events/new", "/host/events/new"),
    ("//evil.example/phish", "/host/"),
    ("https://evil.example/", "/host/"),
    ("/\\evil.example", "/host/"),
    ("javascript:alert(1)", "/host/"),
])
def test_no_open_redirect_after_login(app, host_client, target, expected):
    other = app.test_client()
    page = other.get("/host/login")
    response = other.post(f"/host/login?next={target}", data={
        "email": "host@example.com", "password": "correct horse battery",
        "csrf_token": csrf_from(page)})
    assert response.location == expected


def test_every_host_route_refuses_anonymous_requests(app, make_event, make_guest, host_client):
    event = make_event(slug="s")
    make_guest(event)
    anonymous = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/host") or rule.endpoint in {"hosting.login",
                                                                   "hosting.setup"}:
            continue
        values = {arg: ("s" if arg == "slug" else 1) for arg in rule.arguments}
        url = rule.rule
        for arg, value in values.items():
            url = url.replace(f"<{arg}>", str(value)).replace(f"<int:{arg}>", str(value))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anonymous.open(url, method=method)
            assert response.status_code in (302, 400, 401, 403), (method, url)
            if response.status_code == 302:
                assert "/host/login" in response.location, (method, url)
            checked += 1
    assert checked >= 10


def test_event_create_edit_and_guest_table(host_client):
    page = host_client.get("/host/events/new")
    response = host_client.post("/host/events/new", data={
        "title": "Winter Gathering", "slug": "winter", "starts_at": "2027-01-15T18:30",
        "ends_at": "2027-01-15T21:00", "timezone": "America/New_York", "venue": "Hall A",
        "capacity": "50", "is_open": "y", "categories": "Hiring\nFunding\n",
        "csrf_token": csrf_from(page)})
    assert response.status_code == 302, response.text
    from organizer.models import Event
    event = db.session.scalar(select(Event).where(Event.slug == "winter"))
    assert event.starts_at.isoformat() == "2027-01-15T23:30:00+00:00"
    assert event.categories == ["Hiring", "Funding"]
    page = host_client.get("/host/events/winter/edit")
    assert 'value="2027-01-15T18:30"' in page.text
    response = host_client.post("/host/events/winter/edit", data={
        "title": "Winter Gathering", "slug": "winter", "starts_at": "2027-01-15T18:30",
        "ends_at": "2027-01-15T17:00", "timezone": "America/New_York",
        "csrf_token": csrf_from(page)})
    assert "cannot end before it starts" in response.text


def test_duplicate_slug_is_a_form_error(host_client, make_event):
    make_event(slug="taken")
    page = host_client.get("/host/events/new")
    response = host_client.post("/host/events/new", data={
        "title": "X", "slug": "taken", "starts_at": "2027-01-15T18:30", "timezone": "UTC",
        "csrf_token": csrf_from(page)})
    assert response.status_code == 422 and "is taken by another event" in response.text


def test_demo_event_and_guest_table_search_filter_sort(host_client):
    page = host_client.get("/host/")
    response = host_client.post("/host/demo", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    table = host_client.get(response.location)
    assert table.text.count('<span class="pill pill-') >= 40
    assert "waitlist" in table.text
    found = host_client.get(response.location + "?q=photographer")
    assert "Noa Levi" in found.text and "Priya Raman" not in found.text
    maybe = host_client.get(response.location + "?status=maybe")
    assert "Aisha Bello" in maybe.text and "Priya Raman" not in maybe.text
    by_name = host_client.get(response.location + "?sort=name").text
    assert by_name.index("Ahmed Hassan") < by_name.index("Zofia")


def test_stale_csrf_on_event_form_keeps_what_the_host_typed(host_client):
    host_client.get("/host/events/new")
    response = host_client.post("/host/events/new", data={
        "title": "Typed With Care", "slug": "typed", "starts_at": "2027-01-15T18:30",
        "timezone": "UTC", "venue": "Long venue name", "csrf_token": "expired"})
    assert response.status_code == 422
    assert "form session expired" in response.text
    assert 'value="Typed With Care"' in response.text and 'value="Long venue name"' in response.text


def test_stale_csrf_on_a_button_gets_a_page_in_words(host_client):
    response = host_client.post("/host/demo", data={"csrf_token": "expired"})
    assert response.status_code == 400 and "security token expired" in response.text


def test_reissued_badge_refuses_the_old_code_at_the_door(host_client, make_event, make_guest):
    from organizer.dbtypes import utcnow
    from organizer.door.checkin import checkin_guest
    from organizer.door.keys import create_door_key
    event = make_event(slug="lost")
    guest = make_guest(event, name="Lost Badge")
    old = guest.badge_token
    page = host_client.get(f"/host/events/lost/guests/{guest.id}")
    response = host_client.post(f"/host/events/lost/guests/{guest.id}/reissue-badge",
                                data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.refresh(guest)
    assert guest.badge_token != old
    door = create_door_key(db.session, event, "Front", utcnow()).door_key
    assert checkin_guest(db.session, event, old, door, utcnow()).result == "revoked"
    assert checkin_guest(db.session, event, guest.badge_token, door, utcnow()).result == "ok"


def test_logging_out_ends_the_session_even_for_a_copied_cookie(app, host_client):
    """The session is a signed cookie: before, a copy kept from before logging out (another
    browser, someone at the venue's shared laptop) still opened the dashboard for 31 days."""
    from flask.testing import FlaskClient
    copied = host_client.get_cookie("session").value
    assert host_client.get("/host/").status_code == 200
    token = csrf_from(host_client.get("/host/"))
    assert host_client.post("/host/logout", data={"csrf_token": token}).status_code == 302
    other = FlaskClient(app, use_cookies=True)
    other.set_cookie("session", copied)
    response = other.get("/host/")
    assert response.status_code == 302 and "/host/login" in response.headers["Location"]
    # Logging in again works, with a new session.
    page = other.get("/host/login")
    assert other.post("/host/login", data={"email": "host@example.com", "password": "correct horse battery",
                                           "csrf_token": csrf_from(page)}).status_code == 302
    assert other.get("/host/").status_code == 200
