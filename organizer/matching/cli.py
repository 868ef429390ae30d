"""`pif match`: suggested introductions for an event, or for a CSV without any database."""
from __future__ import annotations

import json
import math
import sys
import time

import click

from .guest_csv import GuestCsvError, read_guest_csv
from .results import MAX_PER_GUEST, MatchOptions, MatchResult, near_miss


def _progress(enabled: bool):
    started = time.perf_counter()

    def say(message: str) -> None:
        if enabled:
            click.echo(f"[{time.perf_counter() - started:6.2f}s] {message}", err=True)
    return say


def _event_match(slug: str, *, per_guest: int, giver_cap: int | None, separate_companies: bool,
                 present_only: bool, say) -> tuple[MatchResult, dict[str, str]]:
    """Run (and save) the event's matching through the same service as the dashboard.

    Analyses stored when answers were saved are reused; host locks, vetoes, exclusions and pins
    apply. Guests are keyed by e-mail (or guest-<id> for walk-ins without one), as in the Match
    JSON contract.
    """

    from sqlalchemy import select

    from ..dbtypes import utcnow
    from ..extensions import db
    from ..hosting.models import Event
    from ..rsvp.models import Guest
    from . import service
    from .results import Circle, Suggestion, UnservedNeed

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event with slug {slug!r}")
    try:
        run = service.run_matching(db.session, event, now=utcnow(), per_guest=per_guest,
                                   present_only=present_only, giver_cap=giver_cap,
                                   separate_companies=separate_companies, progress=say)
    except service.MatchingError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    guests = {g.id: g for g in db.session.scalars(select(Guest).where(Guest.event_id == event.id))}

    def key(guest_id: int) -> str:
        return guests[guest_id].email or f"guest-{guest_id}"

    rows = sorted(service.suggestions_of(db.session, run), key=lambda r: (r.receiver_id, r.rank))
    suggestions = [Suggestion(giver=key(r.giver_id), receiver=key(r.receiver_id), score=r.score,
                              strength=r.strength, reason=r.reason, offer_item=r.offer_item,
                              need_item=r.need_item, is_locked=r.is_locked,
                              is_pinned=r.is_pinned) for r in rows]
    unserved = [UnservedNeed(guest=key(u.guest_id), need_item=u.need_item,
                             best_score=u.best_score) for u in service.unserved_of(db.session, run)]
    circles = [Circle(members=tuple(key(m) for m in group["members"]), links=(),
                      is_closed=group["closed"]) for group in run.circles]
    names = {key(g.id): g.name for g in guests.values()}
    return MatchResult(suggestions, unserved, circles), names


def shown_score(score: float) -> str:
    """The score in two decimals, cut rather than rounded: 0.3996 is shown as 0.39, so a possible
    suggestion never shows the figure a strong one needs (0.40)."""
    return f"{math.floor(score * 100 + 1e-6) / 100:5.2f}"


def _print_table(result: MatchResult, names: dict[str, str]) -> None:
    current = None
    for suggestion in result.suggestions:
        if suggestion.receiver != current:
            current = suggestion.receiver
            click.echo(f"\n{names.get(current, current)}")
        mark = "★" if suggestion.strength == "strong" else "?"
        click.echo(f"  {mark} {names.get(suggestion.giver, suggestion.giver):<28} "
                   f"{shown_score(suggestion.score)}  {suggestion.reason}")
    if result.unserved:
        click.echo("\nNeeds nobody here clearly offers (no safe-bet helper; the host may know someone):")
        by_receiver: dict[str, list] = {}
        for suggestion in result.suggestions:
            by_receiver.setdefault(suggestion.receiver, []).append(suggestion)
        for need in result.unserved:
            close = near_miss(need.need_item, by_receiver.get(need.guest, ()))
            only = f" (close, only a possible helper: {names.get(close.giver, close.giver)})" if close else ""
            click.echo(f"  - {names.get(need.guest, need.guest)}: {need.need_item}{only}")
    for number, circle in enumerate(result.circles, start=1):
        kind = "Circle" if circle.is_closed else "Chain"
        click.echo(f"\n{kind} {number}: " + " → ".join(names.get(m, m) for m in circle.route))


@click.command("match")
@click.argument("slug", required=False)
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False), help="Match a guest CSV instead.")
@click.option("--per-guest", default=3, show_default=True, type=click.IntRange(1, MAX_PER_GUEST),
              help="Suggestions per guest.")
@click.option("--giver-cap", default=None, type=click.IntRange(1, 50),
              help="Most times one guest is suggested as a helper (default: --per-guest + 1).")
@click.option("--allow-same-company", is_flag=True, help="Allow introductions between colleagues.")
@click.option("--present-only", is_flag=True,
              help="Only guests who have checked in (with --csv: a non-empty checked_in_at column).")
@click.option("--circles", is_flag=True, help="Also list pay-it-forward circles.")
@click.option("--json", "as_json", is_flag=True, help="Print the Match JSON list to stdout.")
def match_command(slug: str | None, csv_path: str | None, per_guest: int, giver_cap: int | None,
                  allow_same_company: bool, present_only: bool, circles: bool, as_json: bool) -> None:
    """Suggest introductions for an event (SLUG) or a guest CSV (--csv)."""
    if bool(slug) == bool(csv_path):
        raise click.UsageError("give an event SLUG or --csv FILE (one of them)")
    say = _progress(enabled=True)
    if csv_path:
        not_coming: list[str] = []
        try:
            guests = read_guest_csv(csv_path, not_coming, present_only=present_only)
        except (GuestCsvError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{csv_path}: {exc}") from exc
        names = {g.key: g.name for g in guests}
        why = "not checked in, or their attendance is no or waitlist" if present_only else \
            "their attendance is no or waitlist"
        say(f"{len(guests)} guests read" + (f"; {len(not_coming)} left out, {why}" if not_coming else ""))
        options = MatchOptions(per_guest=per_guest, giver_cap=giver_cap,
                               separate_companies=not allow_same_company, with_circles=circles)
        from .engine import match_guests  # NumPy and HiGHS only when matching runs
        result = match_guests(guests, options, progress=say)
    else:
        from flask.cli import ScriptInfo
        # Only the database mode builds the app: `pif match --csv` starts without it.
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        with app.app_context():
            result, names = _event_match(slug, per_guest=per_guest, giver_cap=giver_cap,
                                         separate_companies=not allow_same_company,
                                         present_only=present_only, say=say)
        if not circles:
            result.circles = []
    say(f"{len(result.suggestions)} suggestions")
    if as_json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        _print_table(result, names)
