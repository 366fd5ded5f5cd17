"""What both image decoders share: the grey image they give, the refusal they raise, and
the size they refuse (`app.scanning.decode` tells JPEG from PNG).

A QR code needs brightness only, so both decoders give one byte per pixel (`Grey`).
Anything else — another format, a progressive JPEG, an image too large to scan on a
tablet — is an `UnreadableImage` with a code saying which, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import DoorstepError

MAX_PIXELS = 4096 * 4096  # a photo larger than this is refused, not decoded for minutes


class UnreadableImage(DoorstepError, ValueError):
    """The bytes are not an image this module can read (code says why)."""

    default_code = "scan.not_an_image"


@dataclass(frozen=True, slots=True)
class Grey:
    """A grey image: `pixels[y * width + x]`, 0 black … 255 white."""

    width: int
    height: int
    pixels: bytearray

    def __post_init__(self) -> None:
        if len(self.pixels) != self.width * self.height:
            raise ValueError("pixel count does not match the size")


def check_size(width: int, height: int) -> None:
    """Refuse an image with no pixels, or more than `MAX_PIXELS`, before decoding it."""
    if width <= 0 or height <= 0:
        raise UnreadableImage("scan.corrupt_image")
    if width * height > MAX_PIXELS:
        raise UnreadableImage("scan.image_too_large")
