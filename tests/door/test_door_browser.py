"""The door page in a real headless Chromium: fake camera, keyboard wedge, offline queue."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from organizer.extensions import db
from organizer.models import Guest

pytestmark = pytest.mark.browser

@pytest.fixture
def launch(launch_browser):
    """Start Chromium with extra flags (the suite's one Playwright driver; closed afterwards)."""
    return launch_browser


def write_y4m(path: Path, text: str, frames: int = 10) -> Path:
    """A short video of the QR code of ``text`` (Chromium's fake camera plays it in a loop)."""
    import qrcode
    from PIL import Image
    qr = qrcode.make(text, box_size=8, border=4).convert("L")
    width, height = 640, 480
    side = min(420, height - 40)
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(qr.resize((side, side), Image.NEAREST),
                 ((width - side) // 2, (height - side) // 2))
    y_plane = canvas.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + y_plane + chroma + chroma)
    return path


def wait_until(condition, timeout: float = 10.0, step: float = 0.1):
    """Poll until condition() is truthy; returns its value or fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail("timed out waiting for the condition")


def go_offline(context, page) -> None:
    """Cut the network and wait until the page's own requests fail. Rarely (twice in about 30
    PostgreSQL runs), a guest scanned "offline" was already checked in on the server: most
    likely the scan left before Chromium applied the switch and its answer was cut off on the
    way back, so the page queued it. The kit copes (the queued scan carries the same
    idempotency key); the test needs the phone truly offline first."""
    context.set_offline(True)
    wait_until(lambda: page.evaluate(
        "fetch('/healthz', {cache: 'no-store'}).then(() => false, () => true)"))


def checked_in(guest_id: int):
    db.session.expire_all()
    return db.session.get(Guest, guest_id).checked_in_at


def open_door(browser, live_server, secret, slug="spring", viewport=(390, 844)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/door/{slug}#key={secret}")
    page.wait_for_selector("body[data-ready='1'][data-guests]")
    assert "key=" not in page.url  # the secret left the address bar
    return context, page, errors


@pytest.fixture
def party(make_event, make_guest, make_door_key):
    """An event with three guests and a door key."""
    event = make_event(slug="spring", title="Spring Party", timezone="UTC")
    guests = [make_guest(event, name=name, can_offer=offer) for name, offer in [
        ("Zoë Ångström", "Intros to designers"), ("Bob Builder", "Carpentry tips"),
        ("Nguyễn Văn Đức", "Vietnamese lessons")]]
    _, secret = make_door_key(event, "Front door")
    return event, guests, secret


def test_camera_scan_checks_in_without_typing(launch, live_server, party, tmp_path, badge_url):
    _, guests, secret = party
    video = write_y4m(tmp_path / "badge.y4m", badge_url(guests[0]))
    browser = launch("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                     f"--use-file-for-fake-video-capture={video}")
    context, page, errors = open_door(browser, live_server, secret)
    page.wait_for_selector("#result[data-result='ok']:not([hidden])", timeout=15000)
    assert "Zoë Ångström" in page.inner_text("#result")
    assert checked_in(guests[0].id)
    # The badge stays in front of the camera: ignored for a few seconds, then "already".
    page.wait_for_selector("#result[data-result='already']:not([hidden])", timeout=15000)
    assert not errors, errors
    context.close()


def test_keyboard_wedge_scanner(launch, live_server, party, badge_url):
    _, guests, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    page.keyboard.type(badge_url(guests[1]))
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-result='ok']:not([hidden])")
    assert "Bob Builder" in page.inner_text("#result-name")
    assert "Carpentry tips" in page.inner_text("#result-line")
    assert checked_in(guests[1].id)
    # From the Enter key to the answer on screen (target 300 ms; loose here on a shared CI box).
    assert int(page.get_attribute("body", "data-scan-ms")) < 1500
    page.keyboard.type("http://party.test/b/not-a-real-badge-token-at-all")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-result='unknown']:not([hidden])")
    assert page.inner_text("#result-head").lower() == "not valid"
    # Into the search box works too (a scanner paired while the box has focus).
    page.click("#result")
    page.fill("#search", "")
    page.click("#search")
    page.keyboard.type(guests[1].badge_token)
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-result='already']:not([hidden])")
    assert "Front door" in page.inner_text("#result-reason")
    assert page.inner_text("#arrived") == "1"
    assert not errors, errors
    context.close()


def test_name_search_accents(launch, live_server, party):
    _, guests, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    page.fill("#search", "duc")
    page.wait_for_selector("#results button")
    assert "Nguyễn Văn Đức" in page.inner_text("#results")
    page.click("#results button")
    page.wait_for_selector("#result[data-result='ok']:not([hidden])")
    assert checked_in(guests[2].id)
    assert not errors, errors
    context.close()


def test_walkin_gets_checked_in_and_a_badge_pdf(launch, live_server, party):
    from sqlalchemy import select
    event, _, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    page.click("#walkin-open")
    page.click("#walkin-save")  # no name: the form says so and keeps the dialog open
    assert page.is_visible("#w-name-error")
    page.fill("#w-name", "Aiko Tanaka")
    page.fill("#w-offer", "Japan market intros")
    page.click("#walkin-save")
    page.wait_for_selector("#result[data-result='ok']:not([hidden]) >> text=Aiko Tanaka")
    db.session.expire_all()
    walkin = db.session.scalar(select(Guest).where(Guest.name == "Aiko Tanaka"))
    assert walkin.source == "walkin" and walkin.checked_in_at and walkin.event_id == event.id
    with page.expect_download() as download:
        page.click("#result-actions button")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert not errors, errors
    context.close()


LONG_NAME = "María Guadalupe Fernández-Castellanos de la Torre y Sánchez"  # 59 characters


@pytest.mark.parametrize("name", [LONG_NAME, f"{LONG_NAME} {LONG_NAME}s"], ids=["59", "120"])
def test_walkin_badge_buttons_are_reachable_on_a_small_phone(launch, live_server, party, name):
    """At 360 x 640 a long name wraps, the overlay scrolls, and every badge button can be tapped:
    inside the screen, with nothing (the "Tap to continue" hint) lying on top of it."""
    _, _, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret, viewport=(360, 640))
    page.click("#walkin-open")
    page.fill("#w-name", name)
    page.fill("#w-company", "Instituto Nacional de Investigaciones Forestales, Agrícolas y Pecuarias")
    page.fill("#w-offer", "Introductions to reforestation projects across Latin America")
    page.click("#walkin-save")
    page.wait_for_selector("#result[data-result='ok']:not([hidden]) #result-actions:not([hidden])")
    # The top of the answer (the icon) can be scrolled to, not pushed off the screen.
    page.eval_on_selector("#result", "box => box.scrollTo(0, 0)")
    assert page.eval_on_selector("#result-icon", "el => el.getBoundingClientRect().top") >= 0
    assert page.eval_on_selector(
        "#result-name", "el => el.getBoundingClientRect().right") <= 360
    buttons = page.query_selector_all("#result-actions button")
    assert len(buttons) == 2
    for button in buttons:
        where = button.evaluate("""el => {
            el.scrollIntoView({block: "center"});
            const r = el.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                    width: innerWidth, height: innerHeight, hit: hit === el};
        }""")
        assert 0 <= where["left"] and where["right"] <= where["width"], where
        assert 0 <= where["top"] and where["bottom"] <= where["height"], where
        assert where["hit"], f"something covers {button.inner_text()!r}: {where}"
    with page.expect_download() as download:
        buttons[0].click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert page.is_visible("#result")  # the tap downloaded; it did not dismiss the answer
    assert not errors, errors
    context.close()


def test_walkin_too_long_is_refused_with_a_message_not_cut(launch, live_server, party):
    """A pasted name over the limit is neither cut mid-word by the page nor saved: it stays in
    the box in full and the server's message says what is wrong."""
    from sqlalchemy import func, select
    _, _, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    page.click("#walkin-open")
    name = "Guadalupe " * 13  # 130 characters
    page.click("#w-name")
    page.keyboard.insert_text(name)  # as a paste does
    assert page.input_value("#w-name") == name
    page.click("#walkin-save")
    page.wait_for_selector("#w-name-error:not([hidden])")
    assert "at most 120 characters" in page.inner_text("#w-name-error")
    page.fill("#w-name", "Guadalupe Torres")
    page.click("#w-company")
    page.keyboard.insert_text("Instituto " * 21)  # 210 characters
    page.click("#walkin-save")
    page.wait_for_selector("#w-error:not([hidden])")
    assert "Company: at most 200 characters" in page.inner_text("#w-error")
    assert page.is_visible("#walkin")  # still open, nothing lost
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Guest)) == 3  # nobody was added
    assert not errors, errors
    context.close()


