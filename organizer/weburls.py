"""Absolute links for e-mails and QR codes."""
from flask import current_app, request


def public_base_url() -> str:
    """BASE_URL when configured (behind a proxy, in e-mails), else the request's own root."""
    return (current_app.config.get("BASE_URL") or request.url_root).rstrip("/")
