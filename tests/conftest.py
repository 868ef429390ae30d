"""Shared fixtures: an app on a fresh database per test, client, CLI runner and factories."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from organizer import create_app
from organizer.extensions import db
from organizer.models import Attendance, Event, Guest

# Set by scripts/test for the PostgreSQL pass, e.g. postgresql://postgres@127.0.0.1:5432/test
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def database_url(tmp_path) -> str:
    """The database for one test: PostgreSQL when asked for, else a fresh SQLite file."""
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def _empty_g() -> None:
    from flask import g
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def app(tmp_path):
    """An app with a fresh, empty schema."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "BASE_URL": "http://party.test",
        "MAIL_SEND_INLINE": False,
        "SMTP_HOST": "",
        "RATELIMIT_STORAGE_URI": "memory://",  # counts start afresh in each test's app
    })
    # The fixture keeps an app context pushed for the test's own database work, and Flask
    # reuses a pushed context for requests, so ``g`` (CSRF token cache, logged-in user) would
    # leak between requests and clients. Start every request with an empty ``g``, as in production.
    app.before_request_funcs.setdefault(None, []).insert(0, _empty_g)
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client (CSRF protection on)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_event(app):
    """Factory: create and commit an event."""
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, **fields) -> Event:
        n = next(counter)
        starts = fields.pop("starts_at", datetime.now(timezone.utc) + timedelta(days=7))
        event = Event(slug=slug or f"party-{n}", title=fields.pop("title", f"Party {n}"),
                      starts_at=starts, ends_at=fields.pop("ends_at", starts + timedelta(hours=3)),
                      timezone=fields.pop("timezone", "Europe/London"),
                      venue=fields.pop("venue", "The Loft, 1 High Street"), **fields)
        db.session.add(event)
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_guest(app):
    """Factory: create and commit a guest of an event."""
    counter = iter(range(1, 100_000))

    def make(event: Event, name: str | None = None, **fields) -> Guest:
        n = next(counter)
        number = (db.session.scalar(select(func.max(Guest.badge_number))
                                    .where(Guest.event_id == event.id)) or 0) + 1
        guest = Guest(event_id=event.id, name=name or f"Guest {n}",
                      email=fields.pop("email", f"guest{n}@example.com"),
                      attendance=fields.pop("attendance", Attendance.yes),
                      badge_number=number, **fields)
        db.session.add(guest)
        db.session.commit()
        return guest

    return make


IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # docs/door.md: `CHROMIUM=` picks another binary
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]


def require(condition: bool, reason: str) -> None:
    """Skip when a service or tool is missing locally; in CI (CI=true) fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def live_server(app):
    """The app served by a real threaded HTTP server on loopback; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app.config["BASE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance():
    """A Playwright driver for the whole session (skips, or fails in CI, without Chromium)."""
    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        yield pw


@pytest.fixture
def launch_browser(playwright_instance):
    """Factory: start headless Chromium with extra command-line flags; closed after the test."""
    browsers = []

    def launch(*extra_args: str):
        browser = playwright_instance.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS + list(extra_args))
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture
def browser(launch_browser):
    """Headless Chromium with the standard flags."""
    return launch_browser()


def csrf_from(response) -> str:
    """The CSRF token in a page's form."""
    import re
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text) or \
        re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def host_client(app, client):
    """A test client logged in as a host (through the real login form, CSRF on)."""
    from organizer.hosting.services import create_host
    create_host(db.session, "host@example.com", "correct horse battery")
    db.session.commit()
    page = client.get("/host/login")
    response = client.post("/host/login", data={
        "email": "host@example.com", "password": "correct horse battery",
        "csrf_token": csrf_from(page)})
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def host_page(app, browser, live_server):
    """Factory: a Chromium page of the given viewport, logged in as a host on the live server."""
    from organizer.hosting.services import create_host
    create_host(db.session, "browser-host@example.com", "correct horse battery")
    db.session.commit()
    contexts = []

    def open_page(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/host/login")
        page.fill("#email", "browser-host@example.com")
        page.fill("#password", "correct horse battery")
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{live_server}/host/**")
        return page

    yield open_page
    for context in contexts:
        context.close()
