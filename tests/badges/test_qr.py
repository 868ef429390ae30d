"""QR matrices: identical to the qrcode package's, drawn exactly, sized for printing."""
from __future__ import annotations

import random
import re
import string

import pytest
import qrcode
from qrcode.util import MODE_8BIT_BYTE, QRData
from reportlab.lib.units import mm

from organizer.badges import qr


def reference(payload: str, level: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qr.LEVELS[level], border=0)
    code.add_data(QRData(payload.encode(), mode=MODE_8BIT_BYTE))
    code.make(fit=True)
    return code.get_matrix()


def payloads():
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "-_"
    for length in (1, 10, 24, 43, 60, 90, 150, 300):
        yield "http://party.test/b/" + "".join(rng.choice(alphabet) for _ in range(length))
    yield "https://example.org/b/zażółć-李-😀"


@pytest.mark.parametrize("level", "LMQH")
def test_matrices_equal_qrcode_including_mask_choice(level):
    for payload in payloads():
        matrix = qr.make_matrix(payload, level)
        assert matrix.to_lists() == reference(payload, level), (payload, level)


def test_path_operators_fill_exactly_the_dark_modules():
    for payload in payloads():
        matrix = qr.make_matrix(payload, "M")
        filled = [[False] * matrix.size for _ in range(matrix.size)]
        for y, line in enumerate(qr.path_operators(matrix).split("\n")):
            for x, width in re.findall(r"(\d+) 0 (\d+) 1 re", line):
                for column in range(int(x), int(x) + int(width)):
                    row = matrix.size - 1 - y
                    assert not filled[row][column], "modules painted twice"
                    filled[row][column] = True
        assert filled == matrix.to_lists()


def test_level_is_the_highest_that_keeps_modules_printable():
    url = "https://party.example.org/b/" + "x" * 24
    box = 30 * mm
    level = qr.choose_level(url, box, 0.5 * mm, 0.6 * mm)
    size = qr.make_matrix(url, level).size
    assert box / (size + 2 * qr.QUIET_ZONE) >= 0.6 * mm
    higher = "LMQH"[min(3, "LMQH".index(level) + 1)]
    if higher != level:
        bigger = qr.make_matrix(url, higher).size
        assert box / (bigger + 2 * qr.QUIET_ZONE) < 0.6 * mm


def test_payload_too_long_for_the_box_is_refused():
    with pytest.raises(qr.QrTooDense):
        qr.choose_level("https://example.org/" + "x" * 500, 20 * mm, 0.5 * mm)
