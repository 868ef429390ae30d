"""Configuration: defaults here, then instance/config.py, then environment variables."""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

# Environment variables the kit reads, with the config key each sets and how to parse it.
ENV_SETTINGS: dict[str, tuple[str, type]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "BASE_URL": ("BASE_URL", str),
    "PIF_ENV": ("PIF_ENV", str),
    "SMTP_HOST": ("SMTP_HOST", str),
    "SMTP_PORT": ("SMTP_PORT", int),
    "SMTP_USER": ("SMTP_USER", str),
    "SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "SMTP_STARTTLS": ("SMTP_STARTTLS", bool),
    "SMTP_TIMEOUT": ("SMTP_TIMEOUT", float),
    "MAIL_FROM": ("MAIL_FROM", str),
    "MAIL_SEND_INLINE": ("MAIL_SEND_INLINE", bool),
    "MAIL_SEND_QUIET": ("MAIL_SEND_QUIET", float),
    "MAIL_SEND_MAX_DELAY": ("MAIL_SEND_MAX_DELAY", float),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", bool),
    "LOGIN_RATE_LIMIT": ("LOGIN_RATE_LIMIT", str),
    "RSVP_RATE_LIMIT_PER_ADDRESS": ("RSVP_RATE_LIMIT_PER_ADDRESS", str),
    "RSVP_RATE_LIMIT_PER_IP": ("RSVP_RATE_LIMIT_PER_IP", str),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "MAX_UPLOAD_BYTES": ("MAX_UPLOAD_BYTES", int),
    "MATCHING_ANALYSIS": ("MATCHING_ANALYSIS", str),
    "MATCHING_ANALYSIS_QUIET": ("MATCHING_ANALYSIS_QUIET", float),
}

DEV_SECRET_KEY = "dev-only-not-secret"


class DefaultConfig:
    """Safe development defaults; production must override SECRET_KEY."""

    SECRET_KEY = DEV_SECRET_KEY
    PIF_ENV = "development"
    SQLALCHEMY_DATABASE_URI = ""  # filled in by create_app: sqlite file under instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    BASE_URL = ""  # empty: links use the request's host
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10.0
    MAIL_FROM = "Pay-It-Forward Party <party@localhost>"
    # Deliver the outbox right after the request that filled it, in a background thread.
    MAIL_SEND_INLINE = True
    # The sender waits this long without new mail (at most MAIL_SEND_MAX_DELAY) before a pass.
    MAIL_SEND_QUIET = 1.0
    MAIL_SEND_MAX_DELAY = 10.0
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    # Ordinary requests (forms, JSON) are small; only CSV uploads may be larger.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    # "" = a SQLite file in the instance folder, shared by this machine's worker processes;
    # memory:// counts per process; redis://… for several machines.
    RATELIMIT_STORAGE_URI = ""
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    RSVP_RATE_LIMIT_PER_ADDRESS = "5 per hour"
    RSVP_RATE_LIMIT_PER_IP = "60 per minute"
    # How saved answers are analysed for matching: "background" (a thread per process, after
    # the request), "inline" (in the request) or "off" (only when matching runs). Empty means
    # "background", or "off" under TESTING.
    MATCHING_ANALYSIS = ""
    # Seconds without new answers before the background analysis starts (burst-friendly).
    MATCHING_ANALYSIS_QUIET = 5.0
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    TRUSTED_PROXIES = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"


def parse_env_value(raw: str, kind: type) -> Any:
    """Turn an environment string into the config value's type."""
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return kind(raw)


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Config values set by environment variables."""
    environ = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name, (key, kind) in ENV_SETTINGS.items():
        if environ.get(name, "") != "":
            out[key] = parse_env_value(environ[name], kind)
    return out


def normalise_database_url(url: str) -> str:
    """Let ``postgresql://`` URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_production_config(config) -> None:
    """Refuse to run in production with a guessable secret key, debug on, or no BASE_URL."""
    if config.get("PIF_ENV") != "production":
        return
    if config.get("SECRET_KEY") in ("", None, DEV_SECRET_KEY) or len(config["SECRET_KEY"]) < 16:
        raise RuntimeError("PIF_ENV=production needs SECRET_KEY set to a long random value "
                           "(python -c 'import secrets; print(secrets.token_hex(32))').")
    if config.get("DEBUG"):
        raise RuntimeError("Debug mode must be off in production.")
    if not config.get("BASE_URL"):
        # Links in e-mails and badges must not come from the request's Host header, which the
        # client writes (weburls.public_base_url).
        raise RuntimeError("PIF_ENV=production needs BASE_URL, the address guests use "
                           "(e.g. https://party.example.org): e-mailed links and badge QR codes "
                           "start with it.")


def base_url_problem(url: str) -> str:
    """Why ``url`` cannot start the kit's links and badge QR codes, or "" when it can. Without
    http:// or https://, a QR code holds "party.example.org/b/..." and phone cameras do not
    open it as a link."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return f"BASE_URL is not a valid address (got {url})"
    if parts.scheme not in ("http", "https"):
        return f"BASE_URL must start with http:// or https:// (got {url})"
    if not parts.hostname:
        return f"BASE_URL must name a host, e.g. https://party.example.org (got {url})"
    return ""


def check_base_url(config) -> None:
    """Refuse to start with a BASE_URL that links and QR codes cannot use (unset is fine outside
    production: links then use the request's host, for local names and addresses only)."""
    base_url = config.get("BASE_URL")
    problem = base_url_problem(base_url) if base_url else ""
    if problem:
        raise RuntimeError(problem)
