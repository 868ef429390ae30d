"""A regression guard on the development benchmark: generated scenarios scored with the shared scorer.

The issue's targets (hit@3 ≥ 0.90, precision@1 ≥ 0.85; strong precision@3 ≥ 0.95, unserved false
rate ≤ 0.05, hit@3 ≥ 0.60) are not all met yet (docs/matching.md has the figures); these floors sit
just under what the engine measures today on these two scenarios (measured p@1 0.774, hit@3 0.844;
strong p@3 0.945, hit@3 0.484, unserved false rate 0.048), so a change that makes matching worse
fails here. The same two scenarios drawn from our own held-out bank guard wording the engine was
never tuned on.
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
FLOORS = {"precision@1": 0.76, "hit@3": 0.83}
STRONG_FLOORS = {"precision@3": 0.93, "hit@3": 0.47}
STRONG_UNSERVED_CEILING = 0.07
# The same scenarios drawn from our own held-out topic bank (bench/holdout_topics.json: 30 topics, none
# of the dev bank's, never tuned on). Floors a little under the measured values: a change tuned to
# the dev bank's wording that makes matching worse on other wording fails here.
HOLDOUT_TOPICS = REPO / "bench" / "holdout_topics.json"
# Measured 26 Nov (twelfth session, a clause after "and I" split off): p@1 0.812, hit@3 0.919; strong
# p@3 0.923, hit@3 0.490, unserved false rate 0.136 (eleventh session: 0.808, 0.915, the rest the
# same; ninth session, layers 3-5 tuned on 1 000 topics: 0.806, 0.915; 0.921, 0.488, 0.136; eighth
# session, layers 4-5 on 650 topics: 0.799, 0.903;
# 0.887, 0.505, 0.136; seventh, 300 topics: 0.796, 0.885; 0.875, 0.427, 0.170; with the published
# layers: 0.791, 0.898; 0.884, 0.496, 0.155).
HOLDOUT_FLOORS = {"precision@1": 0.79, "hit@3": 0.90}
HOLDOUT_STRONG_FLOORS = {"precision@3": 0.90, "hit@3": 0.47}
HOLDOUT_STRONG_UNSERVED_CEILING = 0.16


def _scorer():
    spec = importlib.util.spec_from_file_location("matching_bench_score", BENCH / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(work: Path, topics: Path | None = None) -> dict[str, float]:
    """Generate SCENARIOS (from the dev bank, or from `topics`), match them and average the scores."""
    scorer = _scorer()
    bank = ["--topics", str(topics)] if topics is not None else []
    totals: dict[str, list[float]] = {}
    for size, seed in SCENARIOS:
        out = work / f"n{size}_s{seed}"
        subprocess.run([sys.executable, str(BENCH / "dev" / "generate.py"), "--size", str(size), "--seed",
                        str(seed), "--out", str(out)] + bank, check=True, capture_output=True)
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


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    if not (BENCH / "dev" / "generate.py").exists():
        pytest.skip(f"shared matching benchmark not found at {BENCH}")
    return measure(tmp_path_factory.mktemp("dev"))


@pytest.fixture(scope="module")
def measured_holdout(tmp_path_factory):
    if not (BENCH / "dev" / "generate.py").exists():
        pytest.skip(f"shared matching benchmark not found at {BENCH}")
    return measure(tmp_path_factory.mktemp("holdout"), HOLDOUT_TOPICS)


def test_ranking_quality_does_not_regress(measured):
    for name, floor in FLOORS.items():
        assert measured[name] >= floor, (name, measured)


def test_strong_suggestions_stay_precise(measured):
    for name, floor in STRONG_FLOORS.items():
        assert measured["strong " + name] >= floor, (name, measured)
    assert measured["strong unserved_false_rate"] <= STRONG_UNSERVED_CEILING, measured


def test_no_giver_is_mobbed(measured):
    assert measured["max_load"] <= MatchOptions().max_per_giver


def test_held_out_bank_does_not_regress(measured_holdout):
    for name, floor in HOLDOUT_FLOORS.items():
        assert measured_holdout[name] >= floor, (name, measured_holdout)
    for name, floor in HOLDOUT_STRONG_FLOORS.items():
        assert measured_holdout["strong " + name] >= floor, (name, measured_holdout)
    assert measured_holdout["strong unserved_false_rate"] <= HOLDOUT_STRONG_UNSERVED_CEILING, measured_holdout
