"""A QR code's modules to its text (ISO/IEC 18004): format, mask, codewords, repair, data.

`read_symbol` takes the sampled grid (``grid[row][col]``, True for a dark module) and
returns the text, or raises `UnreadableCode`. The standard's tables (error-correction
blocks per version and level, format and version information, alignment positions)
come from segno, the QR encoder the county server already uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segno import consts

from app.domain.errors import DoorstepError
from app.scanning import reedsolomon

Grid = list[list[bool]]

_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
_ALPHANUMERIC = consts.ALPHANUMERIC_CHARS.decode("ascii")
_ECI_ENCODINGS = {
    1: "latin-1",
    3: "latin-1",
    20: "shift_jis",
    26: "utf-8",
    29: "gb2312",
    30: "euc_kr",
}


class UnreadableCode(DoorstepError, ValueError):
    default_code = "scan.unreadable_code"


def read_symbol(grid: Grid) -> str:
    size = len(grid)
    version = (size - 17) // 4
    if size < 21 or (size - 17) % 4 or version > 40:
        raise UnreadableCode()
    level, mask = _format(grid)
    if version >= 7 and _version(grid, version) != version:
        raise UnreadableCode()  # sampled at the wrong size: the caller tries another
    function = _function_modules(version)
    codewords = _codewords(grid, function, _MASKS[mask])
    data = _repair(codewords, version, level)
    return _segments(data, version)


def _hamming_best(bits: list[int], candidates: tuple[int, ...]) -> int | None:
    best, best_distance = None, 4  # at most 3 wrong bits
    for index, code in enumerate(candidates):
        for value in bits:
            distance = bin(value ^ code).count("1")
            if distance < best_distance:
                best, best_distance = index, distance
    return best


def _format(grid: Grid) -> tuple[int, int]:
    size = len(grid)

    def dark(row: int, col: int) -> int:
        return 1 if grid[row][col] else 0

    first = 0
    for col in (0, 1, 2, 3, 4, 5, 7, 8):
        first = (first << 1) | dark(8, col)
    for row in (7, 5, 4, 3, 2, 1, 0):
        first = (first << 1) | dark(row, 8)
    second = 0
    for row in range(size - 1, size - 8, -1):
        second = (second << 1) | dark(row, 8)
    for col in range(size - 8, size):
        second = (second << 1) | dark(8, col)
    index = _hamming_best([first, second], consts.FORMAT_INFO)
    if index is None:
        raise UnreadableCode()
    return index >> 3, index & 7  # segno's level constant is the 2-bit indicator


def _version(grid: Grid, estimate: int) -> int:
    size = len(grid)
    below = above = 0
    for i in range(17, -1, -1):  # bit 17 first
        below = (below << 1) | (1 if grid[size - 11 + i % 3][i // 3] else 0)
        above = (above << 1) | (1 if grid[i // 3][size - 11 + i % 3] else 0)
    index = _hamming_best([below, above], consts.VERSION_INFO)
    return estimate if index is None else index + 7


def _function_modules(version: int) -> list[list[bool]]:
    size = 17 + 4 * version
    function = [[False] * size for _ in range(size)]

    def region(top: int, left: int, height: int, width: int) -> None:
        for row in range(top, top + height):
            for col in range(left, left + width):
                function[row][col] = True

    region(0, 0, 9, 9)
    region(0, size - 8, 9, 8)
    region(size - 8, 0, 8, 9)
    region(6, 9, 1, size - 17)
    region(9, 6, size - 17, 1)
    if version >= 2:
        centres = consts.ALIGNMENT_POS[version - 2]
        last = centres[-1]
        for row in centres:
            for col in centres:
                if (row, col) in ((6, 6), (6, last), (last, 6)):
                    continue
                region(row - 2, col - 2, 5, 5)
    if version >= 7:
        region(0, size - 11, 6, 3)
        region(size - 11, 0, 3, 6)
    return function


def _codewords(
    grid: Grid, function: list[list[bool]], is_masked: Callable[[int, int], bool]
) -> list[int]:
    size = len(grid)
    out: list[int] = []
    byte = bits = 0
    upward = True
    col = size - 1
    while col > 0:
        if col == 6:
            col -= 1
        for step in range(size):
            row = size - 1 - step if upward else step
            for c in (col, col - 1):
                if function[row][c]:
                    continue
                dark = grid[row][c] != is_masked(row, c)
                byte = (byte << 1) | (1 if dark else 0)
                bits += 1
                if bits == 8:
                    out.append(byte)
                    byte = bits = 0
        upward = not upward
        col -= 2
    return out


def _repair(codewords: list[int], version: int, level: int) -> list[int]:
    table: dict[Any, Any] = consts.ECC  # segno types its keys loosely (micro and rMQR too)
    groups: tuple[Any, ...] = table[version][level]
    shapes = [
        (group.num_total, group.num_data) for group in groups for _ in range(group.num_blocks)
    ]
    total = sum(t for t, _ in shapes)
    if len(codewords) < total:
        raise UnreadableCode()
    blocks: list[list[int]] = [[] for _ in shapes]
    position = 0
    for i in range(max(d for _, d in shapes)):
        for b, (_, data) in enumerate(shapes):
            if i < data:
                blocks[b].append(codewords[position])
                position += 1
    ec_count = shapes[0][0] - shapes[0][1]
    for _ in range(ec_count):
        for block in blocks:
            block.append(codewords[position])
            position += 1
    out: list[int] = []
    for block, (_, data) in zip(blocks, shapes, strict=True):
        try:
            out.extend(reedsolomon.correct(block, ec_count)[:data])
        except reedsolomon.TooManyErrors:
            raise UnreadableCode() from None
    return out


class _Reader:
    def __init__(self, data: list[int]) -> None:
        self.data, self.position = data, 0

    def left(self) -> int:
        return len(self.data) * 8 - self.position

    def read(self, n: int) -> int:
        if n > self.left():
            raise UnreadableCode()
        value = 0
        for _ in range(n):
            byte = self.data[self.position >> 3]
            value = (value << 1) | ((byte >> (7 - (self.position & 7))) & 1)
            self.position += 1
        return value


def _segments(data: list[int], version: int) -> str:
    size_class = 0 if version <= 9 else 1 if version <= 26 else 2
    reader = _Reader(data)
    parts: list[str] = []
    encoding = "utf-8"
    while reader.left() >= 4:
        mode = reader.read(4)
        if mode == 0:
            break
        if mode == consts.MODE_NUMERIC:
            parts.append(_numeric(reader, reader.read((10, 12, 14)[size_class])))
        elif mode == consts.MODE_ALPHANUMERIC:
            parts.append(_alphanumeric(reader, reader.read((9, 11, 13)[size_class])))
        elif mode == consts.MODE_BYTE:
            count = reader.read((8, 16, 16)[size_class])
            raw = bytes(reader.read(8) for _ in range(count))
            parts.append(_text(raw, encoding))
        elif mode == consts.MODE_KANJI:
            count = reader.read((8, 10, 12)[size_class])
            parts.append(_double_byte(reader, count, 0x8140, 0xC140, 0x1F00, "shift_jis"))
        elif mode == consts.MODE_HANZI:
            reader.read(4)  # subset: GB2312
            count = reader.read((8, 10, 12)[size_class])
            parts.append(_double_byte(reader, count, 0xA1A1, 0xA6A1, 0x0A00, "gb2312"))
        elif mode == consts.MODE_ECI:
            encoding = _ECI_ENCODINGS.get(_eci(reader), encoding)
        elif mode == consts.MODE_STRUCTURED_APPEND:
            reader.read(16)
        elif mode in (5, 9):  # FNC1 markers carry no text of their own
            if mode == 9:
                reader.read(8)
        else:
            raise UnreadableCode()
    return "".join(parts)


def _numeric(reader: _Reader, count: int) -> str:
    digits: list[str] = []
    while count >= 3:
        digits.append(f"{reader.read(10):03d}")
        count -= 3
    if count == 2:
        digits.append(f"{reader.read(7):02d}")
    elif count == 1:
        digits.append(str(reader.read(4)))
    return "".join(digits)


def _alphanumeric(reader: _Reader, count: int) -> str:
    chars: list[str] = []
    while count >= 2:
        pair = reader.read(11)
        if pair >= 45 * 45:
            raise UnreadableCode()
        chars += [_ALPHANUMERIC[pair // 45], _ALPHANUMERIC[pair % 45]]
        count -= 2
    if count:
        value = reader.read(6)
        if value >= 45:
            raise UnreadableCode()
        chars.append(_ALPHANUMERIC[value])
    return "".join(chars)


def _double_byte(reader: _Reader, count: int, low: int, high: int, split: int, codec: str) -> str:
    out = bytearray()
    for _ in range(count):
        value = reader.read(13)
        if codec == "shift_jis":
            assembled = ((value // 0xC0) << 8) | (value % 0xC0)
            code = assembled + (low if assembled < split else high)
        else:
            code = ((value // 0x60) << 8) | (value % 0x60)
            code += low if code < split else high
        out += code.to_bytes(2, "big")
    return out.decode(codec, errors="replace")


def _eci(reader: _Reader) -> int:
    first = reader.read(8)
    if first & 0x80 == 0:
        return first & 0x7F
    if first & 0xC0 == 0x80:
        return ((first & 0x3F) << 8) | reader.read(8)
    return ((first & 0x1F) << 16) | reader.read(16)


def _text(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")
