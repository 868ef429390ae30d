"""The door blueprint: the door page, its JSON API and the host's door pages."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("door", __name__)

# The routes live in one module per audience; importing them attaches them to ``bp``.
from . import api, badge, host_pages, pages  # noqa: E402,F401
