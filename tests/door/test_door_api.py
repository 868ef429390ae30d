"""The check-in API over HTTP: every result, auth, undo, sync, stats, walk-ins, OpenAPI."""
from __future__ import annotations

import re

import pytest

from organizer.dbtypes import utcnow
from organizer.door.checkin import retire_badge_token
from organizer.door.keys import revoke_door_key
from organizer.door.roster import token_hash
from organizer.extensions import db
from organizer.models import Attendance


@pytest.fixture
def door(make_event, make_door_key):
    """An event with a door key; returns (event, headers)."""
    event = make_event(slug="spring", timezone="UTC")
    _, secret = make_door_key(event, "Door 2")
    return event, {"Authorization": f"Bearer {secret}"}


def scan(client, headers, code, slug="spring", **extra):
    return client.post(f"/api/v1/events/{slug}/checkins", json={"code": code, **extra},
                       headers=headers)


def test_every_result_over_http(client, door, make_event, make_guest, badge_url):
    event, headers = door
    alice = make_guest(event, name="Alice Ó", company="Acme", can_offer="Intros\nmore")
    stranger = make_guest(make_event(), name="Stranger")
    carol = make_guest(event, attendance=Attendance.no)
    erin = make_guest(event)
    old = erin.badge_token
    retire_badge_token(db.session, erin, utcnow())
    db.session.commit()

    ok = scan(client, headers, "  " + badge_url(alice).replace("http", "HTTP") + "\n")
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["result"] == "ok" and body["guest"]["name"] == "Alice Ó"
    assert body["guest"]["ask_me_about"] == "Intros" and "email" not in body["guest"]
    again = scan(client, headers, alice.badge_token).get_json()
    assert again["result"] == "already" and again["first_door"] == "Door 2"
    assert again["first_checked_in_at"] == body["first_checked_in_at"]
    assert again["first_checked_in_local"] and len(again["first_checked_in_local"]) == 5
    assert scan(client, headers, "hello there").get_json()["result"] == "unknown"
    wrong = scan(client, headers, badge_url(stranger)).get_json()
    assert wrong["result"] == "wrong_event" and wrong["guest"] is None
    assert scan(client, headers, old).get_json()["result"] == "revoked"
    refused = scan(client, headers, carol.badge_token).get_json()
    assert refused["result"] == "not_attending" and refused["reason"]


def test_auth(client, door, make_event, make_door_key, make_guest):
    event, headers = door
    guest = make_guest(event)
    assert scan(client, {}, guest.badge_token).status_code == 401
    assert scan(client, {}, guest.badge_token).headers["WWW-Authenticate"].startswith("Bearer")
    assert scan(client, {"Authorization": "Bearer nope"}, guest.badge_token).status_code == 401
    assert scan(client, {"Authorization": "Basic abc"}, guest.badge_token).status_code == 401
    other = make_event(slug="other")
    other_key, other_secret = make_door_key(other)
    assert scan(client, {"Authorization": f"Bearer {other_secret}"},
                guest.badge_token).status_code == 403
    assert scan(client, headers, guest.badge_token, slug="nope").status_code == 404
    assert client.post("/api/v1/events/spring/checkins", data="x", headers=headers,
                       content_type="application/json").status_code == 400


def test_revoked_key_is_refused_at_once(client, door, make_door_key, make_guest):
    event, _ = door
    key, secret = make_door_key(event, "Side")
    headers = {"Authorization": f"Bearer {secret}"}
    guest = make_guest(event)
    assert client.get("/api/v1/events/spring/door", headers=headers).status_code == 200
    revoke_door_key(db.session, event, key.id, utcnow())
    db.session.commit()
    response = scan(client, headers, guest.badge_token)
    assert response.status_code == 403 and response.get_json()["error"] == "revoked_key"
    assert client.get("/api/v1/events/spring/guests", headers=headers).status_code == 403
    assert guest.checked_in_at is None


def test_idempotency_header_and_offline_time(client, door, make_guest):
    event, headers = door
    guest = make_guest(event)
    first = client.post("/api/v1/events/spring/checkins", json={
        "code": guest.badge_token, "scanned_at": "2020-01-01T10:00:00Z"},
        headers={**headers, "Idempotency-Key": "abc-1"}).get_json()
    again = client.post("/api/v1/events/spring/checkins", json={"code": guest.badge_token},
                        headers={**headers, "Idempotency-Key": "abc-1"}).get_json()
    assert first["result"] == again["result"] == "ok" and again["replayed"]
    bad = scan(client, headers, guest.badge_token, scanned_at="yesterday")
    assert bad.status_code == 400


