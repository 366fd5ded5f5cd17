"""A4 PDF documents for the console's printouts, made in pure Python (fpdf2) with the
bundled CJK fonts: Noto Sans SC for the text, Noto Sans SC Rare and HanaMin B (Extension
B) as fallbacks, so a rare character in a name (𠮷, 䶮) prints instead of a blank box.

A document is a title, lines of text, tables whose header repeats on every page, and
images (a consent's signature); each page carries the document's title and its number.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from app.assets import ASSETS_DIR

FONTS = ASSETS_DIR / "fonts"
TEXT_FONT = ("noto", FONTS / "NotoSansSC-Regular.otf")
FALLBACK_FONTS = (
    ("noto-rare", FONTS / "NotoSansSC-Rare.otf"),
    ("hanamin-b", FONTS / "HanaMinB-ExtB.ttf"),
)
MARGIN_MM = 15
HEADER_FILL = (217, 225, 242)


@functools.cache
def _characters(path: Path) -> frozenset[int]:
    """The code points a font file draws (read once per process)."""
    font = TTFont(str(path), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def fallbacks_for(text: str) -> list[tuple[str, Path]]:
    """The fallback fonts `text` needs: for each character the text font lacks, the first
    fallback that has it."""
    missing = {ord(c) for c in set(text)} - _characters(TEXT_FONT[1])
    missing = {c for c in missing if c > 0x20}
    needed = []
    for name, path in FALLBACK_FONTS:
        if not missing:
            break
        if not path.exists():
            continue
        covered = missing & _characters(path)
        if covered:
            needed.append((name, path))
            missing -= covered
    return needed


def _em(char: str) -> float:
    """A character's advance in em, near enough to wrap by: CJK full width, Latin half."""
    return 1.0 if ord(char) >= 0x2E80 else 0.56


def _wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """`text` cut into lines no wider than `width_mm` at `size_pt` (by estimated widths)."""
    room = width_mm / (size_pt * 0.3528)  # in em
    lines: list[str] = []
    current, used = "", 0.0
    for char in text.replace("\r", " ").replace("\t", " "):
        if char == "\n":
            lines.append(current)
            current, used = "", 0.0
            continue
        advance = _em(char)
        if used + advance > room and current:
            lines.append(current)
            current, used = "", 0.0
        current += char
        used += advance
    lines.append(current)
    return lines


