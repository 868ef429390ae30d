"""RSVP services: new, duplicate, waitlist, promotion, deadlines."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.mail.models import OutboxMessage
from organizer.models import Attendance, Guest
from organizer.rsvp.services import (
    GuestAnswers,
    RsvpClosed,
    create_guest,
    decline_rsvp,
    event_is_full,
    submit_rsvp,
    update_rsvp,
    waitlist_position,
)

BASE = "http://party.test"


def answers(name="Ada", email="ada@example.com", attendance=Attendance.yes, **kw):
    return GuestAnswers(name=name, email=email, attendance=attendance, **kw)


def outbox_to(address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == address)
                              .order_by(OutboxMessage.id)).all()


def test_new_rsvp_creates_guest_and_queues_confirmation(make_event):
    event = make_event()
    outcome = submit_rsvp(db.session, event, answers(can_offer="Python help"), base_url=BASE)
    assert outcome.is_new and outcome.guest.attendance == Attendance.yes
    [mail] = outbox_to("ada@example.com")
    assert f"{BASE}/r/{outcome.guest.edit_token}" in mail.body_text
    assert mail.ics and b"BEGIN:VEVENT" in mail.ics
    assert len(outcome.guest.edit_token) >= 22  # >= 128 bits of randomness


def test_same_address_twice_at_once_makes_one_guest_and_a_reminder(app, make_event):
    """Two RSVPs with one address at the same moment, each in its own request: the database's
    unique (event, address) stops the second, which becomes a reminder, not an error."""
    import threading
    event = make_event()
    event_id = event.id
    db.session.commit()
    start, outcomes, failures = threading.Barrier(2), [], []

    def submit(name):
        with app.app_context():
            try:
                start.wait()
                mine = db.session.get(type(event), event_id)
                outcomes.append(submit_rsvp(db.session, mine, answers(name), base_url=BASE).is_new)
            except BaseException as exc:  # reported below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("Ada", "Twin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    assert sorted(outcomes) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 1
    assert sorted(m.subject for m in outbox_to("ada@example.com")) == [
        f"Your RSVP link: {event.title}", f"Your RSVP: {event.title}"]


def test_new_guest_gets_next_badge_number_and_stored_fields(make_event):
    event = make_event()
    a = submit_rsvp(db.session, event, answers("A", "a@x.org", categories=[]), base_url=BASE).guest
    b = submit_rsvp(db.session, event, answers("B ✨", "B@X.org", company="Acme", role="CTO",
                                               can_offer="intros", could_use="a designer",
                                               consent_share=True), base_url=BASE).guest
    db.session.expire_all()
    stored = db.session.get(Guest, b.id)
    assert (a.badge_number, b.badge_number) == (1, 2) == (db.session.get(Guest, a.id).badge_number,
                                                           stored.badge_number)
    assert (stored.name, stored.email, stored.company, stored.role, stored.can_offer,
            stored.could_use, stored.consent_share, stored.source, stored.attendance) == (
        "B ✨", "b@x.org", "Acme", "CTO", "intros", "a designer", True, "rsvp", Attendance.yes)
    assert stored.edit_token == b.edit_token and stored.extra == {} and stored.categories == []
    assert stored.created_at is not None and stored.event.id == event.id


def test_duplicate_email_never_creates_second_guest(make_event):
    event = make_event()
    first = submit_rsvp(db.session, event, answers(), base_url=BASE).guest
    again = submit_rsvp(db.session, event, answers(name="Mallory", email=" ADA@Example.com "),
                        base_url=BASE)
    assert not again.is_new and again.guest.id == first.id
    assert again.guest.name == "Ada"  # the second submission changes nothing
    count = db.session.scalar(select(func.count()).select_from(Guest))
    assert count == 1
    mails = outbox_to("ada@example.com")
    assert len(mails) == 2 and first.edit_token in mails[1].body_text


def test_full_event_waitlists_in_order_and_promotes_on_decline(make_event):
    event = make_event(capacity=2)
    a = submit_rsvp(db.session, event, answers("A", "a@x.org"), base_url=BASE).guest
    submit_rsvp(db.session, event, answers("B", "b@x.org"), base_url=BASE)
    c = submit_rsvp(db.session, event, answers("C", "c@x.org"), base_url=BASE).guest
    d = submit_rsvp(db.session, event, answers("D", "d@x.org"), base_url=BASE).guest
    assert c.attendance == d.attendance == Attendance.waitlist
    assert (waitlist_position(db.session, c), waitlist_position(db.session, d)) == (1, 2)
    assert "waitlist (number 2)" in outbox_to("d@x.org")[0].body_text

    update_rsvp(db.session, a, answers("A", attendance=Attendance.no), base_url=BASE)
    assert a.attendance == Attendance.no
    assert c.attendance == Attendance.yes and waitlist_position(db.session, d) == 1
    assert outbox_to("c@x.org")[-1].subject.startswith("You're in")


def test_maybe_does_not_take_a_place(make_event):
    event = make_event(capacity=1)
    submit_rsvp(db.session, event, answers("M", "m@x.org", Attendance.maybe), base_url=BASE)
    yes = submit_rsvp(db.session, event, answers("Y", "y@x.org"), base_url=BASE).guest
    assert yes.attendance == Attendance.yes


def test_closed_and_past_deadline_are_refused(make_event):
    closed = make_event(is_open=False)
    with pytest.raises(RsvpClosed, match="closed"):
        submit_rsvp(db.session, closed, answers(), base_url=BASE)
    past = make_event(rsvp_deadline=datetime.now(timezone.utc) - timedelta(minutes=1))
    with pytest.raises(RsvpClosed, match="deadline"):
        submit_rsvp(db.session, past, answers(), base_url=BASE)
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 0


def test_guest_can_change_answers_until_deadline(make_event):
    event = make_event(rsvp_deadline=datetime.now(timezone.utc) + timedelta(days=1))
    guest = submit_rsvp(db.session, event, answers(), base_url=BASE).guest
    update_rsvp(db.session, guest, answers(could_use="A mentor"), base_url=BASE)
    assert guest.could_use == "A mentor"
    later = datetime.now(timezone.utc) + timedelta(days=2)
    with pytest.raises(RsvpClosed):
        update_rsvp(db.session, guest, answers(could_use="Other"), base_url=BASE, now=later)


def test_badge_numbers_are_unique_and_sequential(make_event):
    event = make_event()
    numbers = [submit_rsvp(db.session, event, answers(f"G{i}", f"g{i}@x.org"),
                           base_url=BASE).guest.badge_number for i in range(5)]
    assert numbers == [1, 2, 3, 4, 5]


def test_badge_numbers_stay_distinct_with_rsvps_and_walk_ins_at_once(app, make_event, make_guest):
    """Six writers at once -- RSVPs (on PostgreSQL one statement that locks the event, takes
    its number and adds the guest) and walk-ins (lock, then number) -- on an event that already
    has a guest numbered by hand: every number is new, and they run on from the highest."""
    import threading
    event = make_event()
    make_guest(event)  # badge 1, numbered by hand like a guest from before the counter
    event_id = event.id
    db.session.commit()
    start, failures = threading.Barrier(6), []

    def write(worker):
        with app.app_context():
            try:
                start.wait()
                for n in range(5):
                    mine = db.session.get(type(event), event_id)
                    who = answers(f"W{worker}-{n}", f"w{worker}-{n}@example.com")
                    if worker % 3 == 0:
                        create_guest(db.session, mine, who, source="walkin")
                        db.session.commit()
                    else:
                        submit_rsvp(db.session, mine, who, base_url=BASE)
                    db.session.remove()
            except BaseException as exc:  # reported below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    numbers = sorted(db.session.scalars(select(Guest.badge_number).where(
        Guest.event_id == event_id)))
    assert numbers == list(range(1, 32))
    assert len(outbox_to_all()) == 20  # one confirmation per RSVP, none for walk-ins


def outbox_to_all():
    return db.session.scalars(select(OutboxMessage)).all()


@pytest.mark.parametrize("closed_by", ["deadline", "host"])
def test_decline_after_rsvps_close_frees_the_place_for_the_waitlist(make_event, closed_by):
    event = make_event(capacity=1, rsvp_deadline=datetime.now(timezone.utc) + timedelta(days=1))
    a = submit_rsvp(db.session, event, answers("A", "a@x.org"), base_url=BASE).guest
    b = submit_rsvp(db.session, event, answers("B", "b@x.org"), base_url=BASE).guest
    c = submit_rsvp(db.session, event, answers("C", "c@x.org"), base_url=BASE).guest
    later = datetime.now(timezone.utc) + timedelta(days=2)
    if closed_by == "host":
        event.is_open, later = False, None
        db.session.commit()
    with pytest.raises(RsvpClosed):  # any other change stays closed
        update_rsvp(db.session, a, answers("A", attendance=Attendance.maybe), base_url=BASE,
                    now=later)
    decline_rsvp(db.session, a, base_url=BASE, now=later)
    assert a.attendance == Attendance.no
    assert b.attendance == Attendance.yes and waitlist_position(db.session, c) == 1
    assert outbox_to("b@x.org")[-1].subject.startswith("You're in")
    decline_rsvp(db.session, c, base_url=BASE, now=later)  # leaving the waitlist promotes nobody
    assert c.attendance == Attendance.no and c.waitlisted_at is None
    assert len(outbox_to("c@x.org")) == 1
    with pytest.raises(RsvpClosed, match="already started"):
        decline_rsvp(db.session, b, base_url=BASE, now=event.starts_at + timedelta(minutes=1))
    assert b.attendance == Attendance.yes


def test_event_is_full_only_with_every_place_taken(make_event):
    event = make_event(capacity=1)
    assert not event_is_full(db.session, event)
    submit_rsvp(db.session, event, answers("M", "m@x.org", Attendance.maybe), base_url=BASE)
    assert not event_is_full(db.session, event)
    submit_rsvp(db.session, event, answers("Y", "y@x.org"), base_url=BASE)
    assert event_is_full(db.session, event)
    assert not event_is_full(db.session, make_event())


def test_repeat_rsvp_mail_states_the_answer_on_file(make_event):
    event = make_event(capacity=1)
    submit_rsvp(db.session, event, answers("A", "a@x.org"), base_url=BASE)
    submit_rsvp(db.session, event, answers("W1", "w1@x.org"), base_url=BASE)
    waiting = submit_rsvp(db.session, event, answers("W2", "w2@x.org"), base_url=BASE).guest
    no = submit_rsvp(db.session, event, answers("N", "n@x.org", Attendance.no), base_url=BASE)
    for address in ("a@x.org", "w2@x.org", "n@x.org"):
        submit_rsvp(db.session, event, answers("Again", address), base_url=BASE)
    expected = {"a@x.org": "Your answer on file: You're coming",
                "w2@x.org": "Your answer on file: The event is full, so you are on the waitlist (number 2).",
                "n@x.org": "Your answer on file: You said you can't come."}
    for address, line in expected.items():
        reminder = outbox_to(address)[-1]
        assert reminder.subject.startswith("Your RSVP link")
        assert line in reminder.body_text and "nothing was changed" in reminder.body_text
        assert "You are already on the guest list" not in reminder.body_text
    assert f"{BASE}/r/{waiting.edit_token}" in outbox_to("w2@x.org")[-1].body_text
    assert f"{BASE}/r/{no.guest.edit_token}" in outbox_to("n@x.org")[-1].body_text


def test_no_calendar_file_for_a_guest_who_cannot_come(make_event):
    event = make_event()
    submit_rsvp(db.session, event, answers("N", "n@x.org", Attendance.no), base_url=BASE)
    submit_rsvp(db.session, event, answers("N again", "n@x.org"), base_url=BASE)
    submit_rsvp(db.session, event, answers("M", "m@x.org", Attendance.maybe), base_url=BASE)
    assert [m.ics for m in outbox_to("n@x.org")] == [None, None]
    [maybe] = outbox_to("m@x.org")
    assert maybe.ics and b"BEGIN:VEVENT" in maybe.ics
