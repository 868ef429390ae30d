"""The banks the encoder's top layers were tuned on (bench/encoder_tuning/banks/) are the kit's own:
no topic and no phrasing of the dev benchmark or of our held-out bank is among them, so figures on
those two banks measure wording the model never trained on."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BANKS = sorted((REPO / "bench" / "encoder_tuning" / "banks").glob("*.json"))
DEV = Path(os.environ.get("PIF_SHARED", REPO.parent / "shared")) / "matching-bench" / "dev" / "topics.json"
HOLDOUT = REPO / "bench" / "holdout_topics.json"


def topics(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["topics"]


def phrases(bank: list[dict]) -> set[str]:
    return {" ".join(p.lower().split()) for t in bank for p in t["offers"] + t["needs"]}


def test_banks_are_well_formed():
    assert len(BANKS) >= 16
    for path in BANKS:
        bank = topics(path)
        ids = {t["id"] for t in bank}
        assert len(ids) == len(bank), path.name
        for topic in bank:
            assert len(topic["offers"]) >= 6 and len(topic["needs"]) >= 6, (path.name, topic["id"])
            assert set(topic["confusable_with"]) <= ids, (path.name, topic["id"])


def test_no_benchmark_topic_or_phrase_is_trained_on():
    if not DEV.exists():
        pytest.skip(f"shared matching benchmark not found at {DEV}")
    held = topics(DEV) + topics(HOLDOUT)
    held_ids, held_phrases = {t["id"] for t in held}, phrases(held)
    trained = [t for path in BANKS for t in topics(path)]
    assert not held_ids & {t["id"] for t in trained}
    assert not held_phrases & phrases(trained)


def test_same_topic_groups_name_real_topics():
    """same_topics.json keeps topics of different banks that serve each other out of one batch."""
    known = {json.loads(path.read_text(encoding="utf-8"))["bank"] + ":" + t["id"]
             for path in BANKS for t in topics(path)}
    groups = json.loads((REPO / "bench" / "encoder_tuning" / "same_topics.json").read_text(encoding="utf-8"))["groups"]
    members = [m for group in groups for m in group]
    assert all(len(group) >= 2 for group in groups)
    assert set(members) <= known, sorted(set(members) - known)
    assert len(members) == len(set(members))
