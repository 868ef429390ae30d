"""How fast the host matching sheet renders: median of 5 per size, and how time grows with size.

    .venv/bin/python bench/sheet_bench.py [--sizes 100,250,500,1000,2000] [--repeat 5] [--paper letter]
    .venv/bin/python bench/sheet_bench.py --db-csv GUESTS.csv --db-guests 1000

Synthetic guests with names in several scripts, three introductions each with realistic reasons,
a share of unserved needs and some circles; the target is 1 000 guests in <= 2 s.

With --db-csv, also the whole path from the database: guests from a guest CSV (repeated to reach
--db-guests) in a temporary SQLite file, answers analysed once (not timed), then per repeat
run_matching (stored analyses, saved run), the sheet data read back, and the PDF rendered.
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
from organizer.matching.sheet_data import SheetCircle, SheetData, SheetGuest, SheetIntro, SheetNeed, guest_label  # noqa: E402

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


def bench_database(csv_path: str, count: int, repeat: int, paper: str) -> None:
    """Time matching from stored analyses, reading the run back and rendering, for `count` guests."""
    import csv
    import tempfile
    from datetime import datetime, timezone

    from organizer import create_app
    from organizer.extensions import db
    from organizer.hosting.models import Event
    from organizer.matching import service
    from organizer.matching.sheet_data import sheet_data_for_run
    from organizer.models import Attendance, Guest

    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"})
        with app.app_context():
            db.create_all()
            event = Event(slug="bench", title="Bench night", starts_at=now, timezone="UTC")
            db.session.add(event)
            db.session.flush()
            for i in range(count):
                row = rows[i % len(rows)]
                db.session.add(Guest(event_id=event.id, name=row["name"], email=f"g{i}@example.com",
                                     company=row.get("company", ""), can_offer=row["can_offer"],
                                     could_use=row["could_use"], attendance=Attendance.yes,
                                     badge_number=i + 1))
            db.session.commit()
            started = time.perf_counter()
            service.ensure_analyses(db.session, event, now=now)
            db.session.commit()
            print(f"\nfrom the database, {count} guests ({len(rows)} distinct answer pairs): "
                  f"first analysis {time.perf_counter() - started:.1f} s (once, when answers are saved)")
            print(f"{'step':>28} {'median s':>9}")
            steps: dict[str, list[float]] = {"run_matching (saved)": [], "sheet data from run": [],
                                             "render PDF": [], "total": []}
            for _ in range(repeat):
                t0 = time.perf_counter()
                run = service.run_matching(db.session, event, now=now)
                db.session.commit()
                t1 = time.perf_counter()
                data = sheet_data_for_run(db.session, event, run)
                t2 = time.perf_counter()
                render_sheet(data, paper)
                t3 = time.perf_counter()
                for name, value in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
                    steps[name].append(value)
            for name, values in steps.items():
                print(f"{name:>28} {statistics.median(values):>9.3f}")
            from organizer.matching import published
            t0 = time.perf_counter()
            published.publish_matches(db.session, event, now=now)
            told = published.notify_guests(db.session, event, base_url="https://party.example.org")
            db.session.commit()
            print(f"{'publish + e-mail guests':>28} {time.perf_counter() - t0:>9.3f}  ({told} e-mails queued)")
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,250,500,1000,2000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--paper", default="letter", choices=["letter", "a4"])
    parser.add_argument("--db-csv", help="Also time the database path with guests from this CSV.")
    parser.add_argument("--db-guests", type=int, default=1000)
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
    if args.db_csv:
        bench_database(args.db_csv, args.db_guests, args.repeat, args.paper)


if __name__ == "__main__":
    main()
