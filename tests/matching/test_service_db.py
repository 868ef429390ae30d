"""Matching over the database: stored analyses, runs, locks, vetoes, rules, publication, consent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.matching import published, service
from organizer.matching.analysis import analyse_many
from organizer.matching.models import GuestAnalysis, MatchRun, MatchSuggestion
from organizer.models import Attendance

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)

# name, company, can offer, could use
PEOPLE = [
    ("Priya Raman", "Northwind Capital", "Intros to finance recruiters; reviewing CVs for finance roles",
     "A UX designer for our careers site"),
    ("Bob Okafor", "Okafor Analytics", "Power BI dashboards, data cleaning advice",
     "Finding finance candidates, a fractional CFO"),
    ("Ingrid Olsen", "Olsen Finance", "Part-time CFO services, fundraising financial models",
     "Start-ups that need a finance lead"),
    ("Zofia Wiśniewska", "Kraków Design Co.", "UX reviews of your app or website, Figma workshops",
     "Clients in fintech"),
    ("Анна Иванова", "Freelance", "Python scripts and automation, teaching beginners to code",
     "Help shipping our product to customers in the EU"),
    ("Δημήτρης Παπαδόπουλος", "Aegean Logistics", "Shipping and customs know-how for the EU",
     "A Python developer for a small automation project"),
]

_ANALYSES: dict[tuple[str, str], object] = {}


def cached_analyse(pairs):
    """analyse_many with a per-process cache: the same answers are analysed once per test run."""
    missing = [p for p in dict.fromkeys(pairs) if p not in _ANALYSES]
    if missing:
        _ANALYSES.update(zip(missing, analyse_many(missing)))
    return [_ANALYSES[p] for p in pairs]


@pytest.fixture
def party(make_event, make_guest):
    """An event with six guests who can help each other; returns (event, {first name: guest})."""
    event = make_event("meet")
    guests = {}
    for i, (name, company, offer, need) in enumerate(PEOPLE):
        guests[name.split()[0]] = make_guest(event, name, company=company, can_offer=offer,
                                             could_use=need, consent_share=i % 2 == 0)
    return event, guests


def run(event, **kwargs):
    result = service.run_matching(db.session, event, now=NOW, analyse=cached_analyse, **kwargs)
    db.session.commit()
    return result


def pairs(run_):
    return {(s.giver_id, s.receiver_id) for s in service.suggestions_of(db.session, run_)}


def test_answers_are_analysed_once_and_again_when_changed(party):
    event, g = party
    calls = []

    def counting(items):
        calls.append(len(items))
        return cached_analyse(items)

    assert len(service.ensure_analyses(db.session, event, now=NOW, analyse=counting)) == 6
    db.session.commit()
    assert calls == [6]
    service.ensure_analyses(db.session, event, now=NOW, analyse=counting)
    assert calls == [6], "unchanged answers are not analysed again"
    g["Bob"].could_use = "A fractional CFO"
    db.session.commit()
    assert service.stale_guests(db.session, event) == [g["Bob"]]
    service.ensure_analyses(db.session, event, now=NOW + timedelta(minutes=1), analyse=counting)
    db.session.commit()
    assert calls == [6, 1]
    row = db.session.scalar(select(GuestAnalysis).where(GuestAnalysis.guest_id == g["Bob"].id))
    assert row.analysed_at == NOW + timedelta(minutes=1)
    assert db.session.scalar(select(func.count(GuestAnalysis.id))) == 6


def test_run_suggests_helpers_with_reasons_and_saves_the_run(party):
    event, g = party
    result = run(event)
    assert result.guest_count == 6 and not result.is_present_only
    found = pairs(result)
    assert (g["Ingrid"].id, g["Bob"].id) in found
    assert (g["Δημήτρης"].id, g["Анна"].id) in found
    for s in service.suggestions_of(db.session, result):
        assert s.giver_id != s.receiver_id
        assert s.strength in ("strong", "possible") and s.reason
    cfo = db.session.scalar(select(MatchSuggestion).where(
        MatchSuggestion.run_id == result.id, MatchSuggestion.giver_id == g["Ingrid"].id,
        MatchSuggestion.receiver_id == g["Bob"].id))
    assert cfo.is_strong and "CFO" in cfo.offer_item and "CFO" in cfo.need_item
    assert service.latest_run(db.session, event).id == result.id


def test_only_guests_going_are_matched_and_present_only_takes_checked_in(party, make_guest):
    event, g = party
    g["Bob"].attendance = Attendance.no
    g["Zofia"].attendance = Attendance.waitlist
    db.session.commit()
    everyone = run(event)
    assert set(everyone.guest_ids) == {x.id for x in g.values()} - {g["Bob"].id, g["Zofia"].id}
    for name in ("Анна", "Δημήτρης", "Ingrid"):
        g[name].checked_in_at = NOW
    db.session.commit()
    present = run(event, present_only=True)
    assert present.is_present_only
    assert set(present.guest_ids) == {g["Анна"].id, g["Δημήτρης"].id, g["Ingrid"].id}
    assert all(a in present.guest_ids and b in present.guest_ids for a, b in pairs(present))


def test_locks_are_kept_across_reruns_even_for_an_unlikely_pair(party):
    event, g = party
    first = run(event)
    unlikely = (g["Zofia"].id, g["Δημήτρης"].id)  # UX reviews for a Python developer: not suggested
    assert unlikely not in pairs(first)
    service.lock_match(db.session, event, *unlikely, now=NOW)
    kept = (g["Ingrid"].id, g["Bob"].id)
    service.lock_match(db.session, event, *kept, now=NOW)
    db.session.commit()
    assert db.session.scalar(select(MatchSuggestion.is_locked).where(
        MatchSuggestion.run_id == first.id, MatchSuggestion.giver_id == kept[0],
        MatchSuggestion.receiver_id == kept[1])) is True
    for _ in range(2):
        again = run(event)
        locked = {(s.giver_id, s.receiver_id) for s in service.suggestions_of(db.session, again)
                  if s.is_locked}
        assert locked == {unlikely, kept}
    service.unlock_match(db.session, event, *unlikely)
    db.session.commit()
    assert unlikely not in pairs(run(event))


def test_present_only_rerun_keeps_locks_between_present_guests(party):
    event, g = party
    service.lock_match(db.session, event, g["Ingrid"].id, g["Bob"].id, now=NOW)
    service.lock_match(db.session, event, g["Priya"].id, g["Bob"].id, now=NOW)
    for name in ("Ingrid", "Bob", "Zofia"):
        g[name].checked_in_at = NOW
    db.session.commit()
    present = run(event, present_only=True)
    found = {(s.giver_id, s.receiver_id): s.is_locked for s in service.suggestions_of(db.session, present)}
    assert found[(g["Ingrid"].id, g["Bob"].id)] is True
    assert (g["Priya"].id, g["Bob"].id) not in found  # Priya did not come


def test_vetoed_introductions_disappear_and_stay_out(party):
    event, g = party
    first = run(event)
    vetoed = (g["Ingrid"].id, g["Bob"].id)
    assert vetoed in pairs(first)
    service.veto_match(db.session, event, *vetoed, now=NOW)
    db.session.commit()
    assert vetoed not in pairs(first), "the veto removes it from the run under review"
    again = run(event)
    assert vetoed not in pairs(again) and vetoed[::-1] not in pairs(again)
    service.unveto_match(db.session, event, *vetoed)
    db.session.commit()
    assert vetoed in pairs(run(event))


def test_veto_lifts_a_lock_and_lock_lifts_a_veto(party):
    event, g = party
    pair = (g["Ingrid"].id, g["Bob"].id)
    service.lock_match(db.session, event, *pair, now=NOW)
    service.veto_match(db.session, event, *pair, now=NOW)
    choices = service.host_choices(db.session, event)
    assert choices.vetoes == {pair} and not choices.locks
    service.lock_match(db.session, event, *pair, now=NOW)
    choices = service.host_choices(db.session, event)
    assert choices.locks == {pair} and not choices.vetoes


def test_exclusions_and_pins_reach_the_engine(party):
    event, g = party
    service.exclude_pair(db.session, event, g["Bob"].id, g["Ingrid"].id, now=NOW)
    service.pin_pair(db.session, event, g["Zofia"].id, g["Анна"].id, now=NOW)
    db.session.commit()
    found = pairs(run(event))
    assert (g["Ingrid"].id, g["Bob"].id) not in found and (g["Bob"].id, g["Ingrid"].id) not in found
    assert (g["Zofia"].id, g["Анна"].id) in found or (g["Анна"].id, g["Zofia"].id) in found
    with pytest.raises(service.MatchingError):
        service.pin_pair(db.session, event, g["Ingrid"].id, g["Bob"].id, now=NOW)
    with pytest.raises(service.MatchingError):
        service.exclude_pair(db.session, event, g["Анна"].id, g["Zofia"].id, now=NOW)
    with pytest.raises(service.MatchingError):
        service.pin_pair(db.session, event, g["Bob"].id, g["Bob"].id, now=NOW)


def test_choices_refuse_guests_of_another_event(party, make_event, make_guest):
    event, g = party
    stranger = make_guest(make_event("other"), "Stranger")
    with pytest.raises(service.MatchingError):
        service.exclude_pair(db.session, event, g["Bob"].id, stranger.id, now=NOW)
    other_choice = service.pin_pair(db.session, event, g["Bob"].id, g["Ingrid"].id, now=NOW)
    with pytest.raises(service.MatchingError):
        service.remove_choice(db.session, stranger.event, other_choice.id)


def test_the_guest_page_shows_matches_only_once_published(party):
    event, g = party
    assert not published.matches_for_guest(db.session, g["Bob"])
    first = run(event)
    assert not published.matches_for_guest(db.session, g["Bob"]), "nothing before publishing"
    with pytest.raises(service.MatchingError):
        published.publish_matches(db.session, make_empty_event(event), now=NOW)
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()
    bob = published.matches_for_guest(db.session, g["Bob"])
    assert "Ingrid Olsen" in [m.name for m in bob.can_help_you]
    ingrid = published.matches_for_guest(db.session, g["Ingrid"])
    assert "Bob Okafor" in [m.name for m in ingrid.you_can_help]
    # A re-run after publishing does not change what guests see until the host publishes again.
    service.veto_match(db.session, event, g["Ingrid"].id, g["Bob"].id, now=NOW)
    db.session.commit()
    run(event)
    assert published.publication(db.session, event).run_id == first.id
    published.unpublish_matches(db.session, event)
    db.session.commit()
    assert not published.matches_for_guest(db.session, g["Bob"])
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()
    assert "Ingrid Olsen" not in [m.name for m in published.matches_for_guest(db.session, g["Bob"]).can_help_you]


def test_guests_see_strong_close_and_host_chosen_introductions_not_weak_guesses(party):
    """A possible suggestion under NEAR_MISS_SCORE stays on the host's page and sheet;
    the guests on either side of it see it only once the host locks it."""
    from organizer.matching.results import NEAR_MISS_SCORE

    event, g = party
    first = run(event)
    rows = service.suggestions_of(db.session, first)
    close = NEAR_MISS_SCORE
    weak = next(r for r in rows if not r.is_strong and r.score < close)
    shown = [r for r in rows if r.is_strong or r.score >= close]
    assert shown, "the party has introductions guests do see"
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()

    def sees(guest_id, other_id):
        guest = db.session.get(type(g["Bob"]), guest_id)
        other = db.session.get(type(g["Bob"]), other_id).name
        mine = published.matches_for_guest(db.session, guest)
        return other in [m.name for m in mine.can_help_you + mine.you_can_help]
    assert not sees(weak.receiver_id, weak.giver_id) and not sees(weak.giver_id, weak.receiver_id)
    for row in shown:
        assert sees(row.receiver_id, row.giver_id) and sees(row.giver_id, row.receiver_id)
    service.lock_match(db.session, event, weak.giver_id, weak.receiver_id, now=NOW)
    db.session.commit()
    run(event)
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()
    assert sees(weak.receiver_id, weak.giver_id) and sees(weak.giver_id, weak.receiver_id)


def make_empty_event(event):
    from organizer.hosting.models import Event
    other = Event(slug="empty", title="Empty", starts_at=event.starts_at, timezone="UTC")
    db.session.add(other)
    db.session.flush()
    return other


def test_contact_details_only_with_consent_and_nothing_for_guests_not_going(party):
    event, g = party
    # Ingrid (index 2) consented; Bob (index 1) did not.
    g["Ingrid"].role, g["Bob"].role = "Fractional CFO", "Founder"
    db.session.commit()
    run(event)
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()
    bob_sees = {m.name: m for m in published.matches_for_guest(db.session, g["Bob"]).can_help_you}
    ingrid = bob_sees["Ingrid Olsen"]
    assert ingrid.email == g["Ingrid"].email and ingrid.company == "Olsen Finance"
    assert ingrid.role == "Fractional CFO", "the consent box says company, role and e-mail"
    assert "CFO" in ingrid.text
    ingrid_sees = {m.name: m for m in published.matches_for_guest(db.session, g["Ingrid"]).you_can_help}
    bob = ingrid_sees["Bob Okafor"]
    assert bob.email == "" and bob.company == "" and bob.role == "", "Bob did not agree to share his details"
    g["Bob"].attendance = Attendance.no
    db.session.commit()
    assert not published.matches_for_guest(db.session, g["Bob"])


def test_old_runs_are_pruned_but_the_published_one_is_kept(party):
    event, g = party
    first = run(event)
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()
    for _ in range(service.RUNS_KEPT + 1):
        run(event)
    ids = set(db.session.scalars(select(MatchRun.id).where(MatchRun.event_id == event.id)))
    assert len(ids) == service.RUNS_KEPT + 1 and first.id in ids
    assert db.session.scalar(select(func.count(MatchSuggestion.id)).where(
        MatchSuggestion.run_id.not_in(ids))) == 0


def test_deleting_a_guest_removes_their_matching_rows(party):
    event, g = party
    run(event)
    service.lock_match(db.session, event, g["Ingrid"].id, g["Bob"].id, now=NOW)
    db.session.commit()
    db.session.delete(g["Bob"])
    db.session.commit()
    assert not service.host_choices(db.session, event).locks
    assert db.session.scalar(select(func.count(MatchSuggestion.id)).where(
        (MatchSuggestion.giver_id == g["Ingrid"].id) & (MatchSuggestion.receiver_id.is_(None)))) == 0


def test_background_analysis_inline_and_threaded(app, party, monkeypatch):
    from organizer.matching import background
    event, g = party
    monkeypatch.setattr(service, "_default_analyser", cached_analyse)
    assert background.analysis_mode(app) == "off"
    background.kick_analysis(app, event.id)
    assert len(service.stale_guests(db.session, event)) == 6
    app.config["MATCHING_ANALYSIS"] = "inline"
    background.kick_analysis(app, event.id)
    db.session.expire_all()
    assert service.stale_guests(db.session, event) == []
    g["Bob"].could_use = "Someone who knows Power BI"
    db.session.commit()
    app.config["MATCHING_ANALYSIS"] = "background"
    background.kick_analysis(app, event.id)
    assert background.background_analyser.wait_idle(60)
    db.session.expire_all()
    assert service.stale_guests(db.session, event) == []
    app.config["MATCHING_ANALYSIS"] = "sometimes"
    with pytest.raises(ValueError):
        background.kick_analysis(app, event.id)


def test_a_run_with_nobody_checked_in_is_empty_not_an_error(party):
    event, _ = party
    empty = run(event, present_only=True)
    assert empty.guest_count == 0 and pairs(empty) == set() and empty.circles == []
    with pytest.raises(service.MatchingError):
        run(event, per_guest=0)


def test_guest_pages_drop_introductions_that_no_longer_hold(party):
    """After publishing, a guest who declines drops out of others' lists, and an introduction that
    quotes words its writer has since changed is not shown; an edit elsewhere in the answer keeps it."""
    event, g = party
    run(event)
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()

    def helpers_of(guest):
        return [m.name for m in published.matches_for_guest(db.session, guest).can_help_you]

    def helped_by(guest):
        return [m.name for m in published.matches_for_guest(db.session, guest).you_can_help]
    assert "Ingrid Olsen" in helpers_of(g["Bob"]) and "Bob Okafor" in helped_by(g["Ingrid"])
    quoted_offer = next(s.offer_item for s in service.suggestions_of(db.session, published.publication(
        db.session, event).run) if s.giver_id == g["Ingrid"].id and s.receiver_id == g["Bob"].id)
    # Ingrid adds to her answer: what the introduction quotes is still there.
    g["Ingrid"].can_offer += "\nand a Monday walking club"
    db.session.commit()
    assert "Ingrid Olsen" in helpers_of(g["Bob"])
    # Ingrid deletes the offer the introduction quotes: it goes from both pages.
    g["Ingrid"].can_offer = g["Ingrid"].can_offer.replace(quoted_offer, "gardening tips")
    db.session.commit()
    assert "Ingrid Olsen" not in helpers_of(g["Bob"]) and "Bob Okafor" not in helped_by(g["Ingrid"])
    # Priya declines: nobody is told to meet her, and her own page is empty.
    priya_helps = [s.receiver_id for s in service.suggestions_of(db.session, published.publication(
        db.session, event).run) if s.giver_id == g["Priya"].id]
    assert priya_helps
    g["Priya"].attendance = Attendance.no
    db.session.commit()
    for receiver_id in priya_helps:
        receiver = db.session.get(type(g["Bob"]), receiver_id)
        assert "Priya Raman" not in helpers_of(receiver)


def test_the_host_is_told_who_joined_left_or_changed_answers_since_the_run(party, make_guest):
    event, g = party
    first = run(event)
    assert not service.changes_since(db.session, event, first)
    g["Bob"].could_use = "A fractional CFO"
    g["Zofia"].attendance = Attendance.no
    g["Priya"].consent_share = not g["Priya"].consent_share  # not an answer: no change to report
    late = make_guest(event, "Late Comer", can_offer="Bookkeeping", could_use="A lawyer")
    db.session.commit()
    changes = service.changes_since(db.session, event, first)
    assert [x.name for x in changes.joined] == ["Late Comer"]
    assert [x.name for x in changes.left] == ["Zofia Wiśniewska"]
    assert [x.name for x in changes.edited] == ["Bob Okafor"]
    second = run(event)
    assert not service.changes_since(db.session, event, second)
    assert late.id in second.guest_ids


def test_a_veto_takes_the_circles_through_that_introduction_off_the_run(party):
    import json
    event, g = party
    first = run(event)
    ingrid, bob, anna, dim = g["Ingrid"].id, g["Bob"].id, g["Анна"].id, g["Δημήτρης"].id
    first.circles_json = json.dumps([{"members": [anna, dim, ingrid], "closed": True},
                                     {"members": [bob, ingrid], "closed": True},
                                     {"members": [ingrid, bob, anna], "closed": False}])
    db.session.commit()
    service.veto_match(db.session, event, ingrid, anna, now=NOW)  # the first circle's closing step
    db.session.commit()
    assert [c["members"] for c in first.circles] == [[bob, ingrid], [ingrid, bob, anna]]
    service.veto_match(db.session, event, ingrid, bob, now=NOW)  # a step of both that are left
    db.session.commit()
    assert first.circles == []


def test_a_guest_checked_in_who_then_declines_is_out_of_present_runs_and_pages(party):
    event, g = party
    for guest in g.values():
        guest.checked_in_at = NOW
    db.session.commit()
    first = run(event, present_only=True)
    published.publish_matches(db.session, event, now=NOW)
    db.session.commit()
    assert "Ingrid Olsen" in [m.name for m in published.matches_for_guest(db.session, g["Bob"]).can_help_you]
    g["Ingrid"].attendance = Attendance.no  # left early and said so on her page
    db.session.commit()
    assert not published.matches_for_guest(db.session, g["Ingrid"])
    assert "Ingrid Olsen" not in [m.name for m in published.matches_for_guest(db.session, g["Bob"]).can_help_you]
    assert [x.name for x in service.changes_since(db.session, event, first).left] == ["Ingrid Olsen"]
    assert g["Ingrid"].id not in run(event, present_only=True).guest_ids
