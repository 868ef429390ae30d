"""Badge rendering benchmark: 1 000 badges on avery-5392, ours vs the obvious way.

    .venv/bin/python bench/badges_bench.py            # full run (about 2 minutes)
    .venv/bin/python bench/badges_bench.py --runs 3   # quicker

Prints the median of N runs for our renderer and for the obvious way (a qrcode PIL image per
guest placed with drawImage, text with drawString), their ratio, the peak RSS of fresh
processes rendering 1 000 and 5 000 badges, and the size of the 1 000-badge file.

Every timed run uses new guests (new names and QR tokens) and starts with empty text and QR
caches, so nothing computed in one run is reused by the next; fonts are loaded once per process
(a warm-up run, as in a running server).
"""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from organizer.badges import fonts, qr, textfit  # noqa: E402
from organizer.badges.render import BadgeData, render_badges  # noqa: E402

FIRST = ["Anna", "Bartosz", "Chloé", "Dmitri", "Eleni", "Fatima", "Guo", "Hiroshi", "Inès",
         "José", "Kwame", "Lars", "Mei", "Nguyễn", "Olusegun", "Priya", "Zoë", "Łukasz"]
LAST = ["Kowalska", "Nowak", "Dubois", "Ivanov", "Papadopoulou", "Haddad", "Wei", "Tanaka",
        "García", "Müller", "Mensah", "Smith", "Lindqvist", "Okafor", "Shah", "Trần Văn"]
COMPANIES = ["Acme Ltd", "Globex", "", "Initech GmbH", "Umbrella Research", "Soylent & Co."]
ROLES = ["Engineer", "Founder", "", "Designer", "Head of Partnerships"]
OFFERS = ["Intros to finance recruiters", "Python mentoring", "Design feedback on apps",
          "Grant writing advice", "Warm intros to climate investors"]
NEEDS = ["Beta testers", "A co-founder", "Spanish-speaking customers", "Legal advice",
         "Office space in Kraków"]


def guests(count: int, seed: int) -> list[BadgeData]:
    """Fresh badge data: names, answers and QR tokens differ from run to run."""
    return list(guest_stream(count, seed))


def guest_stream(count: int, seed: int):
    """The same guests, generated one at a time (as rows streamed from the database)."""
    rng = random.Random(seed)
    token_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return (BadgeData(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}-{seed}-{i}",
                      company=rng.choice(COMPANIES), role=rng.choice(ROLES),
                      offer_summary=rng.choice(OFFERS), need_summary=rng.choice(NEEDS),
                      event_title="Pay-It-Forward Winter Party", badge_number=i + 1,
                      qr_url="https://party.example.org/b/"
                             + "".join(rng.choice(token_chars) for _ in range(24)))
            for i in range(count))


def clear_caches() -> None:
    """Forget every QR matrix, path and text layout computed so far."""
    for cached in (qr.make_matrix, qr.path_operators, fonts.prepare_text, fonts._runs,
                   textfit.line_extent):
        cached.cache_clear()


def ours(badges, out) -> None:
    render_badges(badges, out, layout="avery-5392")


def obvious(badges: list[BadgeData], out) -> None:
    """The obvious way: qrcode's PIL image per guest, drawImage, drawString, same grid."""
    import qrcode
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from organizer.badges.presets import get_preset

    preset = get_preset("avery-5392")
    slots = preset.slots()
    canvas = Canvas(out, pagesize=preset.page_size)
    regular, bold = fonts.REGULAR.primary, fonts.BOLD.primary
    for index, badge in enumerate(badges):
        if index and index % preset.per_page == 0:
            canvas.showPage()
        cell = slots[index % preset.per_page].front
        x, y = cell.x + 14, cell.y + 14
        image = qrcode.make(badge.qr_url, border=4).get_image()
        canvas.drawImage(ImageReader(image), cell.x1 - 100, y, 86, 86)
        canvas.setFont(regular, 9)
        canvas.drawString(x, cell.y1 - 24, badge.event_title)
        canvas.drawRightString(cell.x1 - 14, cell.y1 - 24, f"#{badge.badge_number}")
        canvas.setFont(bold, 24)
        canvas.drawCentredString(cell.x + cell.width / 2, cell.y1 - 70, badge.name)
        canvas.setFont(regular, 12)
        canvas.drawCentredString(cell.x + cell.width / 2, cell.y1 - 90,
                                 f"{badge.company} · {badge.role}")
        canvas.setFont(regular, 9)
        canvas.drawString(x, y + 60, "Ask me about: " + badge.offer_summary)
        canvas.drawString(x, y + 40, "Looking for: " + badge.need_summary)
    canvas.save()


def timed(render, count: int, runs: int, seed0: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run (CPU time is less disturbed by a busy machine)."""
    wall, cpu = [], []
    for run in range(runs):
        badges = guests(count, seed0 + run)
        clear_caches()
        start, start_cpu = time.perf_counter(), time.process_time()
        render(badges, io.BytesIO())
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def peak_rss(count: int) -> tuple[int, int]:
    """(RSS in MiB just before rendering, peak RSS in MiB of a fresh process that renders
    ``count`` badges to a file)."""
    code = subprocess.run([sys.executable, __file__, "--rss-child", str(count)], check=True,
                          capture_output=True, text=True).stdout.split()
    return int(code[0]), int(code[1])


def _status_mib(field: str) -> int:
    """VmRSS (current) or VmHWM (peak) of this process, in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def rss_child(count: int) -> None:
    ours(guests(6, 999), io.BytesIO())  # load fonts and tables, as a running server has them
    before = _status_mib("VmRSS")
    with tempfile.TemporaryFile() as out:
        ours(guest_stream(count, 1), out)
    print(before, _status_mib("VmHWM"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}")
    ours(guests(12, 0), io.BytesIO())  # warm-up: fonts loaded once per process
    obvious(guests(12, 0), io.BytesIO())
    mine, mine_cpu = timed(ours, args.count, args.runs, 100)
    naive, naive_cpu = timed(obvious, args.count, args.runs, 200)
    for label, wall, cpu in (("ours   ", mine, mine_cpu), ("obvious", naive, naive_cpu)):
        print(f"{label} {args.count} badges avery-5392: median {statistics.median(wall):.3f} s "
              f"wall, {statistics.median(cpu):.3f} s CPU "
              f"(wall runs: {', '.join(f'{t:.3f}' for t in wall)})")
    print(f"speed-up: {statistics.median(naive) / statistics.median(mine):.1f}x wall, "
          f"{statistics.median(naive_cpu) / statistics.median(mine_cpu):.1f}x CPU")
    print(f"load average after the timed runs: {os.getloadavg()[0]:.2f}")
    for count in (1000, 5000):
        before, after = peak_rss(count)
        print(f"peak RSS rendering {count} badges to a file: {after} MiB "
              f"(RSS {before} MiB after imports and fonts, peak +{after - before} MiB)")
    buffer = io.BytesIO()
    ours(guests(args.count, 7), buffer)
    print(f"file size, {args.count} badges: {len(buffer.getvalue()) / 1024:.0f} KiB "
          f"({len(buffer.getvalue()) / args.count / 1024:.2f} KiB per badge)")


if __name__ == "__main__":
    main()
