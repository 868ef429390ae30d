"""Tuning aid: the engine in-process on cached analyses of generated scenarios, scored with score.py.

    .venv/bin/python bench/match_tune.py DIR [DIR ...] [--set strong_threshold=0.4 --param hub_weight=0.5]
    .venv/bin/python bench/match_tune.py --misses DIR      # print the wrong top-1 and missed receivers
    .venv/bin/python bench/match_tune.py --layers FILE DIR # embed with another tuned-layers file

Analyses are cached per scenario folder (analysis_v<ANALYSIS_VERSION>.pkl), so a run re-scores only.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from organizer.matching.analysis import ANALYSIS_VERSION, analyse_many  # noqa: E402
from organizer.matching.engine import match_guests  # noqa: E402
from organizer.matching.results import GuestAnswers, MatchOptions  # noqa: E402
from organizer.matching.scoring import ScoringParams  # noqa: E402

SHARED = Path(os.environ.get("PIF_SHARED", REPO.parent / "shared"))
_spec = importlib.util.spec_from_file_location("score", SHARED / "matching-bench" / "score.py")
scorer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scorer)


LAYERS_TAG = ""  # set by --layers: analyses with another tuned-layers file are cached apart


def load(directory: Path):
    cache = directory / f"analysis_v{ANALYSIS_VERSION}{LAYERS_TAG}.pkl"
    with open(directory / "guests.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if cache.exists():
        analyses = pickle.loads(cache.read_bytes())
    else:
        analyses = analyse_many([(r["can_offer"], r["could_use"]) for r in rows])
        cache.write_bytes(pickle.dumps(analyses))
    return rows, analyses


def run(directory: Path, options: MatchOptions, params: ScoringParams):
    rows, analyses = load(directory)
    guests = [GuestAnswers(r["email"].strip().lower(), r["name"], r["can_offer"], r["could_use"],
                           r["company"], analysis=a) for r, a in zip(rows, analyses)]
    started = time.perf_counter()
    result = match_guests(guests, options, params)
    elapsed = time.perf_counter() - started
    return rows, result, elapsed


def metrics(directory: Path, result):
    gold, unserved = scorer.load_gold(str(directory / "gold.json"))
    ranked_all, ranked_strong = {}, {}
    for s in sorted(result.suggestions, key=lambda s: -s.score):
        ranked_all.setdefault(s.receiver, []).append(s.giver)
        if s.strength == "strong":
            ranked_strong.setdefault(s.receiver, []).append(s.giver)
    a = scorer.score(gold, unserved, ranked_all)
    s = scorer.score(gold, unserved, ranked_strong)
    return {"p1": a["precision@1"], "p3": a["precision@3"], "hit3": a["hit@3"], "ufr": a["unserved_false_rate"],
            "load": a["max_load"], "s_p3": s["precision@3"], "s_ufr": s["unserved_false_rate"],
            "s_hit3": s["hit@3"]}


def coerce(value: str):
    if value in ("None", "none"):
        return None
    if value in ("True", "False"):
        return value == "True"
    try:
        return int(value)
    except ValueError:
        return float(value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--set", action="append", default=[], help="MatchOptions field=value")
    parser.add_argument("--param", action="append", default=[], help="ScoringParams field=value")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--layers", help="embed with this tuned-layers file instead of the shipped one")
    args = parser.parse_args()
    if args.layers:
        global LAYERS_TAG
        from organizer.matching import encoder
        encoder.TUNED_LAYERS = Path(args.layers).resolve()
        LAYERS_TAG = "_" + encoder.TUNED_LAYERS.stem
    options = replace(MatchOptions(), **{k: coerce(v) for k, v in (a.split("=") for a in args.set)})
    params = replace(ScoringParams(), **{k: coerce(v) for k, v in (a.split("=") for a in args.param)})
    totals: dict[str, list[float]] = {}
    by_size: dict[str, dict[str, list[float]]] = {}
    for name in args.dirs:
        directory = Path(name)
        rows, result, elapsed = run(directory, options, params)
        m = metrics(directory, result)
        size = directory.name.split("_")[0]
        for k, v in m.items():
            totals.setdefault(k, []).append(v)
            by_size.setdefault(size, {}).setdefault(k, []).append(v)
        if args.misses:
            show_misses(directory, rows, result)
        print(f"{directory.name:<10} {elapsed:5.2f}s " + " ".join(f"{k}={v:.3f}" for k, v in m.items()), flush=True)
    if len(by_size) > 1:
        for size, values in by_size.items():
            print(f"  {size:<7}" + " ".join(f"{k}={sum(v) / len(v):.3f}" for k, v in values.items()))
    print("MEAN     " + " ".join(f"{k}={sum(v) / len(v):.3f}" for k, v in totals.items()))


def show_misses(directory: Path, rows, result) -> None:
    gold, unserved = scorer.load_gold(str(directory / "gold.json"))
    topics = json.loads((directory / "gold_topics.json").read_text())
    per_guest = {g["email"].strip().lower(): g for g in topics["guests"]}
    by_email = {r["email"].strip().lower(): r for r in rows}

    def t(email, key):
        entry = per_guest.get(email) if isinstance(per_guest, dict) else None
        return entry.get(key) if isinstance(entry, dict) else "?"
    for receiver in by_email:
        mine = result.for_receiver(receiver)
        valid = gold.get(receiver, set())
        top = [s for s in mine][:3]
        if receiver in unserved and not any(s.strength == "strong" for s in top):
            continue
        if valid and top and top[0].giver in valid:
            continue
        print(f"\n== {receiver} needs {by_email[receiver]['could_use']!r} topics={t(receiver, 'need_topics')}"
              f" valid={len(valid)}")
        for s in top:
            ok = "OK " if s.giver in valid else "BAD"
            print(f"   {ok} {s.strength[:3]} {s.score:.3f} {s.offer_item!r} -> {s.need_item!r} "
                  f"[{t(s.giver, 'offer_topics')}]")


if __name__ == "__main__":
    main()
