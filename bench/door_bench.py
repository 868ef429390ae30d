"""Door check-in benchmark: N concurrent door clients against `pif serve`.

Seeds a fresh database with one event, GUESTS guests and one door key per client, starts
`pif serve` (gunicorn) on a free port, then every client scans its share of the badges as fast
as it can (plus a repeat scan of every tenth badge and an unknown code now and then), each
scan one POST /api/v1/events/<slug>/checkins on a keep-alive connection.

With --pace S each door scans once every S seconds (a busy real door: one guest every few
seconds) instead of back to back. Prints check-ins per second, client round-trip p50/p99 and
server time p50/p99 (from the Server-Timing header the API sends) and the count of every
result; exits 1 on any error or a check-in count that is off.

    .venv/bin/python bench/door_bench.py                       # SQLite file in a temp dir
    .venv/bin/python bench/door_bench.py --database-url postgresql://postgres@127.0.0.1/bench_door
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench"
TIMING = re.compile(r"dur=([0-9.]+)")


def seed(database_url: str, guests: int, doors: int) -> tuple[list[str], list[str]]:
    """Fresh schema with one event, its guests and door keys; returns (tokens, secrets)."""
    sys.path.insert(0, str(ROOT))
    from organizer import create_app
    from organizer.dbtypes import utcnow
    from organizer.door.keys import create_door_key
    from organizer.extensions import db
    from organizer.models import Event, Guest

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        event = Event(slug=SLUG, title="Bench party", starts_at=utcnow(), timezone="UTC")
        db.session.add(event)
        db.session.flush()
        rows = [Guest(event_id=event.id, name=f"Guest {n}", email=f"g{n}@bench.test",
                      badge_number=n + 1, can_offer="Benchmarks") for n in range(guests)]
        db.session.add_all(rows)
        secrets = [create_door_key(db.session, event, f"Door {n}", utcnow()).secret
                   for n in range(doors)]
        db.session.commit()
        tokens = [g.badge_token for g in rows]
        db.engine.dispose()
    return tokens, secrets


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(database_url: str, port: int, workers: int | None, threads: int,
                 log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench-secret",
               PIF_ENV="bench")
    command = [str(ROOT / ".venv/bin/pif"), "serve", "--bind", f"127.0.0.1:{port}",
               "--threads", str(threads)]
    if workers:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"),
                              stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"pif serve exited early; see {log}")
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("pif serve did not start in 30 s")


class Door(threading.Thread):
    """One door phone: scans its codes in order on one keep-alive connection."""

    def __init__(self, port: int, secret: str, codes: list[str], start: threading.Barrier,
                 pace: float):
        super().__init__(daemon=True)
        self.port, self.secret, self.codes, self.start_line = port, secret, codes, start
        self.pace = pace
        self.round_trips: list[float] = []
        self.server_ms: list[float] = []
        self.results: Counter[str] = Counter()
        self.errors: list[str] = []

    def request(self, conn, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"}
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response, data

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.request(conn, "GET", f"/api/v1/events/{SLUG}/door")  # warm the connection
        self.start_line.wait()
        next_at = time.perf_counter() + random.uniform(0, self.pace)
        for code in self.codes:
            if self.pace:  # a door scans at most once per `pace` seconds
                time.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += self.pace
            started = time.perf_counter()
            try:
                response, data = self.request(conn, "POST", f"/api/v1/events/{SLUG}/checkins",
                                              {"code": code})
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(repr(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.round_trips.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                self.errors.append(f"HTTP {response.status}: {data[:200]!r}")
                continue
            timing = TIMING.search(response.headers.get("Server-Timing", ""))
            if timing:
                self.server_ms.append(float(timing.group(1)))
            self.results[json.loads(data)["result"]] += 1
        conn.close()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file in a temporary directory")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--guests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="pif serve --workers")
    parser.add_argument("--threads", type=int, default=4, help="pif serve --threads")
    parser.add_argument("--same-badge", type=int, default=0, metavar="N",
                        help="instead: all doors scan the same N badges at once (exactly-once "
                             "check across gunicorn workers)")
    parser.add_argument("--pace", type=float, default=0.0,
                        help="seconds between one door's scans (default 0: as fast as it can)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="door-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    tokens, secrets = seed(database_url, args.guests, args.clients)
    base = "http://party.test/b/"
    plans: list[list[str]] = []
    if args.same_badge:  # every door scans every badge: each must be checked in exactly once
        tokens = tokens[:args.same_badge]
        plans = [[base + token for token in tokens] for _ in range(args.clients)]
    for door in range(0 if args.same_badge else args.clients):  # own guests, the same mix
        plan = []
        for n, token in enumerate(tokens[door::args.clients]):
            plan.append(base + token)
            if n % 10 == 0:
                plan.append(token)  # the same badge again: "already"
            if n % 50 == 25:
                plan.append(base + "x" * 24)  # not ours: "unknown"
        plans.append(plan)
    port = free_port()
    server = start_server(database_url, port, args.workers, args.threads, tmp / "server.log")
    try:
        start = threading.Barrier(args.clients + 1)
        doors = [Door(port, secret, plan, start, args.pace) for secret, plan in zip(secrets, plans)]
        for door in doors:
            door.start()
        start.wait()
        began = time.perf_counter()
        for door in doors:
            door.join()
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(10)

    round_trips = [ms for d in doors for ms in d.round_trips]
    server_ms = [ms for d in doors for ms in d.server_ms]
    results = sum((d.results for d in doors), Counter())
    errors = [e for d in doors for e in d.errors]
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"door bench: {engine}, {args.clients} clients, {len(round_trips)} scans "
          f"({args.guests} guests), pif serve workers={args.workers or 'default'} "
          f"threads={args.threads}, "
          + (f"each door scanning every {args.pace:g} s" if args.pace else "closed loop"))
    print(f"  throughput      {len(round_trips) / elapsed:8.1f} scans/s "
          f"({results['ok'] / elapsed:.1f} check-ins/s) over {elapsed:.2f} s")
    print(f"  round trip ms   p50 {percentile(round_trips, 50):6.2f}   "
          f"p99 {percentile(round_trips, 99):6.2f}   max {max(round_trips):6.2f}")
    if server_ms:
        print(f"  server time ms  p50 {percentile(server_ms, 50):6.2f}   "
              f"p99 {percentile(server_ms, 99):6.2f}   mean {statistics.fmean(server_ms):6.2f}")
    print(f"  results         {dict(sorted(results.items()))}")
    print(f"  errors          {len(errors)}{' e.g. ' + errors[0] if errors else ''}")
    ok = not errors and results["ok"] == (args.same_badge or args.guests)
    if not ok:
        print("  FAILED: errors, or the check-in count is not one per guest", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
