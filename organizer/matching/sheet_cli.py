"""`pif sheet`: the printed host matching sheet of an event, as a PDF file."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from .results import MAX_PER_GUEST
from .sheet import PAPERS


@click.command("sheet")
@click.argument("slug")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF ('-' for stdout).")
@click.option("--present-only", is_flag=True, help="Match only the guests who have checked in.")
@click.option("--paper", type=click.Choice(sorted(PAPERS)), default="letter", show_default=True)
@click.option("--per-guest", default=3, show_default=True, type=click.IntRange(1, MAX_PER_GUEST),
              help="Introductions per guest.")
@click.option("--saved", is_flag=True,
              help="Print the latest saved run as it is (what the host page shows) instead of re-running.")
@with_appcontext
def sheet_command(slug: str, output: Path, present_only: bool, paper: str, per_guest: int,
                  saved: bool) -> None:
    """Print the host matching sheet for an event (re-runs matching, keeping locks and vetoes)."""
    from ..dbtypes import utcnow
    from ..errors import DomainError
    from ..extensions import db
    from ..hosting.services import event_by_slug
    from . import service
    from .sheet import render_sheet
    from .sheet_data import sheet_data_for_run

    started = time.perf_counter()

    def say(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.2f}s] {message}", err=True)

    try:
        event = event_by_slug(db.session, slug)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    run = service.latest_run(db.session, event) if saved else None
    if saved and run is None:
        raise click.ClickException("this event has no saved run yet: leave out --saved")
    if run is None:
        say("matching " + ("checked-in guests" if present_only else "guests coming"))
        try:
            run = service.run_matching(db.session, event, now=utcnow(), per_guest=per_guest,
                                       present_only=present_only, progress=say)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    say(f"{run.guest_count} guests; rendering the sheet")
    pdf = render_sheet(sheet_data_for_run(db.session, event, run), paper)
    if str(output) == "-":
        sys.stdout.buffer.write(pdf)
    else:
        output.write_bytes(pdf)
    say(f"wrote {len(pdf) // 1024} KB to {output}")
