"""Hostile names and answers that reach e-mail, PDF and CSV: nothing breaks, nothing is injected."""
import csv
import email
import io

import pdfplumber

from organizer.badges.render import BadgeData, badges_pdf
from organizer.extensions import db
from organizer.hosting.csvio import export_guests_csv
from organizer.mail.models import OutboxMessage
from organizer.mail.sender import build_email
from tests.conftest import csrf_from

HOSTILE = {
    "name": "Mallory\u202eevil\u202c <script>x</script>",
    "company": '=HYPERLINK("http://evil.example","click")',
    "role": "@SUM(1+1)",
    "can_offer": "\u200fשלום\u200e; -2+3; \"quoted\", 'single'",
    "could_use": "+cmd|' /C calc'!A0\nsecond line",
}


def test_hostile_rsvp_reaches_mail_pdf_and_csv_safely(client, make_event):
    event = make_event(slug="h", title="Hostile\r\nBcc: victim@example.com")
    page = client.get("/e/h")
    response = client.post("/e/h", data={**HOSTILE, "email": "mallory@example.com",
                                         "attendance": "yes", "csrf_token": csrf_from(page)})
    assert response.status_code == 303

    # E-mail: no header injection from the event title or the guest's name.
    message = db.session.query(OutboxMessage).one()
    parsed = email.message_from_bytes(build_email(message, "Party <p@example.com>").as_bytes())
    assert parsed["Bcc"] is None and parsed["To"] == "mallory@example.com"
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]

    # CSV: spreadsheet formulas neutralised, the text itself kept.
    rows = list(csv.DictReader(io.StringIO(export_guests_csv(db.session, event))))
    assert rows[0]["company"] == "'" + HOSTILE["company"]
    assert rows[0]["role"] == "'" + HOSTILE["role"]
    assert rows[0]["could_use"].startswith("'+cmd")

    # Badge PDF: renders, and the name's letters are there as text.
    pdf = badges_pdf([BadgeData(name=HOSTILE["name"], company=HOSTILE["company"],
                                role=HOSTILE["role"], offer_summary=HOSTILE["can_offer"],
                                need_summary=HOSTILE["could_use"], event_title=event.title,
                                badge_number=1, qr_url="http://party.test/b/x")],
                     layout="single-4x3")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = document.pages[0].extract_text()
    assert "Mallory" in text and "script" in text
