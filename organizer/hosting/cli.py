"""Host commands: pif event create, import, export, host create, demo, serve, backup, mail."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..backup import backup_database, restore_database
from ..errors import DomainError
from ..extensions import db
from . import csvio
from .demo import load_demo_event
from .services import EventDetails, check_timezone, create_event, create_host, event_by_slug, parse_local


def _analyse_for_matching(event_id: int) -> None:
    """Read the new answers for matching now, so the first match run is quick."""
    from ..matching.background import analyse_event_now, analysis_mode
    app = current_app._get_current_object()
    if analysis_mode(app) == "off":
        return
    with click.progressbar(length=1, label="Reading answers for matching", file=sys.stderr) as bar:
        analyse_event_now(app, event_id)
        bar.update(1)


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


@click.group("event")
def event_group() -> None:
    """Manage events."""


@event_group.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="The event's title.")
@click.option("--starts", required=True, help='Start, "YYYY-MM-DD HH:MM" in --timezone.')
@click.option("--ends", default=None, help='End, "YYYY-MM-DD HH:MM".')
@click.option("--timezone", "tz_name", default="UTC", show_default=True, help="IANA zone name.")
@click.option("--venue", default="")
@click.option("--capacity", type=click.IntRange(min=1), default=None)
@click.option("--deadline", default=None, help='RSVP deadline, "YYYY-MM-DD HH:MM".')
@with_appcontext
def create_event_command(slug, title, starts, ends, tz_name, venue, capacity, deadline) -> None:
    """Create an event."""
    try:
        tz = check_timezone(tz_name)
        event = create_event(db.session, EventDetails(
            title=title, slug=slug, starts_at=parse_local(starts, tz),
            ends_at=parse_local(ends, tz) if ends else None, timezone=tz_name, venue=venue,
            capacity=capacity, rsvp_deadline=parse_local(deadline, tz) if deadline else None))
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Created {event.slug}: {event.title}, {event.local(event.starts_at):%Y-%m-%d %H:%M} "
               f"{event.timezone}")


@click.command("import")
@click.argument("slug")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(slug: str, csv_file: Path) -> None:
    """Add guests (RSVP'd "yes") from a CSV; all rows or none, with every bad row listed."""
    try:
        event = event_by_slug(db.session, slug)
        rows = csvio.parse_guest_csv(csvio.decode_csv(csv_file.read_bytes()))
        with click.progressbar(length=len(rows), label="Importing", file=sys.stderr) as bar:
            result = csvio.import_guests(db.session, event, rows, progress=bar.update)
    except DomainError as exc:
        db.session.rollback()
        _fail(exc)
    _analyse_for_matching(event.id)
    click.echo(f"Imported {len(result.added)} guests into {slug}.")
    for line, email in result.skipped_existing:
        click.echo(f"  line {line}: {email} is already a guest, left unchanged")


@click.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@with_appcontext
def export_command(slug: str, output: Path | None) -> None:
    """Write the guest list as CSV."""
    try:
        text = csvio.export_guests_csv(db.session, event_by_slug(db.session, slug))
    except DomainError as exc:
        _fail(exc)
    if output:
        # utf-8-sig: the byte-order mark makes Excel read non-ASCII names correctly.
        output.write_text(text, encoding="utf-8-sig", newline="")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@click.group("host")
def host_group() -> None:
    """Manage host accounts."""


@host_group.command("create")
@click.argument("email")
@with_appcontext
def create_host_command(email: str) -> None:
    """Create a host account; the password comes from PIF_HOST_PASSWORD or a prompt."""
    password = os.environ.get("PIF_HOST_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    try:
        create_host(db.session, email, password)
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Host {email.strip().lower()} created.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo event with ~40 made-up guests."""
    event = load_demo_event(db.session)
    db.session.commit()
    _analyse_for_matching(event.id)
    click.echo(f"Demo event ready: /e/{event.slug} ({event.guests.count()} guests)")


@click.command("serve")
@click.option("--bind", default=None, help="host:port (default 127.0.0.1:$PORT or 5000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default 2×cores+1).")
@click.option("--threads", type=int, default=1, show_default=True,
              help="Threads per worker (1: sync workers, fastest for this CPU-bound app; more "
                   "only helps with slow clients and no reverse proxy).")
def serve_command(bind: str | None, workers: int | None, threads: int) -> None:
    """Run the production server (gunicorn)."""
    from ..serve import default_workers, run_server
    bind = bind or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
    run_server(bind, workers or default_workers(), threads)


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(output: Path) -> None:
    """Write a consistent backup of the database (safe while the app runs)."""
    try:
        backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], output)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Backup written to {output}")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="Replace the current database with this backup?")
@with_appcontext
def restore_command(backup_file: Path) -> None:
    """Replace the database with a backup made by `pif backup`."""
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], backup_file)
    except DomainError as exc:
        _fail(exc)
    click.echo("Database restored.")


@click.group("mail")
def mail_group() -> None:
    """The e-mail outbox."""


@mail_group.command("send")
@with_appcontext
def mail_send_command() -> None:
    """Deliver every waiting e-mail now."""
    from ..mail.sender import SmtpSettings, deliver_pending
    sent = deliver_pending(db.session, SmtpSettings.from_config(current_app.config))
    click.echo(f"Delivered {sent} message(s).")


COMMANDS = [event_group, import_command, export_command, host_group, demo_command,
            serve_command, backup_command, restore_command, mail_group]
