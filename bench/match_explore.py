"""Exploration harness: rank-only metrics of the scorer over generated scenarios (dev tuning aid)."""
from __future__ import annotations

import csv
import importlib.util
import os
import pickle
import sys
from pathlib import Path

from organizer.matching.analysis import analyse_many
from dataclasses import replace

from organizer.matching.engine import match_guests
from organizer.matching.results import GuestAnswers, MatchOptions
from organizer.matching.scoring import ScoringParams, score_candidates

OPTIONS = MatchOptions(giver_cap=int(os.environ.get("CAP", "3")))

SHARED = Path(os.environ.get("PIF_SHARED", Path(__file__).resolve().parents[2] / "shared"))
spec = importlib.util.spec_from_file_location("score", SHARED / "matching-bench" / "score.py")
scorer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scorer)


def load(directory: Path):
    cache = directory / "analysis.pkl"
    with open(directory / "guests.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if cache.exists():
        analyses = pickle.loads(cache.read_bytes())
    else:
        analyses = analyse_many([(r["can_offer"], r["could_use"]) for r in rows])
        cache.write_bytes(pickle.dumps(analyses))
    return rows, analyses


def evaluate(directories, params, strong_at):
    totals = {}
    for directory in directories:
        rows, analyses = load(directory)
        gold, unserved = scorer.load_gold(str(directory / "gold.json"))
        emails = [r["email"].strip().lower() for r in rows]
        guests = [GuestAnswers(r["email"].lower(), r["name"], company=r["company"], analysis=a)
                  for r, a in zip(rows, analyses)]
        result = match_guests(guests, replace(OPTIONS, strong_threshold=strong_at), params)
        ranked_all, ranked_strong = {}, {}
        for s in result.suggestions:
            ranked_all.setdefault(s.receiver, []).append(s.giver)
            if s.strength == "strong":
                ranked_strong.setdefault(s.receiver, []).append(s.giver)
        a = scorer.score(gold, unserved, ranked_all)
        s = scorer.score(gold, unserved, ranked_strong)
        for key, value in (("p1", a["precision@1"]), ("hit3", a["hit@3"]), ("p3", a["precision@3"]),
                           ("s_p3", s["precision@3"]), ("s_ufr", s["unserved_false_rate"]),
                           ("s_hit3", s["hit@3"])):
            totals.setdefault(key, []).append(value)
    return {k: round(sum(v) / len(v), 3) for k, v in totals.items()}


if __name__ == "__main__":
    dirs = [Path(d) for d in sys.argv[1:]]
    import itertools
    grid = {k: [float(x) for x in v.split(",")] for k, v in (a.split("=") for a in os.environ.get("GRID", "hub_weight=0.5").split())}
    for values in itertools.product(*grid.values()):
        fields = dict(zip(grid, values))
        strong_at = fields.pop("strong_at", 0.35)
        OPTIONS = replace(OPTIONS, possible_threshold=fields.pop("possible", OPTIONS.possible_threshold),
                          need_coverage_bonus=fields.pop("bonus", OPTIONS.need_coverage_bonus),
                          strong_reciprocity=fields.pop("recip", OPTIONS.strong_reciprocity),
                          repeated_offer_penalty=fields.pop("repeat", OPTIONS.repeated_offer_penalty))
        print(fields, strong_at, OPTIONS.possible_threshold, evaluate(dirs, ScoringParams(**fields), strong_at),
              flush=True)
