"""Hostile input in every host-side field that reaches HTML, CSV, PDF or e-mail.

Each payload either gets a clear 4xx, or is stored cleaned and comes out safe: escaped in HTML,
neutralised in CSV, intact as text in PDFs, no header or calendar injection in e-mail. Nothing
is stored half-way. The guest's own RSVP form is covered by test_hostile_output.py.
"""
from __future__ import annotations

import csv
import email
import io
import json

import pdfplumber
import pytest
from icalendar import Calendar
from markupsafe import escape
from sqlalchemy import func, select

from organizer.dbtypes import utcnow
from organizer.door.keys import create_door_key
from organizer.door.models import CheckinLog
from organizer.extensions import db
from organizer.forms import clean_line, clean_text
from organizer.hosting.models import Event, Host
from organizer.mail.models import OutboxMessage
from organizer.mail.sender import build_email
from organizer.matching import service as matching
from organizer.matching.analysis import analyse_many
from organizer.models import Guest
from tests.conftest import csrf_from

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "hyperlink": '=HYPERLINK("http://evil.example","click")',
    "cmd": "+cmd|' /C calc'!A0",
    "sum": "@SUM(1+1)",
    "bidi": "Ann\u202eevil\u202c Lee",
    "controls": "Nul\x00 Bell\x07 Esc\x1b[31m Del\x7f End",
}
# A piece of each payload that must survive, as text, into a PDF.
PDF_PROBES = {"script": "<script>alert(1)</script>", "attribute": "onerror=alert(1)>",
              "hyperlink": 'HYPERLINK("http://evil.example"', "cmd": "+cmd|'",
              "sum": "@SUM(1+1)", "bidi": "Ann", "controls": "Bell"}
CONTROL_CHARS = ("\x00", "\x07", "\x1b", "\x7f")
TEN_KB = "x" * 10_000
ONE_MB = "x" * 1_100_000
_ANALYSES: dict = {}


def cached_analyse(pairs):
    missing = [p for p in dict.fromkeys(pairs) if p not in _ANALYSES]
    if missing:
        _ANALYSES.update(zip(missing, analyse_many(missing)))
    return [_ANALYSES[p] for p in pairs]


