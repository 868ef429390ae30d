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


@pytest.fixture
def live_server(app):
    """The app served by a threaded werkzeug server on a free port; yields its base URL."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            """No access log lines in the test output."""

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
