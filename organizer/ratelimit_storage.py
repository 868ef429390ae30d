"""The rate limiter's storages: in-process (``memory://``) without a thread per request, and a
SQLite file shared by the worker processes of one machine (``sqlite:///…``, the default).

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

import sqlite3
import threading
import time

from limits.storage import MemoryStorage, Storage

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


class SqliteFileStorage(Storage):
    """Fixed-window counters in a SQLite file (``sqlite:////abs/path/ratelimit.sqlite3``), shared by
    every worker process on the machine.

    With ``memory://`` each gunicorn worker counts on its own: `pif serve` starts 2 × cores + 1 of
    them, so "10 per minute" on the login form allowed five times that, and requests alternated
    between refused and accepted. This is the default for one machine; several machines share
    Redis (``redis://``). One atomic statement counts a hit (an upsert that starts a new window
    when the old one has ended), in WAL mode without a sync per write.
    """

    STORAGE_SCHEME = ["sqlite"]
    SWEEP_EVERY = 60.0  # seconds between deletions of ended windows

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = (uri or "").removeprefix("sqlite:///")
        if not path or path == uri:
            raise ValueError("a rate limit file is given as sqlite:////absolute/path.sqlite3")
        self.path = path
        self._local = threading.local()
        self._next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=5.0, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, "
                               "count INTEGER NOT NULL, ends REAL NOT NULL)")
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            db.execute("DELETE FROM hits WHERE ends <= ?", (now,))
        return db.execute(
            "INSERT INTO hits (key, count, ends) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN ends <= ?4 THEN ?2 ELSE count + ?2 END, "
            "ends = CASE WHEN ends <= ?4 THEN ?3 ELSE ends END RETURNING count",
            (key, amount, now + expiry, now)).fetchone()[0]

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT count FROM hits WHERE key = ? AND ends > ?",
                                 (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._db().execute("SELECT ends FROM hits WHERE key = ? AND ends > ?", (key, now)).fetchone()
        return row[0] if row else now

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM hits WHERE key = ?", (key,))
