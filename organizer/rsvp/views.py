"""Guest-facing pages: the RSVP form, the thank-you page, the private edit link, badge links."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for

from ..dbtypes import utcnow
from ..extensions import csrf, db, limiter
from ..forms import flash_if_csrf_expired
from ..mail.sender import kick_sender
from ..matching.background import kick_analysis
from ..web import event_or_404
from ..weburls import public_base_url
from .forms import EditRsvpForm, RsvpForm
from .models import Attendance
from .services import (
    RsvpClosed,
    autocommit_until_commit,
    can_decline_late,
    decline_rsvp,
    event_is_full,
    find_guest_by_badge_token,
    find_guest_by_edit_token,
    submit_rsvp,
    update_rsvp,
    waitlist_position,
)

bp = Blueprint("rsvp", __name__)


def _rsvp_address_key() -> str:
    """Rate-limit key: one event and one e-mail address, so nobody floods an inbox."""
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"rsvp:{request.view_args.get('slug')}:{email}"


def _rsvp_accepted(response) -> bool:
    """Only accepted RSVPs (the redirect to the thank-you page) count toward the per-address
    limit: a guest fixing a mistake on the form is never locked out."""
    return response.status_code == 303


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "•••@" + domain) if domain else email


@bp.route("/e/<slug>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RSVP_RATE_LIMIT_PER_ADDRESS"], methods=["POST"],
               key_func=_rsvp_address_key, deduct_when=_rsvp_accepted)
@limiter.limit(lambda: current_app.config["RSVP_RATE_LIMIT_PER_IP"], methods=["POST"])
@csrf.exempt  # the form checks its own CSRF token so a stale one keeps the answers
def rsvp(slug: str):
    """The public RSVP form of an event."""
    if request.method == "POST":
        autocommit_until_commit(db.session())  # two round trips fewer on PostgreSQL
    event = event_or_404(slug)
    form = RsvpForm()
    form.set_categories(event.categories)
    closed = event.rsvp_closed_reason(utcnow())
    if request.method == "POST" and not closed:
        if form.validate_on_submit():
            event_id = event.id  # read before the commit expires the event
            try:
                submit_rsvp(db.session, event, form.to_answers(), base_url=public_base_url())
            except RsvpClosed as exc:
                closed = str(exc)
            else:
                kick_sender(current_app._get_current_object())
                kick_analysis(current_app._get_current_object(), event_id)
                session["rsvp_sent_to"] = _mask_email(form.email.data.lower())
                return redirect(url_for("rsvp.thanks", slug=slug), code=303)
        else:
            flash_if_csrf_expired(form)
    status = 409 if closed and request.method == "POST" else (
        422 if request.method == "POST" else 200)
    return render_template("rsvp/form.html", event=event, form=form, closed=closed,
                           full=not closed and event_is_full(db.session, event)), status


@bp.route("/e/<slug>/thanks")
def thanks(slug: str):
    """After an RSVP: the same page whether the address was new or already known."""
    event = event_or_404(slug)
    return render_template("rsvp/thanks.html", event=event, sent_to=session.get("rsvp_sent_to"),
                           full=event_is_full(db.session, event))


@bp.route("/r/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own CSRF token so a stale one keeps the answers
def edit(token: str):
    """A guest's private page: their answers, status, and a way to change or decline."""
    guest = find_guest_by_edit_token(db.session, token)
    if guest is None:
        abort(404)
    event = guest.event
    form = EditRsvpForm(data=None if request.method == "POST" else {
        "name": guest.name, "company": guest.company, "role": guest.role,
        "can_offer": guest.can_offer, "could_use": guest.could_use,
        "categories": guest.categories, "consent_share": guest.consent_share,
        # A waitlisted guest answered "yes"; the waitlist is where the kit put them.
        "attendance": ("yes" if guest.attendance == Attendance.waitlist
                       else guest.attendance.value)})
    form.set_categories(event.categories)
    closed = event.rsvp_closed_reason(utcnow())
    if request.method == "POST" and not closed:
        if form.validate_on_submit():
            try:
                update_rsvp(db.session, guest, form.to_answers(), base_url=public_base_url())
            except RsvpClosed as exc:
                closed = str(exc)
            else:
                kick_sender(current_app._get_current_object())
                kick_analysis(current_app._get_current_object(), event.id)
                flash("Saved — your answers are up to date.", "success")
                return redirect(url_for("rsvp.edit", token=token), code=303)
        else:
            flash_if_csrf_expired(form)
    status = 409 if closed and request.method == "POST" else 200
    return render_template("rsvp/edit.html", event=event, guest=guest, form=form,
                           closed=closed, position=waitlist_position(db.session, guest),
                           can_decline=bool(closed) and can_decline_late(guest, utcnow())), status


@bp.route("/r/<token>/decline", methods=["POST"])
def decline(token: str):
    """The "I can't come after all" button, the one change left once answers are closed."""
    guest = find_guest_by_edit_token(db.session, token)
    if guest is None:
        abort(404)
    try:
        decline_rsvp(db.session, guest, base_url=public_base_url())
    except RsvpClosed as exc:
        flash(str(exc), "warning")
    else:
        kick_sender(current_app._get_current_object())
        flash("Thanks for letting us know — you're down as not coming.", "success")
    return redirect(url_for("rsvp.edit", token=token), code=303)


@bp.route("/b/<token>")
def badge_link(token: str):
    """What a badge's QR code opens: the name and only what the guest agreed to share."""
    guest = find_guest_by_badge_token(db.session, token)
    if guest is None:
        abort(404)
    return render_template("rsvp/badge_link.html", guest=guest, event=guest.event)
