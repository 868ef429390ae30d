"""Helpers for the badge proofs: rasterise with pdftoppm, decode with zxing-cpp, measure with
pdfplumber. Only tools this project did not write decide whether a badge is right."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pdfplumber
import pytest
import zxingcpp
from PIL import Image

from organizer.badges.presets import SAFE_MARGIN, Cell, Preset

TOLERANCE = 0.01  # points: rounding in the PDF's number formatting


def require_pdftoppm() -> str:
    """The pdftoppm binary (Debian poppler-utils), or skip with how to get it."""
    path = shutil.which("pdftoppm")
    if not path:
        message = "pdftoppm not installed (apt-get install poppler-utils; scripts/test does)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the proofs, not skip them
        pytest.skip(message)
    return path


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page of a PDF as a greyscale image at ``dpi``."""
    pdftoppm = require_pdftoppm()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run([pdftoppm, "-r", str(dpi), "-gray", "-png", str(source),
                        str(Path(folder) / "page")], check=True)
        pages = sorted(Path(folder).glob("page-*.png"))
        return [Image.open(page).copy() for page in pages]


# zxing-cpp 3 made ``QRCode`` the whole family (Model 1, Micro QR, rMQR); a badge prints only
# Model 2 codes. Once in CI a spurious extra code reading "500" was "found" on a badge page (not
# reproduced in 40 fresh sets of badges since), most likely a small-format false match.
QR_MODEL_2 = getattr(zxingcpp.BarcodeFormat, "QRCodeModel2", zxingcpp.BarcodeFormat.QRCode)


def decode_qr_codes(image: Image.Image) -> list[str]:
    """The texts of every (Model 2) QR code zxing-cpp finds in an image."""
    return [result.text for result in zxingcpp.read_barcodes(image, formats=QR_MODEL_2)]


def page_objects(pdf: bytes):
    """Per page: (page height, list of (kind, x0, y0, x1, y1, text)) in PDF coordinates."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            height = page.height
            objects = []
            for kind, items in (("char", page.chars), ("rect", page.rects),
                                ("line", page.lines), ("curve", page.curves)):
                for item in items:
                    objects.append((kind, item["x0"], height - item["bottom"], item["x1"],
                                    height - item["top"], item.get("text", "")))
            pages.append((height, objects))
    return pages


def inside(box, cell: Cell, margin: float = SAFE_MARGIN) -> bool:
    """True when a box lies within the cell shrunk by ``margin``."""
    _, x0, y0, x1, y1, _ = box
    return (x0 >= cell.x + margin - TOLERANCE and x1 <= cell.x1 - margin + TOLERANCE
            and y0 >= cell.y + margin - TOLERANCE and y1 <= cell.y1 - margin + TOLERANCE)


def misplaced(pdf: bytes, preset: Preset, offset_x: float = 0.0, offset_y: float = 0.0,
              margin: float = SAFE_MARGIN) -> list[str]:
    """Descriptions of every text or drawing object not inside a label cell's safe area."""
    cells = [cell for slot in preset.slots(offset_x, offset_y) for cell in slot.cells]
    problems = []
    for number, (_, objects) in enumerate(page_objects(pdf), start=1):
        for box in objects:
            if not any(inside(box, cell, margin) for cell in cells):
                kind, x0, y0, x1, y1, text = box
                problems.append(f"page {number}: {kind} {text!r} at "
                                f"({x0:.1f}, {y0:.1f})-({x1:.1f}, {y1:.1f})")
    return problems
