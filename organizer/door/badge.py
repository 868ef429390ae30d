"""A walk-in's single badge PDF, opened by door staff with their door key."""
from __future__ import annotations

import importlib
from typing import Callable

from flask import Response, g

from ..extensions import db
from ..rsvp.models import Guest
from .api import API, _error, door_api
from .views import bp

# The badges feature renders one guest's badge; door/ only calls it. Expected signature:
# render_single_badge(guest, event, layout="single-4x3") -> bytes (a PDF).
RENDERER = ("organizer.badges.single", "render_single_badge")


def _renderer() -> Callable[..., bytes] | None:
    try:
        module = importlib.import_module(RENDERER[0])
    except ImportError:
        return None
    return getattr(module, RENDERER[1], None)


def badge_renderer_available() -> bool:
    """True once the badges feature provides the single-badge renderer."""
    return _renderer() is not None


@bp.get(f"{API}/guests/<int:guest_id>/badge.pdf")
@door_api
def walkin_badge(guest_id: int):
    """One guest's badge as a PDF for the door's badge printer."""
    render = _renderer()
    if render is None:
        return _error(501, "no_badges", "Badge printing is not available in this install.")
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != g.event.id:
        return _error(404, "no_guest", "No such guest at this event.")
    pdf = render(guest, g.event, layout="single-4x3")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="badge-{guest.badge_number}.pdf"',
        "Cache-Control": "no-store"})
