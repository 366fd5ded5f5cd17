"""Grey images from the bytes a camera or a file gives: JPEG (baseline) or PNG, told apart
by their signatures."""

from __future__ import annotations

from app.scanning import jpeg, png
from app.scanning.images import Grey, UnreadableImage


def read_grey(data: bytes) -> Grey:
    """The image in `data` (JPEG or PNG) as grey; anything else is an `UnreadableImage`."""
    if data[:3] == b"\xff\xd8\xff":
        return jpeg.read_grey(data)
    if data[:8] == png.SIGNATURE:
        return png.read_grey(data)
    raise UnreadableImage("scan.not_an_image")
