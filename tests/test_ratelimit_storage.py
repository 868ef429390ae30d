"""The limiter's memory:// storage counts exactly and starts no thread per counted request."""
import time

import limits.storage.memory
from limits import RateLimitItemPerSecond, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from organizer import ratelimit_storage
from organizer.extensions import limiter
from organizer.ratelimit_storage import SweepInlineMemoryStorage


def test_the_app_limiter_uses_it_for_memory_uris(app):
    with app.app_context():
        assert isinstance(limiter.storage, SweepInlineMemoryStorage)
    assert isinstance(storage_from_string("memory://"), SweepInlineMemoryStorage)


def test_counting_starts_no_timer_threads(monkeypatch):
    storage = SweepInlineMemoryStorage()
    started = []

    class CountingTimer(limits.storage.memory.threading.Timer):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(limits.storage.memory.threading, "Timer", CountingTimer)
    window = FixedWindowRateLimiter(storage)
    item = parse("1000 per minute")
    for n in range(200):
        assert window.hit(item, "rsvp", f"guest{n}@example.com")
        time.sleep(0.0001 if n % 50 else 0.02)  # the library's timer would have ended by now
    assert started == []


def test_windows_still_end_on_time_and_expired_keys_are_freed(monkeypatch):
    storage = SweepInlineMemoryStorage()
    window = FixedWindowRateLimiter(storage)
    item = RateLimitItemPerSecond(2)
    assert window.hit(item, "a") and window.hit(item, "a")
    assert not window.hit(item, "a")  # the third in the same second is refused
    time.sleep(1.05)
    assert window.hit(item, "a")  # a new window: counted from one again, not carried over
    assert window.get_window_stats(item, "a").remaining == 1

    window.hit(item, "b")
    storage.expirations[next(k for k in storage.storage if "/a/" in k)] += 60  # "a" stays current
    time.sleep(1.05)
    monkeypatch.setattr(ratelimit_storage, "SWEEP_EVERY", 0.0)
    storage._next_sweep = 0.0
    window.hit(item, "c")  # counting any key sweeps the ended windows of the others
    assert [key.split("/")[1] for key in storage.storage] == ["a", "c"]  # keys: LIMITER/b/2/...


def test_the_default_storage_is_a_file_every_worker_process_shares(tmp_path):
    """`pif serve` runs several worker processes. With memory:// each counted on its own, so the
    login form's "10 per minute" let through five times that. By default the app counts in a
    SQLite file in its instance folder; two processes hitting one key share one count."""
    import subprocess
    import sys

    from organizer import create_app
    from organizer.ratelimit_storage import SqliteFileStorage

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        assert isinstance(limiter.storage, SqliteFileStorage)
    assert app.config["RATELIMIT_STORAGE_URI"].endswith(".sqlite3")
    # A server on another database (another site, another test run) counts in a file of its own.
    other = create_app({"TESTING": True, "SECRET_KEY": "x",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite3'}"})
    assert other.config["RATELIMIT_STORAGE_URI"] != app.config["RATELIMIT_STORAGE_URI"]

    uri = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    hitter = ("import sys, organizer.ratelimit_storage\n"
              "from limits import parse\nfrom limits.storage import storage_from_string\n"
              "from limits.strategies import FixedWindowRateLimiter\n"
              "window = FixedWindowRateLimiter(storage_from_string(sys.argv[1]))\n"
              "print(sum(window.hit(parse('25 per minute'), 'login', '10.0.0.1') for _ in range(20)))\n")
    workers = [subprocess.Popen([sys.executable, "-c", hitter, uri], stdout=subprocess.PIPE, text=True)
               for _ in range(3)]
    allowed = [int(worker.communicate(timeout=60)[0]) for worker in workers]
    assert sum(allowed) == 25, allowed  # 60 tries from three processes, 25 let through in all


def test_the_file_storage_ends_windows_and_clears(tmp_path):
    from organizer.ratelimit_storage import SqliteFileStorage
    storage = SqliteFileStorage(f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    window = FixedWindowRateLimiter(storage)
    item = RateLimitItemPerSecond(2)
    assert window.hit(item, "a") and window.hit(item, "a") and not window.hit(item, "a")
    assert window.get_window_stats(item, "a").remaining == 0
    time.sleep(1.05)
    assert window.hit(item, "a") and window.get_window_stats(item, "a").remaining == 1
    window.clear(item, "a")
    assert window.get_window_stats(item, "a").remaining == 2
    assert storage.check() and storage.reset() >= 0
