"""Printouts: a household's file, its consent forms with the drawn signature, and an
area's visit log, as A4 pages and as PDF made in pure Python with the bundled fonts
(rare characters included); every printout is audited."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zlib
from datetime import UTC, datetime

from PIL import Image
from sqlmodel import col, select

from sync.server.services import audit
from sync.server.tables import Photo, RecordRow
from tests.console.conftest import TOWNSHIP

RARE = "吉𠮷䶮"  # 𠮷 U+20BB7 (Extension B), 䶮 U+4DAE (Extension A)


def _streams(pdf: bytes) -> bytes:
    """Every stream of a PDF, inflated where it is deflated, joined."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return b"\n".join(out)


def _household_with(ctx, record_type: str) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = s.exec(
            select(RecordRow)
            .where(
                col(RecordRow.type) == record_type, col(RecordRow.area_code).startswith(TOWNSHIP)
            )
            .order_by(col(RecordRow.seq))
        ).first()
    assert row is not None, f"the demo has a {record_type} in {TOWNSHIP}"
    return row.household_id or "", {"id": row.id, **json.loads(row.data)}


def _rewrite(ctx, row_id: str, **fields: object) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.small_write() as s:
        row = s.get(RecordRow, row_id)
        row.data = json.dumps({**json.loads(row.data), **fields}, ensure_ascii=False)
        s.add(row)


def _printed(ctx) -> list[dict]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return [e.detail for e in audit.entries(s, "printed")]


