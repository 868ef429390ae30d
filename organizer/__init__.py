"""Pay-It-Forward Party Kit."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from .config import DefaultConfig, check_base_url, check_production_config, env_overrides, normalise_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Top-level ``templates``/``static`` in a checkout, or their copies inside the wheel."""
    in_checkout = PACKAGE_DIR.parent / name
    if in_checkout.is_dir():
        return in_checkout
    return PACKAGE_DIR / f"_{name}"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI. No side effects beyond wiring."""
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(resource_dir("templates")),
                static_folder=str(resource_dir("static")), static_url_path="/static")
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_overrides())
    if test_config:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        # The default database lives in the instance folder: `instance/` in a checkout, but
        # `<prefix>/var/organizer-instance/` for an installed wheel, which nothing else creates.
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, "pif.sqlite3"))
    check_production_config(app.config)
    check_base_url(app.config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["RATELIMIT_STORAGE_URI"]:
        # Every worker process of this machine serving this database counts in one file
        # (ratelimit_storage.py); another database (another site, a test) counts apart.
        os.makedirs(app.instance_path, exist_ok=True)
        site = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
        app.config["RATELIMIT_STORAGE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, f"ratelimit-{site}.sqlite3"))

    from . import models  # noqa: F401  (register every table)
    from .extensions import csrf, db, limiter, login_manager, migrate
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    _drop_limiter_request_hook(app, limiter)

    from . import security
    security.init_app(app)

    from . import web
    web.init_app(app)
    return app


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and foreign keys on every SQLite connection."""
    import sqlite3
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL still never corrupts the database; it only skips the disk sync on
        # every commit (a power cut may lose the last commits, a crashed process loses nothing).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _drop_limiter_request_hook(app: Flask, limiter) -> None:
    """Flask-Limiter checks default and application limits in a hook before every request. The
    kit sets none: its limits sit on the login and RSVP views, whose decorators check them
    themselves. The empty check cost about 0.8 million CPU instructions per request (callgrind),
    a tenth of an RSVP. Should Flask-Limiter rename its hook, it simply stays (slower, same)."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION") \
            or app.config.get("RATELIMIT_META"):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
