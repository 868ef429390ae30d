"""Security headers, proxy handling, a health check and request logs without personal data."""
from __future__ import annotations

import json
import logging
import time

from flask import Flask, Response, g, request
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import db

request_log = logging.getLogger("organizer.requests")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Pages whose URL carries a private token, or host data: never cached by browsers or proxies.
PRIVATE_PREFIXES = ("/r/", "/host", "/door", "/api", "/b/")


def init_app(app: Flask) -> None:
    """Wire headers, proxy support, health check and request logging into the app."""
    if app.config.get("TRUSTED_PROXIES"):
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    secure = app.config.get("PIF_ENV") == "production" or str(
        app.config.get("BASE_URL", "")).startswith("https://")
    if secure:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _headers_and_log(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith(PRIVATE_PREFIXES):
            headers.setdefault("Cache-Control", "no-store")
        _log_request(response)
        return response

    @app.route("/healthz")
    def healthz():
        """Health check for load balancers: the app answers and the database responds."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy"
            return {"status": "error", "database": "unreachable"}, 503
        return {"status": "ok"}


def _log_request(response: Response) -> None:
    """One JSON line per request: the route pattern, never the path (it may hold a token)."""
    if not request_log.isEnabledFor(logging.INFO):
        return
    started = g.get("request_started")
    request_log.info(json.dumps({
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "endpoint": request.endpoint,
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
    }))
