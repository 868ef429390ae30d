"""The RSVP form in a real headless Chromium on a 360 px phone, as a guest fills it in.

Screenshots of every page go to $PIF_SCREENSHOTS (default /tmp/pif-screenshots) for a human look.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from organizer.extensions import db
from organizer.hosting import demo
from organizer.hosting.services import create_host
from organizer.mail import messages
from organizer.mail.outbox import queue_message
from organizer.models import Attendance, Guest

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SHOTS = Path(os.environ.get("PIF_SCREENSHOTS", "/tmp/pif-screenshots"))
NAME = "سارة Çelik 🎉 王小明"
HOST_EMAIL, HOST_PASSWORD = "host@example.com", "correct horse battery"

BAD_CSV = ("name,email,company,can_offer,could_use\n"
           "Ann Lee,ann@example.com,Acme,Advice,Jobs\n"
           "Bob,bob@,Acme,Advice,Jobs\n"
           'Cy,cy@example.com,"Acme,Advice,Jobs\n'
           "Dee,dee@example.com,Acme,Advice,Jobs\n")

# Every visible form control must have a label (or an accessible name of its own).
UNLABELLED_CONTROLS_JS = """() => Array.from(
    document.querySelectorAll('input:not([type=hidden]), textarea, select'))
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px wide"


def assert_every_control_labelled(page) -> None:
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []


@pytest.fixture
def event(make_event):
    starts = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=10)
    return make_event(
        slug="spring", title="Spring Pay-It-Forward Mixer", starts_at=starts,
        ends_at=starts + timedelta(hours=3), timezone="Europe/London",
        venue="The Loft, 1 High Street, Bristol",
        description="Drinks and introductions. Come ready to help someone.",
        categories=["Hiring", "Design", "Funding", "Mentoring"])


