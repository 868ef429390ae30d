"""A small SQLite store of answer analyses keyed by the answers' hash, so each answer is analysed once."""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .analysis import ANALYSIS_VERSION, analyse_many
from .results import GuestAnswers


def answers_hash(can_offer: str, could_use: str) -> str:
    """A stable key for one pair of answers (and the analysis format version)."""
    payload = f"{ANALYSIS_VERSION}\x00{can_offer}\x00{could_use}".encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


class AnalysisStore:
    """Analyses on disk: call `remember` when answers are saved, `attach` before matching."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS analysis (hash TEXT PRIMARY KEY, data BLOB NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path)

    def remember(self, answers: Sequence[tuple[str, str]]) -> int:
        """Analyse and store the answer pairs not stored yet; returns how many were new."""
        hashes = [answers_hash(o, n) for o, n in answers]
        known = self._known(hashes)
        todo = {h: pair for h, pair in zip(hashes, answers) if h not in known}
        if not todo:
            return 0
        analyses = analyse_many(list(todo.values()))
        with self._connect() as connection:
            connection.executemany("INSERT OR REPLACE INTO analysis (hash, data) VALUES (?, ?)",
                                   [(h, a.to_bytes()) for h, a in zip(todo, analyses)])
        return len(todo)

    def _known(self, hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._connect() as connection:
            for start in range(0, len(hashes), 500):
                chunk = list(hashes[start:start + 500])
                marks = ",".join("?" * len(chunk))
                found.update(connection.execute(
                    f"SELECT hash, data FROM analysis WHERE hash IN ({marks})", chunk).fetchall())
        return found

    def attach(self, guests: Sequence[GuestAnswers]) -> list[GuestAnswers]:
        """The guests with their stored analyses attached (guests not stored yet are analysed and stored)."""
        self.remember([(g.can_offer, g.could_use) for g in guests])
        stored = self._known([answers_hash(g.can_offer, g.could_use) for g in guests])
        return [GuestAnswers(g.key, g.name, g.can_offer, g.could_use, g.company,
                             stored.get(answers_hash(g.can_offer, g.could_use))) for g in guests]
