"""Every host, door and API route refuses anonymous requests; door keys open only their event;
hostile JSON gets a clear 4xx and stores nothing."""
import json

import pytest
from sqlalchemy import func, select

from organizer.dbtypes import utcnow
from organizer.door.keys import create_door_key
from organizer.extensions import db
from organizer.models import Guest

# Public by design, carrying no event data: the door page shell (cached offline by the service
# worker; every byte of data comes from the API with the door key), its service worker and web
# manifest, and the API's OpenAPI description.
PUBLIC_SHELLS = {"door.page", "door.service_worker", "door.manifest", "door.openapi"}
PROTECTED_PREFIXES = ("/host", "/door", "/api")


def _url(rule, slug: str) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = slug if arg == "slug" else "1"
        url = url.replace(f"<{arg}>", value).replace(f"<int:{arg}>", value)
    return url


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PROTECTED_PREFIXES) and rule.endpoint not in {
                "hosting.login", "hosting.setup"}:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.fixture
def two_events(make_event, make_guest):
    mine, other = make_event(slug="mine"), make_event(slug="other")
    make_guest(mine, name="Secret Mine Guest")
    make_guest(other, name="Secret Other Guest")
    issued = create_door_key(db.session, mine, "Front", utcnow())
    db.session.commit()
    return mine, other, issued.secret


def test_every_protected_route_refuses_anonymous_requests(app, two_events):
    anonymous = app.test_client()
    checked = 0
    for rule, method in _routes(app):
        response = anonymous.open(_url(rule, "mine"), method=method,
                                  headers={"Content-Type": "application/json"}, data="{}")
        body = response.get_data(as_text=True)
        if rule.endpoint in PUBLIC_SHELLS:
            assert "Secret Mine Guest" not in body, rule.endpoint
            continue
        assert response.status_code in (302, 400, 401, 403), (method, rule.rule,
                                                              response.status_code)
        if response.status_code == 302:
            assert "/host/login" in response.location, (method, rule.rule)
        assert "Secret Mine Guest" not in body
        checked += 1
    assert checked >= 30


def test_door_key_reaches_only_its_own_event(app, two_events):
    _, _, secret = two_events
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    assert client.get("/api/v1/events/mine/stats", headers=headers).status_code == 200
    tried = 0
    for rule, method in _routes(app):
        if not rule.rule.startswith("/api/v1/events/"):
            continue
        response = client.open(_url(rule, "other"), method=method, headers=headers, data="{}")
        assert response.status_code in (401, 403), (method, rule.rule, response.status_code)
        assert "Secret Other Guest" not in response.get_data(as_text=True)
        tried += 1
    assert tried >= 5


@pytest.mark.parametrize("body,content_type", [
    ("{not json", "application/json"),
    ('["a", "list"]', "application/json"),
    ('{"code": 12345}', "application/json"),
    ('{"code": "' + "x" * 5000 + '"}', "application/json"),
    ("code=abc", "application/x-www-form-urlencoded"),
    ('{"code": "\\u0000\\u202e<script>"}', "application/json"),
])
def test_hostile_checkin_bodies_get_a_clear_answer(app, two_events, body, content_type):
    _, _, secret = two_events
    response = app.test_client().post(
        "/api/v1/events/mine/checkins", data=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": content_type})
    assert response.status_code < 500
    payload = response.get_json()
    assert payload is not None
    if response.status_code == 200:
        assert payload["result"] == "unknown"
    else:
        assert 400 <= response.status_code < 500 and payload.get("message")
    assert db.session.scalar(select(func.count()).select_from(Guest).where(
        Guest.checked_in_at.is_not(None))) == 0


def test_megabyte_json_body_is_413(app, two_events):
    _, _, secret = two_events
    response = app.test_client().post(
        "/api/v1/events/mine/checkins", data=json.dumps({"code": "x" * 1_100_000}),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    assert response.status_code == 413


def test_hostile_walkin_stores_nothing_half_way(app, two_events):
    _, _, secret = two_events
    before = db.session.scalar(select(func.count()).select_from(Guest))
    for body in ('{"name": ""}', '{"name": "   "}', "{broken", '{"name": "' + "n" * 5000 + '"}'):
        response = app.test_client().post(
            "/api/v1/events/mine/walkins", data=body,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, (body[:20], response.status_code)
    assert db.session.scalar(select(func.count()).select_from(Guest)) == before