def test_offline_scans_survive_reload_and_sync_once(launch, live_server, party, badge_url):
    from sqlalchemy import func, select

    from organizer.door.models import CheckinLog
    _, guests, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    # Polled from here: wait_for_function evaluates strings, which the page's CSP forbids.
    wait_until(lambda: page.evaluate("navigator.serviceWorker.controller !== null"))
    wait_until(lambda: page.evaluate("caches.match(location.pathname).then(r => !!r)"))
    go_offline(context, page)
    for guest in guests:
        page.keyboard.type(badge_url(guest))
        page.keyboard.press("Enter")
        page.wait_for_selector(
            f"#result[data-result='ok-offline']:not([hidden]) >> text={guest.name}")
        assert page.inner_text("#result-head").lower() == "accepted offline"
    page.wait_for_selector("#queue[data-count='3']")
    # The same guest again, offline (bare token, so not the "same code" ignored for 4 s).
    page.keyboard.type(guests[0].badge_token)
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-result='already']:not([hidden])")
    assert "(Front door)" in page.inner_text("#result-reason")
    page.wait_for_selector("#queue[data-count='3']")
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#queue[data-count='3']")
    assert page.inner_text("#net") .lower() == "offline"
    assert not any(checked_in(g.id) for g in guests)
    context.set_offline(False)
    page.wait_for_selector("#queue[hidden]", state="attached", timeout=20000)
    assert all(checked_in(g.id) for g in guests)
    oks = db.session.scalar(select(func.count()).select_from(CheckinLog).where(
        CheckinLog.result == "ok"))
    assert oks == 3
    assert not errors, errors
    context.close()


