"""Security wiring: headers and CSP, size limits, throttling, health, logs, production config."""
import logging
import re

import pytest

from organizer import create_app, resource_dir
from tests.conftest import csrf_from

TEMPLATES = resource_dir("templates")


def test_security_headers_and_strict_csp(client, make_event):
    make_event(slug="s")
    response = client.get("/e/s")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_private_pages_are_not_cached(client, make_event, make_guest):
    guest = make_guest(make_event())
    assert client.get(f"/r/{guest.edit_token}").headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_any_template():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", html) or re.search(r"\sstyle\s*=\s*[\"']", html):
            offenders.append(f"{path.name}: inline handler or style attribute")
    assert offenders == []


def test_huge_body_is_refused_with_413(client, make_event):
    make_event(slug="s")
    response = client.post("/e/s", data={"name": "A", "can_offer": "x" * 1_100_000})
    assert response.status_code == 413


def test_login_is_throttled(app, host_client):
    other = app.test_client()
    page = other.get("/host/login")
    codes = [other.post("/host/login", data={"email": "host@example.com", "password": "bad",
                                              "csrf_token": csrf_from(page)}).status_code
             for _ in range(12)]
    # host_client logged in once already: 10 attempts a minute in all.
    assert codes[:9] == [200] * 9 and codes[-1] == 429


def test_rsvp_is_throttled_per_address(client, make_event):
    make_event(slug="s")
    codes = []
    for _ in range(7):
        page = client.get("/e/s")
        codes.append(client.post("/e/s", data={
            "name": "A", "email": "flood@example.com", "attendance": "yes",
            "csrf_token": csrf_from(page)}).status_code)
    assert codes[:5] == [303] * 5 and codes[-1] == 429
    page = client.get("/e/s")
    other = client.post("/e/s", data={"name": "B", "email": "other@example.com",
                                      "attendance": "yes", "csrf_token": csrf_from(page)})
    assert other.status_code == 303


def test_rsvp_is_throttled_per_client_address(app, client, make_event):
    """One machine sending RSVPs under many e-mail addresses is stopped too."""
    app.config["RSVP_RATE_LIMIT_PER_IP"] = "3 per minute"
    make_event(slug="s")
    codes = []
    for n in range(5):
        page = client.get("/e/s")
        codes.append(client.post("/e/s", data={
            "name": f"Bot {n}", "email": f"bot{n}@example.com", "attendance": "yes",
            "csrf_token": csrf_from(page)}).status_code)
    assert codes == [303, 303, 303, 429, 429]


def test_limits_are_checked_by_the_views_not_a_hook_on_every_request(app):
    """No default limits are set, so Flask-Limiter's before-request check is not installed
    (its throttles are on the login and RSVP views, tested above)."""
    from organizer.extensions import limiter
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])


def test_health_endpoint(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_request_log_has_route_pattern_not_token(client, make_event, make_guest, caplog):
    guest = make_guest(make_event())
    with caplog.at_level(logging.INFO, logger="organizer.requests"):
        client.get(f"/r/{guest.edit_token}")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "/r/<token>" in logged and guest.edit_token not in logged
    assert guest.email not in logged


@pytest.mark.parametrize("secret", ["", "dev-only-not-secret", "short"])
def test_production_refuses_weak_secret_key(secret, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PIF_ENV": "production", "SECRET_KEY": secret,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_sets_secure_cookies(tmp_path):
    app = create_app({"PIF_ENV": "production", "SECRET_KEY": "x" * 40,
                      "BASE_URL": "https://party.example.org",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert not app.debug


def test_production_needs_base_url(tmp_path):
    """Production never builds links from the request's Host header."""
    with pytest.raises(RuntimeError, match="needs BASE_URL"):
        create_app({"PIF_ENV": "production", "SECRET_KEY": "x" * 40,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_no_cdn_or_remote_assets_in_templates_and_static():
    pattern = re.compile(r"""(src|href)\s*=\s*["']\s*(https?:)?//""", re.I)
    static = resource_dir("static")
    offenders = [str(p) for p in list(TEMPLATES.rglob("*.html")) + list(static.rglob("*.css"))
                 if pattern.search(p.read_text(encoding="utf-8", errors="ignore"))]
    assert offenders == []


def test_rate_limits_are_shared_between_instances_through_redis(tmp_path):
    """Two app instances (as two servers behind a load balancer) share one login throttle."""
    import uuid

    from tests.conftest import require
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
        reachable = True
    except redis.exceptions.ConnectionError:
        reachable = False
    require(reachable, "Redis is not running on 127.0.0.1:6379")
    from organizer.extensions import db as database
    from organizer.hosting.services import create_host
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    config = {"SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": url,
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
              "RATELIMIT_KEY_PREFIX": f"pif-test-{uuid.uuid4().hex}",
              "LOGIN_RATE_LIMIT": "3 per minute"}
    first, second = create_app(dict(config)), create_app(dict(config))
    with first.app_context():
        database.create_all()
        create_host(database.session, "host@example.com", "correct horse battery")
        database.session.commit()
    codes = []
    for app in (first, second, first, second):
        client = app.test_client()
        page = client.get("/host/login")
        codes.append(client.post("/host/login", data={
            "email": "host@example.com", "password": "wrong", "csrf_token": csrf_from(page)
        }).status_code)
    assert codes == [200, 200, 200, 429]


@pytest.mark.parametrize("host, local", [
    ("localhost:5000", True), ("127.0.0.1", True), ("192.168.1.20:5000", True), ("10.0.0.7", True),
    ("[::1]:5000", True), ("[fe80::1]", True), ("party.local", True), ("laptop.localhost:8000", True),
    ("attacker.example", False), ("party.example.org:443", False), ("8.8.8.8", False),
    ("[2606:4700::1111]:80", False), ("", False)])
def test_which_host_headers_name_this_machine_or_the_local_network(host, local):
    from organizer.weburls import is_local_host
    assert is_local_host(host) is local


def test_without_base_url_a_forged_host_gets_no_private_link_e_mailed(app, client, make_event, make_guest):
    """RSVPing again with a guest's address e-mails their private edit link. Without BASE_URL the
    link was built from the request's Host header, which the client writes: "Host: attacker.example"
    had the victim's real token e-mailed inside a link to the attacker's site. Now only a local
    Host builds links; any other is refused before anything is written or sent."""
    from sqlalchemy import func, select

    from organizer.extensions import db
    from organizer.mail.models import OutboxMessage
    app.config["BASE_URL"] = None
    event = make_event("open")
    victim = make_guest(event, "Victim", email="victim@example.com")

    def rsvp_again(host):
        page = client.get("/e/open", headers={"Host": host})
        return client.post("/e/open", headers={"Host": host}, data={
            "csrf_token": csrf_from(page), "name": "Anyone", "email": "victim@example.com",
            "attendance": "yes"})

    def mails():
        return db.session.scalars(select(OutboxMessage.body_text).where(
            OutboxMessage.to_addr == "victim@example.com")).all()
    refused = rsvp_again("attacker.example")
    assert refused.status_code == 400 and "no BASE_URL" in refused.text
    assert mails() == [] and db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert rsvp_again("192.168.1.20:5000").status_code == 303
    [body] = mails()
    assert f"http://192.168.1.20:5000/r/{victim.edit_token}" in body and "attacker" not in body
