"""Host pages for matching: review suggestions, lock, veto, re-run, publish, host choices, the sheet."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange

from ..dbtypes import utcnow
from ..extensions import db
from ..forms import BaseForm
from ..hosting.models import Event
from ..mail.sender import kick_sender
from ..rsvp.models import Guest
from ..web import event_or_404
from ..weburls import public_base_url
from . import published, service
from .results import MAX_PER_GUEST
from .sheet import PAPERS, render_sheet
from .sheet_data import filter_guests, sheet_data_for_run, strength_counts, unserved_by_guest

bp = Blueprint("matching", __name__, url_prefix="/host/events/<slug>/matches")
# Guests per page on the matches page (a 1 000-guest event would otherwise be a 3 MB page).
GUESTS_PER_PAGE = 100


class RunForm(BaseForm):
    """Re-run the matcher for everyone going, or only for the guests who have checked in."""

    per_guest = IntegerField("Introductions per guest", default=3,
                             validators=[InputRequired(), NumberRange(1, MAX_PER_GUEST)])
    present_only = BooleanField("Only guests who have checked in")


class PairForm(BaseForm):
    """One suggested introduction (giver helps receiver): lock, unlock, veto or allow again."""

    giver_id = HiddenField(validators=[InputRequired()])
    receiver_id = HiddenField(validators=[InputRequired()])


def _guest_id(value) -> int | None:
    """A guest id from a select; the empty "Choose a guest…" option is None."""
    return None if value in ("", None) else int(value)


class ChoiceForm(BaseForm):
    """"Never introduce A and B" or "A must meet B"."""

    guest_a = SelectField("Guest", coerce=_guest_id, validators=[InputRequired()])
    guest_b = SelectField("and", coerce=_guest_id, validators=[InputRequired()])
    kind = SelectField("Rule", choices=[SelectChoice("exclude", "must not be introduced"),
                                        SelectChoice("pin", "must meet")],
                       validators=[InputRequired()])


class ActionForm(BaseForm):
    """A button with nothing but its CSRF token (unpublish, remove)."""


class PublishForm(BaseForm):
    """Publish the latest run; by default also tell the guests it concerns by e-mail."""

    notify = BooleanField("E-mail guests that their introductions are ready", default=True)


def _back(slug: str, anchor: str = ""):
    return redirect(url_for("matching.event_page", slug=slug) + (f"#{anchor}" if anchor else ""),
                    code=303)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


def _guest_choices(event: Event) -> list[SelectChoice]:
    guests = db.session.scalars(select(Guest).where(Guest.event_id == event.id)
                                .order_by(Guest.name, Guest.id))
    return [SelectChoice("", "Choose a guest…")] + [
        SelectChoice(g.id, f"{g.name} (#{g.badge_number})") for g in guests]


@bp.get("")
@login_required
def event_page(slug: str):
    """Suggested introductions per guest with reasons; lock, veto, re-run, publish; host choices."""
    event = event_or_404(slug)
    run = service.latest_run(db.session, event)
    search = request.args.get("q", "")[:100]
    data = sheet_data_for_run(db.session, event, run) if run is not None else None
    shown = filter_guests(data, search) if data else ()
    pages = max(1, -(-len(shown) // GUESTS_PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    first = (page - 1) * GUESTS_PER_PAGE
    choice_form = ChoiceForm()
    choice_form.guest_a.choices = choice_form.guest_b.choices = _guest_choices(event)
    choices = {kind: service.list_choices(db.session, event, kind)
               for kind in ("exclude", "pin", "veto", "lock")}
    vetoes: dict[int, list] = {}
    for choice in choices["veto"]:
        vetoes.setdefault(choice.guest_b_id, []).append(choice)
    unserved = unserved_by_guest(data) if data else []
    return render_template(
        "matching/event.html", event=event, run=run, data=data,
        guests=shown[first:first + GUESTS_PER_PAGE], shown_count=len(shown), first=first,
        page=page, pages=pages,
        counts=strength_counts(data) if data else (0, 0),
        publication=published.publication(db.session, event), run_form=RunForm(
            # The last run's settings, so a present-only run during the party is re-run as one.
            per_guest=min(run.per_guest, MAX_PER_GUEST) if run else 3,
            present_only=run.is_present_only if run else False), max_per_guest=MAX_PER_GUEST,
        pair_form=PairForm(),
        choice_form=choice_form, action_form=ActionForm(), publish_form=PublishForm(), choices=choices,
        search=search,
        vetoes=vetoes, unserved_groups=unserved, unserved_keys={(n.name, n.badge_number) for n in unserved},
        changes=service.changes_since(db.session, event, run) if run is not None else None)


@bp.post("/run")
@login_required
def rerun(slug: str):
    """Run the matcher again, keeping locked introductions and honouring vetoes and rules."""
    event = event_or_404(slug)
    form = RunForm()
    if not form.validate_on_submit():
        flash(f"Choose between 1 and {MAX_PER_GUEST} introductions per guest.", "error")
        return _back(slug)
    try:
        run = service.run_matching(db.session, event, now=utcnow(), per_guest=form.per_guest.data,
                                   present_only=form.present_only.data)
    except service.MatchingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(slug)
    db.session.commit()
    who = "checked-in guests" if run.is_present_only else "guests coming"
    flash(f"Matched {run.guest_count} {who}.", "success")
    return _back(slug)


def _pair_action(slug: str, action) -> tuple[Event, int, int] | None:
    event = event_or_404(slug)
    form = PairForm()
    if not form.validate_on_submit():
        abort(400)
    giver_id, receiver_id = _int(form.giver_id.data), _int(form.receiver_id.data)
    try:
        _commit(lambda: action(event, giver_id, receiver_id))
    except service.MatchingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return None
    return event, giver_id, receiver_id


def _commit(action) -> None:
    """Run a host's action and commit it. A double click sends the same lock, veto or rule twice at
    once; the second request then finds no row, inserts, and hits the unique constraint the first
    one's row holds. It is run once more: it then finds that row, and does nothing new."""
    for attempt in range(2):
        try:
            action()
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise


