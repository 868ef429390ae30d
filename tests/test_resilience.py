"""Killing a server worker mid-burst never leaves half-written rows (real gunicorn, real kill)."""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_DATABASE_URL

PIF = str(Path(sys.executable).parent / "pif")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.slow
def test_killing_a_worker_during_an_rsvp_burst_leaves_no_half_written_guest(app, tmp_path):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'kill.sqlite3'}"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "k" * 40,
           "RSVP_RATE_LIMIT_PER_IP": "100000 per minute", "MAIL_SEND_INLINE": "false",
           # The workers' shared counts, kept with this test, not in the checkout's instance folder.
           "RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'limits.sqlite3'}",
           "FLASK_APP": "organizer:create_app"}
    from organizer.extensions import db
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as c:
        c.execute(text("DROP TABLE IF EXISTS alembic_version"))
    subprocess.run([PIF, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=tmp_path)
    subprocess.run([PIF, "event", "create", "burst", "--title", "Burst", "--starts",
                    "2030-01-01 18:00", "--capacity", "150"], env=env, check=True,
                   capture_output=True, cwd=tmp_path)
    server = subprocess.Popen([PIF, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "--threads", "4"], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    confirmed: list[str] = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

        def client(worker: int) -> None:
            for n in range(40):
                email = f"w{worker}-{n}@example.com"
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", "/e/burst")
                    page = conn.getresponse()
                    html = page.read().decode()
                    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
                    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                      html).group(1)
                    conn.request("POST", "/e/burst", body=urlencode({
                        "csrf_token": token, "name": f"Guest {email}", "email": email,
                        "can_offer": "Help", "could_use": "Advice", "attendance": "yes"}),
                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                 "Cookie": cookie})
                    if conn.getresponse().status == 303:
                        confirmed.append(email)
                    conn.close()
                except (OSError, http.client.HTTPException, AttributeError):
                    pass  # the worker we killed took this request with it

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        killed = 0
        for _ in range(3):
            workers = _children(server.pid)
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed += 1
            time.sleep(0.4)
        for t in threads:
            t.join()
        assert killed >= 1
    finally:
        server.terminate()
        server.wait(timeout=30)

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as c:
        guests = c.execute(text("SELECT email, name, badge_number, attendance FROM guest")).all()
        mails = {r[0] for r in c.execute(text("SELECT to_addr FROM outbox_message"))}
    engine.dispose()
    emails = [g.email for g in guests]
    assert len(emails) == len(set(emails)), "a guest was written twice"
    assert set(confirmed) <= set(emails), "a confirmed RSVP was lost"
    assert sorted(g.badge_number for g in guests) == list(range(1, len(guests) + 1))
    assert all(g.name == f"Guest {g.email}" for g in guests), "a half-written guest"
    assert set(emails) == mails, "a guest without its confirmation e-mail (or the reverse)"
    yes = sum(1 for g in guests if g.attendance == "yes")
    assert yes <= 150
    assert len(confirmed) >= 100