@pytest.fixture
def phone(browser):
    """A page in a phone-sized window."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_guest_rsvps_on_a_phone_by_keyboard(live_server, phone, event):
    page = phone
    page.goto(f"{live_server}/e/spring")
    assert page.title() == "RSVP · Spring Pay-It-Forward Mixer"
    assert page.get_by_role("heading", level=1).inner_text() == "Spring Pay-It-Forward Mixer"
    assert_fits_phone(page)
    assert_every_control_labelled(page)
    shoot(page, "rsvp-form-360")

    page.get_by_label("Your name").click()
    page.keyboard.type(NAME)
    page.keyboard.press("Tab")  # on to the e-mail field
    page.keyboard.type("Sara.Celik@Example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("Northwind")
    page.keyboard.press("Tab")
    page.keyboard.type("Product designer")
    page.keyboard.press("Tab")
    offer = "UX reviews of your app\nIntros to design schools"
    page.keyboard.type(offer)
    assert page.locator("#can_offer-counter").inner_text() == f"{len(offer)} / 1000"
    page.keyboard.press("Tab")
    page.keyboard.type("A first client in fintech")
    page.get_by_label("Design").check()
    page.get_by_role("checkbox", name="matched with").focus()
    page.keyboard.press("Space")
    page.get_by_label("Yes, I'll be there").focus()
    page.keyboard.press("ArrowDown")  # radio group: move to "Maybe"
    assert page.get_by_label("Maybe").is_checked()
    page.get_by_role("button", name="Send my RSVP").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server}/e/spring/thanks")
    assert "Thanks — your RSVP is in." in page.inner_text("main")
    assert "s•••@example.com" in page.inner_text("main")
    assert_fits_phone(page)
    shoot(page, "rsvp-thanks-360")

    db.session.expire_all()
    guest = db.session.scalar(select(Guest).where(Guest.email == "sara.celik@example.com"))
    assert guest.name == NAME
    assert guest.can_offer == "UX reviews of your app\nIntros to design schools"
    assert guest.categories == ["Design"] and guest.consent_share
    assert guest.attendance == Attendance.maybe

    # The private edit link: answers shown, change to "yes".
    page.goto(f"{live_server}/r/{guest.edit_token}")
    assert f"You said maybe, {NAME}." in page.inner_text("main")
    assert page.get_by_label("Your name").input_value() == NAME
    assert page.get_by_label("Design").is_checked()
    assert_fits_phone(page)
    assert_every_control_labelled(page)
    shoot(page, "rsvp-edit-360")
    page.get_by_label("Yes, I'll be there").check()
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_text("Saved — your answers are up to date.").wait_for()
    assert f"You're coming, {NAME}." in page.inner_text("main")
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).attendance == Attendance.yes


def test_invalid_email_shows_the_error_and_keeps_the_answers(live_server, phone, event):
    page = phone
    page.goto(f"{live_server}/e/spring")
    page.get_by_label("Your name").fill(NAME)
    page.get_by_role("textbox", name="E-mail").fill("sara@")
    page.get_by_label("Company or organisation").fill("<b>Northwind</b>")
    page.get_by_label("What can you offer?").fill("Intros <script>alert(1)</script>")
    page.get_by_label("What could you use?").fill("A mentor\nand coffee ☕")
    page.get_by_label("Funding").check()
    page.get_by_label("No, I can't make it").check()
    page.get_by_role("button", name="Send my RSVP").click()

    error = page.locator("#email-error")
    error.wait_for()
    assert "doesn't look like an e-mail address" in error.inner_text()
    assert page.get_by_role("textbox", name="E-mail").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").first.inner_text().startswith("Please check the fields")
    assert page.get_by_label("Your name").input_value() == NAME
    assert page.get_by_role("textbox", name="E-mail").input_value() == "sara@"
    assert page.get_by_label("Company or organisation").input_value() == "<b>Northwind</b>"
    assert page.get_by_label("What can you offer?").input_value() == (
        "Intros <script>alert(1)</script>")
    assert page.get_by_label("What could you use?").input_value() == "A mentor\nand coffee ☕"
    assert page.get_by_label("Funding").is_checked()
    assert page.get_by_label("No, I can't make it").is_checked()
    assert_fits_phone(page)
    shoot(page, "rsvp-error-360")

    page.get_by_role("textbox", name="E-mail").fill("sara@example.com")
    page.get_by_role("button", name="Send my RSVP").click()
    page.wait_for_url(f"{live_server}/e/spring/thanks")
    db.session.expire_all()
    guest = db.session.scalar(select(Guest).where(Guest.email == "sara@example.com"))
    assert (guest.company, guest.attendance) == ("<b>Northwind</b>", Attendance.no)


def test_pages_fit_a_phone_and_look_right_on_a_desktop(live_server, browser, event,
                                                       make_guest):
    """Screenshots of the guest and host pages at 360 px and 1280 px, for a human look."""
    create_host(db.session, HOST_EMAIL, HOST_PASSWORD)
    demo_event = demo.load_demo_event(db.session)
    db.session.commit()
    guest = make_guest(event, name=NAME, company="Northwind", can_offer="UX reviews " * 30,
                       could_use="A first client", consent_share=True)
    queue_message(db.session, **messages.rsvp_confirmation(guest, guest.event, base_url=live_server,
                                                           position=None))
    db.session.commit()
    for label, viewport in (("360", PHONE), ("1280", DESKTOP)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server}/e/spring")
        shoot(page, f"rsvp-form-{label}")
        page.get_by_label("Your name").fill("Ann")
        page.get_by_role("textbox", name="E-mail").fill("ann@")
        page.get_by_role("button", name="Send my RSVP").click()
        page.locator("#email-error").wait_for()
        shoot(page, f"rsvp-error-{label}")
        page.get_by_role("textbox", name="E-mail").fill(f"ann{label}@example.com")
        page.get_by_role("button", name="Send my RSVP").click()
        page.wait_for_url(f"{live_server}/e/spring/thanks")
        shoot(page, f"rsvp-thanks-{label}")
        page.goto(f"{live_server}/r/{guest.edit_token}")
        shoot(page, f"rsvp-edit-{label}")
        page.goto(f"{live_server}/b/{guest.badge_token}")
        shoot(page, f"badge-link-{label}")
        page.goto(f"{live_server}/e/no-such-party")
        shoot(page, f"not-found-{label}")

        page.goto(f"{live_server}/host/")
        page.get_by_role("textbox", name="E-mail").fill(HOST_EMAIL)
        page.get_by_role("textbox", name="Password").fill(HOST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("heading", name="Your events").wait_for()
        shoot(page, f"host-dashboard-{label}")
        if viewport is PHONE:
            assert_fits_phone(page)
        page.goto(f"{live_server}/host/events/{demo_event.slug}")
        assert_every_control_labelled(page)
        shoot(page, f"host-guests-{label}")
        if viewport is PHONE:
            assert_fits_phone(page)
        page.goto(f"{live_server}/host/events/spring/import")
        page.get_by_label("CSV file").set_input_files(files=[{
            "name": "guests.csv", "mimeType": "text/csv",
            "buffer": BAD_CSV.encode("utf-8")}])
        page.get_by_role("button", name="Import").click()
        page.get_by_text("Nothing was imported.").wait_for()
        shoot(page, f"host-import-errors-{label}")
        if viewport is PHONE:
            assert_fits_phone(page)
        page.goto(f"{live_server}/host/events/spring/mail")
        shoot(page, f"host-mail-{label}")
        page.goto(f"{live_server}/host/events/spring/guests/{guest.id}")
        shoot(page, f"host-guest-{label}")
        if viewport is PHONE:
            assert_fits_phone(page)
        page.goto(f"{live_server}/host/events/new")
        assert_every_control_labelled(page)
        shoot(page, f"host-new-event-{label}")
        if viewport is PHONE:
            assert_fits_phone(page)
        context.close()


def test_edit_page_shows_the_current_answer_checked(live_server, phone, event, make_guest):
    guest = make_guest(event, name="Ann", attendance=Attendance.maybe)
    phone.goto(f"{live_server}/r/{guest.edit_token}")
    assert phone.get_by_label("Maybe").is_checked()


def test_topics_removed_while_the_form_was_open(live_server, phone, event):
    page = phone
    page.goto(f"{live_server}/e/spring")
    page.get_by_label("Your name").fill("Ann")
    page.get_by_role("textbox", name="E-mail").fill("ann@example.com")
    page.get_by_label("What can you offer?").fill("Intros")
    page.get_by_label("Funding").check()
    event.categories = ["Hiring", "Design"]  # the host edits the topics meanwhile
    db.session.commit()
    page.get_by_role("button", name="Send my RSVP").click()
    page.get_by_text("The host has changed the topics").wait_for()
    assert page.get_by_label("What can you offer?").input_value() == "Intros"
    page.get_by_label("Design").check()
    page.get_by_role("button", name="Send my RSVP").click()
    page.wait_for_url(f"{live_server}/e/spring/thanks")
    db.session.expire_all()
    guest = db.session.scalar(select(Guest).where(Guest.email == "ann@example.com"))
    assert guest.categories == ["Design"]


def test_expired_session_keeps_the_answers_and_resubmits(live_server, phone, event):
    page = phone
    page.goto(f"{live_server}/e/spring")
    page.get_by_label("Your name").fill(NAME)
    page.get_by_role("textbox", name="E-mail").fill("late@example.com")
    page.get_by_label("What could you use?").fill("A mentor")
    page.context.clear_cookies()  # the session (and its CSRF secret) is gone
    page.get_by_role("button", name="Send my RSVP").click()
    page.get_by_text("Your form session expired").wait_for()
    assert page.get_by_label("Your name").input_value() == NAME
    assert page.get_by_label("What could you use?").input_value() == "A mentor"
    assert_fits_phone(page)
    shoot(page, "rsvp-csrf-expired-360")
    page.get_by_role("button", name="Send my RSVP").click()
    page.wait_for_url(f"{live_server}/e/spring/thanks")


def test_closed_event_says_so(live_server, phone, make_event):
    make_event(slug="closed", title="Closed party", is_open=False)
    phone.goto(f"{live_server}/e/closed")
    assert "The host has closed RSVPs for this event." in phone.inner_text("main")
    assert phone.locator("form.rsvp-form").count() == 0
    shoot(phone, "rsvp-closed-360")
