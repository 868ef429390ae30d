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
