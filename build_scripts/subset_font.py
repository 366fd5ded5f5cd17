"""Subset the bundled CJK fonts: the app face, and the fallbacks for rare characters.

Run once after `apt-get install fonts-noto-cjk fonts-hanazono fonts-babelstone-han`
(Debian). Writes to assets/fonts/:
- NotoSansSC-Regular.otf (about 3 MB): GB2312 and punctuation, loaded with the first screen;
- NotoSansSC-Rare.otf (about 8 MB): every other ideograph Noto Sans CJK SC has (the rest
  of the CJK Unified Ideographs and Extension A, the 通用规范汉字表 beyond GB2312, the
  Extension B–F characters it draws);
- HanaMinB-ExtB.ttf: the rest of Extension B, from Hanazono Mincho B (OFL);
- BabelStoneHan-Unicode13.ttf: the few Unicode 13–14 ideographs neither has
  (U+9FF0–9FFF, U+4DB6–4DBF, U+2A6D7–2A6DF), from BabelStone Han (Arphic Public License).
The app registers the first with `page.fonts` and the fallbacks after the first screen
(app/ui/fonts.py), so no name shows as boxes, also in the browser offline; Flutter draws
bold text from the regular face, so one weight is enough.
Usage: python build_scripts/subset_font.py [--source-dir /usr/share/fonts]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

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
    from app.ui.catalogue import all_text

    text = all_text() + "".join(COUNTIES.values())
    return {ord(c) for c in text}


# The ideograph blocks: radicals, URO, Extensions A–F, compatibility ideographs.
IDEOGRAPHS = [
    (0x2E80, 0x2FDF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2EBEF),
    (0x2F800, 0x2FA1F),
]
EXT_B = (0x20000, 0x2A6DF)


def sc_face(ttc: Path) -> TTFont:
    collection = TTCollection(str(ttc))
    return next(f for f in collection.fonts if f["name"].getDebugName(1) == SC_FACE)


def in_blocks(codepoints: set[int], blocks: list[tuple[int, int]]) -> set[int]:
    return {c for c in codepoints if any(lo <= c <= hi for lo, hi in blocks)}


def subset_face(font: TTFont, out: Path, codepoints: set[int]) -> None:
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
    parser.add_argument("--source-dir", type=Path, default=Path("/usr/share/fonts"))
    args = parser.parse_args()
    noto = args.source_dir / "opentype" / "noto" / "NotoSansCJK-Regular.ttc"
    codepoints = gb2312_characters() | extra_characters()
    for lo, hi in BLOCKS:
        codepoints.update(range(lo, hi + 1))
    OUT.mkdir(parents=True, exist_ok=True)
    noto_has = set(sc_face(noto).getBestCmap())
    rare = in_blocks(noto_has, IDEOGRAPHS) - codepoints
    hana = TTFont(str(args.source_dir / "truetype" / "hanazono" / "HanaMinB.ttf"))
    ext_b = in_blocks(set(hana.getBestCmap()), [EXT_B]) - noto_has
    babel = TTFont(str(args.source_dir / "truetype" / "babelstone" / "BabelStoneHan.ttf"))
    wanted = set(range(0x3400, 0x4DC0)) | set(range(0x4E00, 0xA000))
    wanted |= set(range(EXT_B[0], EXT_B[1] + 1))
    newest = in_blocks(set(babel.getBestCmap()), IDEOGRAPHS) & wanted - noto_has - ext_b
    for font, name, chosen in [
        (sc_face(noto), "NotoSansSC-Regular.otf", codepoints),
        (sc_face(noto), "NotoSansSC-Rare.otf", rare),
        (hana, "HanaMinB-ExtB.ttf", ext_b),
        (babel, "BabelStoneHan-Unicode13.ttf", newest),
    ]:
        out = OUT / name
        subset_face(font, out, chosen)
        print(
            f"{out.relative_to(ROOT)}: {len(chosen)} characters, {out.stat().st_size / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
