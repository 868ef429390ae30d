"""Badges from the database: selections, print marks, the CLI and the host downloads."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pdfplumber
import pytest

from organizer.badges import service
from organizer.extensions import db
from organizer.models import Attendance

from .pdfcheck import decode_qr_codes, rasterise

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)


@pytest.fixture
def party(make_event, make_guest):
    """An event with guests in every state."""
    event = make_event(slug="winter", title="Winter Party")
    guests = {
        "yes": make_guest(event, "Zoë Yes", company="Acme", role="CTO",
                          can_offer="Intros to investors, hiring advice", could_use="A designer"),
        "maybe": make_guest(event, "Max Maybe", attendance=Attendance.maybe),
        "no": make_guest(event, "Nina No", attendance=Attendance.no),
        "waitlist": make_guest(event, "Walt Wait", attendance=Attendance.waitlist),
        "checked": make_guest(event, "Chen Checked", checked_in_at=NOW),
    }
    return event, guests


def names(guests):
    return sorted(guest.name for guest in guests)


def test_selections(app, party):
    event, guests = party
    session = db.session
    assert names(service.select_guests(session, event, "going")) == \
        ["Chen Checked", "Max Maybe", "Zoë Yes"]
    assert names(service.select_guests(session, event, "checked-in")) == ["Chen Checked"]
    assert names(service.select_guests(session, event, "new")) == \
        ["Chen Checked", "Max Maybe", "Zoë Yes"]
    assert len(service.select_guests(session, event, "all")) == 5
    with pytest.raises(service.BadgeError):
        service.select_guests(session, event, "vip")


def test_badge_data_from_a_guest(app, party):
    _, guests = party
    data = service.badge_data(guests["yes"], "https://party.example.org/")
    assert data.name == "Zoë Yes" and data.company == "Acme" and data.role == "CTO"
    assert data.offer_summary == "Intros to investors"
    assert data.need_summary == "A designer"
    assert data.event_title == "Winter Party"
    assert data.qr_url == f"https://party.example.org/b/{guests['yes'].badge_token}"
    assert "Zoë" not in data.qr_url and "@" not in data.qr_url  # no personal data in the QR


def test_printing_marks_guests_so_new_only_lists_the_rest(app, party, make_guest):
    event, guests = party
    buffer = io.BytesIO()
    report = service.render_event_badges(db.session, event, buffer, base_url="http://party.test",
                                         now=NOW, only="going")
    assert report.badges == 3
    assert guests["yes"].badge_printed_at is not None
    assert service.select_guests(db.session, event, "new") == []
    late = make_guest(event, "Lena Late")
    assert service.select_guests(db.session, event, "new") == [late]


def test_missing_base_url_is_a_clear_error(app, party):
    event, _ = party
    with pytest.raises(service.BadgeError, match="BASE_URL"):
        service.render_event_badges(db.session, event, io.BytesIO(), base_url="", now=NOW)


def test_cli_writes_badges_that_scan_to_the_guests(app, party, runner, tmp_path):
    event, guests = party
    output = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", "winter", "-o", str(output), "--layout",
                                 "avery-5392", "--cut-marks"])
    assert result.exit_code == 0, result.output
    assert "3 badge(s) on 1 page(s)" in result.output
    decoded = decode_qr_codes(rasterise(output.read_bytes(), 150)[0])
    assert sorted(decoded) == sorted(f"http://party.test/b/{g.badge_token}"
                                     for g in (guests["yes"], guests["maybe"], guests["checked"]))


def test_cli_options_and_errors(app, party, runner, tmp_path):
    _, guests = party
    output = tmp_path / "one.pdf"
    result = runner.invoke(args=["badges", "winter", "-o", str(output), "--guest",
                                 str(guests["no"].id), "--layout", "cr80", "--offset-x", "1.5"])
    assert result.exit_code == 0, result.output
    assert "1 badge(s)" in result.output
    result = runner.invoke(args=["badges", "nope", "-o", str(output)])
    assert result.exit_code != 0 and "No event called 'nope'" in result.output
    result = runner.invoke(args=["badges", "winter", "-o", str(output), "--layout", "a9"])
    assert result.exit_code != 0
    test_page = tmp_path / "align.pdf"
    result = runner.invoke(args=["badges", "--alignment-test", "-o", str(test_page),
                                 "--layout", "avery-l4785"])
    assert result.exit_code == 0, result.output
    with pdfplumber.open(test_page) as pdf:
        assert len(pdf.pages) == 1


def test_host_routes_need_a_login(client, party):
    event, guests = party
    for url in ("/host/events/winter/badges.pdf",
                f"/host/events/winter/guests/{guests['yes'].id}/badge.pdf",
                "/host/events/winter/badges/alignment-test.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/host/login" in response.headers["Location"]


def test_host_downloads(host_client, party, make_event, make_guest, runner, tmp_path):
    event, guests = party
    response = host_client.get("/host/events/winter/badges.pdf?only=checked-in&layout=cr80"
                               "&cut_marks=1")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        assert len(pdf.pages) == 1 and "Chen" in pdf.pages[0].extract_text()
    response = host_client.get(f"/host/events/winter/guests/{guests['yes'].id}/badge.pdf")
    assert response.status_code == 200
    assert decode_qr_codes(rasterise(response.data, 150)[0]) == \
        [f"http://party.test/b/{guests['yes'].badge_token}"]
    other = make_guest(make_event(slug="other"), "Olga Other")
    assert host_client.get(f"/host/events/winter/guests/{other.id}/badge.pdf").status_code == 404
    assert host_client.get("/host/events/winter/badges.pdf?layout=a9").status_code == 400
    assert host_client.get("/host/events/winter/badges.pdf?only=vip").status_code == 400
    assert host_client.get("/host/events/nope/badges.pdf").status_code == 404
    assert host_client.get("/host/events/winter/badges/alignment-test.pdf?layout=foldover"
                           "&offset_x=1&offset_y=-2").status_code == 200
    # NaN passed the "above 20 mm" check (every comparison with it is false) and wrote "nan"
    # into the PDF, which viewers refuse; the CLI took it too.
    for bad in ("nan", "inf", "-inf", "25"):
        response = host_client.get(f"/host/events/winter/badges.pdf?only=all&offset_x={bad}")
        assert response.status_code == 400, bad
    result = runner.invoke(args=["badges", "winter", "-o", str(tmp_path / "nan.pdf"), "--offset-y", "nan"])
    assert result.exit_code != 0 and "Offsets are numbers of millimetres" in result.output
    assert not (tmp_path / "nan.pdf").exists()


def test_cli_reports_characters_no_font_has(app, make_event, make_guest, runner, tmp_path):
    event = make_event(slug="odd")
    make_guest(event, "Pat \U0010fffd")
    result = runner.invoke(args=["badges", "odd", "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0, result.output
    assert "no embedded font has U+10FFFD" in result.output and "Pat" in result.output


def test_foldover_backs_show_published_introductions(app, party, runner, tmp_path):
    from organizer.matching.models import MatchPublication, MatchRun, MatchSuggestion
    event, guests = party
    assert all(v == [] for v in service.published_intros(db.session, [guests["yes"]]).values())
    # What the introduction quotes is what the two wrote (an introduction quoting words no longer
    # in the answers is left out, published.still_current).
    guests["yes"].can_offer, guests["maybe"].could_use = "hiring advice", "a new job"
    run = MatchRun(event_id=event.id)
    db.session.add(run)
    db.session.flush()
    db.session.add(MatchSuggestion(run_id=run.id, giver_id=guests["yes"].id,
                                   receiver_id=guests["maybe"].id, rank=1, score=0.9,
                                   strength="strong", reason="r", offer_item="hiring advice",
                                   need_item="a new job"))
    db.session.add(MatchPublication(event_id=event.id, run_id=run.id, published_at=NOW))
    db.session.commit()
    intros = service.published_intros(db.session, [guests["yes"], guests["maybe"]])
    assert intros[guests["maybe"].id] == [
        "Zoë Yes \u2014 offers \u201chiring advice\u201d \u2014 for your \u201ca new job\u201d"]
    assert intros[guests["yes"].id][0].startswith("Max Maybe \u2014 could use")
    output = tmp_path / "fold.pdf"
    result = runner.invoke(args=["badges", "winter", "-o", str(output), "--layout", "foldover"])
    assert result.exit_code == 0, result.output
    with pdfplumber.open(output) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    # The backs are printed upside down, so their text is extracted back to front.
    assert "hiring advice" in text[::-1] or "hiring advice" in text


@pytest.mark.parametrize("base_url", ["party.example.org", "party.example.org:8080",
                                      "ftp://party.example.org", "https://", "http:party.example.org"])
def test_base_url_without_http_scheme_is_refused(app, party, runner, tmp_path, base_url):
    """A QR code of "party.example.org/b/..." is no link a phone camera opens."""
    from organizer import create_app
    event, guests = party
    with pytest.raises(service.BadgeError, match=r"BASE_URL must .*\(got " + re.escape(base_url)):
        service.badge_url(base_url, guests["yes"].badge_token)
    with pytest.raises(RuntimeError, match=r"BASE_URL must .*\(got " + re.escape(base_url)):
        create_app({"BASE_URL": base_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "RATELIMIT_STORAGE_URI": "memory://"})
    app.config["BASE_URL"] = base_url  # set after start-up: the command still refuses it
    result = runner.invoke(args=["badges", "winter", "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code != 0 and f"(got {base_url})" in result.output
    assert not (tmp_path / "b.pdf").exists()


def test_base_url_with_http_or_https_is_accepted(app, tmp_path):
    from organizer import create_app
    for base_url in ("http://127.0.0.1:5000", "https://party.example.org/", "HTTPS://Party.Example.org"):
        assert service.badge_url(base_url, "tok").endswith("/b/tok")
        create_app({"BASE_URL": base_url, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "RATELIMIT_STORAGE_URI": "memory://"})
