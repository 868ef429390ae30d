"""Twenty doors scan the same badge at the same instant against a real server: one "ok"."""
from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter

from organizer.extensions import db
from organizer.models import Guest

DOORS = 20


def post_json(url: str, body: dict, secret: str) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_same_badge_at_twenty_doors_checks_in_once(live_server, make_event, make_guest,
                                                    make_door_key, badge_url):
    event = make_event(slug="rush")
    secrets = [make_door_key(event, f"Door {n}")[1] for n in range(DOORS)]
    guest = make_guest(event, name="Popular Person")
    url = f"{live_server}/api/v1/events/rush/checkins"
    code = badge_url(guest)
    start = threading.Barrier(DOORS)
    results: list[str] = []
    errors: list[BaseException] = []

    def door(secret: str) -> None:
        try:
            start.wait()
            results.append(post_json(url, {"code": code}, secret)["result"])
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=door, args=(s,)) for s in secrets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert Counter(results) == {"ok": 1, "already": DOORS - 1}
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).checked_in_at is not None
