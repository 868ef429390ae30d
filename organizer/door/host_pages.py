"""Host pages for the door: door keys (links + QR), the check-in log and its CSV."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..forms import BaseForm
from ..hosting.models import Event
from ..web import event_or_404
from ..weburls import public_base_url
from .keys import create_door_key, list_door_keys, next_door_name, revoke_door_key
from .links import door_link, qr_svg
from .log import export_checkin_log_csv, read_checkin_log
from .models import DOOR_NAME_MAX
from .roster import checkin_stats
from .views import bp

HOST = "/host/events/<slug>"
LOG_PAGE_ROWS = 500


class DoorKeyForm(BaseForm):
    """Name a new door."""

    name = StringField("Door name", validators=[DataRequired(), Length(max=DOOR_NAME_MAX)])


class RevokeForm(BaseForm):
    """A CSRF-protected button."""


def _keys_page(event: Event, form: DoorKeyForm, issued=None, status: int = 200):
    link = door_link(public_base_url(), event.slug, issued.secret) if issued else None
    return render_template("door/keys.html", event=event, form=form, revoke_form=RevokeForm(),
                           keys=list_door_keys(db.session, event), issued=issued, link=link,
                           qr=qr_svg(link) if link else None), status


@bp.get(f"{HOST}/door-keys")
@login_required
def keys_page(slug: str):
    """List the event's door keys and offer a new one."""
    event = event_or_404(slug)
    form = DoorKeyForm(data={"name": next_door_name(db.session, event)})
    return _keys_page(event, form)


@bp.post(f"{HOST}/door-keys")
@login_required
def create_key(slug: str):
    """Create a door key and show its link and QR code, once."""
    event = event_or_404(slug)
    form = DoorKeyForm()
    if not form.validate_on_submit():
        return _keys_page(event, form, status=400)
    try:
        issued = create_door_key(db.session, event, form.name.data, utcnow())
    except DomainError as error:
        db.session.rollback()
        form.name.errors = [str(error)]
        return _keys_page(event, form, status=400)
    db.session.commit()
    # formdata=None: a fresh form with the next default name, not the posted one just used.
    return _keys_page(event, DoorKeyForm(formdata=None,
                                         data={"name": next_door_name(db.session, event)}), issued)


@bp.post(f"{HOST}/door-keys/<int:key_id>/revoke")
@login_required
def revoke_key(slug: str, key_id: int):
    """Revoke a door key; phones using it lose door access at once."""
    event = event_or_404(slug)
    if not RevokeForm().validate_on_submit():
        abort(400)
    try:
        key = revoke_door_key(db.session, event, key_id, utcnow())
    except DomainError:
        abort(404)
    db.session.commit()
    flash(f"“{key.name}” revoked: that door link no longer works.", "success")
    return redirect(url_for("door.keys_page", slug=event.slug))


@bp.get(f"{HOST}/checkins")
@login_required
def log_page(slug: str):
    """The check-in log (newest first) with the live numbers."""
    event = event_or_404(slug)
    entries = read_checkin_log(db.session, event, limit=LOG_PAGE_ROWS)
    return render_template("door/log.html", event=event, entries=entries,
                           stats=checkin_stats(db.session, event), limit=LOG_PAGE_ROWS)


@bp.get(f"{HOST}/checkins.csv")
@login_required
def log_csv(slug: str):
    """The whole check-in log as CSV."""
    event = event_or_404(slug)
    return Response("\ufeff" + export_checkin_log_csv(db.session, event),
                    mimetype="text/csv", headers={  # Flask adds "; charset=utf-8"
                        "Content-Disposition": f'attachment; filename="{event.slug}-checkins.csv"',
                        "Cache-Control": "no-store"})


@bp.get(f"{HOST}/checkins/stats.json")
@login_required
def host_stats(slug: str):
    """Arrived / expected and arrivals over time, for the host dashboard."""
    return jsonify(checkin_stats(db.session, event_or_404(slug)))
