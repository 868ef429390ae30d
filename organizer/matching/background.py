"""Analysing changed answers after the request that saved them, in one daemon thread per process.

RSVP and import requests stay fast: they only note the event and wake the thread, which runs
:func:`organizer.matching.service.ensure_analyses` so a later match finds every answer analysed.

``MATCHING_ANALYSIS`` in the app config chooses how: ``"background"`` (the thread), ``"inline"``
(right away, in the caller: for tests and the CLI) or ``"off"``. Unset, it is ``"background"``,
or ``"off"`` when the app is testing (a run analyses whatever is missing anyway).

The thread waits for a quiet moment (``MATCHING_ANALYSIS_QUIET`` seconds without new answers,
at most a minute) so an invitation blast is not slowed by analysis running beside it, and only
one process of a multi-worker server analyses at a time (an flock beside the instance folder):
the others would only repeat its work.
"""
from __future__ import annotations

import logging
import os
import threading
import time

from flask import Flask

from ..writelock import ProcessTurn

log = logging.getLogger(__name__)

MODES = ("background", "inline", "off")


def analysis_mode(app: Flask) -> str:
    """How this app analyses saved answers: background, inline or off."""
    mode = app.config.get("MATCHING_ANALYSIS") or ("off" if app.testing else "background")
    if mode not in MODES:
        raise ValueError(f"MATCHING_ANALYSIS must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def analyse_event_now(app: Flask, event_id: int) -> int:
    """Analyse the changed answers of one event in a fresh session; returns how many were analysed."""
    from ..dbtypes import utcnow
    from ..extensions import db
    from ..hosting.models import Event
    from .service import ensure_analyses, stale_guests

    with app.app_context():
        try:
            event = db.session.get(Event, event_id)
            if event is None:
                return 0
            stale = stale_guests(db.session, event)
            if stale:
                ensure_analyses(db.session, event, now=utcnow(), guests=stale)
                db.session.commit()
            return len(stale)
        finally:
            db.session.remove()


MAX_DELAY = 60.0


class BackgroundAnalyser:
    """One daemon thread per process that analyses the events it is kicked for."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._thread: threading.Thread | None = None
        self._last_kick = 0.0
        self._first_kick = 0.0
        self.idle = threading.Event()
        self.idle.set()

    def kick(self, app: Flask, event_id: int) -> None:
        """Analyse this event's changed answers soon, starting the thread on first use."""
        with self._lock:
            now = time.monotonic()
            if not self._pending:
                self._first_kick = now
            self._last_kick = now
            self._pending.add(event_id)
            self.idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, args=(app,), daemon=True,
                                                name="pif-match-analyser")
                self._thread.start()
        self._wake.set()

    def _take(self) -> int | None:
        with self._lock:
            if not self._pending:
                self.idle.set()
                return None
            return self._pending.pop()

    def _wait_for_quiet(self, quiet: float) -> None:
        """Sleep until no answers arrived for `quiet` seconds (or MAX_DELAY since the first)."""
        while True:
            with self._lock:
                now = time.monotonic()
                due = min(self._last_kick + quiet, self._first_kick + MAX_DELAY)
            if now >= due:
                return
            time.sleep(due - now)

    def _run(self, app: Flask) -> None:
        quiet = float(app.config.get("MATCHING_ANALYSIS_QUIET", 5.0))
        turn_file = os.path.join(app.instance_path, "matching-analysis.lock")
        while True:
            self._wake.wait(timeout=60)
            self._wake.clear()
            self._wait_for_quiet(quiet)
            with ProcessTurn(turn_file) as my_turn:
                if not my_turn:
                    # Another worker is analysing (it covers every stale answer of the event);
                    # look again after the next quiet spell.
                    self._wake.set()
                    time.sleep(max(quiet, 1.0))
                    continue
                while (event_id := self._take()) is not None:
                    try:
                        count = analyse_event_now(app, event_id)
                        if count:
                            log.info("analysed the answers of %d guests (event id %d)", count,
                                     event_id)
                    except Exception:  # keep the thread alive; a run analyses what is missing
                        log.exception("answer analysis failed (event id %d)", event_id)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every kicked event has been analysed (for tests and the CLI)."""
        return self.idle.wait(timeout)


background_analyser = BackgroundAnalyser()


def kick_analysis(app: Flask, event_id: int) -> None:
    """After guests' answers were saved: analyse them as configured (never slows the request)."""
    mode = analysis_mode(app)
    if mode == "background":
        background_analyser.kick(app, event_id)
    elif mode == "inline":
        analyse_event_now(app, event_id)
