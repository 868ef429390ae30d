"""The RSVP pages over HTTP, CSRF protection on, with the bad input guests really send."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Attendance, Guest
from tests.conftest import csrf_from

RTL_EMOJI_NAME = "سارة 🎉 Çelik‏"


def guest_count():
    return db.session.scalar(select(func.count()).select_from(Guest))


def rsvp_data(page, **overrides):
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "company": "Engines Ltd",
            "role": "Analyst", "can_offer": "Maths tutoring, intros to engineers",
            "could_use": "A patron", "attendance": "yes", "csrf_token": csrf_from(page)}
    data.update(overrides)
    return data


@pytest.fixture
def event(make_event):
    return make_event(slug="spring", title="Spring Pay-It-Forward", venue="The Loft",
                      timezone="Europe/Warsaw")


def test_form_shows_event_and_both_questions(client, event):
    page = client.get("/e/spring")
    assert page.status_code == 200
    html = page.text
    for text in ("Spring Pay-It-Forward", "The Loft", "Europe/Warsaw", "What can you offer?",
                 "What could you use?", 'for="can_offer"', 'maxlength="1000"'):
        assert text in html


def test_submit_redirects_to_thanks_and_stores_answers(client, event):
    page = client.get("/e/spring")
    response = client.post("/e/spring", data=rsvp_data(page))
    assert response.status_code == 303 and response.location.endswith("/e/spring/thanks")
    thanks = client.get(response.location)
    assert "your RSVP is in" in thanks.text and "a•••@example.com" in thanks.text
    guest = db.session.scalar(select(Guest))
    assert (guest.name, guest.email, guest.attendance) == ("Ada Lovelace", "ada@example.com",
                                                           Attendance.yes)


def test_duplicate_rsvp_gets_the_same_response(app, event):
    responses = []
    for _ in range(2):
        fresh = app.test_client()
        page = fresh.get("/e/spring")
        post = fresh.post("/e/spring", data=rsvp_data(page))
        responses.append((post.status_code, post.location, fresh.get(post.location).text))
    assert responses[0] == responses[1]
    assert guest_count() == 1


@pytest.mark.parametrize("field,value,message", [
    ("name", "   ", "Please tell us your name."),
    ("email", "not-an-email", "look like an e-mail address (like name@example.com)"),
    ("email", "", "Please give your e-mail address"),
    ("can_offer", "x" * 50_000, "at most 1000 characters"),
    ("could_use", "y" * 1001, "at most 1000 characters"),
])
def test_bad_input_keeps_answers_and_says_what_to_fix(client, event, field, value, message):
    page = client.get("/e/spring")
    response = client.post("/e/spring", data=rsvp_data(page, **{field: value}))
    assert response.status_code == 422
    assert message in response.text
    assert "Engines Ltd" in response.text and "Analyst" in response.text
    assert guest_count() == 0


def test_missing_or_stale_csrf_asks_to_resubmit_and_keeps_answers(client, event):
    client.get("/e/spring")
    data = rsvp_data(client.get("/e/spring"), csrf_token="stale-token")
    response = client.post("/e/spring", data=data)
    assert response.status_code == 422
    assert "please submit again" in response.text
    assert "Maths tutoring" in response.text and guest_count() == 0
    # The page carries a fresh token, so resubmitting works.
    retry = client.post("/e/spring", data=rsvp_data(response))
    assert retry.status_code == 303 and guest_count() == 1


def test_script_tags_are_text_and_names_survive_exactly(client, event):
    page = client.get("/e/spring")
    script = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
    client.post("/e/spring", data=rsvp_data(page, name=RTL_EMOJI_NAME, company=script,
                                            can_offer=script))
    guest = db.session.scalar(select(Guest))
    assert guest.name == RTL_EMOJI_NAME and guest.company == script
    edit = client.get(f"/r/{guest.edit_token}")
    assert RTL_EMOJI_NAME in edit.text
    assert "<script>alert" not in edit.text and "&lt;script&gt;" in edit.text


def test_control_characters_are_dropped(client, event):
    page = client.get("/e/spring")
    client.post("/e/spring", data=rsvp_data(page, name="Bad\x00Name\x07", role="R\x1bole"))
    guest = db.session.scalar(select(Guest))
    assert (guest.name, guest.role) == ("BadName", "Role")


def test_unknown_event_is_a_friendly_404(client):
    response = client.get("/e/no-such-party")
    assert response.status_code == 404 and "couldn't find that page" in response.text


def test_closed_event_and_past_deadline_say_so(client, make_event):
    make_event(slug="closed", is_open=False)
    make_event(slug="late", rsvp_deadline=datetime.now(timezone.utc) - timedelta(hours=1))
    assert "closed RSVPs" in client.get("/e/closed").text
    page = client.get("/e/late")
    assert "deadline for this event has passed" in page.text
    response = client.post("/e/late", data={"name": "X", "email": "x@example.com",
                                            "attendance": "yes"})
    assert response.status_code == 409 and guest_count() == 0


def test_edit_link_changes_answers_and_declines(client, event, make_guest):
    guest = make_guest(event, name="Bo", email="bo@example.com", could_use="Old need")
    page = client.get(f"/r/{guest.edit_token}")
    assert page.status_code == 200 and "Old need" in page.text
    response = client.post(f"/r/{guest.edit_token}", data={
        "name": "Bo", "could_use": "New need", "attendance": "no", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    db.session.refresh(guest)
    assert guest.could_use == "New need" and guest.attendance == Attendance.no
    assert guest.email == "bo@example.com"


def test_wrong_edit_token_is_404(client):
    assert client.get("/r/not-a-real-token").status_code == 404
    assert client.get("/r/" + "x" * 500).status_code == 404


def test_categories_are_offered_and_stored(client, make_event):
    event = make_event(slug="cats")
    event.categories = ["Hiring", "Funding"]
    db.session.commit()
    page = client.get("/e/cats")
    assert "Hiring" in page.text and "Funding" in page.text
    client.post("/e/cats", data=rsvp_data(page, categories=["Funding"]))
    assert db.session.scalar(select(Guest)).categories == ["Funding"]
    forged = client.get("/e/cats")
    response = client.post("/e/cats", data=rsvp_data(forged, email="z@example.com",
                                                     categories=["Not offered"]))
    assert response.status_code == 422


def test_badge_link_shows_only_what_guest_shares(client, event, make_guest):
    shy = make_guest(event, name="Shy", company="Secret Co", consent_share=False)
    open_ = make_guest(event, name="Open", company="Open Co", consent_share=True)
    assert "Secret Co" not in client.get(f"/b/{shy.badge_token}").text
    assert "Open Co" in client.get(f"/b/{open_.badge_token}").text
    # The e-mail is shared with matched guests (on their pages), not with anyone scanning the badge.
    assert open_.email not in client.get(f"/b/{open_.badge_token}").text
    assert client.get("/b/forged-token").status_code == 404


@pytest.mark.parametrize("capacity", [None, 3])
def test_rsvps_sent_at_once_keep_numbers_and_places(app, make_event, capacity):
    """Guests posting the form at the same moment, each request in its own session as in
    production (on PostgreSQL an RSVP to an event without a limit commits in its one
    statement; with a limit the lock, the count and the insert share one transaction): badge
    numbers never repeat, the event never takes more than its capacity, and every guest gets
    a confirmation."""
    import threading

    from organizer.models import OutboxMessage
    event_id = make_event(slug="rush", capacity=capacity).id
    db.session.commit()
    clients = [app.test_client() for _ in range(8)]
    pages = [c.get("/e/rush") for c in clients]
    db.session.remove()  # the fixture's session is idle while the requests run
    start, statuses, failures = threading.Barrier(len(clients)), [], []

    def post(n):
        try:
            start.wait()
            statuses.append(clients[n].post("/e/rush", data=rsvp_data(
                pages[n], name=f"Guest {n}", email=f"guest{n}@example.com")).status_code)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and statuses == [303] * len(clients), (failures, statuses)
    guests = db.session.execute(select(Guest.badge_number, Guest.attendance).where(
        Guest.event_id == event_id)).all()
    assert sorted(number for number, _ in guests) == list(range(1, len(clients) + 1))
    places = sum(attendance == Attendance.yes for _, attendance in guests)
    assert places == (capacity or len(clients))
    assert sum(attendance == Attendance.waitlist for _, attendance in guests) == \
        len(clients) - places
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(clients)


def close_rsvps(event, how):
    """The deadline passes, or the host closes RSVPs, while a guest has a page open."""
    if how == "deadline":
        event.rsvp_deadline = datetime.now(timezone.utc) - timedelta(minutes=1)
    else:
        event.is_open = False
    db.session.commit()


@pytest.mark.parametrize("how", ["deadline", "closed"])
def test_form_sent_after_rsvps_close_shows_what_was_typed(client, event, how):
    page = client.get("/e/spring")
    close_rsvps(event, how)
    response = client.post("/e/spring", data=rsvp_data(
        page, name=RTL_EMOJI_NAME, can_offer="Line one\nLine two", could_use="A <b>patron</b>"))
    assert response.status_code == 409 and guest_count() == 0
    html = response.text
    assert "Nothing was saved. Copy this and send it to the host" in html
    for typed in (RTL_EMOJI_NAME, "ada@example.com", "Engines Ltd", "Line one\nLine two",
                  "A &lt;b&gt;patron&lt;/b&gt;", "Yes, I&#39;ll be there"):
        assert typed in html, typed
    assert "<form" not in html  # read-only: nothing to submit again


@pytest.mark.parametrize("how", ["deadline", "closed"])
def test_edit_sent_after_rsvps_close_shows_what_was_typed(client, event, make_guest, how):
    guest = make_guest(event, name="Bo", email="bo@example.com", could_use="Old need")
    page = client.get(f"/r/{guest.edit_token}")
    close_rsvps(event, how)
    response = client.post(f"/r/{guest.edit_token}", data={
        "name": "Bo B.", "could_use": "New need", "can_offer": "Design reviews",
        "attendance": "maybe", "csrf_token": csrf_from(page)})
    assert response.status_code == 409
    html = response.text
    assert "Nothing was saved. Copy this and send it to the host" in html
    for typed in ("Bo B.", "bo@example.com", "New need", "Design reviews", "Maybe"):
        assert typed in html, typed
    db.session.refresh(guest)
    assert (guest.name, guest.could_use, guest.attendance) == ("Bo", "Old need", Attendance.yes)
    # A plain visit after the deadline shows the saved answers, not a "nothing was saved" note.
    assert "Nothing was saved" not in client.get(f"/r/{guest.edit_token}").text


def test_confirmed_guest_can_still_decline_after_the_deadline(client, make_event, make_guest):
    event = make_event(slug="late", capacity=1)
    bo = make_guest(event, name="Bo", email="bo@example.com")
    waiting = make_guest(event, name="Wait", email="wait@example.com",
                         attendance=Attendance.waitlist, waitlisted_at=datetime.now(timezone.utc))
    close_rsvps(event, "deadline")
    page = client.get(f"/r/{bo.edit_token}")
    assert "I can't come after all" in page.text and "Save my answers" not in page.text
    assert client.post(f"/r/{bo.edit_token}/decline").status_code == 400  # no CSRF token
    db.session.refresh(bo)
    assert bo.attendance == Attendance.yes
    response = client.post(f"/r/{bo.edit_token}/decline", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.location.endswith(f"/r/{bo.edit_token}")
    db.session.refresh(bo)
    db.session.refresh(waiting)
    assert bo.attendance == Attendance.no and waiting.attendance == Attendance.yes
    after = client.get(response.location).text
    assert "you&#39;re down as not coming" in after and "I can't come after all" not in after
    assert 'Answer "Yes" below' not in after
    # Saying yes again stays closed.
    again = client.post(f"/r/{bo.edit_token}", data={"name": "Bo", "attendance": "yes",
                                                      "csrf_token": csrf_from(page)})
    assert again.status_code == 409
    db.session.refresh(bo)
    assert bo.attendance == Attendance.no


@pytest.mark.parametrize("attendance,shown", [
    (Attendance.yes, True), (Attendance.maybe, True), (Attendance.waitlist, True),
    (Attendance.no, False)])
def test_decline_button_only_for_guests_who_would_come(client, event, make_guest, attendance,
                                                       shown):
    guest = make_guest(event, attendance=attendance, waitlisted_at=(
        datetime.now(timezone.utc) if attendance == Attendance.waitlist else None))
    assert "I can't come after all" not in client.get(f"/r/{guest.edit_token}").text
    close_rsvps(event, "closed")
    assert ("I can't come after all" in client.get(f"/r/{guest.edit_token}").text) == shown


def test_full_event_says_so_on_the_form_before_filling_it_in(client, make_event, make_guest):
    event = make_event(slug="small", capacity=1)
    notice = "This party is full."
    assert notice not in client.get("/e/small").text
    make_guest(event)
    html = client.get("/e/small").text
    assert notice in html and "join the waitlist" in html and "does not hold a place" in html
    make_guest(make_event(slug="open-ended"))  # no capacity: never full
    assert notice not in client.get("/e/open-ended").text


def test_thanks_page_at_a_full_party_is_the_same_for_new_and_known_addresses(
        app, make_event, make_guest):
    event = make_event(slug="small", capacity=1)
    make_guest(event, email="known@example.com")
    pages = []
    for email in ("new@example.com", "known@example.com"):
        fresh = app.test_client()
        page = fresh.get("/e/small")
        post = fresh.post("/e/small", data=rsvp_data(page, email=email))
        pages.append(fresh.get(post.location).text.replace("n•••", "k•••"))
    assert pages[0] == pages[1]
    assert "The party is now full" in pages[0]


def test_confirmed_guest_is_warned_that_maybe_gives_up_the_place(client, make_event,
                                                                 make_guest):
    warning = "gives it up, and at a full party it goes straight to the next person"
    limited = make_event(slug="small", capacity=10)
    unlimited = make_event(slug="big")
    confirmed = make_guest(limited)
    maybe = make_guest(limited, attendance=Attendance.maybe)
    html = client.get(f"/r/{confirmed.edit_token}").text
    assert warning in html and 'aria-describedby="attendance-warning"' in html
    assert warning not in client.get(f"/r/{maybe.edit_token}").text
    assert warning not in client.get(f"/r/{make_guest(unlimited).edit_token}").text
    assert warning not in client.get("/e/small").text


def test_validation_mistakes_do_not_use_up_the_address_limit(app, client, event):
    app.config["RSVP_RATE_LIMIT_PER_ADDRESS"] = "2 per hour"
    for _ in range(4):
        response = client.post("/e/spring", data=rsvp_data(client.get("/e/spring"), name=""))
        assert response.status_code == 422
    codes = [client.post("/e/spring", data=rsvp_data(client.get("/e/spring"))).status_code
             for _ in range(3)]
    assert codes == [303, 303, 429]


def test_rate_limit_page_says_how_long_the_window_is(app, client, event):
    app.config["RSVP_RATE_LIMIT_PER_ADDRESS"] = "1 per hour"
    client.post("/e/spring", data=rsvp_data(client.get("/e/spring")))
    response = client.post("/e/spring", data=rsvp_data(client.get("/e/spring")))
    assert response.status_code == 429
    assert "a few minutes" not in response.text
    assert "the limit resets within an hour" in response.text


def test_text_fields_follow_the_writing_direction(client, event, make_guest):
    for path in ("/e/spring", f"/r/{make_guest(event).edit_token}"):
        html = client.get(path).text
        for name in ("name", "company", "role", "can_offer", "could_use"):
            tag = re.search(rf'<(?:input|textarea)[^>]* name="{name}"[^>]*>', html).group(0)
            assert 'dir="auto"' in tag, (path, tag)


def test_pages_declare_an_empty_favicon(client, event):
    assert '<link rel="icon" href="data:,">' in client.get("/e/spring").text
