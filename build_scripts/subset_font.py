"""Subset Noto Sans CJK SC to GB2312 + punctuation for the bundled app font.

Run once after `apt-get install fonts-noto-cjk` (Debian); writes
assets/fonts/NotoSansSC-Regular.otf (about 3 MB). The app registers it with `page.fonts`,
so Chinese never shows as boxes, also in the browser offline; Flutter draws bold text
from the regular face, so one weight is enough.
Usage: python build_scripts/subset_font.py [--source-dir /usr/share/fonts/opentype/noto]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "fonts"
SC_FACE = "Noto Sans CJK SC"
# Blocks kept whole: ASCII and Latin-1, general punctuation, arrows and shapes used as
# markers, CJK symbols and punctuation, full-width forms.
BLOCKS = [
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x2000, 0x206F),
    (0x2100, 0x214F),
    (0x2190, 0x21FF),
    (0x2460, 0x24FF),
    (0x25A0, 0x25FF),
    (0x2600, 0x26FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
]


def gb2312_characters() -> set[int]:
    """Every character of GB2312 (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    chars: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def extra_characters() -> set[int]:
    """Characters the app's own text and place names use beyond GB2312."""
    sys.path.insert(0, str(ROOT))
    from app.domain.areas import COUNTIES
    from app.domain.labels import all_text

    text = all_text() + "".join(COUNTIES.values())
    return {ord(c) for c in text}


def subset_face(ttc: Path, out: Path, codepoints: set[int]) -> None:
    collection = TTCollection(str(ttc))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == SC_FACE)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.save(str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=Path("/usr/share/fonts/opentype/noto"))
    args = parser.parse_args()
    codepoints = gb2312_characters() | extra_characters()
    for lo, hi in BLOCKS:
        codepoints.update(range(lo, hi + 1))
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "NotoSansSC-Regular.otf"
    subset_face(args.source_dir / "NotoSansCJK-Regular.ttc", out, codepoints)
    print(f"{out.relative_to(ROOT)}: {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
