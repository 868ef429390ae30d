"""Host matching pages over HTTP: login, CSRF, run, lock, veto, rules, publish, the guest's page."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.matching import service
from organizer.matching.analysis import analyse_many
from organizer.matching.models import MatchChoice
from organizer.models import Attendance
from tests.conftest import csrf_from

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)
PEOPLE = [
    ("Ingrid Olsen", "Olsen Finance", "Part-time CFO services, fundraising financial models",
     "Start-ups that need a finance lead", True),
    ("Bob Okafor", "Okafor Analytics", "Power BI dashboards, data cleaning advice",
     "Finding finance candidates, a fractional CFO", False),
    ("Анна Иванова", "Freelance", "Python scripts and automation",
     "Introductions to logistics or shipping companies", True),
    ("Δημήτρης Παπαδόπουλος", "Aegean Logistics", "Shipping and customs know-how for the EU",
     "A Python developer for a small automation project", True),
    ("Priya Raman", "Northwind Capital", "Intros to finance recruiters",
     "A UX designer for our careers site", True),
]
_ANALYSES: dict = {}


def cached_analyse(pairs):
    missing = [p for p in dict.fromkeys(pairs) if p not in _ANALYSES]
    if missing:
        _ANALYSES.update(zip(missing, analyse_many(missing)))
    return [_ANALYSES[p] for p in pairs]


@pytest.fixture
def party(make_event, make_guest, monkeypatch):
    """An analysed event with five guests; the views' runs use the cached analyser."""
    monkeypatch.setattr(service, "_default_analyser", cached_analyse)
    event = make_event("meet", title="Meet & Help")
    guests = {name.split()[0]: make_guest(event, name, company=c, can_offer=o, could_use=n,
                                          consent_share=share)
              for name, c, o, n, share in PEOPLE}
    return event, guests


def page(client, event):
    return client.get(f"/host/events/{event.slug}/matches")


def post(client, event, path, data):
    token = csrf_from(page(client, event))
    return client.post(f"/host/events/{event.slug}/matches{path}", data={**data, "csrf_token": token})


def test_host_pages_need_login(client, party):
    event, _ = party
    for path in ("", "/sheet.pdf"):
        response = client.get(f"/host/events/{event.slug}/matches{path}")
        assert response.status_code == 302 and "/host/login" in response.headers["Location"]
    assert client.post(f"/host/events/{event.slug}/matches/run").status_code in (302, 400)


def test_forms_need_csrf(host_client, party):
    event, g = party
    for path, data in (("/run", {"per_guest": "3"}), ("/publish", {}),
                       ("/lock", {"giver_id": g["Ingrid"].id, "receiver_id": g["Bob"].id})):
        response = host_client.post(f"/host/events/{event.slug}/matches{path}", data=data)
        assert response.status_code == 400, path


def test_empty_state_then_run_shows_introductions_with_strength_in_words(host_client, party):
    event, g = party
    first = page(host_client, event)
    assert first.status_code == 200 and "No matches yet" in first.text
    assert 'href="/host/events/meet/matches"' in host_client.get(f"/host/events/{event.slug}").text
    response = post(host_client, event, "/run", {"per_guest": "2"})
    assert response.status_code == 303
    html = host_client.get(response.headers["Location"]).text
    assert "Matched 5 guests coming." in html
    assert "★ Strong" in html and "Possible" in html
    assert "offers “Part-time CFO services" in html
    for guest in g.values():
        assert guest.name in html
    assert "Needs nobody here clearly offers" in html and "Pay-it-forward circles" in html
    assert 'style="' not in html and "<script>" not in html


def test_run_form_validates_the_number(host_client, party):
    event, _ = party
    response = post(host_client, event, "/run", {"per_guest": "99"})
    assert response.status_code == 303
    assert "between 1 and 10" in host_client.get(response.headers["Location"]).text
    assert service.latest_run(db.session, event) is None


def test_present_only_rerun(host_client, party):
    event, g = party
    for name in ("Анна", "Δημήτρης"):
        g[name].checked_in_at = NOW
    db.session.commit()
    response = post(host_client, event, "/run", {"per_guest": "3", "present_only": "y"})
    html = host_client.get(response.headers["Location"]).text
    assert "Matched 2 checked-in guests." in html
    assert "Ingrid Olsen" not in html.split("Introductions, by guest")[1].split("Your rules")[0]


