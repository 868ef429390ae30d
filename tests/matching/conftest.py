"""Fixtures for the matching tests: fake analyses that need no model, and a CSV writer."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from organizer.matching.analysis import DIMENSIONS, AnswerAnalysis, AnswerItems


def unit(seed: int) -> np.ndarray:
    """A reproducible random unit vector."""
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


def topic_analysis(offers: list[int], needs: list[int]) -> AnswerAnalysis:
    """An analysis whose items are the given topic numbers (one direction per topic, no model needed)."""
    def items(topics: list[int]) -> AnswerItems:
        if not topics:
            return AnswerItems.empty()
        return AnswerItems(tuple(f"topic {t}" for t in topics), tuple(0 for _ in topics),
                           tuple(0.0 for _ in topics), np.vstack([unit(t) for t in topics]))
    return AnswerAnalysis(items(offers), items(needs))


@pytest.fixture
def write_csv(tmp_path):
    """Factory: write rows to a UTF-8 CSV (with a BOM by default) and return its path."""
    def write(rows: list[dict], name: str = "guests.csv", bom: bool = True) -> Path:
        path = tmp_path / name
        fields = list(rows[0]) if rows else ["name", "email", "company", "can_offer", "could_use"]
        with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        return path
    return write
