"""Load test against `pif serve` on loopback: an invitation blast, then the door rush.

Phase 1: N RSVPs (default 2 000) from C concurrent guest clients (default 50). Each client is a
browser: it loads the form once (session cookie + CSRF token), then posts RSVPs.
Phase 2: D door clients (default 20) check in K guests (default 1 500) through the check-in API
while a host client keeps loading the dashboard and downloading the badge PDF.
Afterwards every row is accounted for: RSVPs = guests, check-ins = distinct guests scanned, no
duplicates. Bounded: fixed request counts, loopback only, a time limit per phase.

The clients are asyncio coroutines speaking HTTP/1.1 on raw sockets: on a 2-core machine the
load generator shares the CPU with the server, and 50 threads of http.client cost it about
1 ms of CPU per request, a quarter of a core at 300 requests per second.

`--rate R` offers the RSVPs at R per second (open loop) instead of flat out; latency then counts
from when each RSVP was due, so a server that falls behind is charged for the wait.

    .venv/bin/python bench/load_bench.py --db sqlite
    .venv/bin/python bench/load_bench.py --db postgres   # uses postgresql://postgres@127.0.0.1/pif_bench
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
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


class Response:
    """Status, headers (lower-case names) and body of one HTTP response."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


class Client:
    """One simulated browser: its own connection and cookie jar, every request timed by label."""

    def __init__(self, port: int, timings, errors):
        self.port, self.timings, self.errors = port, timings, errors
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def request(self, label, method, path, body=b"", headers=None, due=None):
        """Send one request; with `due`, latency counts from when it was due (open-loop load)."""
        if isinstance(body, str):
            body = body.encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        started = time.perf_counter()
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            response = await asyncio.wait_for(self._read_response(), 30)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors[label].append(repr(exc))
            self.close()
            return None
        self.timings[label].append(time.perf_counter() - (started if due is None else min(due, started)))
        for header in response.get_all("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if any(v.lower() == "close" for v in response.get_all("connection")):
            self.close()  # gunicorn's sync workers close after every response
        return response

    async def _read_response(self) -> Response:
        status_line = await self.reader.readline()
        if not status_line:
            raise ValueError("connection closed before a response")
        status = int(status_line.split()[1])
        headers = []
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = Response(status, headers, b"")
        if response.get_all("transfer-encoding") == ["chunked"]:
            chunks = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readline()
            response.body = b"".join(c[:-2] for c in chunks)
        else:
            length = int((response.get_all("content-length") or ["0"])[0])
            response.body = await self.reader.readexactly(length)
        return response

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _cpu_seconds(pids) -> float:
    """User + system CPU seconds of these processes (Linux /proc), 0 where unreadable."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the app server (master and workers) and of PostgreSQL's processes."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
                comm = open(f"/proc/{entry}/comm").read().strip()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == server_pid:
                children.append(int(entry))
            elif comm.startswith("postgres"):
                children.append(-int(entry))
    app = [server_pid] + [p for p in children if p > 0]
    pg = [-p for p in children if p < 0]
    return {"app": _cpu_seconds(app), "postgres": _cpu_seconds(pg),
            "bench": time.process_time()}


def cpu_report(before, after, count, what):
    """CPU milliseconds per request: robust to a noisy machine, unlike wall-clock throughput."""
    parts = ", ".join(f"{k} {(after[k] - before[k]) * 1000 / max(count, 1):.2f}" for k in before)
    print(f"  CPU ms per {what}: {parts}")


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


def cpu_calibration() -> float:
    """Seconds one core takes for a fixed pure-Python loop: the same machine kind has measured
    anywhere from 0.6 to 2 s, so throughput figures are only comparable next to this one."""
    started, total = time.process_time(), 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def run(args) -> int:
    print(f"CPU calibration: a 10-million-step Python loop took {cpu_calibration():.2f} s of CPU")
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
           "PIF_HOST_PASSWORD": "load bench password", "FLASK_APP": "organizer:create_app",
           # The workers' shared rate-limit counts (the default storage), kept with this run.
           "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
           or f"sqlite:///{workdir / 'limits.sqlite3'}"}
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
        return _phases(args, port, door_key, database_url, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _phases(args, port, door_key, database_url, server_pid) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))

    # Phase 1: the invitation blast.
    timings, errors = defaultdict(list), defaultdict(list)
    counter = iter(range(args.rsvps))
    cpu_before = server_cpu(server_pid)
    started = asyncio.run(_blast(args, port, counter, timings, errors))
    elapsed = time.perf_counter() - started
    mode = f"offered at {args.rate:.0f}/s, latency from due time" if args.rate else "flat out"
    report(f"Phase 1: {args.rsvps} RSVPs from {args.clients} clients ({args.db}, {mode})", timings,
           errors, elapsed, "POST /e/<slug> (RSVP)")
    cpu_report(cpu_before, server_cpu(server_pid), args.rsvps, "RSVP")
    rsvp_errors = sum(len(v) for v in errors.values())

    # Every RSVP's confirmation must leave the outbox (logged: no SMTP server in the bench). The
    # invitations go out days before the party, so the door rush starts once they have.
    waited = time.monotonic() + 60
    while time.monotonic() < waited:
        with engine.connect() as c:
            mails = c.execute(text("SELECT count(*), count(sent_at) FROM outbox_message")).one()
        if mails[0] == mails[1] == args.rsvps:
            break
        time.sleep(0.5)
    print(f"  outbox: {mails[0]} confirmations queued, {mails[1]} delivered "
          f"{time.perf_counter() - started - elapsed:.1f} s after the blast")

    # Phase 2: the door rush, with the host dashboard and badge downloads running alongside.
    with engine.connect() as c:
        tokens = [r[0] for r in c.execute(text("SELECT badge_token FROM guest ORDER BY id"))]
    to_scan = tokens[:args.checkins]
    timings2, errors2, results = defaultdict(list), defaultdict(list), defaultdict(int)
    cpu_before = server_cpu(server_pid)
    started = time.perf_counter()
    asyncio.run(_door_rush(args, port, door_key, iter(to_scan), timings2, errors2, results))
    elapsed = time.perf_counter() - started
    report(f"Phase 2: {len(to_scan)} check-ins from {args.door_clients} door clients, "
           "host dashboard + badge PDFs alongside", timings2, errors2, elapsed, "POST checkins")
    print(f"  check-in results: {dict(results)}")
    cpu_report(cpu_before, server_cpu(server_pid), len(to_scan), "check-in (with host traffic)")

    with engine.connect() as c:
        guests = c.execute(text("SELECT count(*), count(DISTINCT email) FROM guest")).one()
        checked = c.execute(text("SELECT count(*) FROM guest WHERE checked_in_at IS NOT NULL")
                            ).scalar()
        badges = c.execute(text("SELECT count(DISTINCT badge_number) FROM guest")).scalar()
    ok = (guests[0] == guests[1] == badges == args.rsvps and checked == len(set(to_scan))
          and mails[0] == mails[1] == args.rsvps
          and results.get("ok", 0) == len(set(to_scan)))
    print(f"\nAccounting: guests={guests[0]} distinct e-mails={guests[1]} distinct badge "
          f"numbers={badges} (RSVPs sent {args.rsvps}); checked in={checked} (distinct scanned "
          f"{len(set(to_scan))}); {'OK' if ok else 'MISMATCH'}")
    print(f"Errors: RSVP phase {rsvp_errors}, door phase {sum(len(v) for v in errors2.values())}")
    return 0 if ok and rsvp_errors == 0 and not errors2 else 1


def _form_token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


async def _blast(args, port, counter, timings, errors) -> float:
    """Every guest client opens the form first; then the RSVPs go out (at --rate, or flat out).
    Returns the moment the RSVPs started, which the phase's throughput counts from."""
    label = "POST /e/<slug> (RSVP)"
    clients = [Client(port, timings, errors) for _ in range(args.clients)]
    pages = await asyncio.gather(*(c.request("GET /e/<slug>", "GET", "/e/load") for c in clients))
    tokens = [_form_token(page.body) for page in pages]
    started = time.perf_counter()
    deadline = time.monotonic() + PHASE_TIME_LIMIT

    async def guest_client(client, token):
        for n in counter:
            if time.monotonic() > deadline:
                return
            due = None
            if args.rate:  # open loop: RSVP n is due at start + n / rate
                due = started + n / args.rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            body = urlencode({"csrf_token": token, "name": f"Guest {n} Ünïcødé",
                              "email": f"guest{n}@example.com", "company": f"Company {n % 97}",
                              "can_offer": "Intros to designers, feedback on pitch decks",
                              "could_use": "A mentor in product management",
                              "attendance": "yes", "consent_share": "y"})
            response = await client.request(label, "POST", "/e/load", body, {
                "Content-Type": "application/x-www-form-urlencoded"}, due=due)
            if response is not None and response.status != 303:
                errors[label].append(response.status)
        client.close()

    await asyncio.gather(*(guest_client(c, t) for c, t in zip(clients, tokens)))
    return started


async def _door_rush(args, port, door_key, scan_iter, timings, errors, results) -> None:
    deadline = time.monotonic() + PHASE_TIME_LIMIT
    door_done = asyncio.Event()

    async def door_client():
        client = Client(port, timings, errors)
        headers = {"Authorization": f"Bearer {door_key}", "Content-Type": "application/json"}
        for code in scan_iter:
            if time.monotonic() > deadline:
                break
            response = await client.request("POST checkins", "POST", "/api/v1/events/load/checkins",
                                            json.dumps({"code": f"http://x/b/{code}"}), headers)
            if response is None:
                continue
            if response.status != 200:
                errors["POST checkins"].append(response.status)
                continue
            results[json.loads(response.body)["result"]] += 1
        client.close()

    async def host_client():
        client = Client(port, timings, errors)
        page = await client.request("GET /host/login", "GET", "/host/login")
        await client.request("POST /host/login", "POST", "/host/login", urlencode({
            "csrf_token": _form_token(page.body), "email": "host@example.com",
            "password": "load bench password"}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        while not door_done.is_set():
            response = await client.request("GET host dashboard", "GET", "/host/events/load")
            if response is not None and response.status != 200:
                errors["GET host dashboard"].append(response.status)
            if args.badges:
                response = await client.request("GET badges PDF", "GET",
                                                "/host/events/load/badges.pdf")
                if response is not None and response.status != 200:
                    errors["GET badges PDF"].append(response.status)
        client.close()

    async def doors():
        await asyncio.gather(*(door_client() for _ in range(args.door_clients)))
        door_done.set()

    await asyncio.gather(doors(), host_client())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/pif_bench")
    parser.add_argument("--rsvps", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--checkins", type=int, default=1500)
    parser.add_argument("--door-clients", type=int, default=20)
    parser.add_argument("--rate", type=float, default=None,
                        help="offer RSVPs at this many per second (open loop) instead of flat out")
    parser.add_argument("--workers", type=int, default=None, help="default: pif serve's")
    parser.add_argument("--threads", type=int, default=None, help="default: pif serve's")
    parser.add_argument("--no-badges", dest="badges", action="store_false",
                        help="skip badge PDF downloads in phase 2")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
