"""Absolute links for e-mails and QR codes."""
import ipaddress

from flask import abort, current_app, request


def public_base_url() -> str:
    """BASE_URL when configured (behind a proxy, in e-mails), else the request's own root, but only
    for a request addressed to this machine or the local network.

    The Host header is the client's to write: taken from any request, it let anyone have a guest's
    private edit link e-mailed to them pointing at another site (RSVP again with the guest's
    address, sending "Host: attacker.example"). Production requires BASE_URL (config.py); without it
    a development server answers only local names and addresses here.
    """
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if not is_local_host(request.host):
        abort(400, description=f"This server has no BASE_URL, so it cannot put links to "
                               f"{request.host} in e-mails or badges. The host sets BASE_URL to "
                               "the address guests use (see the README's configuration).")
    return request.url_root.rstrip("/")


def is_local_host(host: str) -> bool:
    """Whether a Host header names this machine or the local network: localhost, *.local, or a
    loopback, private or link-local address (with or without a port)."""
    name = host.strip().lower()
    if name.startswith("["):  # [IPv6]:port
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name in ("localhost", "") or name.endswith((".localhost", ".local")):
        return name != ""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
