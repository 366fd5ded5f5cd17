"""Reading QR codes in pure Python: codes segno makes (every mode, level, many versions),
drawn clean, as the server's PNG, and photographed (JPEG, turned, skewed, blurred,
noisy); a damaged code repaired by its error correction; and every kind of bad file
refused with its own code, never a crash."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import zlib

import pytest
import segno
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from app.scanning import UnreadableCode, UnreadableImage, read_qr, read_qr_in
from app.scanning.decode import read_grey
from app.scanning.images import Grey
from app.scanning.reedsolomon import TooManyErrors, correct, encode

ENROL = (
    "doorstep:enroll?code=K7QM-2WXP-9HTD&server=https://county.jinhua.example.cn:8443"
    "&pin=sha256:" + "3f" * 32
)


def drawn(text: str, *, error: str = "m", scale: int = 4, border: int = 4) -> Grey:
    """The code as segno draws it, one byte per pixel, no file format in between."""
    matrix = [list(row) for row in segno.make(text, error=error, micro=False).matrix]
    size = len(matrix) + 2 * border
    width = size * scale
    pixels = bytearray(b"\xff" * (width * width))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for y in range((r + border) * scale, (r + border + 1) * scale):
                    start = y * width + (c + border) * scale
                    pixels[start : start + scale] = b"\x00" * scale
    return Grey(width, width, pixels)


def photo(
    text: str,
    *,
    angle: float = 0,
    blur: float = 0,
    noise: int = 0,
    skew: bool = False,
    quality: int = 70,
    scale: int = 5,
    shade: bool = False,
) -> bytes:
    """The code as a camera might give it: on a wider light background, JPEG."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    side = code.width
    image = Image.new("L", (int(side * 1.7), int(side * 1.4)), 225)
    image.paste(code, (int(side * 0.35), int(side * 0.2)))
    if angle:
        image = image.rotate(angle, expand=True, fillcolor=225, resample=Image.BILINEAR)
    if skew:
        w, h = image.size
        image = image.transform(
            (w, h),
            Image.PERSPECTIVE,
            (1, 0.12, -15, 0.04, 1, -8, 0.00025, 0.00015),
            fillcolor=225,
            resample=Image.BILINEAR,
        )
    if shade:  # light falling off across the page
        gradient = Image.linear_gradient("L").resize(image.size).point(lambda v: 60 + v * 0.7)
        image = Image.composite(image, gradient.point(lambda v: v * 0.5), gradient)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = random.Random(7)
        image = image.point(lambda v: v)
        data = bytearray(image.tobytes())
        for i in range(len(data)):
            data[i] = max(0, min(255, data[i] + rng.randint(-noise, noise)))
        image = Image.frombytes("L", image.size, bytes(data))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


# --- codes as drawn ----------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=300),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:", min_size=1, max_size=300),
        st.text(
            st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=120
        ),
    ),
    error=st.sampled_from("lmqh"),
)
def test_any_text_in_any_mode_and_level_reads_back(text: str, error: str) -> None:
    assert read_qr_in(drawn(text, error=error)) == text


@pytest.mark.parametrize("length", [1, 40, 150, 400, 900])
def test_versions_small_to_large_with_their_version_information(length: int) -> None:
    text = "".join(random.Random(length).choice("abcdefghijk/:?&=") for _ in range(length))
    version = segno.make(text, error="m", micro=False).version
    assert read_qr_in(drawn(text, scale=3)) == text, f"version {version}"


def test_the_servers_enrolment_png_reads_back() -> None:
    from sync.server.services import admin

    png = admin.qr_png(ENROL)  # what `doorstep server enrol --qr` saves
    assert read_qr(png) == ENROL


def test_a_smudged_code_is_repaired_by_its_error_correction() -> None:
    image = drawn(ENROL, error="h", scale=4)
    for y in range(60, 90):  # a blot over part of the data, away from the finders
        image.pixels[y * image.width + 70 : y * image.width + 110] = b"\x00" * 40
    assert read_qr_in(image) == ENROL


