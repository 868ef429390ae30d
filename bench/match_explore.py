"""Exploration harness: rank-only metrics of the scorer over generated scenarios (dev tuning aid)."""
from __future__ import annotations

import csv
import importlib.util
import os
import pickle
import sys
from pathlib import Path

from organizer.matching.analysis import analyse_many
from organizer.matching.scoring import ScoringParams, score_candidates

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
        by_receiver = score_candidates(analyses, params).by_receiver
        ranked_all, ranked_strong = {}, {}
        for receiver, cands in by_receiver.items():
            cands = [c for c in cands if rows[c.giver]["company"] != rows[receiver]["company"]][:3]
            ranked_all[emails[receiver]] = [emails[c.giver] for c in cands]
            ranked_strong[emails[receiver]] = [emails[c.giver] for c in cands if c.score >= strong_at]
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
        print(fields, strong_at, evaluate(dirs, ScoringParams(**fields), strong_at), flush=True)
