"""Door fixtures: door keys and the scanned text of a guest's badge."""
from __future__ import annotations

import pytest

from organizer.dbtypes import utcnow
from organizer.door.keys import create_door_key
from organizer.extensions import db


@pytest.fixture
def make_door_key(app):
    """Factory: issue a door key for an event; returns (DoorKey, secret)."""

    def make(event, name: str = "Front door"):
        issued = create_door_key(db.session, event, name, utcnow())
        db.session.commit()
        return issued.door_key, issued.secret

    return make


@pytest.fixture
def badge_url():
    """What the badge QR of a guest encodes (BASE_URL is http://party.test in tests)."""
    return lambda guest: f"http://party.test/b/{guest.badge_token}"