class PrintDocument(FPDF):
    """An A4 portrait document with the console's fonts, running title and page numbers."""

    def __init__(self, title: str, subtitle: str = "", *, text: Iterable[str] = ()) -> None:
        """`text`: everything the document will print besides its titles, so that only the
        fallback fonts it needs are loaded (each costs a parse of a large file)."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.set_title(title)
        self.set_creator("Doorstep 县级平台")
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 5)
        self.add_font(TEXT_FONT[0], fname=str(TEXT_FONT[1]))
        fallbacks = fallbacks_for("".join([title, subtitle, *text]))
        for name, path in fallbacks:
            self.add_font(name, fname=str(path))
        self.set_fallback_fonts([name for name, _ in fallbacks])
        self.alias_nb_pages("{nb}")
        self.add_page()
        self.set_font(TEXT_FONT[0], size=16)
        self.multi_cell(0, 9, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(TEXT_FONT[0], size=9)
            self.set_text_color(90, 90, 90)
            self.multi_cell(0, 5, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
        self.ln(3)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(TEXT_FONT[0], size=8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 5, self.doc_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-MARGIN_MM)
        self.set_font(TEXT_FONT[0], size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font(TEXT_FONT[0], size=12)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def line_of(self, label: str, value: str) -> None:
        """A label and its value on one line (wrapping if long)."""
        self.set_font(TEXT_FONT[0], size=10)
        self.multi_cell(0, 6, f"{label}：{value or '—'}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, size: int = 10) -> None:
        self.set_font(TEXT_FONT[0], size=size)
        self.multi_cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_of(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        """A ruled table over the page's width (`widths` are proportions), its header
        repeated on every page; long text wraps inside its cell.

        A village's year of visits is thousands of rows, so each row goes to the page as
        one block of PDF operators (text and rules) rather than one fpdf2 call per line
        and rule, and a value that repeats (a village, a visit's kind) is wrapped and
        encoded once per table. A line with a character the text font lacks is a cell of
        its own, which picks the fallback font."""
        if not rows:
            self.paragraph("（无）", size=9)
            return
        size = 9
        self.set_font(TEXT_FONT[0], size=size)
        font = self.current_font
        assert font is not None
        total = sum(widths)
        columns = [self.epw * w / total for w in widths]
        line_h = size * 0.3528 * 1.35
        pad = 1.2
        k, page_h = self.k, self.h
        drawn = _characters(TEXT_FONT[1])
        wrapped: dict[tuple[str, int], list[str]] = {}
        shown: dict[str, str | None] = {}  # a line's Tj operator; None: it needs a fallback

        def wrap(text: str, column: int) -> list[str]:
            lines = wrapped.get((text, column))
            if lines is None:
                lines = wrapped[(text, column)] = _wrap(text, columns[column] - 2 * pad, size)
            return lines

        def show(text: str) -> str | None:
            if text not in shown:
                simple = drawn.issuperset(map(ord, text))
                shown[text] = font.encode_text(text) if simple else None
            return shown[text]

        edges = [self.l_margin]  # each column's left edge, then the table's right edge
        for width in columns:
            edges.append(edges[-1] + width)
        rules = [f"{x * k:.2f}" for x in edges]
        text_x = [f"{(x + pad) * k:.2f}" for x in edges[:-1]]

        def draw(cells: list[list[str]], fill: bool) -> None:
            height = max(len(c) for c in cells) * line_h + pad
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                if not fill:
                    draw(header, True)
            x, y = self.l_margin, self.get_y()
            if fill:
                self.set_fill_color(*HEADER_FILL)
                self.rect(x, y, self.epw, height, style="F")
                self.set_fill_color(0)  # text is filled: black again after the header
            if not self.current_font_is_set_on_page:
                self._out(self._set_font_for_page(font, self.font_size_pt))
            ops, rare = [], []
            top, bottom = f"{(page_h - y) * k:.2f}", f"{(page_h - y - height) * k:.2f}"
            for i, lines in enumerate(cells):
                for n, text in enumerate(lines):
                    operator = show(text) if text else ""
                    if operator:
                        baseline = (page_h - y - pad - line_h * (n + 0.75)) * k
                        ops.append(f"BT {text_x[i]} {baseline:.2f} Td {operator} ET")
                    elif operator is None:
                        rare.append((edges[i], y + line_h * n, columns[i], text))
            for rule in rules:
                ops.append(f"{rule} {top} m {rule} {bottom} l S")
            ops.append(f"{rules[0]} {top} m {rules[-1]} {top} l S")
            ops.append(f"{rules[0]} {bottom} m {rules[-1]} {bottom} l S")
            self._out("\n".join(ops))
            for cell_x, cell_y, width, text in rare:
                self.set_xy(cell_x + pad - self.c_margin, cell_y + pad)
                self.cell(width - 2 * pad, line_h, text)
            if rare:  # the fallback may have left its own font selected on the page
                self.set_font(TEXT_FONT[0], size=size)
                self._out(self._set_font_for_page(font, self.font_size_pt))
            self.set_y(y + height)

        self.set_draw_color(120, 120, 120)
        self.set_line_width(0.2)
        header = [wrap(h, i) for i, h in enumerate(headers)]
        draw(header, True)
        for values in rows:
            draw([wrap(str(v), i) for i, v in enumerate(values)], False)
        self.ln(2)

    def image_of(self, content: bytes, width_mm: float = 60) -> bool:
        """An image (PNG, JPEG) at `width_mm`; False when the bytes are no image it reads."""
        try:
            self.image(io.BytesIO(content), w=width_mm)
        except Exception:  # a broken photo prints as a note, not a failure
            return False
        return True

    def to_bytes(self) -> bytes:
        """The PDF. The embedded subsets keep the whole font's bounding boxes: recomputing
        them means drawing every glyph used (a third of a printout's time), and a box
        that holds the subset's glyphs is all a reader needs."""
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.recalcBBoxes = False
        return bytes(self.output())
