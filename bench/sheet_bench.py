"""How fast the host matching sheet renders: median of 5 per size, and how time grows with size.

    .venv/bin/python bench/sheet_bench.py [--sizes 100,250,500,1000,2000] [--repeat 5] [--paper letter]

Synthetic guests with names in several scripts, three introductions each with realistic reasons,
a share of unserved needs and some circles; the target is 1 000 guests in <= 2 s.
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.matching.sheet import render_sheet  # noqa: E402
from organizer.matching.sheet_data import (SheetCircle, SheetData, SheetGuest, SheetIntro,  # noqa: E402
                                           SheetNeed, guest_label)

FIRST = ["Priya", "Bob", "Zofia", "Nguyễn Thị", "Δημήτρης", "Анна", "Yusuf / يوسف", "Noa / נועה",
         "Margaret", "Tomás", "Aisha", "Henrik", "Grace", "Mei / 芽衣", "Olu", "Sofia", "Chloé",
         "Wei / 伟", "Ingrid", "Kwame", "Leila", "Jonas 🎵"]
LAST = ["Raman", "Okafor", "Wiśniewska", "Hương", "Παπαδόπουλος", "Иванова", "Al-Amin", "Levi",
        "Chen", "Ferreira", "Bello", "Sørensen", "Mwangi", "Tanaka", "Adeyemi", "Rossi", "Dubois"]
OFFERS = ["intros to finance recruiters", "UX reviews of your app or website", "Python scripts and automation",
          "shipping and customs know-how for the EU", "part-time CFO services", "professional headshots",
          "bookkeeping and tax returns", "building small business websites", "feedback on pitch decks",
          "mock technical interviews", "public speaking coaching", "sourcing manufacturers in China"]
NEEDS = ["finding finance candidates", "a UX designer for our careers site", "a Python developer",
         "introductions to logistics companies", "a fractional CFO", "a photographer for headshots",
         "someone to do my tax return", "a website refresh", "seed investors",
         "hiring two backend engineers", "presentation feedback", "an English copywriter"]


def synthetic(n: int, seed: int = 7) -> SheetData:
    """A sheet of n guests, three introductions each."""
    rng = random.Random(seed)
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}" for i in range(n)]
    guests = []
    for i, name in enumerate(names):
        needs = rng.sample(NEEDS, 2)
        intros = []
        for j in range(3):
            k = rng.randrange(n)
            offer = rng.choice(OFFERS)
            intros.append(SheetIntro(names[k], k + 1, j == 0 or rng.random() < 0.4,
                                     f"{names[k]} offers \"{offer}\" — useful for {name}'s \"{needs[j % 2]}\"",
                                     offer_item=offer, need_item=needs[j % 2]))
        helps = tuple(guest_label(names[rng.randrange(n)], None) for _ in range(rng.randrange(4)))
        guests.append(SheetGuest(name, i + 1, rng.choice(["", "Northwind", "Studio Rossi", "Freelance"]),
                                 "; ".join(needs), tuple(intros), helps, i + 1))
    guests.sort(key=lambda g: g.name.casefold())
    unserved = tuple(SheetNeed(names[i], i + 1, "grant writing help") for i in range(0, n, 7))
    circles = tuple(SheetCircle(tuple(guest_label(names[(i + k) % n], (i + k) % n + 1) for k in range(4)))
                    for i in range(0, n, 40))
    return SheetData("Pay-It-Forward Night", "Wed 9 Dec 2026, 18:00 (Europe/London)",
                     f"Guests who are coming: {n}", "25 Nov 17:30", tuple(guests), unserved, circles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,250,500,1000,2000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--paper", default="letter", choices=["letter", "a4"])
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    render_sheet(synthetic(20), args.paper)  # font registration and caches, as in a running app
    print(f"{'guests':>7} {'median s':>9} {'min s':>7} {'pages':>6} {'KB':>6} {'ms/guest':>9}")
    medians = {}
    for n in sizes:
        data = synthetic(n)
        times, pdf = [], b""
        for _ in range(args.repeat):
            started = time.perf_counter()
            pdf = render_sheet(data, args.paper)
            times.append(time.perf_counter() - started)
        medians[n] = statistics.median(times)
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        print(f"{n:>7} {medians[n]:>9.3f} {min(times):>7.3f} {pages:>6} {len(pdf) // 1024:>6} "
              f"{1000 * medians[n] / n:>9.2f}")
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        slope = math.log(medians[b] / medians[a]) / math.log(b / a)
        print(f"growth: time ~ n^{slope:.2f} between {a} and {b} guests")
    if 1000 in medians:
        verdict = "OK" if medians[1000] <= 2.0 else "TOO SLOW"
        print(f"target: 1000 guests <= 2 s: {medians[1000]:.3f} s {verdict}")


if __name__ == "__main__":
    main()
