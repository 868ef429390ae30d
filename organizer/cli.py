"""The ``pif`` command line: a Flask CLI group with the kit's commands."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    """Attach the kit's commands to the app's CLI."""
    from .hosting.cli import COMMANDS
    for command in COMMANDS:
        app.cli.add_command(command)
    # feature commands (one import + app.cli.add_command line per feature)
    from .matching.cli import match_command
    app.cli.add_command(match_command)
    from .door.cli import door_link_command
    app.cli.add_command(door_link_command)
    from .badges.cli import badges_command
    app.cli.add_command(badges_command)
    from .matching.sheet_cli import sheet_command
    app.cli.add_command(sheet_command)


def _create_app():
    from . import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Pay-It-Forward Party Kit command line."""


def _add_app_free_commands() -> None:
    # Found without building the app (FlaskGroup looks at its own commands first), so
    # `pif match --csv` starts fast and needs no database.
    from .matching.cli import match_command
    main.add_command(match_command)


_add_app_free_commands()
