"""Mail fixtures: a real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler collecting every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes = []
        self.lock = threading.Lock()
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        """Keep the envelope (optionally after a pause, to widen race windows)."""
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        """The received messages, parsed."""
        with self.lock:
            return [message_from_bytes(e.original_content, policy=policy.default)
                    for e in self.envelopes]

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose envelope recipients include this address."""
        with self.lock:
            return [message_from_bytes(e.original_content, policy=policy.default)
                    for e in self.envelopes if address in e.rcpt_tos]


@pytest.fixture
def closed_port():
    """A loopback port where connections are refused (no SMTP server is listening)."""
    return free_port()


@pytest.fixture
def smtp_server(app):
    """A running SMTP server on 127.0.0.1; the app's SMTP_HOST/SMTP_PORT point at it."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    mailbox = Mailbox()
    controller = controller_module.Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TIMEOUT=5.0,
                      MAIL_FROM="Party Host <host@party.test>")
    try:
        yield mailbox
    finally:
        controller.stop()