def _name(guest_id: int) -> str:
    guest = db.session.get(Guest, guest_id)
    return guest.name if guest else "this guest"


@bp.post("/lock")
@login_required
def lock(slug: str):
    """Keep one introduction in every re-run."""
    done = _pair_action(slug, lambda e, g, r: service.lock_match(db.session, e, g, r, now=utcnow()))
    if done:
        flash(f"Locked: {_name(done[1])} → {_name(done[2])} stays in every re-run.", "success")
    return _back(slug, f"guest-{done[2]}" if done else "")


@bp.post("/unlock")
@login_required
def unlock(slug: str):
    """Let the matcher reconsider one introduction."""
    done = _pair_action(slug, lambda e, g, r: service.unlock_match(db.session, e, g, r))
    if done:
        flash(f"Unlocked: {_name(done[1])} → {_name(done[2])}.", "success")
    return _back(slug, f"guest-{done[2]}" if done else "")


@bp.post("/veto")
@login_required
def veto(slug: str):
    """Drop one introduction and never suggest it again."""
    done = _pair_action(slug, lambda e, g, r: service.veto_match(db.session, e, g, r, now=utcnow()))
    if done:
        flash(f"Vetoed: {_name(done[1])} and {_name(done[2])} won't be suggested to each other. "
              "Re-run to find a replacement.", "success")
    return _back(slug, f"guest-{done[2]}" if done else "")


@bp.post("/unveto")
@login_required
def unveto(slug: str):
    """Allow a vetoed introduction again."""
    done = _pair_action(slug, lambda e, g, r: service.unveto_match(db.session, e, g, r))
    if done:
        flash(f"{_name(done[1])} and {_name(done[2])} may be suggested again from the next run.",
              "success")
    return _back(slug, "choices")


@bp.post("/choices")
@login_required
def add_choice(slug: str):
    """Add a rule: "never introduce A and B" or "A must meet B"."""
    event = event_or_404(slug)
    form = ChoiceForm()
    form.guest_a.choices = form.guest_b.choices = _guest_choices(event)
    if not form.validate_on_submit():
        flash("Choose two guests and a rule.", "error")
        return _back(slug, "choices")
    add = service.exclude_pair if form.kind.data == "exclude" else service.pin_pair
    try:
        _commit(lambda: add(db.session, event, form.guest_a.data, form.guest_b.data, now=utcnow()))
    except service.MatchingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(slug, "choices")
    rule = "won't be introduced" if form.kind.data == "exclude" else "will be introduced"
    flash(f"{_name(form.guest_a.data)} and {_name(form.guest_b.data)} {rule} from the next run.",
          "success")
    return _back(slug, "choices")


@bp.post("/choices/<int:choice_id>/remove")
@login_required
def remove_choice(slug: str, choice_id: int):
    """Remove a rule, lock or veto."""
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.remove_choice(db.session, event, choice_id)
    except service.MatchingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(slug, "choices")
    db.session.commit()
    flash("Removed; it applies from the next run.", "success")
    return _back(slug, "choices")


@bp.post("/publish")
@login_required
def publish(slug: str):
    """Show the latest run to guests on their own pages."""
    event = event_or_404(slug)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    base_url = public_base_url()
    outcome = {"changed": False, "told": 0}

    def publish_and_tell() -> None:
        outcome["changed"] = published.publish_latest(db.session, event, now=utcnow())
        outcome["told"] = (published.notify_guests(db.session, event, base_url=base_url)
                           if outcome["changed"] and form.notify.data else 0)
    try:
        _commit(publish_and_tell)
    except service.MatchingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(slug)
    told = outcome["told"]
    if told:
        kick_sender(current_app._get_current_object())
    if not outcome["changed"]:
        flash("This run was already published: guests see it, and nobody was e-mailed again.",
              "success")
    else:
        flash("Published: guests now see “people you should meet” on their RSVP page"
              + (f"; {told} {'guest was' if told == 1 else 'guests were'} e-mailed."
                 if form.notify.data else "."), "success")
    return _back(slug)


@bp.post("/unpublish")
@login_required
def unpublish(slug: str):
    """Hide the matches from guests."""
    event = event_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    published.unpublish_matches(db.session, event)
    db.session.commit()
    flash("Unpublished: guests no longer see their matches.", "success")
    return _back(slug)


@bp.get("/sheet.pdf")
@login_required
def sheet(slug: str):
    """The printed host matching sheet of the latest run (?paper=letter|a4)."""
    event = event_or_404(slug)
    paper = request.args.get("paper", "letter")
    if paper not in PAPERS:
        abort(400, description="paper is letter or a4")
    run = service.latest_run(db.session, event)
    if run is None:
        run = service.run_matching(db.session, event, now=utcnow())
        db.session.commit()
    pdf = render_sheet(sheet_data_for_run(db.session, event, run), paper)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="matching-sheet-{event.slug}-{paper}.pdf"',
        "Cache-Control": "no-store"})


@bp.app_context_processor
def guest_matches_helper():
    """`people_to_meet(guest)` for the guest's own page (templates/matching/_guest_matches.html)."""
    return {"people_to_meet": lambda guest: published.matches_for_guest(db.session, guest)}

