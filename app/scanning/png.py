"""PNG to grey, in pure Python (zlib is in the standard library).

Reads every non-interlaced PNG: grey, grey with alpha, RGB, RGBA and palette images at
1, 2, 4, 8 and 16 bits. Transparent pixels are laid on white, as a QR code saved with a
transparent background is meant to be seen. Interlaced files are refused with their
own code; a file whose data would inflate past what its size allows is corrupt, so a
small file cannot make the tablet inflate gigabytes.
"""

from __future__ import annotations

import struct
import zlib

from app.scanning.images import Grey, UnreadableImage, check_size

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def read_grey(data: bytes) -> Grey:
    width, height, depth, colour, interlace, palette, compressed = _chunks(data)
    if interlace:
        raise UnreadableImage("scan.interlaced_png")
    channels = _CHANNELS[colour]
    bits = depth * channels
    stride = (width * bits + 7) // 8
    expected = (stride + 1) * height
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(compressed, expected)
    except zlib.error:
        raise UnreadableImage("scan.corrupt_image") from None
    if len(raw) < expected:
        raise UnreadableImage("scan.corrupt_image")
    rows = _unfilter(raw, stride, height, max(1, bits // 8))
    grey = bytearray(width * height)
    for y, row in enumerate(rows):
        grey[y * width : (y + 1) * width] = _row_to_grey(row, width, depth, colour, palette)
    return Grey(width, height, grey)


def _chunks(data: bytes) -> tuple[int, int, int, int, int, list[int], bytes]:
    position = len(SIGNATURE)
    header: tuple[int, ...] | None = None
    palette: list[int] = []
    idat = bytearray()
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if len(body) < length:
            raise UnreadableImage("scan.corrupt_image")
        position += 12 + length
        if kind == b"IHDR" and length == 13:
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = [_luma(body[i], body[i + 1], body[i + 2]) for i in range(0, len(body) - 2, 3)]
        elif kind == b"tRNS" and header is not None and header[3] == 3:
            alpha = list(body)
            palette = [
                _on_white(level, alpha[i] if i < len(alpha) else 255)
                for i, level in enumerate(palette)
            ]
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise UnreadableImage("scan.corrupt_image")
    width, height, depth, colour, _compression, _filter, interlace = header
    check_size(width, height)
    if colour not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
        raise UnreadableImage("scan.corrupt_image")
    if colour == 3 and not palette:
        raise UnreadableImage("scan.corrupt_image")
    return width, height, depth, colour, interlace, palette, bytes(idat)


def _unfilter(raw: bytes, stride: int, height: int, step: int) -> list[bytearray]:
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(step, stride):
                row[i] = (row[i] + row[i - step]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                row[i] = (row[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = row[i - step] if i >= step else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = row[i - step] if i >= step else 0
                b = previous[i]
                c = previous[i - step] if i >= step else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + predictor) & 0xFF
        elif kind != 0:
            raise UnreadableImage("scan.corrupt_image")
        rows.append(row)
        previous = row
    return rows


def _row_to_grey(row: bytearray, width: int, depth: int, colour: int, palette: list[int]) -> bytes:
    if depth < 8:
        per_byte = 8 // depth
        mask = (1 << depth) - 1
        samples = [
            (row[x // per_byte] >> (8 - depth * (x % per_byte + 1))) & mask for x in range(width)
        ]
        if colour == 3:
            return bytes(palette[s] if s < len(palette) else 0 for s in samples)
        scale = 255 // mask
        return bytes(s * scale for s in samples)
    size = depth // 8  # bytes per sample; 16-bit samples keep their high byte
    channels = _CHANNELS[colour]
    values = row[::size] if size == 2 else row
    if colour == 0:
        return bytes(values[:width])
    if colour == 3:
        return bytes(palette[v] if v < len(palette) else 0 for v in values[:width])
    if colour == 4:
        return bytes(_on_white(values[2 * x], values[2 * x + 1]) for x in range(width))
    out = bytearray(width)
    for x in range(width):
        i = x * channels
        level = _luma(values[i], values[i + 1], values[i + 2])
        out[x] = _on_white(level, values[i + 3]) if channels == 4 else level
    return bytes(out)


def _luma(red: int, green: int, blue: int) -> int:
    return (red * 299 + green * 587 + blue * 114) // 1000


def _on_white(level: int, alpha: int) -> int:
    return (level * alpha + 255 * (255 - alpha)) // 255
