"""Every printed QR code decodes, with zxing-cpp, to its own guest's URL — at 150 dpi and at a
degraded 100 dpi (blurred), for every preset."""
from __future__ import annotations

import pytest
from PIL import ImageFilter

from organizer.badges.presets import PRESETS, get_preset
from organizer.badges.render import badges_pdf

from .pdfcheck import decode_qr_codes, rasterise
from .samples import sample_badges


@pytest.mark.parametrize("layout", sorted(PRESETS))
def test_every_code_decodes_to_its_guest(layout):
    preset = get_preset(layout)
    count = max(preset.per_page + 1, 3)  # a full page and the start of the next
    badges = sample_badges(count, base_url="https://party.example.org")
    pdf = badges_pdf(badges, layout=layout)
    per_page = [[b.qr_url for b in badges[i:i + preset.per_page]]
                for i in range(0, count, preset.per_page)]
    for dpi, blur in ((150, 0.0), (100, 0.8)):
        pages = rasterise(pdf, dpi)
        assert len(pages) == len(per_page)
        for number, (image, expected) in enumerate(zip(pages, per_page), start=1):
            if blur:
                image = image.filter(ImageFilter.GaussianBlur(blur))
            decoded = decode_qr_codes(image)
            assert sorted(decoded) == sorted(expected), f"{layout} page {number} at {dpi} dpi"