def test_the_household_file_prints_as_a_page_and_as_a_pdf_with_rare_characters(
    ctx, signed_in
) -> None:
    household_id, person = _household_with(ctx, "person")
    _rewrite(ctx, person["id"], name=RARE)
    client = signed_in["coordinator"]
    page = client.get(f"/console/households/{household_id}/print")
    assert page.status_code == 200 and RARE in page.text and "家庭成员" in page.text
    assert "/console/static/print.css" in page.text
    assert "用浏览器的“打印”功能" in page.text and "电脑上可按 Ctrl+P" in page.text
    assert f"/console/households/{household_id}/print.pdf" in page.text
    pdf = client.get(f"/console/households/{household_id}/print.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    streams = _streams(pdf.content)
    # The ToUnicode maps say which characters the embedded fonts draw: 𠮷 as its UTF-16
    # surrogate pair, 䶮 as itself, each from a fallback font embedded for it.
    assert b"<D842DFB7>" in streams.upper() or b"D842DFB7" in streams.upper()
    assert b"4DAE" in streams.upper()
    assert [(d["document"], d["format"]) for d in _printed(ctx)] == [
        ("household", "html"),
        ("household", "pdf"),
    ]


def test_a_character_no_bundled_font_has_is_not_in_the_pdf_s_character_map() -> None:
    """The check above can fail: a character with no glyph in any bundled font (an emoji)
    is left out of the embedded fonts' maps."""
    from sync.server.console.pdf import PrintDocument

    doc = PrintDocument("对照", text=["张三 😀 𠮷"])
    doc.paragraph("张三 😀 𠮷")
    streams = _streams(doc.to_bytes()).upper()
    assert b"D83DDE00" not in streams and b"D842DFB7" in streams


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(match: re.Match[bytes]) -> bytes:
    return ESCAPES.get(match.group(1), match.group(1))


def _shown(doc, pdf: bytes) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(font, text) of every string a PDF's pages show, decoded through the subsets of the
    document's embedded fonts, with the font the PDF's graphics state has at that point
    (q / Q save and restore it)."""
    codes = {
        f"/F{font.i}": {c: "".join(map(chr, g.unicode)) for g, c in font.subset.items() if g}
        for font in doc.fonts.values()
    }
    token = re.compile(rb"\((?:\\.|[^\\)])*\)|[^\s()]+", re.DOTALL)
    shown, font, saved, stack = [], "", [], []  # type: ignore[var-annotated]
    for tok in token.findall(_streams(pdf)):
        if tok == b"q":
            saved.append(font)
        elif tok == b"Q":
            font = saved.pop()
        elif tok == b"Tf":
            font = stack[-2].decode()
        elif tok == b"Tj":
            raw = re.sub(rb"\\(.)", _unescape, stack[-1][1:-1], flags=re.DOTALL)
            pairs = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            shown.append((font, "".join(codes[font].get(c, "?") for c in pairs)))
        stack = [] if tok in (b"Tf", b"Tj", b"Td", b"S", b"ET") else [*stack, tok]
    return shown


def test_a_table_shows_every_cell_in_its_font_a_rare_line_in_a_fallback() -> None:
    """Tables write their rows as raw PDF operators: each value is shown, in the text
    font, and a line with a rare character in a fallback font without leaving the rows
    after it in that font."""
    from sync.server.console.pdf import PrintDocument

    rows = [(f"第{i}村", RARE if i == 1 else "张*", "括号(一)\\") for i in range(3)]
    doc = PrintDocument("对照", text=[RARE])
    doc.table_of(("村", "户主", "备注"), rows, (1, 1, 1))
    shown = _shown(doc, doc.to_bytes())
    text_font = "/F1"
    assert (text_font, "第2村") in shown and (text_font, "括号(一)\\") in shown
    assert [t for f, t in shown if t == "张*"] == ["张*", "张*"]
    assert all(f == text_font for f, t in shown if t in ("第2村", "张*"))
    rare = [f for f, t in shown if "𠮷" in t]
    assert rare and all(f != text_font for f in rare)


def _png() -> bytes:
    image = Image.new("RGB", (120, 40), "white")
    for x in range(10, 110):
        image.putpixel((x, 20 + (x % 7)), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_consent_form_prints_with_its_signature(ctx, signed_in) -> None:
    household_id, consent = _household_with(ctx, "consent")
    signature = _png()
    photo_id = "0193a0c0-0000-7000-8000-00000000beef"
    with ctx.db.small_write() as s:
        s.add(
            Photo(
                id=photo_id,
                record_id=consent["id"],
                area_code=consent["area_code"],
                mime="image/png",
                sha256=hashlib.sha256(signature).hexdigest(),
                size=len(signature),
                content=signature,
                created_at=datetime.now(UTC),
                uploaded_by="device",
            )
        )
    _rewrite(
        ctx, consent["id"], evidence_photo_id=photo_id, method="signature", purpose="charity_help"
    )
    client = signed_in["supervisor"]
    page = client.get(f"/console/households/{household_id}/consents/print")
    assert page.status_code == 200 and "信息共享同意书" in page.text
    assert "<dd>对接慈善帮扶资源</dd>" in page.text and "charity_help" not in page.text
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page.text)
    import base64

    assert [base64.b64decode(i) for i in images] == [signature]
    pdf = client.get(f"/console/households/{household_id}/consents/print.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert b"/Subtype /Image" in pdf.content
    # A consent naming a photo the server lacks says so instead of printing nothing.
    _rewrite(ctx, consent["id"], evidence_photo_id="0193a0c0-0000-7000-8000-00000000dead")
    assert "签名照片缺失" in client.get(f"/console/households/{household_id}/consents/print").text
    assert {d["document"] for d in _printed(ctx)} == {"consents"}


def test_a_village_visit_log_prints_masked_as_a_page_and_a_pdf(ctx, signed_in) -> None:
    _, visit = _household_with(ctx, "visit")
    village = visit["area_code"]
    period = visit["visited_at"][:7]
    client = signed_in["coordinator"]
    page = client.get(f"/console/areas/{village}/visits/print?period={period}")
    assert page.status_code == 200 and "走访记录" in page.text
    rows = re.findall(r"<tr><td>", page.text)
    assert rows, "the month of a demo visit has visits"
    heads = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td>", page.text)
    assert heads and all("*" in h or h == "（无户主）" for h in heads)
    pdf = client.get(f"/console/areas/{village}/visits/print.pdf?period={period}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    bad = client.get(f"/console/areas/{village}/visits/print?period=2026-Q9")
    assert bad.status_code == 422
    assert [d["area"] for d in _printed(ctx)] == [village, village]
    assert signed_in["charity"].get(f"/console/areas/{village}/visits/print").status_code == 403
