"""Host downloads of badge PDFs: a whole event (or a selection) and one guest's badge."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import login_required

from ..extensions import db
from ..web import event_or_404
from ..weburls import public_base_url
from . import service
from .presets import DEFAULT_PRESET, PRESETS
from .render import alignment_test, offset_problem

bp = Blueprint("badges", __name__, url_prefix="/host/events/<slug>")


def _options() -> dict:
    """Layout, cut marks and calibration offsets from the query string (400 when invalid)."""
    layout = request.args.get("layout", DEFAULT_PRESET)
    if layout not in PRESETS:
        abort(400, description="Unknown layout; choose one of: " + ", ".join(sorted(PRESETS)))
    try:
        offset_x = float(request.args.get("offset_x", 0) or 0)
        offset_y = float(request.args.get("offset_y", 0) or 0)
    except ValueError:
        abort(400, description="Offsets are numbers of millimetres.")
    problem = offset_problem(offset_x, offset_y)
    if problem:
        abort(400, description=problem)
    return {"layout": layout, "cut_marks": request.args.get("cut_marks") in ("1", "on", "true"),
            "offset_x_mm": offset_x, "offset_y_mm": offset_y}


def _pdf(buffer: io.BytesIO, filename: str):
    buffer.seek(0)
    response = send_file(buffer, mimetype="application/pdf", as_attachment=True,
                         download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/badges")
@login_required
def event_page(slug: str):
    """Choose a layout and which guests to print; download badges or an alignment test."""
    event = event_or_404(slug)
    counts = {only: service.count_guests(db.session, event, only) for only in service.SELECTIONS}
    return render_template("badges/page.html", event=event, presets=PRESETS,
                           default_preset=DEFAULT_PRESET, selections=service.SELECTIONS,
                           default_selection=service.DEFAULT_SELECTION, counts=counts)


@bp.get("/badges.pdf")
@login_required
def event_badges(slug: str):
    """Badges for an event's guests: ?only=going|checked-in|new|all&layout=...&cut_marks=1."""
    event = event_or_404(slug)
    only = request.args.get("only", service.DEFAULT_SELECTION)
    if only not in service.SELECTIONS:
        abort(400, description="Unknown selection; choose one of: "
                               + ", ".join(service.SELECTIONS))
    options = _options()
    buffer = io.BytesIO()
    try:
        service.render_event_badges(db.session, event, buffer, base_url=public_base_url(),
                                    now=datetime.now(timezone.utc), only=only, **options)
    except service.BadgeError as exc:
        abort(400, description=str(exc))
    return _pdf(buffer, f"badges-{event.slug}-{only}-{options['layout']}.pdf")


@bp.get("/guests/<int:guest_id>/badge.pdf")
@login_required
def guest_badge(slug: str, guest_id: int):
    """One guest's badge (walk-ins at the door); single-4x3 unless ?layout= says otherwise."""
    event = event_or_404(slug)
    try:
        guest = service.guest_of_event(db.session, event, guest_id)
    except service.BadgeError:
        abort(404)
    options = _options() if "layout" in request.args else {**_options(), "layout": "single-4x3"}
    buffer = io.BytesIO()
    try:
        service.render_guests(db.session, [guest], buffer, base_url=public_base_url(),
                              now=datetime.now(timezone.utc), **options)
    except service.BadgeError as exc:
        abort(400, description=str(exc))
    return _pdf(buffer, f"badge-{event.slug}-{guest.badge_number}.pdf")


@bp.get("/badges/alignment-test.pdf")
@login_required
def alignment(slug: str):
    """A one-page alignment test for a layout and calibration offsets."""
    event_or_404(slug)
    options = _options()
    buffer = io.BytesIO()
    alignment_test(buffer, layout=options["layout"], offset_x_mm=options["offset_x_mm"],
                   offset_y_mm=options["offset_y_mm"])
    return _pdf(buffer, f"alignment-{options['layout']}.pdf")
