"""QR codes for badges: module matrices built from the qrcode package's tables, drawn as vectors.

The ``qrcode`` package computes one code in about 7 ms (it tries all eight masks by building
eight full matrices in pure Python), which alone would take 7 s for 1 000 badges.  This module
produces the same symbols (ISO/IEC 18004, byte mode) much faster by doing once per version,
error-correction level and mask what is common to every code of that shape:

* the function patterns (finders, timing, alignment, format and version information) and the
  order of the data modules come from ``qrcode`` itself (``QRCode.setup_*``);
* Reed-Solomon error correction uses ``qrcode``'s generator polynomials with a 256-entry
  multiplication table per polynomial, so each data byte costs a few integer operations;
* a matrix is a tuple of row bitmasks, so the mask penalty (ISO 18004 section 7.8.3) of all
  eight masks is scored with integer and regular-expression operations instead of loops.

``tests/badges/test_qr.py`` checks that every matrix equals the one ``qrcode`` builds for the
same data, version, level and mask, and that zxing-cpp decodes the printed codes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest

from qrcode import base, util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.main import QRCode

LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
QUIET_ZONE = 4  # modules of light margin the standard asks for on every side
MAX_VERSION = 40


class QrTooDense(ValueError):
    """The payload needs modules smaller than the minimum printable size."""


@dataclass(frozen=True)
class QrMatrix:
    """A QR symbol without quiet zone: ``rows[r] >> c & 1`` is the module at row r, column c."""

    rows: tuple[int, ...]
    version: int
    level: str
    mask: int

    @property
    def size(self) -> int:
        """Modules per side (without quiet zone)."""
        return len(self.rows)

    def is_dark(self, row: int, column: int) -> bool:
        """True when the module is dark."""
        return bool(self.rows[row] >> column & 1)

    def to_lists(self) -> list[list[bool]]:
        """The matrix as nested lists (row-major), as ``qrcode``'s ``get_matrix(border=0)``."""
        return [[bool(row >> c & 1) for c in range(self.size)] for row in self.rows]


# --- Reed-Solomon ---------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _rs_table(ec_count: int) -> tuple[tuple[int, ...], int]:
    """For each lead byte, the remainder contribution as one big integer (ec_count bytes)."""
    generator = util.LUT.rsPoly_LUT.get(ec_count)
    if generator is None:
        poly = base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * base.Polynomial([1, base.gexp(i)], 0)
        generator = [poly[i] for i in range(len(poly))]
    coefficients = generator[1:]  # the leading 1 is implied
    table = []
    for factor in range(256):
        value = 0
        for coefficient in coefficients:
            product = 0 if factor == 0 or coefficient == 0 else base.gexp(
                base.glog(factor) + base.glog(coefficient))
            value = (value << 8) | product
        table.append(value)
    return tuple(table), (1 << (8 * ec_count)) - 1


def _rs_remainder(data: bytes, ec_count: int) -> bytes:
    """The Reed-Solomon error-correction codewords for one block."""
    table, full = _rs_table(ec_count)
    shift = 8 * (ec_count - 1)
    register = 0
    for byte in data:
        register = ((register << 8) & full) ^ table[byte ^ (register >> shift)]
    return register.to_bytes(ec_count, "big")


# --- Data codewords -------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _blocks(version: int, level: str) -> tuple[tuple[int, int], ...]:
    """(data codewords, ec codewords) per block."""
    return tuple((block.data_count, block.total_count - block.data_count)
                 for block in base.rs_blocks(version, LEVELS[level]))


def _capacity_bits(version: int, level: str) -> int:
    return sum(data for data, _ in _blocks(version, level)) * 8


@lru_cache(maxsize=None)
def version_for(length: int, level: str) -> int:
    """The smallest version holding ``length`` bytes in byte mode at this level."""
    for version in range(1, MAX_VERSION + 1):
        length_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
        if 4 + length_bits + 8 * length <= _capacity_bits(version, level):
            return version
    raise QrTooDense(f"{length} bytes do not fit in any QR version at level {level}")