def test_lock_veto_and_rules_through_the_page(host_client, party):
    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    pair = {"giver_id": g["Ingrid"].id, "receiver_id": g["Bob"].id}
    response = post(host_client, event, "/lock", pair)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#guest-{g['Bob'].id}")
    html = host_client.get(response.headers["Location"]).text
    assert "Locked: Ingrid Olsen → Bob Okafor" in html and "Unlock" in html
    post(host_client, event, "/run", {"per_guest": "3"})
    assert service.host_choices(db.session, event).locks == {(g["Ingrid"].id, g["Bob"].id)}
    html = host_client.get(post(host_client, event, "/veto", pair).headers["Location"]).text
    assert "Vetoed: Ingrid Olsen and Bob Okafor" in html and "Vetoed introduction" in html
    post(host_client, event, "/run", {"per_guest": "3"})
    suggestions = service.suggestions_of(db.session, service.latest_run(db.session, event))
    assert (g["Ingrid"].id, g["Bob"].id) not in {(s.giver_id, s.receiver_id) for s in suggestions}
    html = page(host_client, event).text
    assert "won't be suggested" in html.split(f'id="guest-{g["Bob"].id}"')[1].split("</article>")[0]
    response = post(host_client, event, "/unveto", pair)
    assert not service.host_choices(db.session, event).vetoes
    # Rules: "must not be introduced" and "must meet"
    response = post(host_client, event, "/choices", {"guest_a": g["Priya"].id, "guest_b": g["Анна"].id,
                                                     "kind": "pin"})
    html = host_client.get(response.headers["Location"]).text
    assert "Priya Raman and Анна Иванова will be introduced" in html and "Must meet" in html
    response = post(host_client, event, "/choices", {"guest_a": g["Priya"].id, "guest_b": g["Анна"].id,
                                                     "kind": "exclude"})
    assert "remove the pin first" in host_client.get(response.headers["Location"]).text
    response = post(host_client, event, "/choices", {"guest_a": g["Priya"].id, "guest_b": g["Priya"].id,
                                                     "kind": "exclude"})
    assert "Choose two different guests." in host_client.get(response.headers["Location"]).text
    response = post(host_client, event, "/choices", {"guest_a": "", "guest_b": g["Priya"].id,
                                                     "kind": "pin"})
    assert "Choose two guests and a rule." in host_client.get(response.headers["Location"]).text
    pin = db.session.scalar(select(MatchChoice).where(MatchChoice.kind == "pin"))
    post(host_client, event, f"/choices/{pin.id}/remove", {})
    assert not service.host_choices(db.session, event).pins


def test_pair_actions_reject_guests_of_another_event(host_client, party, make_event, make_guest):
    event, g = party
    stranger = make_guest(make_event("other"), "Stranger")
    response = post(host_client, event, "/lock", {"giver_id": stranger.id, "receiver_id": g["Bob"].id})
    assert "not on this event" in host_client.get(response.headers["Location"]).text
    response = post(host_client, event, "/lock", {"giver_id": "x", "receiver_id": g["Bob"].id})
    assert response.status_code == 400
    assert host_client.get("/host/events/nope/matches").status_code == 404


def test_publish_gate_and_guest_page(host_client, client, party):
    event, g = party
    bob_page = f"/r/{g['Bob'].edit_token}"
    response = post(host_client, event, "/publish", {})
    assert "Run the matcher before publishing." in host_client.get(response.headers["Location"]).text
    post(host_client, event, "/run", {"per_guest": "3"})
    assert "People you should meet" not in host_client.get(bob_page).text
    html = host_client.get(post(host_client, event, "/publish", {}).headers["Location"]).text
    assert "Published" in html and "Unpublish" in html
    guest_html = host_client.get(bob_page).text
    assert "People you should meet" in guest_html and "Ingrid Olsen" in guest_html
    assert "Part-time CFO services" in guest_html
    assert g["Ingrid"].email in guest_html  # Ingrid agreed to share
    ingrid_html = host_client.get(f"/r/{g['Ingrid'].edit_token}").text
    assert "Bob Okafor" in ingrid_html and g["Bob"].email not in ingrid_html  # Bob did not
    assert "Okafor Analytics" not in ingrid_html
    post(host_client, event, "/run", {"per_guest": "3"})
    assert "They see an earlier run" in page(host_client, event).text
    post(host_client, event, "/unpublish", {})
    assert "People you should meet" not in host_client.get(bob_page).text


