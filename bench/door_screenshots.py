"""Screenshots of the door page at phone size (390×844) in each state, for a human to look at.

    .venv/bin/python bench/door_screenshots.py -o /tmp/door-shots

Seeds a throwaway SQLite database, serves the app in-process and drives /usr/bin/chromium
(Chromium's fake camera stands in for the phone's). Writes idle, search, green, amber, red
(unknown, wrong event, not attending), offline, walk-in and locked PNGs, then the host's
door-link page and check-in log.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST_PASSWORD = "screenshots only 1234"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream"]


def seed(database_url: str):
    sys.path.insert(0, str(ROOT))
    from organizer import create_app
    from organizer.dbtypes import utcnow
    from organizer.door.keys import create_door_key
    from organizer.extensions import db
    from organizer.models import Attendance, Event, Guest

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "shots"})
    with app.app_context():
        db.create_all()
        event = Event(slug="spring", title="Spring Pay-It-Forward Party", starts_at=utcnow(),
                      timezone="Europe/London")
        other = Event(slug="autumn", title="Autumn Party", starts_at=utcnow())
        db.session.add_all([event, other])
        db.session.flush()
        people = [("Zoë Ångström", "Acme Design", "Intros to product designers", Attendance.yes),
                  ("Nguyễn Văn Đức", "Saigon Labs", "Vietnamese lessons", Attendance.yes),
                  ("Priya Raman", "Ledger & Co", "Finance recruiter intros", Attendance.yes),
                  ("Carlos Mendes", "", "", Attendance.no)]
        guests = [Guest(event_id=event.id, name=n, company=c, can_offer=o, attendance=a,
                        email=f"g{i}@example.com", badge_number=i + 1)
                  for i, (n, c, o, a) in enumerate(people)]
        stranger = Guest(event_id=other.id, name="Other Guest", email="o@example.com",
                         badge_number=1)
        db.session.add_all([*guests, stranger])
        door = create_door_key(db.session, event, "Front door", utcnow())
        from organizer.hosting.services import create_host
        create_host(db.session, "host@example.com", HOST_PASSWORD)
        db.session.commit()
        tokens = {g.name: g.badge_token for g in guests}
        tokens["stranger"] = stranger.badge_token
    return app, door.secret, tokens


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("door-shots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="door-shots-"))
    app, secret, tokens = seed(f"sqlite:///{tmp / 'shots.sqlite3'}")

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    def shot(page, name: str) -> None:
        page.screenshot(path=str(args.output / f"{name}.png"))
        print(args.output / f"{name}.png")

    def scan(page, text: str, result: str) -> None:
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#result[data-result='{result}']:not([hidden])")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      device_scale_factor=1, has_touch=True, is_mobile=True)
        page = context.new_page()
        page.goto(f"{base}/door/spring#key={secret}")
        page.wait_for_selector("body[data-ready='1'][data-guests]")
        page.wait_for_timeout(1500)  # let the fake camera start
        shot(page, "1-idle")
        page.fill("#search", "duc")
        page.wait_for_selector("#results button")
        shot(page, "2-search")
        page.fill("#search", "")
        page.locator("body").click(position={"x": 5, "y": 700})
        scan(page, f"{base}/b/{tokens['Zoë Ångström']}", "ok")
        print("scan to answer on screen:", page.get_attribute("body", "data-scan-ms"), "ms")
        shot(page, "3-green-ok")
        page.click("#result")
        page.wait_for_timeout(4100)  # the same code is ignored for a few seconds
        scan(page, f"{base}/b/{tokens['Zoë Ångström']}", "already")
        shot(page, "4-amber-already")
        page.click("#result")
        scan(page, f"{base}/b/{'Q' * 24}", "unknown")
        shot(page, "5-red-unknown")
        page.click("#result")
        scan(page, f"{base}/b/{tokens['stranger']}", "wrong_event")
        shot(page, "6-red-wrong-event")
        page.click("#result")
        scan(page, tokens["Carlos Mendes"], "not_attending")
        shot(page, "7-red-not-attending")
        page.click("#result")
        context.set_offline(True)
        scan(page, f"{base}/b/{tokens['Priya Raman']}", "ok-offline")
        shot(page, "8-green-accepted-offline")
        page.click("#result")
        page.wait_for_selector("#queue:not([hidden])")
        shot(page, "9-offline-queued")
        context.set_offline(False)
        page.wait_for_selector("#queue[hidden]", state="attached", timeout=20000)
        page.click("#walkin-open")
        page.fill("#w-name", "Aiko 田中")
        page.fill("#w-offer", "Japanese market intros")
        shot(page, "10-walkin-form")
        page.click("#walkin-save")
        page.wait_for_selector("#result[data-result='ok']:not([hidden])")
        shot(page, "11-walkin-green")
        locked = context.new_page()
        locked.goto(f"{base}/door/spring")
        locked.evaluate("localStorage.clear()")
        locked.reload()
        locked.wait_for_selector("#locked:not([hidden])")
        shot(locked, "12-no-key")
        host = browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
        host.goto(f"{base}/host/login")
        host.fill("input[name=email]", "host@example.com")
        host.fill("input[name=password]", HOST_PASSWORD)
        host.click("button[type=submit]")
        host.goto(f"{base}/host/events/spring/door-keys")
        host.fill("input[name=name]", "Side door")
        host.click("form.door-new button[type=submit]")
        host.wait_for_selector(".door-qr svg")
        host.screenshot(path=str(args.output / "13-host-door-link.png"), full_page=True)
        host.goto(f"{base}/host/events/spring/checkins")
        host.screenshot(path=str(args.output / "14-host-log.png"), full_page=True)
        print(args.output / "13-host-door-link.png", args.output / "14-host-log.png")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