def test_revoked_key_locks_the_page(launch, live_server, party, badge_url):
    from organizer.dbtypes import utcnow
    from organizer.door.keys import list_door_keys, revoke_door_key
    event, guests, secret = party
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    revoke_door_key(db.session, event, list_door_keys(db.session, event)[0].id, utcnow())
    db.session.commit()
    page.keyboard.type(badge_url(guests[0]))
    page.keyboard.press("Enter")
    page.wait_for_selector("#locked:not([hidden])")
    assert "revoked" in page.inner_text("#locked")
    assert not checked_in(guests[0].id)
    context.close()


def test_badge_page_offers_check_in_on_a_door_phone(app, launch, live_server, party):
    """The partial the badge page (/b/<token>) includes: a button only door phones see."""
    from flask import render_template
    event, guests, secret = party
    with app.test_request_context():
        partial = render_template("door/_badge_checkin.html", event=event, guest=guests[0])
    html = f"<!doctype html><html><body><h1>Badge</h1>{partial}</body></html>"
    browser = launch()
    context = browser.new_context()
    page = context.new_page()
    page.route(f"{live_server}/badge-page-test", lambda route: route.fulfill(
        body=html, content_type="text/html"))
    page.goto(f"{live_server}/badge-page-test")
    page.wait_for_load_state()
    assert page.is_hidden("#door-checkin")  # not a door phone: nothing shown
    page.goto(f"{live_server}/door/spring#key={secret}")
    page.wait_for_selector("body[data-ready='1']")
    page.goto(f"{live_server}/badge-page-test")
    page.click("#door-checkin-button")
    page.wait_for_selector("#door-checkin[data-result='ok']")
    assert "Zoë Ångström is checked in" in page.inner_text("#door-checkin-result")
    assert checked_in(guests[0].id)
    context.close()


