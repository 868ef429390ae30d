"""E-mail delivered to a real SMTP server (aiosmtpd on loopback) after RSVPs through the form."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.mail import outbox
from organizer.mail.models import OutboxMessage
from organizer.mail.sender import SmtpSettings, deliver_pending
from organizer.models import Attendance, Guest

BASE_URL = "http://party.test"
TITLE = "Spring Pay-It-Forward Mixer — Zoë's 🎉"
VENUE = "The Loft, 1 High Street, Café Ω"


def csrf_token(html: bytes) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


@pytest.fixture
def rsvp(client):
    """RSVP through the public form as a browser would (GET for the token, then POST)."""

    def send(event, email: str, name: str = "Zoë 王 محمد", attendance: str = "yes", **answers):
        page = client.get(f"/e/{event.slug}")
        assert page.status_code == 200
        data = {"csrf_token": csrf_token(page.data), "name": name, "email": email,
                "company": "Northwind", "role": "Engineer", "can_offer": "Intros to designers",
                "could_use": "A first client", "consent_share": "y", "attendance": attendance}
        data.update(answers)
        response = client.post(f"/e/{event.slug}", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:3000]
        return response

    return send


@pytest.fixture
def deliver(app):
    """One delivery pass with the app's current SMTP settings; returns how many were sent."""
    return lambda: deliver_pending(db.session, SmtpSettings.from_config(app.config))


def guest_by_email(event, email: str) -> Guest:
    db.session.expire_all()
    return db.session.scalar(select(Guest).where(Guest.event_id == event.id,
                                                 Guest.email == email))


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def ics_of(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "invite.ics"
    return Calendar.from_ical(part.get_payload(decode=True))


def edit_links(text: str) -> list[str]:
    return re.findall(re.escape(BASE_URL) + r"/r/[A-Za-z0-9_-]+", text)


@pytest.fixture
def party(make_event):
    starts = datetime(2031, 5, 17, 17, 30, tzinfo=timezone.utc)
    return make_event(slug="spring-mixer", title=TITLE, venue=VENUE, starts_at=starts,
                      ends_at=starts + timedelta(hours=3), timezone="Europe/Paris")


def test_rsvp_confirmation_reaches_the_guest_with_link_and_calendar(
        client, smtp_server, party, rsvp, deliver):
    rsvp(party, "Zoe.Guest@Example.com")
    assert smtp_server.envelopes == []  # nothing is sent inside the request
    assert deliver() == 1
    guest = guest_by_email(party, "zoe.guest@example.com")

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["zoe.guest@example.com"]
    [message] = smtp_server.messages
    assert message["Subject"] == f"Your RSVP: {TITLE}"
    assert message["To"] == "zoe.guest@example.com"
    assert "host@party.test" in message["From"]
    body = body_of(message)
    assert "Hi Zoë 王 محمد," in body
    assert "You're coming" in body
    assert "Saturday 17 May 2031, 19:30–22:30 (Europe/Paris)" in body
    assert VENUE in body
    assert edit_links(body) == [f"{BASE_URL}/r/{guest.edit_token}"]

    page = client.get(f"/r/{guest.edit_token}")
    assert page.status_code == 200
    assert "You're coming, <bdi>Zoë 王 محمد</bdi>." in page.get_data(as_text=True)

    calendar = ics_of(message)
    [item] = calendar.walk("VEVENT")
    assert str(item["SUMMARY"]) == TITLE
    assert str(item["LOCATION"]) == VENUE
    assert item.decoded("DTSTART") == party.starts_at
    assert item.decoded("DTEND") == party.starts_at + timedelta(hours=3)
    assert str(item["URL"]) == f"{BASE_URL}/e/spring-mixer"

    db.session.expire_all()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert row.sent_at is not None and row.delivered_via == "smtp" and row.last_error is None
    assert deliver() == 0  # sent once only


def test_duplicate_rsvp_resends_the_same_link_and_adds_nobody(
        client, smtp_server, party, rsvp, deliver):
    first = rsvp(party, "ann@example.com", name="Ann")
    second = rsvp(party, "ANN@example.com ", name="Someone else", can_offer="changed")
    assert first.headers["Location"] == second.headers["Location"]
    assert deliver() == 2

    count = db.session.scalar(select(func.count()).select_from(Guest)
                              .where(Guest.event_id == party.id))
    assert count == 1
    guest = guest_by_email(party, "ann@example.com")
    assert (guest.name, guest.can_offer) == ("Ann", "Intros to designers")

    confirmation, reminder = smtp_server.to("ann@example.com")
    assert confirmation["Subject"] == f"Your RSVP: {TITLE}"
    assert reminder["Subject"] == f"Your RSVP link: {TITLE}"
    link = f"{BASE_URL}/r/{guest.edit_token}"
    assert edit_links(body_of(confirmation)) == [link] == edit_links(body_of(reminder))
    assert "nothing was changed" in body_of(reminder)


def test_waitlisted_guest_is_promoted_and_emailed_when_someone_declines(
        client, smtp_server, make_event, rsvp, deliver):
    event = make_event(slug="small", title="Small dinner", capacity=1)
    rsvp(event, "first@example.com", name="First")
    rsvp(event, "second@example.com", name="Second")
    assert deliver() == 2
    [waitlisted] = smtp_server.to("second@example.com")
    assert "waitlist (number 1)" in body_of(waitlisted)
    second = guest_by_email(event, "second@example.com")
    assert second.attendance == Attendance.waitlist

    first = guest_by_email(event, "first@example.com")
    page = client.get(f"/r/{first.edit_token}")
    response = client.post(f"/r/{first.edit_token}", data={
        "csrf_token": csrf_token(page.data), "name": "First", "attendance": "no"})
    assert response.status_code == 303
    assert deliver() == 1

    assert guest_by_email(event, "second@example.com").attendance == Attendance.yes
    assert guest_by_email(event, "first@example.com").attendance == Attendance.no
    _, promotion = smtp_server.to("second@example.com")
    assert promotion["Subject"] == "You're in: Small dinner"
    assert edit_links(body_of(promotion)) == [f"{BASE_URL}/r/{second.edit_token}"]
    assert [str(e["SUMMARY"]) for e in ics_of(promotion).walk("VEVENT")] == ["Small dinner"]
    assert len(smtp_server.to("first@example.com")) == 1  # no mail for declining


def test_message_stays_queued_while_smtp_is_down_and_goes_out_later(
        app, smtp_server, closed_port, party, rsvp, deliver):
    working_port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = closed_port  # nothing listens there: connection refused
    rsvp(party, "ann@example.com", name="Ann")
    rsvp(party, "bob@example.com", name="Bob")
    for _ in range(10):  # the kit may retry many times while the server is down
        assert deliver() == 0
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.sent_at for r in rows] == [None, None]
    assert rows[0].last_error and "Connection" in rows[0].last_error
    assert all(r.claimed_at is None for r in rows)
    assert all(r.attempts == 0 for r in rows)  # an outage does not use up the retries

    app.config["SMTP_PORT"] = working_port
    assert deliver() == 2
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "ann@example.com", "bob@example.com"]
    db.session.expire_all()
    assert all(r.sent_at and r.last_error is None for r in db.session.scalars(
        select(OutboxMessage)))