def test_undo_sync_search_stats(client, door, make_guest):
    event, headers = door
    zoe = make_guest(event, name="Zoë Ångström")
    make_guest(event, name="Bob")
    scan(client, headers, zoe.badge_token)
    stats = client.get("/api/v1/events/spring/stats", headers=headers).get_json()
    assert (stats["arrived"], stats["expected"]) == (1, 2)
    undone = client.post("/api/v1/events/spring/checkins/undo", json={}, headers=headers)
    assert undone.get_json()["guest"]["id"] == zoe.id
    assert client.post("/api/v1/events/spring/checkins/undo", json={},
                       headers=headers).status_code == 409
    listing = client.get("/api/v1/events/spring/guests", headers=headers).get_json()
    assert {g["token_hash"] for g in listing["guests"]} >= {token_hash(zoe.badge_token)}
    assert zoe.badge_token not in str(listing)
    found = client.get("/api/v1/events/spring/search?q=ZOE ang", headers=headers).get_json()
    assert [g["name"] for g in found["guests"]] == ["Zoë Ångström"]
    picked = client.post("/api/v1/events/spring/checkins/by-id", json={"guest_id": zoe.id},
                         headers=headers).get_json()
    assert picked["result"] == "ok"


def test_walkin(client, door):
    event, headers = door
    made = client.post("/api/v1/events/spring/walkins", headers=headers, json={
        "name": "Nguyễn Thị Mai", "can_offer": "Vietnamese lessons"})
    assert made.status_code == 201
    assert made.get_json()["guest"]["source"] == "walkin"
    assert made.get_json()["guest"]["checked_in_at"]
    missing = client.post("/api/v1/events/spring/walkins", headers=headers, json={"name": ""})
    assert missing.status_code == 422 and missing.get_json()["field"] == "name"


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    post = doc["paths"]["/api/v1/events/{slug}/checkins"]["post"]
    assert set(post["responses"]) >= {"200", "401", "403"}
    assert doc["components"]["schemas"]["CheckinResult"]["properties"]["result"]["enum"] == [
        "ok", "already", "unknown", "wrong_event", "revoked", "not_attending"]


def test_door_page_moves_key_to_fragment(client, door):
    response = client.get("/door/spring?key=s3cret")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/door/spring#key=s3cret")
    page = client.get("/door/spring")
    assert page.status_code == 200
    # No inline script (the CSP forbids it) and no guest data in the shell.
    assert not re.search(rb"<script(?![^>]*\bsrc=)", page.data)
    assert b"spring" in page.data and b"Bearer" not in page.data
    assert client.get("/door/sw.js").headers["Service-Worker-Allowed"] == "/door/"
    assert client.get("/door/spring/manifest.webmanifest").get_json()["start_url"] == \
        "/door/spring"


def test_door_link_command(runner, door):
    result = runner.invoke(args=["door-link", "spring", "--name", "Back door"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[0]
    assert link.startswith("http://party.test/door/spring#key=")
    secret = link.split("#key=")[1]
    assert runner.invoke(args=["door-link", "nope"]).exit_code != 0
    from organizer.door.keys import authenticate_door_key
    assert authenticate_door_key(db.session, door[0], secret).name == "Back door"


def test_walkin_badge_pdf_with_door_key(client, door):
    _, headers = door
    made = client.post("/api/v1/events/spring/walkins", headers=headers,
                       json={"name": "Aiko 田中", "can_offer": "Japan intros"}).get_json()
    url = made["badge_pdf_url"]
    assert url == f"/api/v1/events/spring/guests/{made['guest']['id']}/badge.pdf"
    assert client.get(url).status_code == 401
    pdf = client.get(url, headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert client.get(url + "?layout=cr80", headers=headers).data.startswith(b"%PDF")
    assert client.get(url + "?layout=nope", headers=headers).status_code == 400
    assert client.get("/api/v1/events/spring/guests/99999/badge.pdf",
                      headers=headers).status_code == 404


def test_guest_list_etag(client, door, make_guest):
    event, headers = door
    make_guest(event)
    first = client.get("/api/v1/events/spring/guests", headers=headers)
    tag = first.headers["ETag"]
    again = client.get("/api/v1/events/spring/guests", headers={**headers, "If-None-Match": tag})
    assert again.status_code == 304
    make_guest(event)
    changed = client.get("/api/v1/events/spring/guests", headers={**headers, "If-None-Match": tag})
    assert changed.status_code == 200 and len(changed.get_json()["guests"]) == 2