def test_a_code_too_damaged_to_repair_is_unreadable() -> None:
    image = drawn(ENROL, error="l", scale=4)
    rng = random.Random(1)
    width = image.width
    for _ in range(900):  # a third of the data modules flipped
        x, y = rng.randrange(60, width - 60), rng.randrange(60, width - 60)
        image.pixels[y * width + x - 2 : y * width + x + 2] = (
            bytes(4) if rng.random() < 0.5 else b"\xff" * 4
        )
    with pytest.raises(UnreadableCode):
        read_qr_in(image)


def test_a_mirrored_code_reads_too() -> None:
    """A front camera's preview is mirrored."""
    image = drawn(ENROL)
    width = image.width
    mirrored = bytearray()
    for y in range(image.height):
        mirrored += bytes(reversed(image.pixels[y * width : (y + 1) * width]))
    assert read_qr_in(Grey(width, image.height, mirrored)) == ENROL


def test_a_picture_without_a_code_is_unreadable() -> None:
    rng = random.Random(3)
    noise = Grey(300, 200, bytearray(rng.randrange(256) for _ in range(300 * 200)))
    with pytest.raises(UnreadableCode):
        read_qr_in(noise)
    with pytest.raises(UnreadableCode):
        read_qr_in(Grey(300, 200, bytearray(b"\xc8" * 60000)))


# --- codes photographed ------------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    [
        {},
        {"angle": 17},
        {"angle": 90},
        {"angle": 200, "blur": 1.0},
        {"noise": 35},
        {"skew": True},
        {"shade": True},
        {"scale": 3, "angle": 8, "quality": 50},
    ],
    ids=[
        "straight",
        "turned",
        "quarter-turn",
        "upside-down-blurred",
        "noisy",
        "skewed",
        "shaded",
        "small-and-rough",
    ],
)
def test_a_photographed_code_reads(how: dict[str, object]) -> None:
    assert read_qr(photo(ENROL, **how)) == ENROL  # type: ignore[arg-type]


# --- the image decoders against Pillow ----------------------------------------------------


def _test_card(mode: str) -> Image.Image:
    image = Image.new(mode, (251, 173))
    pixels = image.load()
    for y in range(173):
        for x in range(251):
            v = (x * 3 + y * 2) % 256 if (x // 16 + y // 16) % 2 else 40
            pixels[x, y] = v if mode == "L" else (v, (v * 7) % 256, 255 - v)
    return image


@pytest.mark.parametrize(
    "options",
    [
        {"mode": "L"},
        {"mode": "RGB", "subsampling": 0},
        {"mode": "RGB", "subsampling": 1},
        {"mode": "RGB", "subsampling": 2},
        {"mode": "RGB", "subsampling": 2, "restart_marker_blocks": 3},
    ],
    ids=["grey", "4:4:4", "4:2:2", "4:2:0", "restart-markers"],
)
def test_the_jpeg_decoder_matches_pillows_brightness(options: dict[str, object]) -> None:
    options = dict(options)
    image = _test_card(str(options.pop("mode")))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **options)
    ours = read_grey(buffer.getvalue())
    theirs = Image.open(io.BytesIO(buffer.getvalue()))
    if theirs.mode == "YCbCr" or theirs.mode == "RGB":
        theirs.draft("YCbCr", theirs.size)
        reference = theirs.convert("YCbCr").getchannel(0).tobytes()
    else:
        reference = theirs.tobytes()
    assert (ours.width, ours.height) == theirs.size
    differences = [abs(a - b) for a, b in zip(ours.pixels, reference, strict=True)]
    assert max(differences) <= 3  # rounding in the inverse DCT only
    assert sum(differences) / len(differences) < 0.6


@pytest.mark.parametrize("mode", ["1", "L", "LA", "RGB", "RGBA", "P", "I;16"])
def test_the_png_decoder_reads_every_colour_type(mode: str) -> None:
    source = _test_card("RGB")
    image = source.convert("L").convert(mode) if mode in ("1", "I;16") else source.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    ours = read_grey(buffer.getvalue())
    expected = image.convert("L") if mode != "I;16" else image.point(lambda v: v / 256).convert("L")
    differences = [abs(a - b) for a, b in zip(ours.pixels, expected.tobytes(), strict=True)]
    assert max(differences) <= 2


