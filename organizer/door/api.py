"""The check-in JSON API (``/api/v1``): door-key bearer auth, no cookies, no CSRF."""
from __future__ import annotations

import time
from datetime import datetime
from functools import wraps
from typing import Any

from flask import g, jsonify, request

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import csrf, db
from ..hosting.models import Event
from ..rsvp.models import Guest
from .checkin import NothingToUndo, checkin_guest, public_fields, undo_last_checkin
from .keys import DoorKeyError, authenticate_door
from .openapi import openapi_document
from .roster import checkin_stats, guest_list_for_door, search_guests
from .views import bp
from .walkins import WalkinError, WalkinForm, add_walkin

API = "/api/v1/events/<slug>"


@bp.before_request
def _start_clock() -> None:
    g.door_started = time.perf_counter()


@bp.after_request
def _server_timing(response):
    """Tell clients (and bench/door_bench.py) how long the server spent on the request."""
    started = g.get("door_started")
    if started is not None and request.path.startswith("/api/"):
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    return response


def _error(status: int, code: str, message: str, **extra: Any):
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="door"'
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def door_api(view):
    """Resolve the event and the door key (Authorization: Bearer) before the view runs."""

    @wraps(view)
    def wrapped(slug: str, **kwargs):
        secret = _bearer()
        if not secret:
            return _error(401, "missing_key", "This request needs a door key "
                          "(Authorization: Bearer <key>).")
        try:
            event, g.door_key = authenticate_door(db.session, slug, secret)
        except LookupError:
            return _error(404, "no_event", "No such event.")
        except DoorKeyError as error:
            return _error(error.status, error.code, str(error))
        g.event = event
        # Read now: a service's commit expires these rows, and reloading them costs queries.
        g.door_name = g.door_key.name
        g.event_tz = event.tz
        return view(**kwargs)

    csrf.exempt(wrapped)
    return wrapped


