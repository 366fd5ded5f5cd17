"""QR scanning benchmark: `python -m tests.bench.scan`.

How long the enrolment screen takes to read the county's QR code from what the camera
gives it, in pure Python: a preview frame (the camera plug-in hands frames over as JPEG,
480p on ResolutionPreset.MEDIUM, 720p on HIGH), a 12-megapixel photo (read at 1/8), and
the PNG the county's `doorstep server enrol --qr` saves. Baseline, in the same run:
Pillow (C) decoding the same JPEG to grey — the cost of the image alone, before any QR
work, in a native library the app cannot ship on every platform.

Times are CPU time of this process (time.process_time), median of five: what the
tablet's processor spends, not what other programs on a shared machine take from it.
Prints the figures, then one JSON line with all of them.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Callable

import segno
from PIL import Image

from app.scanning import read_qr
from app.scanning.decode import read_grey

TEXT = (
    "doorstep:enroll?code=K7QM-2WXP-9HTD&server=https://county.jinhua.example.cn:8443&pin=sha256:"
    + "3f" * 32
)


def _frame(width: int, height: int, code_share: float) -> bytes:
    """A camera frame: the code filling `code_share` of the frame's height, a little turned."""
    buffer = io.BytesIO()
    symbol = segno.make(TEXT, error="m", micro=False)
    symbol.save(buffer, kind="png", scale=10, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    side = int(height * code_share)
    code = code.resize((side, side), Image.BILINEAR).rotate(7, expand=True, fillcolor=210)
    frame = Image.new("L", (width, height), 210)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    out = io.BytesIO()
    frame.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _time(fn: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from sync.server.services import admin

    cases = {
        "frame 640x480": _frame(640, 480, 0.7),
        "frame 1280x720": _frame(1280, 720, 0.7),
        "photo 4000x3000": _frame(4000, 3000, 0.6),
    }
    figures: dict[str, float] = {}
    for name, data in cases.items():
        assert read_qr(data) == TEXT, name
        ours = _time(lambda d=data: read_qr(d))
        grey = _time(lambda d=data: read_grey(d))
        pillow = _time(lambda d=data: Image.open(io.BytesIO(d)).convert("L").load())
        figures[f"{name} read ms"] = round(ours, 1)
        figures[f"{name} image only ms"] = round(grey, 1)
        figures[f"{name} pillow image ms"] = round(pillow, 1)
        print(
            f"{name:17} read {ours:7.1f} ms (image alone {grey:6.1f} ms); "
            f"baseline Pillow image {pillow:5.1f} ms → ×{ours / pillow:.0f}"
        )
    png = admin.qr_png(TEXT)
    assert read_qr(png) == TEXT
    figures["server png read ms"] = round(_time(lambda: read_qr(png)), 1)
    print(f"server PNG        read {figures['server png read ms']:7.1f} ms")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
