"""Every code and UI string has both languages, every key the UI uses exists, and the
bundled font draws every character of them (so Chinese never shows as boxes)."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from app.domain import codes, coverage, indicators
from app.domain.areas import COUNTIES
from app.domain.codes import SharePurpose
from app.domain.coverage import UNASSIGNED, Breakdown, Measure
from app.domain.indicators import Source, Status
from app.domain.policy import Urgency
from app.domain.purposes import WORDINGS
from app.ui import widgets as w
from app.ui.catalogue import (
    CODE_LABELS,
    MEASURE_WORDS,
    UI,
    all_text,
    code_names,
    label,
    measure_label,
    purpose_label,
    text,
)

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "assets" / "fonts" / "NotoSansSC-Regular.otf"
ASSETS = ROOT / "assets"
ERROR_SENTENCES = ROOT / "app" / "ui" / "catalogue" / "errors.py"
# CJK Unified Ideographs (URO), Extension A, Extension B.
BLOCKS = {"URO": (0x4E00, 0x9FFF), "Ext A": (0x3400, 0x4DBF), "Ext B": (0x20000, 0x2A6DF)}
RARE_NAMES = "堃喆赟玥昇镕珺琇彧䶮𠮷"
ENUMS = [
    v
    for v in vars(codes).values()
    if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum
]


@pytest.mark.parametrize(
    "enum", [*ENUMS, Urgency, Breakdown, Status, Source], ids=lambda e: e.__name__
)
def test_every_code_has_chinese_and_english(enum: type[StrEnum]) -> None:
    table = CODE_LABELS.get(enum)
    assert table is not None, f"{enum.__name__} has no labels"
    assert set(table) == {m.value for m in enum}
    for zh, en in table.values():
        assert zh and en and zh != en
    assert label(next(iter(enum)), "zh") != label(next(iter(enum)), "en")


def test_every_measure_has_its_words_in_both_languages() -> None:
    measures = {
        v.code: v
        for module in (coverage, indicators)
        for v in vars(module).values()
        if isinstance(v, Measure)
    }.values()
    assert len(measures) == 10 and set(MEASURE_WORDS) == {m.code for m in measures}
    for m in measures:
        parts = {"title", "count"} | ({"total", "rate"} if m.total_key else set())
        assert set(MEASURE_WORDS[m.code]) == parts, m.code
        for part in parts:
            zh, en = measure_label(m.code, part, "zh"), measure_label(m.code, part, "en")
            assert zh and en and zh != en and not re.search(r"[\u4e00-\u9fff]", en)
    assert measure_label("visit_coverage") == "在册对象探访关爱率"
    assert (code_names("zh")[UNASSIGNED], code_names("en")[UNASSIGNED]) == ("未指定", "Unassigned")


def test_placeholders_match_between_languages() -> None:
    for key, (zh, en) in UI.items():
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def _keys_used_by_the_ui() -> set[str]:
    """Literal keys in t()/text() calls, and f-string keys expanded over their codes."""
    used: set[str] = set()
    for path in (ROOT / "app" / "ui").rglob("*.py"):
        if path == ERROR_SENTENCES:
            continue  # error codes, not UI keys (tests/ui/test_error_catalogue.py)
        source = path.read_text(encoding="utf-8")
        used.update(re.findall(r"""(?:\bt|\btext)\(\s*["']([a-z_]+\.[a-z_.]+)["']""", source))
        used.update(
            re.findall(
                r"""["']((?:start|sync|today|households|newhh|household|visit|consent|needs|wishes|settings|common|form|media|nav|error|record|gender|referral|recipient)\.[a-z_]+)["']""",
                source,
            )
        )
    dynamic = {
        "needs.to.": [s.value for s in codes.NeedStatus if s.value not in ("raised",)],
        "needs.note.": ["unreasonable", "matched", "referred", "fulfilled", "closed"],
        "wishes.to.": ["approved", "rejected", "fulfilled", "cancelled"],
        "wishes.note.": ["rejected", "fulfilled", "cancelled"],
        "visit.ask.": [a.value for a in codes.NeedArea],
        "consent.": [
            "person",
            "recipient",
            "purpose",
            "categories",
            "witness",
            "evidence",
            "guardian",
        ],
        "referral.": ["person", "recipient", "purpose", "categories"],
        "newhh.": ["village", "address", "head_name", "id_number"],
        "visit.": ["visited_on", "outcome", "care", "wish_title", "wish_value", "need"],
        "record.": ["household", "person", "visit", "need", "consent", "wish", "referral"],
    }
    for prefix, names in dynamic.items():
        used.update(prefix + n for n in names)
    # Names that look like keys but are files and store meta, not UI text.
    return used - {"settings.json", "sync.scope", "sync.server_url", "sync.worker"}


def test_every_key_the_ui_uses_exists() -> None:
    missing = sorted(k for k in _keys_used_by_the_ui() if k not in UI)
    assert missing == []


def test_missing_keys_fail_loudly() -> None:
    with pytest.raises(KeyError):
        text("no.such.key")


def test_the_bundled_font_covers_every_label() -> None:
    cmap = TTFont(FONT).getBestCmap()
    wanted = set(
        all_text() + "".join(COUNTIES.values()) + "岩头村后溪村上坞村●·…“”「」（）：；，。、！？"
    )
    missing = sorted(c for c in wanted if not c.isspace() and ord(c) not in cmap)
    assert missing == []


def test_font_is_small_and_licensed() -> None:
    assert FONT.stat().st_size < 5_000_000
    licence = (FONT.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence


def _registered_cmaps() -> list[set[int]]:
    """The characters of each font the app registers, in the order Flutter tries them."""
    files = [w.FONT_FILE, *w.RARE_FONTS.values()]
    return [set(TTFont(ASSETS / f, lazy=True).getBestCmap()) for f in files]


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_registered_fonts_draw_every_ideograph_of_the_block(block: str) -> None:
    cmaps = _registered_cmaps()
    lo, hi = BLOCKS[block]
    missing = [hex(c) for c in range(lo, hi + 1) if not any(c in cmap for cmap in cmaps)]
    assert missing == []


def test_rare_name_characters_are_drawn_and_the_first_screen_font_stays_small() -> None:
    cmaps = _registered_cmaps()
    assert [c for c in RARE_NAMES if not any(ord(c) in m for m in cmaps)] == []
    assert FONT.stat().st_size < 5_000_000  # the fallbacks load after the first screen
    sizes = {f: (ASSETS / f).stat().st_size for f in w.RARE_FONTS.values()}
    assert sum(sizes.values()) < 35_000_000, sizes


def test_every_bundled_font_has_its_licence_beside_it() -> None:
    fonts = ASSETS / "fonts"
    licences = {
        "NotoSansSC-Rare.otf": ("OFL.txt", "NotoSansSC-Rare.otf"),
        "HanaMinB-ExtB.ttf": ("HanaMinB-OFL.txt", "SIL OPEN FONT LICENSE Version 1.1"),
        "BabelStoneHan-Unicode13.ttf": ("BabelStoneHan-LICENSE.txt", "ARPHIC PUBLIC LICENSE"),
    }
    for font, (licence, phrase) in licences.items():
        assert (fonts / font).is_file()
        assert phrase in (fonts / licence).read_text(encoding="utf-8"), licence


def test_a_purpose_typed_in_a_listed_purposes_words_reads_as_that_purpose() -> None:
    """Each listed purpose's words as typed before the list (app.domain.purposes) are its
    label; anything else typed reads as 其他：… (the county's own words as they are)."""
    assert {word: label(p) for word, p in WORDINGS.items()} == {w: w for w in WORDINGS}
    assert set(WORDINGS.values()) == set(SharePurpose)
    assert purpose_label("wish") == purpose_label("微心愿发布") == "微心愿发布"
    assert purpose_label("wish", "en") == "Publishing a micro-wish"
    assert purpose_label("助学帮扶") == "其他：助学帮扶"
    assert purpose_label("项目服务：助医", typed=False) == "项目服务：助医"
