"""The door page shell, its service worker and web-app manifest.

The shell carries no guest data: everything comes from the API with the phone's door key, so
the shell can be cached by the service worker and opened offline.
"""
from __future__ import annotations

from flask import Response, current_app, jsonify, redirect, render_template, request, url_for

from .views import bp

SERVICE_WORKER = "door/sw.js"


def _door_scope() -> str:
    """The URL folder of the door pages (/door/, or under the app's prefix)."""
    return url_for("door.service_worker").rsplit("/", 1)[0] + "/"


@bp.get("/door/<slug>")
def page(slug: str):
    """The door page: scanner, search, walk-ins (needs a door key stored on the phone)."""
    key = request.args.get("key")
    if key:
        # Move the key into the fragment, which browsers never send to servers or logs.
        return redirect(url_for("door.page", slug=slug) + "#key=" + key, code=303)
    response = Response(render_template("door/page.html", slug=slug))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/door/sw.js")
def service_worker():
    """The service worker, served from /door/ so it may control every door page."""
    response = current_app.send_static_file(SERVICE_WORKER)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = _door_scope()
    return response


@bp.get("/door/<slug>/manifest.webmanifest")
def manifest(slug: str):
    """The web-app manifest that makes the door page installable."""
    response = jsonify({
        "name": "Door check-in",
        "short_name": "Door",
        "start_url": url_for("door.page", slug=slug),
        "scope": _door_scope(),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#111418",
        "theme_color": "#111418",
        "icons": [
            {"src": url_for("static", filename="door/icon-192.png"), "sizes": "192x192",
             "type": "image/png"},
            {"src": url_for("static", filename="door/icon-512.png"), "sizes": "512x512",
             "type": "image/png"},
        ],
    })
    response.mimetype = "application/manifest+json"
    return response