def test_a_refused_recipient_does_not_hold_up_the_others(app, smtp_server, party, deliver):
    class Picky:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("bounce"):
                return "550 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    smtp_server.handle_RCPT = Picky().handle_RCPT
    for name in ("bounce", "ann", "bob"):
        outbox.queue_message(db.session, to=f"{name}@example.com", subject=f"Hello {name}",
                             body="Hi", event_id=party.id)
    db.session.commit()
    assert deliver() == 2
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "ann@example.com", "bob@example.com"]
    db.session.expire_all()
    bounced = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_addr == "bounce@example.com"))
    assert bounced.sent_at is None and "550" in bounced.last_error
    assert bounced.attempts == 1  # tried once per pass, not retried on the spot


def test_title_with_a_line_break_still_makes_a_valid_subject(smtp_server, make_event, rsvp,
                                                            deliver):
    event = make_event(slug="two-lines", title="Line one\nLine two")
    rsvp(event, "ann@example.com", name="Ann")
    assert deliver() == 1
    [message] = smtp_server.messages
    assert message["Subject"] == "Your RSVP: Line one Line two"


def test_international_domain_is_sent_in_its_ascii_form(smtp_server, party, rsvp, deliver):
    rsvp(party, "zoe@exämple.com", name="Zoë")
    assert deliver() == 1
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["zoe@xn--exmple-cua.com"]


def test_two_senders_never_send_a_message_twice(app, smtp_server, party, deliver):
    total = 40
    for i in range(total):
        outbox.queue_message(db.session, to=f"guest{i}@example.com", subject=f"Message {i}",
                             body=f"Hello {i}", event_id=party.id)
    db.session.commit()
    smtp_server.delay = 0.005
    settings = SmtpSettings.from_config(app.config)
    counts: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(3)

    def sender() -> None:
        with app.app_context():
            try:
                start.wait()
                counts.append(deliver_pending(db.session, settings, batch=3))
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert sorted(subjects) == sorted(f"Message {i}" for i in range(total))
    assert sum(counts) == total
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 0


def test_without_smtp_mail_is_logged_and_shown_to_the_host(app, party, rsvp, deliver):
    app.config["SMTP_HOST"] = ""
    rsvp(party, "ann@example.com", name="Ann")
    assert deliver() == 1
    db.session.expire_all()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert row.delivered_via == "log" and row.sent_at is not None
