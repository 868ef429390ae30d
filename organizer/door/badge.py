"""A walk-in's single badge PDF, opened by door staff with their door key.

The host's badge route needs a host login, which door phones do not have; this one takes the
door key and calls the badges feature's renderer the same way.
"""
from __future__ import annotations

import io

from flask import Response, g, request

from ..badges import service as badges
from ..dbtypes import utcnow
from ..extensions import db
from ..weburls import public_base_url
from .api import API, _error, door_api
from .views import bp

DOOR_LAYOUTS = ("single-4x3", "cr80")


def badge_renderer_available() -> bool:
    """True when the badges feature can render single badges (it ships with the kit)."""
    return hasattr(badges, "render_guests")


@bp.get(f"{API}/guests/<int:guest_id>/badge.pdf")
@door_api
def walkin_badge(guest_id: int):
    """One guest's badge as a PDF for the door's badge printer (?layout=single-4x3|cr80)."""
    layout = request.args.get("layout", DOOR_LAYOUTS[0])
    if layout not in DOOR_LAYOUTS:
        return _error(400, "bad_layout", f"layout must be one of {', '.join(DOOR_LAYOUTS)}.")
    try:
        guest = badges.guest_of_event(db.session, g.event, guest_id)
    except badges.BadgeError:
        return _error(404, "no_guest", "No such guest at this event.")
    buffer = io.BytesIO()
    try:
        badges.render_guests(db.session, [guest], buffer, base_url=public_base_url(),
                             now=utcnow(), layout=layout)
    except badges.BadgeError as error:
        return _error(400, "badge_error", str(error))
    return Response(buffer.getvalue(), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="badge-{g.event.slug}-{guest_id}.pdf"',
        "Cache-Control": "no-store"})