def test_offline_conflict_is_reported_and_earliest_wins(launch, live_server, party, badge_url,
                                                        make_door_key):
    from datetime import timedelta

    from organizer.dbtypes import utcnow
    from organizer.door.checkin import checkin_guest
    event, guests, secret = party
    side, _ = make_door_key(event, "Side door")
    browser = launch()
    context, page, errors = open_door(browser, live_server, secret)
    go_offline(context, page)
    page.keyboard.type(badge_url(guests[1]))
    page.keyboard.press("Enter")
    page.wait_for_selector("#result[data-result='ok-offline']:not([hidden])")
    # Meanwhile the side door, online, checks the same guest in (later than the offline scan).
    checkin_guest(db.session, event, guests[1].badge_token, side, utcnow() + timedelta(seconds=5))
    context.set_offline(False)
    page.wait_for_selector("#queue[hidden]", state="attached", timeout=20000)
    page.wait_for_selector("#conflicts li")
    text = page.inner_text("#conflicts")
    assert "Bob Builder" in text and "Side door" in text and "earlier scan counts" in text
    db.session.expire_all()
    standing = db.session.get(Guest, guests[1].id).checked_in_at
    assert standing < utcnow()  # the offline scan's time, not the side door's
    assert not errors, errors
    context.close()


def test_page_parses_and_folds_like_the_server(launch, live_server, party):
    """The page's offline badge parsing and name folding agree with the Python services."""
    from organizer.door.checkin import parse_badge_code
    from organizer.door.roster import normalise_name
    token = "AbCdEfGhIjKlMnOpQrStUvWx"
    codes = [token, f"  {token}\n", f"HTTPS://Party.Test/b/{token}/", f"party.test/b/{token}",
             f"/b/{token}", f"https://x/b/{token}?utm=1#f", "hello", "http://x/e/abc",
             "http://x/b/short", "javascript:alert(1)", ""]
    names = ["Zoë Ångström", "Nguyễn Văn Đức", "Пётр Ильич", "Σωκράτης", "  Łukasz  Żółw ",
             "Søren Kierkegaard", "Straße", "ÆBLE"]
    _, _, secret = party
    browser = launch()
    context, page, _ = open_door(browser, live_server, secret)
    got = page.evaluate("""async ([codes, names]) => {
        const m = await import("/static/door/js/fold.js");
        return [codes.map((c) => m.parseBadgeCode(c)), names.map((n) => m.foldName(n))];
    }""", [codes, names])
    assert got[0] == [parse_badge_code(c) for c in codes]
    assert got[1] == [normalise_name(n) for n in names]
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_checkin_log_fits_its_container(host_page, live_server, party, make_guest, width):
    """A long unbroken name wraps in the log; on a phone the guest's name shows unscrolled."""
    from organizer.dbtypes import utcnow
    from organizer.door.checkin import checkin_guest
    from organizer.door.keys import list_door_keys
    event, guests, _ = party
    long_name = "Bartholomew" + "x" * 109  # 120 characters, the most a name can have
    guest = make_guest(event, name=long_name)
    door = list_door_keys(db.session, event)[0]
    for g in (guest, guests[0]):
        checkin_guest(db.session, event, g.badge_token, door, utcnow())
    checkin_guest(db.session, event, "not-a-badge-" + "q" * 60, door, utcnow())
    page = host_page(width)
    page.goto(f"{live_server}/host/events/{event.slug}/checkins")
    size = page.eval_on_selector("table.door-log", """table => {
        const wrap = table.closest('.table-wrap');
        return {table: table.getBoundingClientRect().width, container: wrap.clientWidth,
                scroll: wrap.scrollWidth - wrap.clientWidth};
    }""")
    assert size["table"] <= size["container"] and size["scroll"] == 0, size
    for name in (long_name, "Zoë Ångström"):
        cell = page.locator("table.door-log td", has_text=name[:20]).first
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