def assert_safe_html(html: str, shown: str) -> None:
    """No live markup from the payload, no control characters, and the text shown escaped."""
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert not any(c in html for c in CONTROL_CHARS)
    assert str(escape(shown)) in html


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, whitespace removed (text is wrapped to fit)."""
    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "".join(page.extract_text() or "" for page in document.pages)
    assert not any(c in text for c in CONTROL_CHARS)
    return "".join(text.split())


def assert_neutralised(csv_text: str) -> list[list[str]]:
    """No cell of the CSV (header included) starts like a spreadsheet formula."""
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert not any(c in cell for c in CONTROL_CHARS), cell
    return rows


def event_form(page, **fields) -> dict:
    data = {"title": "Party", "slug": "hostile", "starts_at": "2030-01-15T18:30",
            "timezone": "UTC", "venue": "", "description": "", "categories": "",
            "is_open": "y", "csrf_token": csrf_from(page)}
    data.update(fields)
    return data


@pytest.fixture
def door(app):
    """A door key for an event with slug "hostile" (created on first use)."""
    def make(event):
        issued = create_door_key(db.session, event, "Front", utcnow())
        db.session.commit()
        return {"Authorization": f"Bearer {issued.secret}"}
    return make


# --- event create / edit: title, venue, description, categories ---------------------------

@pytest.mark.parametrize("kind", PAYLOADS)
def test_hostile_event_fields_are_stored_clean_and_shown_escaped(host_client, client, kind,
                                                                 monkeypatch):
    payload = PAYLOADS[kind]
    line, text = clean_line(payload), clean_text(payload + "\nsecond line")
    page = host_client.get("/host/events/new")
    response = host_client.post("/host/events/new", data=event_form(
        page, title=payload, venue=payload, description=payload + "\nsecond line",
        categories=payload + "\nOther"))
    assert response.status_code == 302, response.text
    event = db.session.scalar(select(Event).where(Event.slug == "hostile"))
    assert (event.title, event.venue, event.description) == (line, line, text)
    assert event.categories == [line[:60], "Other"]

    for url in ("/host/", "/host/events/hostile", "/host/events/hostile/edit",
                "/host/events/hostile/badges"):
        assert_safe_html(host_client.get(url).text, line)
    public = client.get("/e/hostile").text
    assert_safe_html(public, line)

    # A guest RSVPs ticking the hostile category: the e-mail and its calendar file stay whole.
    guest_client = host_client.application.test_client()
    form = guest_client.get("/e/hostile")
    response = guest_client.post("/e/hostile", data={
        "name": "Grace", "email": "grace@example.com", "attendance": "yes",
        "categories": line[:60], "can_offer": "Python mentoring", "could_use": "Bookkeeping",
        "csrf_token": csrf_from(form)})
    assert response.status_code == 303, response.text
    message = db.session.scalar(select(OutboxMessage))
    parsed = email.message_from_bytes(build_email(message, "Party <p@example.com>").as_bytes())
    assert parsed["To"] == "grace@example.com" and parsed["Bcc"] is None
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert not any(c in message.body_text for c in CONTROL_CHARS)
    calendars = [part.get_payload(decode=True) for part in parsed.walk()
                 if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    events = Calendar.from_ical(calendars[0]).walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["summary"]) == line and str(events[0]["location"]) == line
    assert str(events[0]["description"]) == text
    assert db.session.scalar(select(Guest.categories_json)) == json.dumps([line[:60]],
                                                                          ensure_ascii=False)

    # Badge PDF (event title on every badge) and the host matching sheet (title in the header).
    badges = host_client.get("/host/events/hostile/badges.pdf?only=all&layout=single-4x3")
    assert badges.status_code == 200
    assert "".join(PDF_PROBES[kind].split()) in pdf_text(badges.data)
    monkeypatch.setattr(matching, "_default_analyser", cached_analyse)
    sheet = host_client.get("/host/events/hostile/matches/sheet.pdf")
    assert sheet.status_code == 200
    assert "".join(PDF_PROBES[kind].split()) in pdf_text(sheet.data)

    # Editing with the payload again (and the slug unchanged) keeps it clean.
    page = host_client.get("/host/events/hostile/edit")
    response = host_client.post("/host/events/hostile/edit", data=event_form(
        page, title=payload + " 2", venue=payload, description=payload))
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert event.title == clean_line(payload + " 2")


@pytest.mark.parametrize("field", ["title", "venue", "description", "categories"])
def test_ten_kb_event_field_is_refused_and_nothing_stored(host_client, make_event, field):
    page = host_client.get("/host/events/new")
    response = host_client.post("/host/events/new", data=event_form(page, **{field: TEN_KB}))
    assert response.status_code == 422
    assert "at most" in response.text.lower() or "longer than" in response.text.lower()
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0

    event = make_event(slug="kept", title="Kept title")
    page = host_client.get("/host/events/kept/edit")
    response = host_client.post("/host/events/kept/edit", data=event_form(
        page, **{"slug": "kept", "title": "Changed", field: TEN_KB}))
    assert response.status_code == 422
    db.session.expire_all()
    assert event.title == "Kept title"


@pytest.mark.parametrize("url", ["/host/events/new", "/host/events/big/edit"])
def test_one_mb_event_form_is_413(host_client, make_event, url):
    make_event(slug="big", title="Big")
    page = host_client.get(url)
    response = host_client.post(url, data=event_form(page, slug="big", description=ONE_MB))
    assert response.status_code == 413
    assert db.session.scalar(select(Event.title).where(Event.slug == "big")) == "Big"


# --- host account setup ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", PAYLOADS)
def test_hostile_setup_email_is_refused(client, kind):
    page = client.get("/host/setup")
    response = client.post("/host/setup", data={
        "email": PAYLOADS[kind] + "@example.com", "password": "correct horse battery",
        "confirm": "correct horse battery", "csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert "<script>alert(1)" not in response.text and "<img src=x" not in response.text
    assert db.session.scalar(select(func.count()).select_from(Host)) == 0


@pytest.mark.parametrize("kind", ["script", "attribute", "hyperlink", "bidi"])
def test_hostile_setup_password_works_and_is_never_shown(app, client, kind):
    password = "long enough " + PAYLOADS[kind]
    page = client.get("/host/setup")
    response = client.post("/host/setup", data={
        "email": "host@example.com", "password": password, "confirm": password,
        "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    other = app.test_client()
    page = other.get("/host/login")
    response = other.post("/host/login", data={"email": "host@example.com",
                                               "password": password,
                                               "csrf_token": csrf_from(page)})
    assert response.status_code == 302


@pytest.mark.parametrize("data", [{"email": "a" * 10_000 + "@example.com"},
                                  {"password": TEN_KB}])
def test_ten_kb_setup_field_is_refused(client, data):
    page = client.get("/host/setup")
    form = {"email": "host@example.com", "password": "correct horse battery",
            "confirm": "correct horse battery", "csrf_token": csrf_from(page)}
    form.update(data)
    if "password" in data:
        form["confirm"] = data["password"]
    assert client.post("/host/setup", data=form).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Host)) == 0


def test_one_mb_setup_is_413(client):
    page = client.get("/host/setup")
    response = client.post("/host/setup", data={"email": "host@example.com", "password": ONE_MB,
                                                "confirm": "x", "csrf_token": csrf_from(page)})
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(Host)) == 0


# --- walk-ins at the door ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", PAYLOADS)
def test_hostile_walkin_is_stored_clean_and_safe_everywhere(host_client, make_event, door,
                                                           kind):
    payload = PAYLOADS[kind]
    event = make_event(slug="hostile")
    headers = door(event)
    response = host_client.post("/api/v1/events/hostile/walkins", headers=headers, json={
        "name": payload, "company": payload, "can_offer": payload, "could_use": payload})
    assert response.status_code == 201, response.text
    line = " ".join(clean_line(payload).split())
    assert response.json["guest"]["name"] == line
    guest = db.session.scalar(select(Guest).where(Guest.source == "walkin"))
    assert (guest.name, guest.company, guest.can_offer, guest.could_use) == (line,) * 4

    assert_safe_html(host_client.get(f"/host/events/hostile/guests/{guest.id}").text, line)
    assert_safe_html(host_client.get("/host/events/hostile").text, line)
    badge = host_client.get(response.json["badge_pdf_url"], headers=headers)
    assert badge.status_code == 200
    assert "".join(PDF_PROBES[kind].split()) in pdf_text(badge.data)
    assert_neutralised(host_client.get("/host/events/hostile/export.csv").text)


@pytest.mark.parametrize("field, value, status", [
    ("name", TEN_KB, 422), ("company", TEN_KB, 422), ("can_offer", TEN_KB, 422),
    ("could_use", TEN_KB, 422), ("email", "<script>@x", 422),
    ("email", "a@example.com\r\nBcc: victim@example.com", 422), ("name", "\x00\x07 ", 422)])
def test_bad_walkin_is_refused_and_nothing_stored(client, make_event, door, field, value,
                                                  status):
    headers = door(make_event(slug="hostile"))
    body = {"name": "Walk In", field: value}
    response = client.post("/api/v1/events/hostile/walkins", headers=headers, json=body)
    assert response.status_code == status and response.json["field"] == field
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 0
    assert db.session.scalar(select(func.count()).select_from(CheckinLog)) == 0


# --- JSON endpoints: malformed bodies, wrong content types, 1 MB -----------------------------

JSON_ENDPOINTS = ["/checkins", "/checkins/by-id", "/checkins/undo", "/walkins"]


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("body, content_type, status", [
    (b'{"code": ', "application/json", 400),
    (b'{"name": "A"', "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'"just a string"', "application/json", 400),
    (b"\xff\xfe\x00garbage", "application/json", 400),
    (b"code=abc&name=A", "application/x-www-form-urlencoded", 415),
    (b'{"code": "abc", "name": "A"}', "text/plain", 415),
])
def test_malformed_json_gets_a_clear_4xx_and_changes_nothing(client, make_event, make_guest,
                                                             door, path, body, content_type,
                                                             status):
    event = make_event(slug="hostile")
    make_guest(event)
    headers = {**door(event), "Content-Type": content_type}
    response = client.post(f"/api/v1/events/hostile{path}", data=body, headers=headers)
    assert response.status_code == status
    assert response.is_json and response.json["message"]
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 1
    assert db.session.scalar(select(func.count()).select_from(CheckinLog)) == 0


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_one_mb_json_body_is_413_json(client, make_event, door, path):
    headers = door(make_event(slug="hostile"))
    response = client.post(f"/api/v1/events/hostile{path}", headers=headers,
                           json={"code": ONE_MB, "name": ONE_MB})
    assert response.status_code == 413 and response.json["error"] == "too_large"
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 0


@pytest.mark.parametrize("kind", PAYLOADS)
def test_hostile_scanned_code_is_unknown(client, make_event, door, kind):
    headers = door(make_event(slug="hostile"))
    response = client.post("/api/v1/events/hostile/checkins", headers=headers,
                           json={"code": PAYLOADS[kind]})
    assert response.status_code == 200 and response.json["result"] == "unknown"


# --- CSV import -------------------------------------------------------------------------------

def hostile_csv(extra_header: str = '=HYPERLINK("http://evil.example")') -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "company", "role", "can_offer", "could_use",
                     extra_header])
    for i, (kind, payload) in enumerate(PAYLOADS.items()):
        writer.writerow([f"{payload} {i}", f"g{i}@example.com", payload, payload,
                         f"{payload}\nPython mentoring", f"{payload}\nBookkeeping help",
                         payload])
    return out.getvalue()


def upload(host_client, slug: str, body: bytes):
    page = host_client.get(f"/host/events/{slug}/import")
    return host_client.post(f"/host/events/{slug}/import", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(body), "guests.csv")},
        content_type="multipart/form-data")


def test_hostile_csv_import_is_stored_clean_and_safe_everywhere(host_client, make_event,
                                                                monkeypatch):
    make_event(slug="hostile")
    response = upload(host_client, "hostile", hostile_csv().encode())
    assert response.status_code == 302, response.text
    guests = db.session.scalars(select(Guest).order_by(Guest.badge_number)).all()
    assert len(guests) == len(PAYLOADS)
    for i, (guest, payload) in enumerate(zip(guests, PAYLOADS.values())):
        assert guest.name == clean_line(f"{payload} {i}")
        assert guest.company == guest.role == clean_line(payload)
        assert guest.can_offer == clean_text(f"{payload}\nPython mentoring")
        assert list(guest.extra.values()) == [clean_text(payload)]
        assert not any(c in guest.extra_json for c in CONTROL_CHARS)

    html = host_client.get("/host/events/hostile").text
    for i, payload in enumerate(PAYLOADS.values()):
        assert_safe_html(html, clean_line(f"{payload} {i}"))
    for guest in guests:
        assert_safe_html(host_client.get(f"/host/events/hostile/guests/{guest.id}").text,
                         guest.company)

    rows = assert_neutralised(host_client.get("/host/events/hostile/export.csv").text)
    assert rows[0][-1] == "'" + '=HYPERLINK("http://evil.example")'
    assert rows[1 + list(PAYLOADS).index("hyperlink")][0].startswith("'=HYPERLINK")

    badges = host_client.get("/host/events/hostile/badges.pdf?only=all&layout=single-4x3")
    assert badges.status_code == 200
    text = pdf_text(badges.data)
    monkeypatch.setattr(matching, "_default_analyser", cached_analyse)
    sheet = host_client.get("/host/events/hostile/matches/sheet.pdf")
    assert sheet.status_code == 200
    sheet_text = pdf_text(sheet.data)
    for kind, probe in PDF_PROBES.items():
        assert "".join(probe.split()) in text, kind
        assert "".join(probe.split()) in sheet_text, kind


@pytest.mark.parametrize("cell, reason", [
    (TEN_KB, "the limit is"),
    ("y" * 1_000_000, "too long"),
])
def test_oversized_csv_cell_imports_nothing(host_client, make_event, cell, reason):
    make_event(slug="hostile")
    body = f"name,email,can_offer\nOk Guest,ok@example.com,fine\nBig,big@example.com,{cell}\n"
    response = upload(host_client, "hostile", body.encode())
    assert response.status_code == 422 and reason in response.text
    assert "Line 3:" in response.text
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 0


def test_csv_upload_over_the_upload_limit_is_413(app, host_client, make_event):
    make_event(slug="hostile")
    app.config["MAX_UPLOAD_BYTES"] = 200_000
    response = upload(host_client, "hostile", b"name,email\n" + b"a,b@example.com\n" * 20_000)
    assert response.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 0


def test_csv_with_nul_and_control_characters_imports_clean(host_client, make_event):
    make_event(slug="hostile")
    body = "name,email,notes\x00\nAda\x00 Love\x07lace,ada@example.com,\x1bhi\x00\n"
    response = upload(host_client, "hostile", body.encode())
    assert response.status_code == 302, response.text
    guest = db.session.scalar(select(Guest))
    assert guest.name == "Ada Lovelace" and guest.extra == {"notes": "hi"}
