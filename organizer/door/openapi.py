"""The OpenAPI 3.1 document of the check-in API, built as data."""
from __future__ import annotations

from typing import Any

RESULTS = ["ok", "already", "unknown", "wrong_event", "revoked", "not_attending"]

_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _auth_errors() -> dict[str, Any]:
    return {
        "401": _json(_ERROR, "No door key, or one we never issued."),
        "403": _json(_ERROR, "The door key was revoked or belongs to another event."),
        "404": _json(_ERROR, "No such event."),
    }


def _op(summary: str, responses: dict[str, Any], body: dict[str, Any] | None = None,
        parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": [_SLUG, *(parameters or [])],
                          "security": [{"doorKey": []}],
                          "responses": {**responses, **_auth_errors()}}
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    return op


GUEST = {
    "type": "object",
    "description": "A guest's public fields, as door staff see them.",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "company": {"type": "string"},
        "badge_number": {"type": "integer"},
        "ask_me_about": {"type": "string", "description": "First line of what they offer."},
        "source": {"type": "string", "enum": ["rsvp", "import", "walkin"]},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

CHECKIN_RESULT = {
    "type": "object",
    "required": ["result", "reason"],
    "properties": {
        "result": {"type": "string", "enum": RESULTS},
        "reason": {"type": "string", "description": "The result in words, for the screen."},
        "guest": {"oneOf": [{"$ref": "#/components/schemas/Guest"}, {"type": "null"}]},
        "first_checked_in_at": {"type": ["string", "null"], "format": "date-time",
                                "description": "For ok/already: the standing check-in's time."},
        "first_checked_in_local": {"type": ["string", "null"],
                                   "description": "The same, HH:MM in the event's time zone."},
        "first_door": {"type": ["string", "null"], "description": "Door that checked them in."},
        "door": {"type": "string", "description": "The name of the calling door."},
        "replayed": {"type": "boolean",
                     "description": "True when this repeats the answer to an earlier request "
                                    "with the same idempotency key."},
        "conflict": {"type": ["object", "null"],
                     "description": "For offline scans: the other check-in of the same guest "
                                    "and which one was kept (the earliest wins)."},
    },
}


def openapi_document() -> dict[str, Any]:
    """The API description served at /api/v1/openapi.json."""
    base = "/api/v1/events/{slug}"
    idem = {"name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "maxLength": 64},
            "description": "Repeat a request safely: the first answer is returned again."}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pay-It-Forward Party Kit check-in API", "version": "1",
                 "description": "Door phones and scanners check guests in. Every result is "
                                "answered with HTTP 200; only auth and malformed requests "
                                "are errors. The same badge scanned at two doors at once is "
                                "checked in exactly once."},
        "components": {
            "securitySchemes": {"doorKey": {
                "type": "http", "scheme": "bearer",
                "description": "The secret key of a door link (pif door-link SLUG)."}},
            "schemas": {
                "Guest": GUEST,
                "CheckinResult": CHECKIN_RESULT,
                "Error": {"type": "object", "required": ["error", "message"],
                          "properties": {"error": {"type": "string"},
                                         "message": {"type": "string"},
                                         "field": {"type": "string"}}},
            },
        },
        "paths": {
            f"{base}/checkins": {"post": _op(
                "Check in the guest whose badge was scanned",
                {"200": _json({"$ref": "#/components/schemas/CheckinResult"}, "The result."),
                 "400": _json(_ERROR, "No code in the body.")},
                body={"type": "object", "required": ["code"], "properties": {
                    "code": {"type": "string",
                             "description": "The scanned text: the badge URL or the bare token."},
                    "idempotency_key": {"type": "string", "maxLength": 64,
                                        "description": "Alternative to the header."},
                    "scanned_at": {"type": "string", "format": "date-time",
                                   "description": "When a scan queued offline was made."}}},
                parameters=[idem])},
            f"{base}/checkins/by-id": {"post": _op(
                "Check in a guest chosen from the name search",
                {"200": _json({"$ref": "#/components/schemas/CheckinResult"}, "The result."),
                 "404": _json(_ERROR, "No such guest at this event.")},
                body={"type": "object", "required": ["guest_id"],
                      "properties": {"guest_id": {"type": "integer"},
                                     "idempotency_key": {"type": "string"},
                                     "scanned_at": {"type": "string", "format": "date-time"}}},
                parameters=[idem])},
            f"{base}/checkins/undo": {"post": _op(
                "Undo this door's last check-in, or the given guest's",
                {"200": _json({"type": "object", "properties": {
                    "result": {"const": "undone"},
                    "guest": {"$ref": "#/components/schemas/Guest"}}}, "Undone."),
                 "409": _json(_ERROR, "Nothing to undo.")},
                body={"type": "object", "properties": {"guest_id": {"type": "integer"}}})},
            f"{base}/guests": {"get": _op(
                "The guest list for offline validation and name search",
                {"200": _json({"type": "object", "properties": {
                    "guests": {"type": "array", "items": {"allOf": [
                        {"$ref": "#/components/schemas/Guest"},
                        {"type": "object", "properties": {
                            "token_hash": {"type": "string",
                                           "description": "First 32 hex digits of "
                                                          "sha256(badge token)."},
                            "status": {"enum": ["attending", "declined", "waitlist"]}}}]}},
                    "retired_token_hashes": {"type": "array", "items": {"type": "string"}},
                    "token_hash_chars": {"type": "integer"}}}, "The list.")})},
            f"{base}/search": {"get": _op(
                "Find guests by name (accent- and case-insensitive, partial)",
                {"200": _json({"type": "object", "properties": {"guests": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Guest"}}}},
                    "Matches, best first.")},
                parameters=[{"name": "q", "in": "query", "required": True,
                             "schema": {"type": "string"}}])},
            f"{base}/stats": {"get": _op(
                "Arrived / expected and arrivals over time",
                {"200": _json({"type": "object", "properties": {
                    "arrived": {"type": "integer"}, "expected": {"type": "integer"},
                    "walkins": {"type": "integer"}, "bucket_minutes": {"type": "integer"},
                    "arrivals": {"type": "array", "items": {"type": "object", "properties": {
                        "start": {"type": "string", "format": "date-time"},
                        "arrivals": {"type": "integer"},
                        "cumulative": {"type": "integer"}}}}}}, "Numbers.")})},
            f"{base}/walkins": {"post": _op(
                "Add a walk-in guest and check them in",
                {"201": _json({"type": "object", "properties": {
                    "result": {"const": "ok"},
                    "guest": {"$ref": "#/components/schemas/Guest"},
                    "badge_pdf_url": {"type": ["string", "null"]}}}, "Added."),
                 "422": _json(_ERROR, "A field needs fixing (see field).")},
                body={"type": "object", "required": ["name"], "properties": {
                    name: {"type": "string"} for name in
                    ("name", "email", "company", "can_offer", "could_use")}})},
            f"{base}/guests/{{guest_id}}/badge.pdf": {"get": _op(
                "One guest's badge PDF for the door's badge printer",
                {"200": {"description": "The PDF.",
                         "content": {"application/pdf": {}}},
                 "400": _json(_ERROR, "Unknown layout.")},
                parameters=[{"name": "guest_id", "in": "path", "required": True,
                             "schema": {"type": "integer"}},
                            {"name": "layout", "in": "query", "required": False,
                             "schema": {"enum": ["single-4x3", "cr80"]}}])},
            f"{base}/door": {"get": _op(
                "The event and door a key opens",
                {"200": _json({"type": "object"}, "Event and door name.")})},
        },
    }