def _codewords(payload: bytes, version: int, level: str) -> bytes:
    """Byte-mode bit stream, padded, split into blocks, with error correction, interleaved."""
    capacity = _capacity_bits(version, level)
    length_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
    bits = (util.MODE_8BIT_BYTE << length_bits | len(payload)) << 8 * len(payload)
    bits |= int.from_bytes(payload, "big")
    used = 4 + length_bits + 8 * len(payload)
    terminator = min(4, capacity - used)
    bits <<= terminator
    used += terminator
    if used % 8:
        bits <<= 8 - used % 8
        used += 8 - used % 8
    stream = bits.to_bytes(used // 8, "big")
    pad = (capacity - used) // 8
    stream += (b"\xec\x11" * (pad // 2 + 1))[:pad]

    data_blocks, ec_blocks, offset = [], [], 0
    for data_count, ec_count in _blocks(version, level):
        block = stream[offset:offset + data_count]
        offset += data_count
        data_blocks.append(block)
        ec_blocks.append(_rs_remainder(block, ec_count))
    out = bytearray()
    for blocks in (data_blocks, ec_blocks):
        # Interleave: first byte of every block, then the second... (shorter blocks run out).
        for column in zip_longest(*blocks):
            out.extend(byte for byte in column if byte is not None)
    return bytes(out)


# --- Matrix templates -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Template:
    """What every code of one version and level shares.

    A matrix is one big integer holding it twice: module (row r, column c) at bit
    ``r * size + c`` (row-major, the low ``size * size`` bits) and again at
    ``size * size + c * size + r`` (column-major, the high half).  Rows and columns are then
    both "lines" of ``size`` bits, so the mask penalty along rows and columns is a handful of
    whole-matrix integer operations, and placing data touches one integer.
    """

    size: int
    fixed: tuple[int, ...]  # per mask: function patterns including format information
    # Function patterns with format and version information left light, as ``qrcode`` scores
    # masks (``makeImpl(test=True)``), so the mask chosen here is the one it would choose.
    scoring: int
    flips: tuple[int, ...]  # per mask: the data modules the mask inverts
    # Per half-codeword (high, low nibble of each codeword in placement order), for each of
    # the 16 nibble values, the bits of its dark modules.
    nibbles: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=None)
def _template(version: int, level: str) -> _Template:
    """Function patterns and data placement for a version and level, taken from ``qrcode``."""
    size = version * 4 + 17
    fixed, flips = [], []
    cells: list[tuple[int, int]] = []
    scoring = 0
    for mask in range(8):
        code = QRCode(version=version, error_correction=LEVELS[level], mask_pattern=mask)
        code.modules_count = size
        code.modules = [[None] * size for _ in range(size)]
        code.setup_position_probe_pattern(0, 0)
        code.setup_position_probe_pattern(size - 7, 0)
        code.setup_position_probe_pattern(0, size - 7)
        code.setup_position_adjust_pattern()
        code.setup_timing_pattern()
        if mask == 0:
            code.setup_type_info(True, mask)
            if version >= 7:
                code.setup_type_number(True)
            cells = _placement_order(code.modules)
            scoring = _pack([(r, c) for r, row in enumerate(code.modules)
                             for c, on in enumerate(row) if on], size)
        code.setup_type_info(False, mask)
        if version >= 7:
            code.setup_type_number(False)
        dark = [(r, c) for r, row in enumerate(code.modules) for c, on in enumerate(row) if on]
        fixed.append(_pack(dark, size))
        is_flipped = util.mask_func(mask)
        flips.append(_pack([(r, c) for r, c in cells if is_flipped(r, c)], size))
    cell_bits = tuple(_pack([cell], size) for cell in cells)
    return _Template(size, tuple(fixed), scoring, tuple(flips), _nibble_tables(cell_bits))


def _pack(modules: list[tuple[int, int]], size: int) -> int:
    """The big integer (row-major low half, column-major high half) with these modules set."""
    area = size * size
    return sum((1 << (r * size + c)) | (1 << (area + c * size + r)) for r, c in modules)


def _nibble_tables(cell_bits: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Lookup tables for placing four data bits at a time (remainder bits stay light)."""
    tables = []
    for start in range(0, len(cell_bits) - len(cell_bits) % 4 + 4, 4):
        group = cell_bits[start:start + 4]
        tables.append(tuple(sum(bits for offset, bits in enumerate(group)
                                if value >> (3 - offset) & 1) for value in range(16)))
    return tuple(tables)


def _placement_order(modules: list[list[bool | None]]) -> list[tuple[int, int]]:
    """The data modules in the zig-zag order of ISO 18004 section 7.7.3 (as qrcode maps them)."""
    size = len(modules)
    order = []
    row, step = size - 1, -1
    for column in range(size - 1, 0, -2):
        if column <= 6:
            column -= 1
        while True:
            for c in (column, column - 1):
                if modules[row][c] is None:
                    order.append((row, c))
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break
    return order


# --- Mask penalty (ISO 18004 section 7.8.3) -------------------------------------------------

_FINDER_LIKE = ("10111010000", "00001011101")


@lru_cache(maxsize=None)
def _windows(size: int) -> dict[str, int]:
    """Masks of the bit positions where a window of k modules fits inside one line; the 2 *
    size lines are the rows and then the columns."""
    def starts(k: int, lines: int) -> int:
        return sum(((1 << (size - k + 1)) - 1) << (line * size) for line in range(lines))
    return {"pair": starts(2, 2 * size), "five": starts(5, 2 * size),
            "eleven": starts(11, 2 * size), "block": starts(2, size - 1),
            "rows": (1 << (size * size)) - 1}


def _penalty(matrix: int, size: int) -> int:
    """Penalty score N1..N4 of a masked matrix (equal to ``qrcode.util.lost_point``)."""
    windows = _windows(size)
    # N1: a run of L >= 5 same-coloured modules in a row or column costs 3 + (L - 5), that is
    # its L - 4 uniform windows of five plus 2.
    same = ~(matrix ^ (matrix >> 1)) & windows["pair"]
    uniform = same & (same >> 1) & (same >> 2) & (same >> 3) & windows["five"]
    score = uniform.bit_count() + 2 * (uniform & ~(uniform << 1)).bit_count()
    # N3: 1:1:3:1:1 finder-like patterns with four light modules on one side, 40 each.
    for pattern in _FINDER_LIKE:
        found = windows["eleven"]
        for k, bit in enumerate(pattern):
            found &= (matrix >> k) if bit == "1" else ~(matrix >> k)
        score += 40 * found.bit_count()
    # N2: 2 x 2 blocks of one colour, 3 each (rows half only).
    rows = matrix & windows["rows"]
    same_down = ~(rows ^ (rows >> size))
    score += 3 * (same & same_down & (same_down >> 1) & windows["block"]).bit_count()
    # N4: 10 per 5 % the dark share is away from 50 %.
    dark = rows.bit_count()
    return score + 10 * (abs(dark * 100 // (size * size) - 50) // 5)


def _matrix(payload: bytes, version: int, level: str, mask: int | None) -> QrMatrix:
    template = _template(version, level)
    size = template.size
    placed = 0
    nibbles = template.nibbles
    for high, low, byte in zip(nibbles[0::2], nibbles[1::2],
                               _codewords(payload, version, level)):
        placed |= high[byte >> 4] | low[byte & 15]
    if mask is None:
        flips, scoring = template.flips, template.scoring
        mask = min(range(8), key=lambda m: (_penalty(scoring | (placed ^ flips[m]), size), m))
    matrix = template.fixed[mask] | (placed ^ template.flips[mask])
    full = (1 << size) - 1
    return QrMatrix(tuple((matrix >> (r * size)) & full for r in range(size)), version, level,
                    mask)


@lru_cache(maxsize=1024)
def make_matrix(payload: str, level: str = "M", version: int | None = None,
                mask: int | None = None) -> QrMatrix:
    """The QR matrix for a text (UTF-8, byte mode) at an error-correction level.

    ``version`` defaults to the smallest that fits; ``mask`` to the one with the lowest penalty.
    """
    data = payload.encode("utf-8")
    version = version or version_for(len(data), level)
    return _matrix(data, version, level, mask)


def choose_level(payload: str, box: float, min_module: float, comfortable_module: float = 0.0,
                 quiet_in_box: int = 2 * QUIET_ZONE) -> str:
    """The error-correction level for a payload printed in a ``box`` points wide.

    The highest level (H, Q, M, L) whose modules come out at least ``comfortable_module``
    wide, else the highest with at least ``min_module``; :class:`QrTooDense` when even level L
    needs smaller modules.  ``quiet_in_box`` is how many quiet-zone modules the box must hold
    besides the symbol (both sides by default).
    """
    return _choose_level(len(payload.encode("utf-8")), box, min_module, comfortable_module,
                         quiet_in_box)


@lru_cache(maxsize=1024)
def _choose_level(length: int, box: float, min_module: float, comfortable_module: float,
                  quiet_in_box: int) -> str:
    sizes = {level: version_for(length, level) * 4 + 17 for level in ("H", "Q", "M", "L")}
    for floor in (max(comfortable_module, min_module), min_module):
        for level, size in sizes.items():
            if box / (size + quiet_in_box) >= floor:
                return level
    raise QrTooDense(f"A {length}-byte QR payload needs more than {box:.0f} pt at the minimum "
                     "module size; shorten BASE_URL or use a larger layout.")


_RUN = re.compile("1+")
_CHUNK = 8


@lru_cache(maxsize=None)
def _chunk_rects(chunk: int) -> tuple[str, ...]:
    """For each byte value, the rectangles of its runs of dark modules in one row-chunk."""
    table = []
    for value in range(256):
        text = format(value, "08b")[::-1]
        table.append(" ".join(f"{_CHUNK * chunk + a} 0 {b - a} 1 re"
                              for a, b in (run.span() for run in _RUN.finditer(text))))
    return tuple(table)


@lru_cache(maxsize=256)
def path_operators(matrix: QrMatrix) -> str:
    """PDF operators filling the dark modules, in module units with the origin at the symbol's
    bottom-left corner (no quiet zone), leaving the coordinate system one row above the top.

    Each row is filled as one path of rectangles looked up per 8 modules (a run crossing a
    chunk boundary is two abutting rectangles in the same fill), then the coordinate system
    steps up a row: a table lookup per byte instead of formatting numbers per module.
    """
    count = (matrix.size + _CHUNK - 1) // _CHUNK
    chunks = [_chunk_rects(k) for k in range(count)]
    parts = []
    for row in reversed(matrix.rows):
        rects = " ".join(table[byte] for table, byte in zip(chunks, row.to_bytes(count, "little"))
                         if byte)
        parts.append(f"{rects} f 1 0 0 1 0 1 cm" if rects else "1 0 0 1 0 1 cm")
    return "\n".join(parts)
