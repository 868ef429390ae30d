"""Delivering the outbox over SMTP (or to the log when no SMTP server is configured)."""
from __future__ import annotations

import logging
import os
import smtplib
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask
from sqlalchemy import Row, bindparam, update
from sqlalchemy.orm import Session

from ..dbtypes import utcnow
from ..writelock import ProcessTurn, sqlite_write_turn
from .models import OutboxMessage
from .outbox import claim_batch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; an empty host means log instead of sending."""

    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0
    sender: str = "party@localhost"

    @classmethod
    def from_config(cls, config) -> "SmtpSettings":
        """Read the SMTP_* and MAIL_FROM settings of an app config."""
        return cls(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]),
                   user=config["SMTP_USER"], password=config["SMTP_PASSWORD"],
                   starttls=bool(config["SMTP_STARTTLS"]), timeout=float(config["SMTP_TIMEOUT"]),
                   sender=config["MAIL_FROM"])


def smtp_address(address: str) -> str:
    """An address any SMTP server takes: a non-ASCII domain in its IDNA (xn--) form."""
    local, _, domain = address.rpartition("@")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address  # left as it is; a server without SMTPUTF8 refuses it, noted in the log


def build_email(message: OutboxMessage | Row, sender: str) -> EmailMessage:
    """The MIME message for an outbox row (to_addr, subject, body_text, ics), with its calendar
    file attached."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = smtp_address(message.to_addr)
    # A header may not hold line breaks (an event title can); fold them into spaces.
    email["Subject"] = " ".join(message.subject.split())
    email["Message-ID"] = make_msgid(domain="pif.local")
    email.set_content(message.body_text)
    if message.ics:
        email.add_attachment(message.ics, maintype="text", subtype="calendar",
                             filename="invite.ics", params={"method": "PUBLISH"})
    return email


def deliver_pending(session: Session, settings: SmtpSettings, limit: int = 500,
                    batch: int = 50) -> int:
    """Send undelivered messages (claimed `batch` at a time); returns how many were delivered.

    Each message is marked sent in its own commit right after the SMTP server took it, so a
    crash re-sends at most the message in flight.
    """
    delivered = 0
    tried: set[int] = set()
    smtp: smtplib.SMTP | None = None
    try:
        while len(tried) < limit:
            # Skip what failed earlier in this pass, so one bad message is tried once per pass.
            messages = claim_batch(session, limit=min(batch, limit - len(tried)), skip=tried)
            if not messages:
                break
            for index, message in enumerate(messages):
                tried.add(message.id)
                if smtp is None and settings.host:
                    try:
                        smtp = _connect(settings)
                    except (smtplib.SMTPException, OSError) as exc:
                        # Not the messages' fault: give the attempts back so an outage never
                        # uses up MAX_ATTEMPTS, and stop this pass; the next pass retries.
                        _release(session, [m.id for m in messages[index:]], _error_text(exc))
                        return delivered
                outcome, changes = _deliver_one(message, smtp, settings)
                if outcome == "server":
                    _release(session, [m.id for m in messages[index:]], changes["last_error"])
                    return delivered
                delivered += outcome == "sent"
                with sqlite_write_turn(session):
                    session.connection().execute(_MARK.values(**changes), {"message_id": message.id})
                    session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return delivered


_OUTBOX = OutboxMessage.__table__
_MARK = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("message_id"))


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _deliver_one(message, smtp: smtplib.SMTP | None, settings: SmtpSettings) -> tuple[str, dict]:
    """Send (or log) one claimed message; returns the outcome and the row's new values.

    The outcome is "sent", "refused" when the server refused this message (it stays queued for
    the next pass), or "server" when the server itself failed (the caller releases the rest).
    """
    try:
        if smtp is not None:
            smtp.send_message(build_email(message, settings.sender))
            via = "smtp"
        else:
            log.info("mail (no SMTP configured) to=%s subject=%s\n%s",
                     message.to_addr, message.subject, message.body_text)
            via = "log"
        return "sent", {"sent_at": utcnow(), "delivered_via": via, "last_error": None}
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        changes = {"last_error": _error_text(exc), "claimed_at": None}
        # (SMTPException derives from OSError: a plain OSError is a socket problem.)
        if isinstance(exc, smtplib.SMTPServerDisconnected) or (
                isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)):
            return "server", changes
        return "refused", changes


def _release(session: Session, message_ids: list[int], error: str | None) -> None:
    """Give claimed messages back untried (the SMTP server was unreachable)."""
    values = {"claimed_at": None, "attempts": _OUTBOX.c.attempts - 1}
    if error is not None:
        values["last_error"] = error
    with sqlite_write_turn(session):
        session.connection().execute(update(_OUTBOX).where(_OUTBOX.c.id.in_(message_ids))
                                     .values(**values))
        session.commit()


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """Open an SMTP connection as configured."""
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        smtp.starttls()
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


class BackgroundSender:
    """One daemon thread per process that drains the outbox when kicked after a request.

    It waits for a short quiet spell (MAIL_SEND_QUIET seconds without new mail, at most
    MAIL_SEND_MAX_DELAY) so a burst of RSVPs is not slowed by sending beside it, and only one
    process of a multi-worker server drains at a time (the others would race it for each row).
    """

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._first_kick = self._last_kick = 0.0

    def kick(self, app: Flask) -> None:
        """Ask for a delivery pass soon, starting the thread on first use."""
        with self._lock:
            now = time.monotonic()
            if not self._wake.is_set():
                self._first_kick = now
            self._last_kick = now
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, args=(app,), daemon=True,
                                                name="pif-mail-sender")
                self._thread.start()
        self._wake.set()

    def _wait_for_quiet(self, quiet: float, max_delay: float) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                due = min(self._last_kick + quiet, self._first_kick + max_delay)
            if now >= due:
                return
            time.sleep(due - now)

    def _run(self, app: Flask) -> None:
        from ..extensions import db
        quiet = float(app.config.get("MAIL_SEND_QUIET", 1.0))
        max_delay = float(app.config.get("MAIL_SEND_MAX_DELAY", 10.0))
        turn_file = os.path.join(app.instance_path, "mail-sender.lock")
        while True:
            self._wake.wait(timeout=60)
            self._wait_for_quiet(quiet, max_delay)
            self._wake.clear()
            with ProcessTurn(turn_file) as my_turn:
                if not my_turn:
                    # Another worker is draining the outbox; look again shortly in case it
                    # finished just before our message was committed.
                    self._wake.set()
                    time.sleep(max(quiet, 0.5))
                    continue
                with app.app_context():
                    try:
                        # A pass sends at most 500; keep going while a full pass left more.
                        settings = SmtpSettings.from_config(app.config)
                        while deliver_pending(db.session, settings, limit=500) == 500:
                            pass
                    except Exception:  # keep the thread alive; the row stays queued for a retry
                        log.exception("outbox delivery pass failed")
                    finally:
                        db.session.remove()


background_sender = BackgroundSender()


def kick_sender(app: Flask) -> None:
    """Deliver the outbox in the background if the app is configured to."""
    if app.config.get("MAIL_SEND_INLINE"):
        background_sender.kick(app)