def test_the_matches_page_says_who_changed_since_the_run(host_client, client, party):
    """A guest edits their answers through their own link and another declines: the host's page says
    so (with names) until the next run, and the guest page leaves out the introduction to the decliner."""
    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    post(host_client, event, "/publish", {})
    assert "Since this run" not in page(host_client, event).text
    assert "Ingrid Olsen" in host_client.get(f"/r/{g['Bob'].edit_token}").text
    edit_url = f"/r/{g['Priya'].edit_token}"
    response = client.post(edit_url, data={
        "csrf_token": csrf_from(client.get(edit_url)), "name": "Priya Raman", "company": "Northwind Capital",
        "can_offer": "Intros to finance recruiters", "could_use": "A UX designer, and a <b>Figma</b> course",
        "attendance": "yes"})
    assert response.status_code == 303, response.text
    g["Ingrid"].attendance = Attendance.no
    db.session.commit()
    html = page(host_client, event).text
    assert "Since this run:" in html
    assert "1 no longer coming: <bdi>Ingrid Olsen</bdi>" in html
    assert "1 changed their answers: <bdi>Priya Raman</bdi>" in html
    assert "<b>Figma</b>" not in html
    assert "Ingrid Olsen" not in host_client.get(f"/r/{g['Bob'].edit_token}").text
    post(host_client, event, "/run", {"per_guest": "3"})
    assert "Since this run" not in page(host_client, event).text


