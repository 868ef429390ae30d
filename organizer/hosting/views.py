"""Host pages: first-run setup, login, events, guest table, CSV in and out, mail log."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import csrf, db, limiter
from ..forms import flash_if_csrf_expired
from ..mail.models import OutboxMessage
from ..mail.sender import kick_sender
from ..matching.background import kick_analysis
from ..rsvp.models import Guest
from ..rsvp.services import attendance_counts, promote_from_waitlist
from ..web import event_or_404
from ..weburls import public_base_url
from . import csvio, demo
from .forms import EventForm, ImportForm, LoginForm, SetupForm
from .guestlist import STATUSES, list_guests
from .models import Event
from .services import authenticate, create_event, create_host, host_count, update_event

bp = Blueprint("hosting", __name__, url_prefix="/host")
root_bp = Blueprint("root", __name__)


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict | None) -> None:
    """CSV uploads may be larger than ordinary requests (5 000 guests with long answers).

    URL value preprocessors run before every before_request function, so the larger limit is
    in place before CSRF protection reads the form.
    """
    if endpoint == "hosting.import_csv":
        request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]
        request.max_form_memory_size = current_app.config["MAX_UPLOAD_BYTES"]


@root_bp.route("/")
def index():
    """Send visitors to first-run setup or the dashboard."""
    if host_count(db.session) == 0:
        return redirect(url_for("hosting.setup"))
    return redirect(url_for("hosting.dashboard"))


def _safe_next(target: str | None) -> str:
    """Only same-site paths are allowed after login (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("hosting.dashboard")


def _form_status() -> int:
    """A form shown again after a POST was refused: 422, as the RSVP form answers; else 200."""
    return 422 if request.method == "POST" else 200


@bp.route("/setup", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own CSRF token and keeps what was typed
def setup():
    """Create the first host account; closed once one exists."""
    if host_count(db.session) > 0:
        return redirect(url_for("hosting.login"))
    form = SetupForm()
    if form.validate_on_submit():
        try:
            host = create_host(db.session, form.email.data, form.password.data)
        except DomainError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(host)
            flash("Welcome! Create your first event, or load the demo to look around.", "success")
            return redirect(url_for("hosting.dashboard"))
    flash_if_csrf_expired(form)
    return render_template("hosting/setup.html", form=form), _form_status()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@csrf.exempt  # the form checks its own CSRF token and keeps what was typed
def login():
    """Host login."""
    if host_count(db.session) == 0:
        return redirect(url_for("hosting.setup"))
    form = LoginForm()
    if form.validate_on_submit():
        host = authenticate(db.session, form.email.data, form.password.data)
        if host is None:
            form.password.errors.append("Wrong e-mail or password.")
        else:
            login_user(host)
            return redirect(_safe_next(request.args.get("next")))
    flash_if_csrf_expired(form)
    return render_template("hosting/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST, so it carries a CSRF token)."""
    logout_user()
    return redirect(url_for("hosting.login"))


@bp.route("/")
@login_required
def dashboard():
    """The host's events, or the empty state with "Create event" and "Load a demo event"."""
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc())).all()
    counts = {e.id: attendance_counts(db.session, e) for e in events}
    return render_template("hosting/dashboard.html", events=events, counts=counts)


@bp.route("/demo", methods=["POST"])
@login_required
def load_demo():
    """Load the labelled demo event with realistic guests."""
    event = demo.load_demo_event(db.session)
    db.session.commit()
    flash("Demo event loaded: these guests are made up, so feel free to experiment.", "success")
    return redirect(url_for("hosting.event", slug=event.slug))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
@csrf.exempt  # the form checks its own CSRF token and keeps what was typed
def new_event():
    """Create an event."""
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = create_event(db.session, form.to_details())
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Event created. Guests RSVP at {public_base_url()}/e/{event.slug}", "success")
            return redirect(url_for("hosting.event", slug=event.slug))
    flash_if_csrf_expired(form)
    return render_template("hosting/event_form.html", form=form, event=None), _form_status()


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@login_required
@csrf.exempt  # the form checks its own CSRF token and keeps what was typed
def edit_event(slug: str):
    """Change an event's details."""
    event = event_or_404(slug)
    form = EventForm()
    if request.method == "GET":
        form.fill_from(event)
    if form.validate_on_submit():
        try:
            update_event(db.session, event, form.to_details())
            promote_from_waitlist(db.session, event, base_url=public_base_url())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            kick_sender(current_app._get_current_object())  # e-mails to promoted guests
            flash("Event saved.", "success")
            return redirect(url_for("hosting.event", slug=event.slug))
    flash_if_csrf_expired(form)
    return render_template("hosting/event_form.html", form=form, event=event), _form_status()


@bp.route("/events/<slug>")
@login_required
def event(slug: str):
    """An event's dashboard: counts and the guest table."""
    event = event_or_404(slug)
    search = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    sort = request.args.get("sort", "name")
    guests = list_guests(db.session, event, search=search, status=status, sort=sort)
    return render_template("hosting/event.html", event=event, guests=guests,
                           counts=attendance_counts(db.session, event), search=search,
                           status=status, sort=sort, statuses=STATUSES,
                           rsvp_url=f"{public_base_url()}/e/{event.slug}")


def _guest_or_404(event: Event, guest_id: int) -> Guest:
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event.id:
        abort(404)
    return guest


@bp.route("/events/<slug>/guests/<int:guest_id>")
@login_required
def guest(slug: str, guest_id: int):
    """One guest's answers."""
    event = event_or_404(slug)
    return render_template("hosting/guest.html", event=event, guest=_guest_or_404(event, guest_id))


@bp.route("/events/<slug>/guests/<int:guest_id>/reissue-badge", methods=["GET"])
@login_required
def confirm_reissue_badge(slug: str, guest_id: int):
    """Ask before reissuing: the guest's printed badge stops working at the door (no JS needed)."""
    event = event_or_404(slug)
    return render_template("hosting/reissue_badge.html", event=event,
                           guest=_guest_or_404(event, guest_id))


@bp.route("/events/<slug>/guests/<int:guest_id>/reissue-badge", methods=["POST"])
@login_required
def reissue_badge(slug: str, guest_id: int):
    """A lost badge: give the guest a new QR code; the old one scans as "revoked" at the door."""
    from ..door.checkin import retire_badge_token
    event = event_or_404(slug)
    guest = _guest_or_404(event, guest_id)
    retire_badge_token(db.session, guest, utcnow())
    guest.badge_printed_at = None
    db.session.commit()
    flash("New badge code issued: print the new badge. The old badge no longer checks in.",
          "success")
    return redirect(url_for("hosting.guest", slug=slug, guest_id=guest_id))


@bp.route("/events/<slug>/export.csv")
@login_required
def export_csv(slug: str):
    """Download the guest list as CSV."""
    event = event_or_404(slug)
    body = "\ufeff" + csvio.export_guests_csv(db.session, event)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{event.slug}-guests.csv"'})


@bp.route("/events/<slug>/import", methods=["GET", "POST"])
@login_required
@csrf.exempt  # the form checks its own CSRF token and keeps what was typed
def import_csv(slug: str):
    """Upload a guest CSV: all rows are added, or none and every problem is listed."""
    event = event_or_404(slug)
    form = ImportForm()
    errors: list[csvio.RowError] = []
    if form.validate_on_submit():
        try:
            rows = csvio.parse_guest_csv(csvio.decode_csv(form.file.data.read()))
            result = csvio.import_guests(db.session, event, rows)
        except csvio.CsvImportError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            note = (f" {len(result.skipped_existing)} already on the list were left unchanged."
                    if result.skipped_existing else "")
            kick_analysis(current_app._get_current_object(), event.id)
            flash(f"Imported {len(result.added)} guests.{note}", "success")
            return redirect(url_for("hosting.event", slug=slug))
    flash_if_csrf_expired(form)
    return render_template("hosting/import.html", event=event, form=form, errors=errors), (
        422 if errors else 200)


@bp.route("/events/<slug>/mail")
@login_required
def mail_log(slug: str):
    """E-mails sent (or, with no SMTP server configured, logged) for this event."""
    event = event_or_404(slug)
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == event.id)
                                  .order_by(OutboxMessage.id.desc()).limit(200)).all()
    return render_template("hosting/mail.html", event=event, messages=messages)