def test_a_large_photo_is_read_at_an_eighth_and_still_scans() -> None:
    big = Image.open(io.BytesIO(photo(ENROL, scale=24))).convert("RGB")
    assert big.width * big.height > 1600 * 1200
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=85)
    grey = read_grey(buffer.getvalue())
    assert grey.width == -(-big.width // 8)
    assert read_qr(buffer.getvalue()) == ENROL


# --- bad files ----------------------------------------------------------------------------


def _png(width: int, height: int, body: bytes, *, interlace: int = 0, colour: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, interlace)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    frame = struct.pack(">BHHB", 8, height, width, 1) + bytes([1, 0x11, 0])
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame + b"\xff\xd9"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "scan.not_an_image"),
        (b"GIF89a" + bytes(100), "scan.not_an_image"),
        (bytes(random.Random(5).randrange(256) for _ in range(5000)), "scan.not_an_image"),
        (_jpeg_claiming(60_000, 60_000), "scan.image_too_large"),
        (_jpeg_claiming(0, 10), "scan.corrupt_image"),
        (_png(50_000, 50_000, zlib.compress(b"")), "scan.image_too_large"),
        (_png(100, 100, b"not deflate"), "scan.corrupt_image"),
        (_png(100, 100, zlib.compress(bytes(50))), "scan.corrupt_image"),  # too little data
        (
            _png(100, 100, zlib.compress(b"\x07" + bytes(100) * 100)),
            "scan.corrupt_image",
        ),  # bad filter
        (_png(100, 100, zlib.compress(bytes(101 * 100)), interlace=1), "scan.interlaced_png"),
        (_png(100, 100, zlib.compress(bytes(101 * 100)), colour=5), "scan.corrupt_image"),
        (b"\x89PNG\r\n\x1a\n", "scan.corrupt_image"),
    ],
    ids=[
        "empty",
        "gif",
        "random",
        "jpeg-huge",
        "jpeg-zero",
        "png-huge",
        "png-not-deflate",
        "png-short",
        "png-bad-filter",
        "png-interlaced",
        "png-bad-colour",
        "png-no-header",
    ],
)
def test_bad_files_are_refused_with_their_reason(data: bytes, code: str) -> None:
    with pytest.raises(UnreadableImage) as refused:
        read_qr(data)
    assert refused.value.code == code


def test_a_png_that_inflates_past_its_size_is_not_inflated() -> None:
    """A deflate bomb (1 GB of zeros in about 1 MB) claiming a 10×10 image: only what
    the size allows is inflated, and the rest is ignored."""
    bomb = zlib.compress(bytes(11 * 10) + bytes(50_000_000), 9)
    assert read_grey(_png(10, 10, bomb)).width == 10


def test_a_progressive_jpeg_is_refused_with_its_reason() -> None:
    buffer = io.BytesIO()
    _test_card("RGB").save(buffer, "JPEG", progressive=True)
    with pytest.raises(UnreadableImage) as refused:
        read_qr(buffer.getvalue())
    assert refused.value.code == "scan.unsupported_jpeg"


@pytest.mark.parametrize("cut", [0.2, 0.5, 0.9])
def test_a_truncated_or_corrupted_photo_is_refused_or_unreadable_never_a_crash(cut: float) -> None:
    data = photo(ENROL)
    with pytest.raises((UnreadableImage, UnreadableCode)):
        read_qr(data[: int(len(data) * cut)])
    rng = random.Random(int(cut * 10))
    garbled = bytearray(data)
    for _ in range(200):
        garbled[rng.randrange(600, len(garbled))] = rng.randrange(256)
    with contextlib.suppress(UnreadableImage, UnreadableCode):
        read_qr(bytes(garbled))


# --- Reed–Solomon -------------------------------------------------------------------------


def test_reed_solomon_corrects_up_to_half_its_ec_codewords_and_refuses_more() -> None:
    rng = random.Random(11)
    for _ in range(300):
        ec = rng.choice([7, 10, 15, 22, 26, 30])
        data = [rng.randrange(256) for _ in range(rng.randint(1, 100))]
        block = encode(data, ec)
        damaged = list(block)
        for position in rng.sample(range(len(block)), rng.randint(0, ec // 2)):
            damaged[position] ^= rng.randint(1, 255)
        assert correct(damaged, ec) == block
    block = encode(list(range(20)), 10)
    damaged = list(block)
    for position in range(8):
        damaged[position] ^= 0x55
    with pytest.raises(TooManyErrors):
        assert correct(damaged, 10) != block