def test_sheet_download(host_client, party):
    event, _ = party
    response = host_client.get(f"/host/events/{event.slug}/matches/sheet.pdf?paper=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and response.headers["Cache-Control"] == "no-store"
    assert "matching-sheet-meet-a4.pdf" in response.headers["Content-Disposition"]
    assert service.latest_run(db.session, event) is not None, "a first run is made for the sheet"
    assert host_client.get(f"/host/events/{event.slug}/matches/sheet.pdf?paper=legal").status_code == 400


def test_rsvp_and_edit_kick_the_analysis(client, party, app):
    event, g = party
    app.config["MATCHING_ANALYSIS"] = "inline"
    edit = client.get(f"/r/{g['Bob'].edit_token}")
    response = client.post(f"/r/{g['Bob'].edit_token}", data={
        "csrf_token": csrf_from(edit), "name": "Bob Okafor", "company": "Okafor Analytics",
        "can_offer": "Power BI dashboards", "could_use": "A fractional CFO", "attendance": "yes"})
    assert response.status_code == 303, response.text
    db.session.expire_all()
    assert service.stale_guests(db.session, event) == []


def test_pif_sheet_command(runner, party, tmp_path):
    event, g = party
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["sheet", event.slug, "-o", str(out), "--paper", "a4"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert "rendering the sheet" in result.output  # progress (stderr is mixed in by the runner)
    result = runner.invoke(args=["sheet", "nope", "-o", str(out)])
    assert result.exit_code != 0 and "No event" in result.output
    g["Анна"].checked_in_at = NOW
    db.session.commit()
    result = runner.invoke(args=["sheet", event.slug, "-o", str(out), "--present-only"])
    assert result.exit_code == 0 and service.latest_run(db.session, event).guest_count == 1
    result = runner.invoke(args=["sheet", event.slug, "-o", str(out), "--saved"])
    assert result.exit_code == 0 and "1 guests" in result.output


UNLABELLED_CONTROLS_JS = """() => Array.from(
    document.querySelectorAll('input:not([type=hidden]), textarea, select'))
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


@pytest.mark.browser
def test_matches_page_in_a_real_browser(live_server, browser, party):
    """Run, lock and publish by clicking; no CSP or console errors, labelled controls, fits a phone."""
    event, g = party
    from organizer.hosting.services import create_host
    create_host(db.session, "host@example.com", "correct horse battery")
    # One unbroken 50-letter word: it must wrap on a phone, not run out of the guest's card.
    g["Priya"].name = "Priya Wolfeschlegelsteinhausenbergerdorff-Papadopoulou"
    db.session.commit()
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text
            and "404" not in m.text else None)
    page.goto(f"{live_server}/host/login")
    page.fill("#email", "host@example.com")
    page.fill("#password", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server}/host/events/{event.slug}/matches")
    page.click("text=Run matching")
    page.wait_for_selector("text=Matched 5 guests coming.")
    assert page.locator(".strength-strong").count() >= 2
    bob = page.locator(f"#guest-{g['Bob'].id}")
    bob.locator("button", has_text="Lock").first.click()
    page.wait_for_selector("text=stays in every re-run")
    assert page.locator(f"#guest-{g['Bob'].id} .tag-lock").count() == 1
    page.click("text=Publish to guests")
    page.wait_for_selector("text=Published:")
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.locator("text=Wolfeschlegel").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone = browser.new_page(viewport={"width": 360, "height": 740})
    phone.goto(f"{live_server}/r/{g['Bob'].edit_token}")
    assert phone.locator("#meet-h").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []


def test_long_guest_lists_are_paged_and_searchable(host_client, party, make_guest, monkeypatch):
    from organizer.matching import views
    event, g = party
    monkeypatch.setattr(views, "GUESTS_PER_PAGE", 2)
    post(host_client, event, "/run", {"per_guest": "3"})
    first = page(host_client, event).text
    assert "Guests 1–2 of 5" in first and "Page 1 of 3" in first and "Next →" in first
    third = host_client.get(f"/host/events/{event.slug}/matches?page=3").text
    assert "Guests 5–5 of 5" in third and "← Previous" in third
    assert "Page 3 of 3" in host_client.get(f"/host/events/{event.slug}/matches?page=99").text
    found = host_client.get(f"/host/events/{event.slug}/matches?q=olsen").text
    assert "Guests 1–" in found and "matching “olsen”" in found


def test_circles_are_listed_on_the_page(host_client, party):
    import json
    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    run_ = service.latest_run(db.session, event)
    run_.circles_json = json.dumps([[g["Анна"].id, g["Δημήτρης"].id, g["Ingrid"].id]])
    db.session.commit()
    html = page(host_client, event).text
    circle = html.split('id="circles-h"')[1].split("</section>")[0]
    assert circle.count("<bdi>") == 4 and "Анна Иванова" in circle and " → " in circle


def test_a_very_long_answer_is_cut_on_the_page_with_a_link_to_the_guests_answers(host_client, party):
    """A 9 kB "could use" filled the guest's card (2 400 px of text) on the matches page; the page
    now shows its first 300 characters and links to the guest's own page, which has it all."""
    event, g = party
    run_on = " ".join(["I need help with the accounts and the taxes and the payroll"] * 150)
    g["Bob"].could_use = run_on
    db.session.commit()
    post(host_client, event, "/run", {"per_guest": "2"})
    html = page(host_client, event).text
    card = html[html.index(f'id="guest-{g["Bob"].id}"'):]
    card = card[:card.index("</article>")]
    assert "I need help with the accounts" in card and run_on not in card and "…" in card
    link = f'href="/host/events/{event.slug}/guests/{g["Bob"].id}"'
    assert link in card and "Full answers" in card
    assert run_on in host_client.get(f"/host/events/{event.slug}/guests/{g['Bob'].id}").text
    assert "Full answers" not in html[html.index(f'id="guest-{g["Ingrid"].id}"'):][:2000]


def test_a_double_click_on_lock_or_veto_is_harmless(host_client, party, monkeypatch):
    """Two clicks reach the server together: both look for the lock, find none, and insert it; the
    second insert hits the unique constraint. That request is retried, finds the row and succeeds
    (it was a plain 500 page). Simulated by hiding the stored row from the first look."""
    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    pair = {"giver_id": g["Ingrid"].id, "receiver_id": g["Bob"].id}
    for action, done in (("/lock", "Locked: Ingrid Olsen"), ("/veto", "Vetoed: Ingrid Olsen")):
        assert post(host_client, event, action, pair).status_code == 303
        real_find, looks = service._find, []

        def racing_find(session, event_, kind, pair_, real_find=real_find, looks=looks):
            looks.append(kind)
            return None if len(looks) == 1 else real_find(session, event_, kind, pair_)
        monkeypatch.setattr(service, "_find", racing_find)
        response = post(host_client, event, action, pair)
        monkeypatch.setattr(service, "_find", real_find)
        assert response.status_code == 303, response.text
        assert done in host_client.get(response.headers["Location"]).text
    assert service.host_choices(db.session, event).vetoes == {(g["Ingrid"].id, g["Bob"].id)}


def test_a_never_introduce_rule_is_refused_for_a_locked_pair_and_the_other_way_round(host_client, party):
    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    pair = {"giver_id": g["Ingrid"].id, "receiver_id": g["Bob"].id}
    post(host_client, event, "/lock", pair)
    response = post(host_client, event, "/choices", {"guest_a": g["Bob"].id, "guest_b": g["Ingrid"].id,
                                                     "kind": "exclude"})
    assert "Their introduction is locked; unlock it first" in host_client.get(response.headers["Location"]).text
    assert not service.host_choices(db.session, event).exclusions
    post(host_client, event, "/unlock", pair)
    post(host_client, event, "/choices", {"guest_a": g["Bob"].id, "guest_b": g["Ingrid"].id, "kind": "exclude"})
    response = post(host_client, event, "/lock", pair)
    assert "never introduced; remove it first" in host_client.get(response.headers["Location"]).text
    assert not service.host_choices(db.session, event).locks


def test_the_run_form_keeps_the_last_runs_settings(host_client, party):
    """After a present-only run (during the party) the box stays ticked, so the next re-run is one
    too; a run saved with more introductions than the page allows is offered at the page's most."""
    event, g = party
    g["Анна"].checked_in_at = NOW
    db.session.commit()
    response = post(host_client, event, "/run", {"per_guest": "4", "present_only": "y"})
    assert "Matched 1 checked-in guests." in host_client.get(response.headers["Location"]).text
    html = page(host_client, event).text
    assert "checked" in html.split('name="present_only"')[0].rsplit("<input", 1)[1]
    assert 'value="4"' in per_guest_input(html)
    run_ = service.latest_run(db.session, event)
    run_.per_guest = 15  # a run saved by an older CLI
    db.session.commit()
    form = per_guest_input(page(host_client, event).text)
    assert 'value="10"' in form and 'max="10"' in form


def per_guest_input(html: str) -> str:
    before, after = html.split('name="per_guest"')
    return before.rsplit("<input", 1)[1] + after.split(">")[0]


def test_publishing_can_e_mail_guests_that_their_introductions_are_ready(host_client, party):
    """Ticked (the default), *Publish* e-mails every guest coming who has introductions on their
    page: whom to meet and why, with their private link; nobody else, and no contact details."""
    from organizer.mail.models import OutboxMessage
    from organizer.matching import published

    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    g["Priya"].attendance = Attendance.no
    db.session.commit()
    html = page(host_client, event).text
    assert 'name="notify" type="checkbox" value="y"' in html and "checked" in html.split('name="notify"')[0][-80:]
    response = post(host_client, event, "/publish", {"notify": "y"})
    mails = {m.to_addr: m for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.like("People to meet%")))}
    expected = {guest.email for guest in g.values()
                if published.matches_for_guest(db.session, guest)}
    assert expected and set(mails) == expected and g["Priya"].email not in mails
    bob = mails[g["Bob"].email]
    assert "Ingrid Olsen" in bob.body_text and "Part-time CFO services" in bob.body_text
    assert f"/r/{g['Bob'].edit_token}" in bob.body_text and g["Ingrid"].email not in bob.body_text
    assert f"{len(expected)} guests were e-mailed" in host_client.get(response.headers["Location"]).text
    post(host_client, event, "/unpublish", {})
    post(host_client, event, "/publish", {})  # unticked: published, nobody e-mailed again
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.like("People to meet%"))) == len(expected)


