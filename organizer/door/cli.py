"""``pif door-link``: a door URL with a fresh secret key for a volunteer."""
from __future__ import annotations

import os

import click
from flask import current_app
from sqlalchemy import select

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..hosting.models import Event
from .keys import create_door_key, next_door_name
from .links import door_link


@click.command("door-link")
@click.argument("slug")
@click.option("--name", help='Door name shown in the log (default "Door N").')
def door_link_command(slug: str, name: str | None) -> None:
    """Print a door URL (with its secret key) for volunteers."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with slug {slug!r}.")
    try:
        issued = create_door_key(db.session, event, name or next_door_name(db.session, event),
                                 utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    # Without BASE_URL, the address `pif serve` / scripts/run listen on by default.
    port = os.environ.get("PORT", "5000")
    base = current_app.config.get("BASE_URL") or f"http://127.0.0.1:{port}"
    click.echo(door_link(base, event.slug, issued.secret))
    click.echo(f"Door “{issued.door_key.name}”: the key is shown only now; revoke it on "
               f"/host/events/{event.slug}/door-keys.", err=True)
