"""``pif badges``: print an event's badges to a PDF, or an alignment test page."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from . import service
from .presets import DEFAULT_PRESET, PRESETS
from .render import alignment_test as write_alignment_test
from .render import offset_problem


@click.command("badges")
@click.argument("slug", required=False)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="PDF file to write.")
@click.option("--layout", type=click.Choice(sorted(PRESETS)), default=DEFAULT_PRESET,
              show_default=True, help="Label stock or badge printer.")
@click.option("--only", type=click.Choice(list(service.SELECTIONS)),
              default=service.DEFAULT_SELECTION, show_default=True,
              help="Which guests: going (yes/maybe), checked-in, new (not printed yet), all.")
@click.option("--guest", "guest_id", type=int, help="Print one guest's badge (by guest id).")
@click.option("--cut-marks", is_flag=True, help="Draw cut marks in the page margins.")
@click.option("--offset-x", type=float, default=0.0, show_default=True,
              help="Printer calibration: move everything right by this many mm (negative: left).")
@click.option("--offset-y", type=float, default=0.0, show_default=True,
              help="Printer calibration: move everything up by this many mm (negative: down).")
@click.option("--alignment-test", is_flag=True,
              help="Write a one-page alignment test for the layout instead of badges.")
@click.option("--no-mark-printed", is_flag=True,
              help="Do not record the print time (a draft that keeps 'new' unchanged).")
@with_appcontext
def badges_command(slug, output, layout, only, guest_id, cut_marks, offset_x, offset_y,
                   alignment_test, no_mark_printed):
    """Write the badge PDF for event SLUG (or --alignment-test for a layout)."""
    problem = offset_problem(offset_x, offset_y)
    if problem:
        raise click.BadParameter(problem, param_hint="--offset-x / --offset-y")
    if alignment_test:
        with output.open("wb") as stream:
            write_alignment_test(stream, layout=layout, offset_x_mm=offset_x,
                                 offset_y_mm=offset_y)
        click.echo(f"Alignment test for {layout} written to {output}.")
        return
    if not slug:
        raise click.UsageError("Give the event SLUG (or use --alignment-test).")
    session = db.session
    tmp = output.with_name(output.name + ".part")
    try:
        event = service.event_by_slug(session, slug)
        if guest_id is not None:
            guests = [service.guest_of_event(session, event, guest_id)]
        else:
            guests = service.select_guests(session, event, only)
        base_url = current_app.config.get("BASE_URL", "")
        with tmp.open("wb") as stream, click.progressbar(
                length=len(guests), label="Rendering badges", file=sys.stderr,
                show_pos=True) as bar:
            done = [0]

            def progress(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            report = service.render_guests(
                session, guests, stream, base_url=base_url, now=datetime.now(timezone.utc),
                layout=layout, cut_marks=cut_marks, offset_x_mm=offset_x, offset_y_mm=offset_y,
                mark_printed=not no_mark_printed, progress=progress)
        tmp.replace(output)
    except service.BadgeError as exc:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from None
    click.echo(f"{report.badges} badge(s) on {report.pages} page(s) ({layout}) written to "
               f"{output}.")
    for char, names in sorted(report.uncovered.items()):
        click.echo(f"warning: no embedded font has U+{ord(char):04X} ({char!r}), printed as "
                   f"\ufffd on: {', '.join(names[:5])}" + (" ..." if len(names) > 5 else ""),
                   err=True)
