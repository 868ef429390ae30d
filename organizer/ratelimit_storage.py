"""The rate limiter's in-process storage (``memory://``) without a thread per request.

The ``limits`` library's MemoryStorage sweeps expired counters in a ``threading.Timer`` that
it starts again, 10 ms later, on the next counted request: a gunicorn worker taking an RSVP
every 15 ms started a new thread for almost every one, and each sweep walked every key (one
per RSVP address). Counting stays exact without it, since MemoryStorage drops a key whose
window has ended whenever that key is read or counted; the sweep only frees memory. Here it
runs inline, at most once a second.

Importing this module registers the class for the ``memory`` scheme, so the documented
``RATELIMIT_STORAGE_URI=memory://`` keeps working. ``redis://`` is untouched.
"""
from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SWEEP_EVERY = 1.0  # seconds between sweeps of expired counters


class SweepInlineMemoryStorage(MemoryStorage):
    """MemoryStorage whose sweep of expired keys runs in the caller, once a second at most."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._sweep_lock = threading.Lock()
        self._next_sweep = 0.0

    # MemoryStorage calls this (name-mangled) before every count; see the module docstring.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_EVERY
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()