def test_a_veto_and_a_must_meet_or_a_lock_never_stand_together(host_client, party):
    """A veto keeps two guests apart either way round. Before, a veto after a "must meet" rule, or a
    lock of the reverse direction after a veto, was accepted, and the next run suggested the vetoed
    pair anyway, printed on the sheet as the host's pick."""
    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})
    ingrid, bob = g["Ingrid"].id, g["Bob"].id
    post(host_client, event, "/choices", {"guest_a": ingrid, "guest_b": bob, "kind": "pin"})
    response = post(host_client, event, "/veto", {"giver_id": ingrid, "receiver_id": bob})
    assert "must meet; remove it first" in host_client.get(response.headers["Location"]).text
    assert not service.host_choices(db.session, event).vetoes
    pin = db.session.scalar(select(MatchChoice).where(MatchChoice.kind == "pin"))
    post(host_client, event, f"/choices/{pin.id}/remove", {})
    post(host_client, event, "/veto", {"giver_id": ingrid, "receiver_id": bob})
    rows = service.suggestions_of(db.session, service.latest_run(db.session, event))
    assert not {(ingrid, bob), (bob, ingrid)} & {(s.giver_id, s.receiver_id) for s in rows}
    # Locking the reverse direction is the host's later word: it lifts the veto, both ways.
    post(host_client, event, "/lock", {"giver_id": bob, "receiver_id": ingrid})
    choices = service.host_choices(db.session, event)
    assert choices.locks == {(bob, ingrid)} and not choices.vetoes


def test_publishing_the_run_already_published_e_mails_nobody_again(host_client, party):
    """Two tabs, or a second click: the second Publish finds that run already published."""
    from organizer.mail.models import OutboxMessage

    event, g = party
    post(host_client, event, "/run", {"per_guest": "3"})

    def mails():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.subject.like("People to meet%")))
    post(host_client, event, "/publish", {"notify": "y"})
    first = mails()
    assert first > 0
    response = post(host_client, event, "/publish", {"notify": "y"})
    assert "already published" in host_client.get(response.headers["Location"]).text
    assert mails() == first
    post(host_client, event, "/run", {"per_guest": "3"})  # a new run: publishing it tells them again
    post(host_client, event, "/publish", {"notify": "y"})
    assert mails() > first
