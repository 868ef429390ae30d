"""Host door pages: login required, door links with QR, revoke, the log and its CSV.

``host_client`` is the suite's (tests/conftest.py): logged in through the real login form."""
from __future__ import annotations

import re


def csrf_token(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


def test_pages_need_login(client, make_event):
    make_event(slug="spring")
    for path in ["/host/events/spring/door-keys", "/host/events/spring/checkins",
                 "/host/events/spring/checkins.csv", "/host/events/spring/checkins/stats.json"]:
        response = client.get(path)
        assert response.status_code in (302, 401), path
    assert client.post("/host/events/spring/door-keys", data={"name": "x"}).status_code in (
        302, 400, 401)


def test_create_show_once_and_revoke(host_client, make_event, make_guest):
    event = make_event(slug="spring")
    page = host_client.get("/host/events/spring/door-keys")
    assert page.status_code == 200 and b'value="Door 1"' in page.data
    created = host_client.post("/host/events/spring/door-keys",
                               data={"name": "Front door", "csrf_token": csrf_token(page.data)})
    assert created.status_code == 200
    link = re.search(rb'value="(http://party.test/door/spring#key=[^"]+)"', created.data)
    assert link and b"<svg" in created.data
    # The name field offers the next door's default name, not the one just used.
    assert re.search(rb'<input[^>]*name="name"[^>]*value="Door 1"', created.data), created.text
    secret = link.group(1).decode().split("#key=")[1]
    headers = {"Authorization": f"Bearer {secret}"}
    guest = make_guest(event, name="Ada")
    assert host_client.post("/api/v1/events/spring/checkins", json={"code": guest.badge_token},
                            headers=headers).get_json()["result"] == "ok"
    listing = host_client.get("/host/events/spring/door-keys")
    assert secret.encode() not in listing.data and b"Front door" in listing.data
    key_id = re.search(rb"/door-keys/(\d+)/revoke", listing.data).group(1).decode()
    revoked = host_client.post(f"/host/events/spring/door-keys/{key_id}/revoke",
                               data={"csrf_token": csrf_token(listing.data)})
    assert revoked.status_code == 302
    assert host_client.post("/api/v1/events/spring/checkins", json={"code": "x"},
                            headers=headers).status_code == 403
    duplicate = host_client.post("/host/events/spring/door-keys",
                                 data={"name": "Front door", "csrf_token": csrf_token(page.data)})
    assert duplicate.status_code == 400 and b"already a door called" in duplicate.data


def test_log_and_csv(host_client, make_event, make_guest, make_door_key):
    event = make_event(slug="spring")
    _, secret = make_door_key(event, "=cmd|x")
    guest = make_guest(event, name="Ωmega Ünïcode")
    headers = {"Authorization": f"Bearer {secret}"}
    host_client.post("/api/v1/events/spring/checkins", json={"code": guest.badge_token},
                     headers=headers)
    host_client.post("/api/v1/events/spring/checkins", json={"code": "junk"}, headers=headers)
    page = host_client.get("/host/events/spring/checkins")
    assert page.status_code == 200
    assert "Ωmega Ünïcode".encode() in page.data and b"unknown" in page.data
    assert b"<svg" in page.data  # arrivals chart
    download = host_client.get("/host/events/spring/checkins.csv")
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    csv_text = download.data.decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("time,scanned_at,door,result")
    assert len(lines) == 3 and "Ωmega Ünïcode" in lines[1] and ",'=cmd|x," in lines[1]
    stats = host_client.get("/host/events/spring/checkins/stats.json").get_json()
    assert stats["arrived"] == 1
