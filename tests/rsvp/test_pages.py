"""The RSVP pages over HTTP, CSRF protection on, with the bad input guests really send."""
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
