"""Load test against `pif serve` on loopback: an invitation blast, then the door rush.

Phase 1: N RSVPs (default 2 000) from C concurrent guest clients (default 50). Each client is a
browser: it loads the form once (session cookie + CSRF token), then posts RSVPs.
Phase 2: D door clients (default 20) check in K guests (default 1 500) through the check-in API
while a host client keeps loading the dashboard and downloading the badge PDF.
Afterwards every row is accounted for: RSVPs = guests, check-ins = distinct guests scanned, no
duplicates. Bounded: fixed request counts, loopback only, a time limit per phase.

    .venv/bin/python bench/load_bench.py --db sqlite
    .venv/bin/python bench/load_bench.py --db postgres   # uses postgresql://postgres@127.0.0.1/pif_bench
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PIF = str(ROOT / ".venv" / "bin" / "pif")
PHASE_TIME_LIMIT = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A keep-alive HTTP client with a cookie jar, timing every request by label."""

    def __init__(self, port: int, timings, errors):
        self.port, self.timings, self.errors = port, timings, errors
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, label, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.errors[label].append(repr(exc))
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return None, b""
        self.timings[label].append(time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, data


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(title, timings, errors, elapsed, counted_label):
    print(f"\n{title}")
    print(f"  {'endpoint':28} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label in sorted(set(timings) | set(errors)):
        values = timings.get(label, [])
        p50 = percentile(values, 50) * 1000 if values else float("nan")
        p99 = percentile(values, 99) * 1000 if values else float("nan")
        print(f"  {label:28} {len(values):8d} {p50:8.1f} {p99:8.1f} {len(errors.get(label, [])):7d}")
    done = len(timings.get(counted_label, []))
    print(f"  {counted_label}: {done} in {elapsed:.2f} s = {done / elapsed:.0f} per second")


def run(args) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="pif-load-"))
    port = free_port()
    if args.db == "sqlite":
        database_url = f"sqlite:///{workdir}/load.sqlite3"
    else:
        database_url = args.postgres_url
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                        "DROP DATABASE IF EXISTS pif_bench"], check=True)
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                        "CREATE DATABASE pif_bench"], check=True)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "load-bench-" + "x" * 32,
           "BASE_URL": f"http://127.0.0.1:{port}", "RSVP_RATE_LIMIT_PER_IP": "1000000 per minute",
           "PIF_HOST_PASSWORD": "load bench password", "FLASK_APP": "organizer:create_app"}
    env.pop("SMTP_HOST", None)

    def pif(*argv, capture=False):
        return subprocess.run([PIF, *argv], env=env, check=True, cwd=workdir,
                              capture_output=capture, text=True)

    pif("db", "upgrade", capture=True)
    pif("host", "create", "host@example.com", capture=True)
    pif("event", "create", "load", "--title", "Load test party", "--starts", "2030-01-01 18:00",
        capture=True)
    door_url = pif("door-link", "load", "--name", "Bench door", capture=True).stdout
    door_key = re.search(r"#key=(\S+)", door_url).group(1)

    log = open(workdir / "server.log", "w")
    serve = [PIF, "serve", "--bind", f"127.0.0.1:{port}"]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    server = subprocess.Popen(serve,
                              env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        return _phases(args, port, door_key, database_url)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _phases(args, port, door_key, database_url) -> int:
    # Phase 1: the invitation blast.
    timings, errors = defaultdict(list), defaultdict(list)
    counter = iter(range(args.rsvps))
    lock = threading.Lock()
    deadline = time.monotonic() + PHASE_TIME_LIMIT

    def guest_client():
        client = Client(port, timings, errors)
        _, page = client.request("GET /e/<slug>", "GET", "/e/load")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            body = urlencode({"csrf_token": token.decode(), "name": f"Guest {n} Ünïcødé",
                              "email": f"guest{n}@example.com", "company": f"Company {n % 97}",
                              "can_offer": "Intros to designers, feedback on pitch decks",
                              "could_use": "A mentor in product management",
                              "attendance": "yes", "consent_share": "y"})
            response, _ = client.request("POST /e/<slug> (RSVP)", "POST", "/e/load", body, {
                "Content-Type": "application/x-www-form-urlencoded"})
            if response is not None and response.status != 303:
                errors["POST /e/<slug> (RSVP)"].append(response.status)

    started = time.perf_counter()
    threads = [threading.Thread(target=guest_client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report(f"Phase 1: {args.rsvps} RSVPs from {args.clients} clients ({args.db})", timings,
           errors, time.perf_counter() - started, "POST /e/<slug> (RSVP)")
    rsvp_errors = sum(len(v) for v in errors.values())

    # Phase 2: the door rush, with the host dashboard and badge downloads running alongside.
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as c:
        tokens = [r[0] for r in c.execute(text("SELECT badge_token FROM guest ORDER BY id"))]
    to_scan = tokens[:args.checkins]
    timings2, errors2 = defaultdict(list), defaultdict(list)
    results = defaultdict(int)
    scan_iter = iter(to_scan)
    stop_host = threading.Event()
    deadline = time.monotonic() + PHASE_TIME_LIMIT

    def door_client(i):
        client = Client(port, timings2, errors2)
        headers = {"Authorization": f"Bearer {door_key}", "Content-Type": "application/json"}
        while time.monotonic() < deadline:
            with lock:
                code = next(scan_iter, None)
            if code is None:
                return
            response, data = client.request("POST checkins", "POST",
                                            "/api/v1/events/load/checkins",
                                            json.dumps({"code": f"http://x/b/{code}"}), headers)
            if response is None:
                continue
            if response.status != 200:
                errors2["POST checkins"].append(response.status)
                continue
            with lock:
                results[json.loads(data)["result"]] += 1

    def host_client():
        client = Client(port, timings2, errors2)
        _, page = client.request("GET /host/login", "GET", "/host/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.request("POST /host/login", "POST", "/host/login", urlencode({
            "csrf_token": token.decode(), "email": "host@example.com",
            "password": "load bench password"}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        while not stop_host.is_set():
            response, _ = client.request("GET host dashboard", "GET", "/host/events/load")
            if response is not None and response.status != 200:
                errors2["GET host dashboard"].append(response.status)
            if args.badges:
                response, _ = client.request("GET badges PDF", "GET",
                                             "/host/events/load/badges.pdf")
                if response is not None and response.status != 200:
                    errors2["GET badges PDF"].append(response.status)

    started = time.perf_counter()
    host = threading.Thread(target=host_client)
    host.start()
    threads = [threading.Thread(target=door_client, args=(i,)) for i in range(args.door_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    stop_host.set()
    host.join()
    report(f"Phase 2: {len(to_scan)} check-ins from {args.door_clients} door clients, "
           "host dashboard + badge PDFs alongside", timings2, errors2, elapsed, "POST checkins")
    print(f"  check-in results: {dict(results)}")

    # Every RSVP's confirmation must leave the outbox (logged: no SMTP server in the bench).
    waited = time.monotonic() + 60
    while time.monotonic() < waited:
        with engine.connect() as c:
            mails = c.execute(text("SELECT count(*), count(sent_at) FROM outbox_message")).one()
        if mails[0] == mails[1] == args.rsvps:
            break
        time.sleep(1)
    print(f"  outbox: {mails[0]} confirmations queued, {mails[1]} delivered")
    with engine.connect() as c:
        guests = c.execute(text("SELECT count(*), count(DISTINCT email) FROM guest")).one()
        checked = c.execute(text("SELECT count(*) FROM guest WHERE checked_in_at IS NOT NULL")
                            ).scalar()
    ok = (guests[0] == guests[1] == args.rsvps and checked == len(set(to_scan))
          and mails[0] == mails[1] == args.rsvps
          and results.get("ok", 0) == len(set(to_scan)))
    print(f"\nAccounting: guests={guests[0]} distinct e-mails={guests[1]} (RSVPs sent "
          f"{args.rsvps}); checked in={checked} (distinct scanned {len(set(to_scan))}); "
          f"{'OK' if ok else 'MISMATCH'}")
    print(f"Errors: RSVP phase {rsvp_errors}, door phase {sum(len(v) for v in errors2.values())}")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/pif_bench")
    parser.add_argument("--rsvps", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--checkins", type=int, default=1500)
    parser.add_argument("--door-clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: pif serve's")
    parser.add_argument("--threads", type=int, default=None, help="default: pif serve's")
    parser.add_argument("--no-badges", dest="badges", action="store_false",
                        help="skip badge PDF downloads in phase 2")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