class BadBody(Exception):
    """The request body is not the JSON object the API expects."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as {}. Raises BadBody otherwise."""
    if not request.content_length and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise BadBody(415, "unsupported_media_type",
                      "Send the body as JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadBody(400, "bad_json", "The body must be a JSON object, like {\"code\": \"...\"}.")
    return body


@bp.errorhandler(BadBody)
def _bad_body(error: BadBody):
    return _error(error.status, error.code, str(error))


@bp.errorhandler(413)
def _too_large(error):
    """Over the size limit: the API answers JSON, door pages the kit's error page."""
    if request.path.startswith("/api/"):
        return _error(413, "too_large", "The request body is larger than the API accepts.")
    from flask import render_template
    return render_template("errors/generic.html", code=413,
                           message="That is more than the kit accepts in one go."), 413


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise DomainError("scanned_at must be an ISO 8601 time with a time zone.") from exc
    if moment.tzinfo is None:
        raise DomainError("scanned_at must be an ISO 8601 time with a time zone.")
    return moment


def _local_hhmm(moment: datetime | None) -> str | None:
    return moment.astimezone(g.event_tz).strftime("%H:%M") if moment else None


def _outcome_json(outcome) -> dict[str, Any]:
    first = outcome.first_checked_in_at
    return {
        "result": outcome.result,
        "reason": outcome.reason,
        "guest": outcome.guest_fields,
        "first_checked_in_at": first.isoformat() if first else None,
        "first_checked_in_local": _local_hhmm(first),
        "first_door": outcome.first_door,
        "door": g.door_name,
        "replayed": outcome.replayed,
        "conflict": outcome.conflict,
    }


@bp.post(f"{API}/checkins")
@door_api
def checkin():
    """Check in the guest whose badge was scanned."""
    body = _json_body()
    code = body.get("code")
    if not isinstance(code, str):
        return _error(400, "bad_request", 'Send JSON {"code": "<scanned text>"}.')
    try:
        scanned_at = _parse_time(body.get("scanned_at"))
    except DomainError as error:
        return _error(400, "bad_request", str(error))
    key = request.headers.get("Idempotency-Key") or body.get("idempotency_key")
    outcome = checkin_guest(db.session, g.event, code, g.door_key, utcnow(),
                            idempotency_key=key if isinstance(key, str) else None,
                            scanned_at=scanned_at)
    return jsonify(_outcome_json(outcome))


@bp.post(f"{API}/checkins/undo")
@door_api
def undo():
    """Undo this door's last check-in (or a given guest's)."""
    guest_id = _json_body().get("guest_id")
    if guest_id is not None and not isinstance(guest_id, int):
        return _error(400, "bad_request", "guest_id must be a number.")
    try:
        guest = undo_last_checkin(db.session, g.event, g.door_key, utcnow(), guest_id)
    except NothingToUndo as error:
        return _error(409, "nothing_to_undo", str(error))
    return jsonify({"result": "undone", "guest": public_fields(guest)})


@bp.get(f"{API}/guests")
@door_api
def guest_list():
    """The guest list a door keeps offline (badge tokens only as hashes)."""
    listing = guest_list_for_door(db.session, g.event)
    listing["door"] = g.door_name
    response = jsonify(listing)
    # Phones refresh this every minute on busy venue Wi-Fi: unchanged lists cost a 304.
    response.add_etag()
    return response.make_conditional(request)


@bp.get(f"{API}/search")
@door_api
def search():
    """Guests whose name contains the query, ignoring accents and case."""
    found = search_guests(db.session, g.event, request.args.get("q", ""),
                          limit=min(request.args.get("limit", 20, type=int) or 20, 100))
    return jsonify({"guests": [public_fields(guest) for guest in found]})


@bp.post(f"{API}/checkins/by-id")
@door_api
def checkin_by_id():
    """Check in a guest picked from the name search (same answers as a scan)."""
    body = _json_body()
    guest_id = body.get("guest_id")
    guest = db.session.get(Guest, guest_id) if isinstance(guest_id, int) else None
    if guest is None or guest.event_id != g.event.id:
        return _error(404, "no_guest", "No such guest at this event.")
    try:
        scanned_at = _parse_time(body.get("scanned_at"))
    except DomainError as error:
        return _error(400, "bad_request", str(error))
    key = request.headers.get("Idempotency-Key") or body.get("idempotency_key")
    outcome = checkin_guest(db.session, g.event, guest.badge_token, g.door_key, utcnow(),
                            idempotency_key=key if isinstance(key, str) else None,
                            scanned_at=scanned_at)
    return jsonify(_outcome_json(outcome))


@bp.get(f"{API}/stats")
@door_api
def stats():
    """Arrived / expected and arrivals over time."""
    return jsonify(checkin_stats(db.session, g.event))


@bp.post(f"{API}/walkins")
@door_api
def walkin():
    """Add a walk-in guest and check them in."""
    body = _json_body()
    form = WalkinForm(**{name: str(body.get(name) or "") for name in
                         ("name", "email", "company", "can_offer", "could_use")})
    try:
        guest = add_walkin(db.session, g.event, form, g.door_key, utcnow())
    except WalkinError as error:
        db.session.rollback()
        return _error(422, "invalid", str(error), field=error.field)
    response = jsonify({"result": "ok", "guest": public_fields(guest),
                        "badge_pdf_url": badge_pdf_url(g.event, guest)})
    response.status_code = 201
    return response


@bp.get(f"{API}/door")
@door_api
def whoami():
    """The event and the door this key opens (the page checks its key with this)."""
    return jsonify({"event": {"slug": g.event.slug, "title": g.event.title,
                              "timezone": g.event.timezone},
                    "door": g.door_key.name})


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of the check-in API."""
    return jsonify(openapi_document())


def badge_pdf_url(event: Event, guest) -> str | None:
    """Where the door opens a walk-in's single badge PDF (door-key auth), if badges exist."""
    from .badge import badge_renderer_available
    if not badge_renderer_available():
        return None
    from flask import url_for
    return url_for("door.walkin_badge", slug=event.slug, guest_id=guest.id)
