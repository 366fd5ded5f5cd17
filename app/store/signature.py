"""A drawn signature as a PNG image: the strokes rasterised here, in pure Python.

Photo sync carries JPEG and PNG only, so consent evidence drawn on the screen is kept as
a PNG (8-bit greyscale, black ink on white). Signatures kept by older versions as SVG
are converted by the store migration (app/store/migrations.py, version 7).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence
from itertools import pairwise

Point = tuple[float, float]
PNG_MIME = "image/png"
SVG_MIME = "image/svg+xml"
MAX_SIDE = 2000  # pixels; a signature pad is a few hundred
INK_RADIUS = 1.6  # a line about 3 px wide, as the pad draws it
_WHITE, _INK = 255, 0
_SIZE = re.compile(rb'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')
_PATH = re.compile(rb'<path d="([^"]*)"')
_POINT = re.compile(rb"[ML]\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)")


class NotASignature(ValueError):
    """The bytes are not a signature this app drew."""


def signature_png(strokes: Sequence[Sequence[Point]], width: float, height: float) -> bytes:
    """The strokes (pad coordinates) drawn on a white `width` × `height` image, as PNG."""
    w = max(1, min(MAX_SIDE, round(width)))
    h = max(1, min(MAX_SIDE, round(height)))
    pixels = [bytearray([_WHITE]) * w for _ in range(h)]
    for stroke in strokes:
        points = list(stroke)
        if len(points) == 1:
            points = points * 2
        for (x0, y0), (x1, y1) in pairwise(points):
            _line(pixels, x0, y0, x1, y1)
    return _png(pixels, w, h)


def svg_to_png(svg: bytes) -> bytes:
    """A signature an older version kept as SVG (its own paths: M x,y L x,y …), as PNG."""
    size = _SIZE.search(svg)
    if size is None:
        raise NotASignature("no size")
    strokes = [
        [(float(x), float(y)) for x, y in _POINT.findall(path)] for path in _PATH.findall(svg)
    ]
    return signature_png(strokes, float(size.group(1)), float(size.group(2)))


def _line(pixels: list[bytearray], x0: float, y0: float, x1: float, y1: float) -> None:
    """Ink every pixel within INK_RADIUS of the segment, sampled every half pixel."""
    steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) * 2))
    h, w = len(pixels), len(pixels[0])
    reach = int(INK_RADIUS) + 1
    r2 = INK_RADIUS * INK_RADIUS
    for i in range(steps + 1):
        cx = x0 + (x1 - x0) * i / steps
        cy = y0 + (y1 - y0) * i / steps
        for py in range(max(0, int(cy) - reach), min(h, int(cy) + reach + 1)):
            row = pixels[py]
            dy = py + 0.5 - cy
            for px in range(max(0, int(cx) - reach), min(w, int(cx) + reach + 1)):
                dx = px + 0.5 - cx
                if dx * dx + dy * dy <= r2:
                    row[px] = _INK


def _png(pixels: list[bytearray], width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
