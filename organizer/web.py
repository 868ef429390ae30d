"""Blueprints, error pages, login loader and template helpers, registered on the app."""
from __future__ import annotations

from flask import Flask, abort, render_template
from sqlalchemy import bindparam, select

from .extensions import db, login_manager
from .hosting.models import Event

# (label, endpoint taking slug=) for each feature page linked from an event's dashboard.
EVENT_FEATURE_LINKS = [
    ("Badges", "badges.event_page"),
    ("Matches", "matching.event_page"),
    ("Door", "door.keys_page"),
    ("Check-in log", "door.log_page"),
]


# Built once: every public page and API call starts with this query.
_EVENT_BY_SLUG = select(Event).where(Event.slug == bindparam("slug"))


def event_or_404(slug: str) -> Event:
    """The event with this slug, or the friendly 404 page."""
    event = db.session.scalar(_EVENT_BY_SLUG, {"slug": slug})
    if event is None:
        abort(404)
    return event


def limit_window(error) -> str | None:
    """The window of the rate limit a 429 broke, in words ("a minute", "an hour", "2 hours"),
    or None when the error does not say (a 429 raised by hand)."""
    item = getattr(getattr(error, "limit", None), "limit", None)
    if item is None:
        return None
    seconds = item.get_expiry()
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= length:
            count = -(-seconds // length)  # rounded up: never promise less than the wait
            if count == 1:
                return ("an " if unit == "hour" else "a ") + unit
            return f"{count} {unit}s"
    return None


def init_app(app: Flask) -> None:
    """Register every feature's blueprint and the shared page machinery."""
    from flask_login import user_logged_out

    from .hosting.services import end_sessions, host_for_session
    from .hosting.views import bp as hosting_bp
    from .hosting.views import root_bp
    from .rsvp.views import bp as rsvp_bp

    app.register_blueprint(root_bp)
    app.register_blueprint(hosting_bp)
    app.register_blueprint(rsvp_bp)
    # feature blueprints (one import + register_blueprint line per feature)
    from .door.views import bp as door_bp
    app.register_blueprint(door_bp)
    from .badges.views import bp as badges_bp
    app.register_blueprint(badges_bp)
    from .matching.views import bp as matching_bp
    app.register_blueprint(matching_bp)

    login_manager.login_view = "hosting.login"
    login_manager.login_message = "Please log in to continue."

    @login_manager.user_loader
    def load_host(session_id: str):
        """Load the logged-in host from the session, unless that session was ended (logout)."""
        return host_for_session(db.session, session_id)

    @user_logged_out.connect_via(app)
    def end_host_sessions(sender, user, **extra) -> None:
        """Logging out ends the host's sessions everywhere, not only this browser's cookie: a
        signed cookie copied before would otherwise stay valid for its whole lifetime."""
        if user is not None and getattr(user, "is_authenticated", False):
            end_sessions(db.session, user)
            db.session.commit()

    @app.context_processor
    def feature_links():
        """Links to feature pages shown on every event page, for the features installed."""
        links = [(label, endpoint) for label, endpoint in EVENT_FEATURE_LINKS
                 if endpoint in app.view_functions]
        return {"feature_links": links}

    @app.errorhandler(404)
    def not_found(error):
        """A friendly 404 page."""
        return render_template("errors/404.html"), 404

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """A button press whose page was open too long: say so in words, not a bare 400."""
        return render_template("errors/generic.html", code=400,
                               message="This page was open for a long time and its security "
                                       "token expired. Go back, reload the page and try "
                                       "again."), 400

    @app.errorhandler(400)
    def bad_request(error):
        """A request the kit cannot act on, with the reason when there is one in words."""
        description = getattr(error, "description", "") or ""
        default = "The request could not be understood. Go back, reload the page and try again."
        return render_template("errors/generic.html", code=400,
                               message=description if description and not description.startswith(
                                   "The browser (or proxy)") else default), 400

    @app.errorhandler(429)
    def too_many(error):
        """Rate limit reached: say how long the limit's window is, not a guess."""
        window = limit_window(error)
        return render_template("errors/generic.html", code=429,
                               message="Too many attempts in a short time. Please try again "
                                       + (f"later: the limit resets within {window}."
                                          if window else "later.")), 429

    @app.errorhandler(413)
    def too_large(error):
        """Request body over the limit."""
        return render_template("errors/generic.html", code=413,
                               message="That is more than the kit accepts in one go. "
                                       "Shorten your answers or split the file."), 413

    from .cli import register_commands
    register_commands(app)
