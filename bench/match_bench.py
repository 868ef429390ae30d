"""Matching benchmark: quality over generated scenarios, cold-start speed and memory of `pif match --csv`.

    .venv/bin/python bench/match_bench.py                      # default grid (takes a few minutes)
    .venv/bin/python bench/match_bench.py --sizes 30,120 --seeds 1,2 --speed-sizes 1000
    .venv/bin/python bench/match_bench.py --topics bench/holdout_topics.json --speed-sizes ""   # own held-out bank

The shared benchmark is found at $PIF_SHARED/matching-bench or ../shared/matching-bench beside the repo.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PIF_SHARED", REPO.parent / "shared"))
BENCH = SHARED / "matching-bench"
METRICS = ("precision@1", "precision@3", "hit@3", "unserved_false_rate", "max_load")


def pif_command() -> list[str]:
    """How to run the kit's CLI with this interpreter."""
    return [sys.executable, "-c", "import sys; from organizer.cli import main; sys.exit(main())"]


def generate(size: int, seed: int, out: Path, topics: Path | None = None) -> Path:
    """Write one scenario with the shared generator (from the dev topic bank, or from `topics`)."""
    directory = out / (f"n{size}_s{seed}" if topics is None else f"{topics.stem}_n{size}_s{seed}")
    if not (directory / "gold.json").exists():
        bank = ["--topics", str(topics)] if topics is not None else []
        subprocess.run([sys.executable, str(BENCH / "dev" / "generate.py"), "--size", str(size), "--seed",
                        str(seed), "--out", str(directory)] + bank, check=True, stdout=subprocess.DEVNULL)
    return directory


def run_timed(command: list[str], stdout_path: Path) -> tuple[float, float, float]:
    """Run a command, returning wall seconds, the child's peak RSS in MB and its CPU seconds."""
    started = time.perf_counter()
    with open(stdout_path, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def score(directory: Path, matches: Path, strong_only: bool) -> dict:
    """Metrics from the shared scorer."""
    metrics = directory / ("metrics_strong.json" if strong_only else "metrics.json")
    command = [sys.executable, str(BENCH / "score.py"), str(directory / "gold.json"), str(matches),
               "--json", str(metrics)] + (["--strong-only"] if strong_only else [])
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads(metrics.read_text())


def average(rows: list[dict]) -> dict:
    """Mean of each metric over scenarios."""
    return {m: sum(r[m] for r in rows) / len(rows) for m in METRICS}


def show(label: str, metrics: dict) -> None:
    print(f"  {label:<24}" + "  ".join(f"{m}={metrics[m]:.3f}" if m != "max_load" else f"{m}={metrics[m]:.1f}"
                                       for m in METRICS))


def quality(sizes: list[int], seeds: list[int], work: Path, extra: list[str], topics: Path | None = None) -> None:
    """Run the matcher and the naive baseline on every scenario and print averages."""
    ours, strong, baseline = [], [], []
    for size in sizes:
        for seed in seeds:
            directory = generate(size, seed, work, topics)
            matches = directory / "matches.json"
            elapsed, _, _ = run_timed(pif_command() + ["match", "--csv", str(directory / "guests.csv"), "--json"]
                                      + extra, matches)
            ours.append(score(directory, matches, False))
            strong.append(score(directory, matches, True))
            base = directory / "baseline.json"
            subprocess.run([sys.executable, str(BENCH / "baseline.py"), str(directory / "guests.csv"),
                            "--out", str(base)], check=True, stdout=subprocess.DEVNULL)
            baseline.append(score(directory, base, False))
            print(f"n={size:<5} seed={seed}  {elapsed:5.1f}s  all: p@1={ours[-1]['precision@1']:.3f} "
                  f"hit@3={ours[-1]['hit@3']:.3f}  strong: p@3={strong[-1]['precision@3']:.3f} "
                  f"ufr={strong[-1]['unserved_false_rate']:.3f} hit@3={strong[-1]['hit@3']:.3f}", flush=True)
    print(f"\nAverages over {len(ours)} scenarios (sizes {sizes}, seeds {seeds}):")
    show("matcher, all", average(ours))
    show("matcher, --strong-only", average(strong))
    show("baseline (word overlap)", average(baseline))
    print("targets: all hit@3>=0.90 p@1>=0.85; strong p@3>=0.95 unserved_false_rate<=0.05 hit@3>=0.60")


def speed(sizes: list[int], work: Path) -> None:
    """Cold `pif match --csv --json` per size: wall time and peak RSS, and how time grows."""
    print("\nCold start `pif match --csv FILE --json` (new process, model load included):")
    print(f"  (load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          "CPU time is the child's user+sys)")
    previous = None
    for size in sizes:
        directory = generate(size, 1000 + size % 97, work)
        elapsed, rss, cpu = run_timed(pif_command() + ["match", "--csv", str(directory / "guests.csv"), "--json"],
                                 directory / "matches.json")
        growth = f"  x{elapsed / previous[1]:.2f} time for x{size / previous[0]:.1f} guests" if previous else ""
        print(f"  {size:>6} guests: {elapsed:6.2f} s wall, {cpu:6.2f} s CPU, peak RSS {rss:7.1f} MB{growth}",
              flush=True)
        previous = (size, elapsed)


def main() -> None:
    """Parse arguments and run the quality and speed parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,120,500,2000,5000")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--speed-sizes", default="1000,10000")
    parser.add_argument("--work", default=None, help="folder for scenarios (default: a temporary one)")
    parser.add_argument("--giver-cap", type=int, default=None, help="pass --giver-cap L to pif match")
    parser.add_argument("--topics", type=Path, default=None,
                        help="another topic bank for the generator, e.g. bench/holdout_topics.json")
    args = parser.parse_args()
    if not BENCH.exists():
        raise SystemExit(f"shared benchmark not found at {BENCH} (set PIF_SHARED)")
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(args.work or temporary)
        work.mkdir(parents=True, exist_ok=True)
        if args.sizes:
            extra = ["--giver-cap", str(args.giver_cap)] if args.giver_cap else []
            quality([int(s) for s in args.sizes.split(",")], [int(s) for s in args.seeds.split(",")], work, extra,
                    args.topics)
        if args.speed_sizes:
            speed([int(s) for s in args.speed_sizes.split(",")], work)


if __name__ == "__main__":
    main()
