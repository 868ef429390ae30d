"""The reportlab canvas as the badge PDFs use it: setup, binary streams, per-page compression."""
from __future__ import annotations

import zlib
from contextlib import contextmanager
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.utils import asBytes
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from . import fonts
from .presets import Preset


def new_canvas(out: BinaryIO, preset: Preset, title: str) -> Canvas:
    """A canvas for a preset's page size: deterministic output, embedded default font."""
    fonts.register_primary_fonts()
    # Text objects start in the canvas's initial font: make that an embedded one, not Helvetica.
    canvas = Canvas(out, pagesize=preset.page_size, pageCompression=1, invariant=1,
                    initialFontName=fonts.REGULAR.primary, initialFontSize=10)
    # Generic metadata: no guest or event names in the document info.
    canvas.setTitle(title)
    canvas.setCreator("Pay-It-Forward Party Kit")
    return canvas


@contextmanager
def binary_streams():
    """Compressed streams without the ASCII85 layer (25 % smaller, no encoding time)."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def compress_last_page(canvas: Canvas) -> None:
    """Deflate the page just finished now instead of at save time.

    reportlab keeps every page's content stream as text until ``save()``, so memory would grow
    with the number of badges; compressing each page as it is finished keeps only the
    compressed bytes (about a fifth).  The stream carries its /Filter, so reportlab writes it
    as is.  Should reportlab's internals change, pages are simply compressed at save time.
    """
    try:
        page = canvas._doc.Pages.pages[-1]
        stream = page.stream
    except (AttributeError, IndexError):
        return
    if not stream or page.Contents:
        return
    page.Contents = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode")}),
        zlib.compress(asBytes(stream)))
    page.stream = None
