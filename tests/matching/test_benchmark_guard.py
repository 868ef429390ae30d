"""A regression guard on the development benchmark: generated scenarios scored with the shared scorer.

The issue's targets (hit@3 ≥ 0.90, precision@1 ≥ 0.85; strong precision@3 ≥ 0.95, unserved false
rate ≤ 0.05, hit@3 ≥ 0.60) are not all met yet (docs/matching.md has the figures); these floors sit
just under what the engine measures today on these two scenarios (measured p@1 0.771, hit@3 0.840;
strong p@3 0.905, hit@3 0.478, unserved false rate 0.087), so a change that makes matching worse
fails here.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from organizer.matching.engine import match_guests
from organizer.matching.guest_csv import read_guest_csv
from organizer.matching.results import MatchOptions

REPO = Path(__file__).resolve().parents[2]
BENCH = Path(os.environ.get("PIF_SHARED", REPO.parent / "shared")) / "matching-bench"
SCENARIOS = [(150, 21), (400, 22)]
# Averages over SCENARIOS, a little under the measured values.
FLOORS = {"precision@1": 0.75, "hit@3": 0.81}
STRONG_FLOORS = {"precision@3": 0.89, "hit@3": 0.43}
STRONG_UNSERVED_CEILING = 0.10


def _scorer():
    spec = importlib.util.spec_from_file_location("matching_bench_score", BENCH / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    if not (BENCH / "dev" / "generate.py").exists():
        pytest.skip(f"shared matching benchmark not found at {BENCH}")
    scorer = _scorer()
    totals: dict[str, list[float]] = {}
    for size, seed in SCENARIOS:
        out = tmp_path_factory.mktemp(f"n{size}_s{seed}")
        subprocess.run([sys.executable, str(BENCH / "dev" / "generate.py"), "--size", str(size), "--seed",
                        str(seed), "--out", str(out)], check=True, capture_output=True)
        result = match_guests(read_guest_csv(out / "guests.csv"), MatchOptions())
        ranked_all: dict[str, list[str]] = {}
        ranked_strong: dict[str, list[str]] = {}
        for suggestion in result.suggestions:
            ranked_all.setdefault(suggestion.receiver, []).append(suggestion.giver)
            if suggestion.strength == "strong":
                ranked_strong.setdefault(suggestion.receiver, []).append(suggestion.giver)
        gold, unserved = scorer.load_gold(str(out / "gold.json"))
        every = scorer.score(gold, unserved, ranked_all)
        strong = scorer.score(gold, unserved, ranked_strong)
        for name in FLOORS:
            totals.setdefault(name, []).append(every[name])
        for name in STRONG_FLOORS:
            totals.setdefault("strong " + name, []).append(strong[name])
        totals.setdefault("strong unserved_false_rate", []).append(strong["unserved_false_rate"])
        totals.setdefault("max_load", []).append(every["max_load"])
    return {name: sum(values) / len(values) for name, values in totals.items()}


def test_ranking_quality_does_not_regress(measured):
    for name, floor in FLOORS.items():
        assert measured[name] >= floor, (name, measured)


def test_strong_suggestions_stay_precise(measured):
    for name, floor in STRONG_FLOORS.items():
        assert measured["strong " + name] >= floor, (name, measured)
    assert measured["strong unserved_false_rate"] <= STRONG_UNSERVED_CEILING, measured


def test_no_giver_is_mobbed(measured):
    assert measured["max_load"] <= MatchOptions().max_per_giver
