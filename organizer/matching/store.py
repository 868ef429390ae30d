"""The key under which a guest's answer analysis is stored (see service.ensure_analyses)."""
from __future__ import annotations

import hashlib

from .analysis import ANALYSIS_VERSION


def answers_hash(can_offer: str, could_use: str) -> str:
    """A stable key for one pair of answers (and the analysis format version)."""
    payload = f"{ANALYSIS_VERSION}\x00{can_offer}\x00{could_use}".encode("utf-8")
    return hashlib.sha256(payload).hexdigest()
