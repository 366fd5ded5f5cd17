"""Reading a QR code from a photo or an image file, in pure Python (no native library,
so it runs wherever the app runs: Android, a laptop, the server).

`read_qr(data)` takes the bytes of a JPEG or PNG and returns the code's text, or raises
`UnreadableImage` (not an image this can read) or `UnreadableCode` (no code found, or
one too damaged to repair): both DoorstepErrors with a code the catalogue words.
"""

from __future__ import annotations

from app.scanning.decode import read_grey
from app.scanning.images import Grey, UnreadableImage
from app.scanning.symbol import UnreadableCode

__all__ = ["UnreadableCode", "UnreadableImage", "read_qr", "read_qr_in"]


def read_qr(data: bytes) -> str:
    """The text of the QR code in the image `data` (JPEG or PNG)."""
    return read_qr_in(read_grey(data))


def read_qr_in(image: Grey) -> str:
    """The text of the QR code in a grey image."""
    from app.scanning import locate, symbol

    binary = locate.binarize(image)
    for corners in locate.candidates(locate.finder_centres(binary)):
        alignment = locate.alignment_centre(binary, corners)
        for size in (corners.size, corners.size + 4, corners.size - 4):
            if size < 21:
                continue
            trial = locate.Corners(
                corners.top_left, corners.top_right, corners.bottom_left, corners.module, size
            )
            grid = locate.sample(binary, trial, alignment if size == corners.size else None)
            for attempt in (grid, [list(column) for column in zip(*grid, strict=True)]):
                try:
                    return symbol.read_symbol(attempt)
                except UnreadableCode:
                    continue
    raise UnreadableCode()
