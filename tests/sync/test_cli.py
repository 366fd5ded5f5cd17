"""`doorstep server ...`: each command prints its result, or one sentence and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sync.server.cli import server_app
from tests.sync.conftest import free_port
from tests.sync.test_roster import TEMPLATES, household_rows, write_csv

runner = CliRunner()


def invoke(db: str, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(server_app, [*args, "--db", db])


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_admin_commands_round_trip(db, tmp_path):
    added = invoke(db, "add-worker", "--name", "李四", "--role", "worker", "--team",
                   "grid_worker", "--area", "330702102201", "--area", "330702102202")  # fmt: skip
    assert added.exit_code == 0, added.output
    worker = added.stdout.strip()
    qr = tmp_path / "code.png"
    code = invoke(db, "enroll-code", "--worker", worker, "--qr", str(qr))
    assert code.exit_code == 0 and len(code.stdout.strip()) == 14
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    moved = invoke(db, "set-areas", "--worker", worker, "--area", "330703101")
    assert moved.stdout.strip() == "330703101"
    imported = invoke(db, "import-roster", str(TEMPLATES / "roster_template.xlsx"), "--apply")
    assert imported.exit_code == 0 and "新增 1 户" in imported.stdout
    out = tmp_path / "all.jsonl"
    exported = invoke(db, "export", "--out", str(out))
    assert exported.exit_code == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["type"] for line in lines] == ["household", "person", "person"]
    assert all("id" in line and "area_code" in line for line in lines)
    key = invoke(db, "recovery-key")
    assert key.exit_code == 0 and len(key.stdout.strip()) == 44


@pytest.mark.parametrize(
    "args, sentence",
    [
        (("add-worker", "--name", "甲", "--role", "boss", "--team", "grid_worker", "--area", "330702"), "角色"),
        (("add-worker", "--name", "甲", "--role", "worker", "--team", "grid_worker", "--area", "1"), "区划"),
        (("enroll-code", "--worker", "nobody"), "找不到工作人员"),
        (("revoke-device", "--device", "nobody"), "找不到设备"),
        (("import-roster", "/no/such/file.csv"), "找不到文件"),
    ],
)  # fmt: skip
def test_errors_are_one_sentence_on_stderr(db, args, sentence):
    result = invoke(db, *args)
    assert result.exit_code == 1
    assert sentence in result.stderr and "Traceback" not in result.output


def test_add_worker_with_a_7_digit_area_names_the_lengths_accepted(db):
    result = invoke(db, "add-worker", "--name", "甲", "--role", "worker", "--team",
                    "grid_worker", "--area", "3307021")  # fmt: skip
    assert result.exit_code == 1
    assert "6位（县）、9位（乡镇）或12位（村）" in result.stderr and "'3307021'" in result.stderr
    assert "应为12位数字" not in result.stderr


def test_a_bad_roster_lists_its_rows(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("户编号,区划代码,家庭住址,姓名\nA,330702102201,x,\n", encoding="utf-8")
    result = invoke(db, "import-roster", str(bad))
    assert result.exit_code == 1 and "第 2 行" in result.stderr


def test_server_export_is_masked_unless_full_new_0600_and_never_overwrites(db, tmp_path):
    template = str(TEMPLATES / "roster_template.csv")
    assert invoke(db, "import-roster", template, "--apply").exit_code == 0
    masked = tmp_path / "masked.jsonl"
    result = invoke(db, "export", "--out", str(masked))
    assert result.exit_code == 0 and "已遮蔽" in result.stdout and result.stderr == ""
    assert masked.stat().st_mode & 0o777 == 0o600
    text = masked.read_text(encoding="utf-8")
    assert "王秀英" not in text and "330702194503120027" not in text and "1945" not in text
    assert all(json.loads(line)["masked"] is True for line in text.splitlines())

    full = tmp_path / "full.jsonl"
    result = invoke(db, "export", "--out", str(full), "--full")
    assert result.exit_code == 0 and "完整明文" in result.stdout
    assert str(full) in result.stderr and "未遮蔽" in result.stderr
    assert full.stat().st_mode & 0o777 == 0o600 and "王秀英" in full.read_text(encoding="utf-8")

    before = full.read_bytes()
    again = invoke(db, "export", "--out", str(full), "--full")
    assert again.exit_code == 1 and again.stderr.count("\n") == 1
    assert "已存在" in again.stderr and str(full) in again.stderr
    assert full.read_bytes() == before


def test_report_out_files_are_new_and_0600(db, tmp_path):
    out = tmp_path / "coverage.csv"
    args = ("report", "coverage", "--period", "2026-11", "--format", "csv", "--out", str(out))
    assert invoke(db, *args).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o600
    before = out.read_bytes()
    again = invoke(db, *args)
    assert again.exit_code == 1 and "已存在" in again.stderr and again.stderr.count("\n") == 1
    assert out.read_bytes() == before


def test_import_roster_rehearses_unless_applied_and_asks_before_emptying_a_township(db, tmp_path):
    rows = household_rows(10)
    full = write_csv(tmp_path / "full.csv", rows)
    rehearsal = invoke(db, "import-roster", str(full))
    assert rehearsal.exit_code == 0 and "试运行（未写入）：新增 10 户" in rehearsal.stdout
    assert "--apply" in rehearsal.stdout.splitlines()[-1]
    assert "新增 10 户" in invoke(db, "import-roster", str(full)).stdout  # still nothing written
    assert "新增 10 户" in invoke(db, "import-roster", str(full), "--apply").stdout

    cut = write_csv(tmp_path / "cut.csv", rows[:4])
    preview = invoke(db, "import-roster", str(cut))
    assert preview.exit_code == 0 and "退出在册 6 户" in preview.stdout
    assert "10 户中 6 户（60.0%）" in preview.stdout and "--confirm-leavers" in preview.stdout
    refused = invoke(db, "import-roster", str(cut), "--apply")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    first, *townships = refused.stderr.splitlines()
    assert "未导入任何数据" in first and "--confirm-leavers" in first
    assert townships == ["乡镇（街道） 330702102：10 户中 6 户（60.0%）标记为退出在册"]
    done = invoke(db, "import-roster", str(cut), "--apply", "--confirm-leavers")
    assert done.exit_code == 0 and "退出在册 6 户" in done.stdout
    again = invoke(db, "import-roster", str(cut), "--apply")
    assert again.exit_code == 0 and "退出在册 0 户" in again.stdout and "未变 8 条" in again.stdout


def test_an_unreachable_database_is_one_sentence():
    result = invoke("postgresql://nobody@127.0.0.1:1/none", "export", "--out", "/tmp/x.jsonl")
    assert result.exit_code == 1 and result.stderr.startswith("无法打开数据库")


def test_demo_data_loads_workers_and_records(db):
    result = invoke(db, "demo-data", "--households", "12", "--seed", "3", "--scope", "330702102")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert rows and all(len(row) == 3 for row in rows)
    again = invoke(db, "demo-data", "--households", "12", "--seed", "3", "--scope", "330702102")
    assert again.exit_code == 0 and "已写入 0 条记录" in again.stderr  # same seed: nothing new
    outside = invoke(db, "demo-data", "--households", "5", "--scope", "110101")
    assert outside.exit_code == 1 and "金华" in outside.stderr


def test_run_serves_the_api(tmp_path):
    port = free_port()
    code = "from sync.server.cli import server_app; server_app(prog_name='doorstep server')"
    env = {**os.environ, "DOORSTEP_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    proc = subprocess.Popen([sys.executable, "-c", code, "run", "--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert health.json() == {"ok": True, "protocol": 1}
    finally:
        proc.terminate()
        proc.wait(10)


def test_report_campaigns_counts_each_list_by_village_with_the_devices_progress(db):
    from datetime import date

    from sqlalchemy import select

    from app.demo.launch import DEMO_TOWNSHIP, demo_festival_list
    from app.domain.campaigns import delivered_yuan, progress
    from app.domain.records import CampaignAssignment
    from sync.server.context import ServerContext
    from sync.server.services import admin, exchange
    from sync.server.settings import Settings
    from sync.server.tables import RecordRow

    ctx = ServerContext.open(Settings(database_url=db))
    today = date(2026, 11, 20)
    exchange.load_demo(ctx, 150, seed=2, today=today, scope=[DEMO_TOWNSHIP, "330702001"])
    me = admin.create_worker(ctx, "协调员", "coordinator", "coordinator", [DEMO_TOWNSHIP])
    listed, visited = demo_festival_list(ctx, me.id, today)
    with ctx.db.reading() as s:
        rows = s.execute(
            select(RecordRow.data).where(RecordRow.type == "campaign_assignment")
        ).scalars()
        places = [CampaignAssignment.from_stored(d) for d in rows]
    village = sorted({p.area_code for p in places})[0]
    boss = admin.create_worker(ctx, "村管理员", "admin", "civil_affairs", [village])
    elsewhere = admin.create_worker(ctx, "他镇管理员", "admin", "civil_affairs", ["330702001"])

    shown = invoke(db, "report", "campaigns")
    assert shown.exit_code == 0, shown.output
    (one,) = json.loads(shown.stdout)["lists"]
    whole = progress(places)
    assert (one["assigned"], one["visited"], one["remaining"]) == (
        whole.assigned, whole.visited, whole.remaining,
    )  # fmt: skip
    assert (one["assigned"], one["visited"]) == (listed, visited) and 0 < visited < listed
    assert one["delivered_yuan"] == delivered_yuan(places) > 0
    assert (
        one["name"] == "2026年重阳节走访慰问高龄老人" and one["area_code"] == DEMO_TOWNSHIP + "000"
    )
    villages = {v["code"]: v for v in one["villages"]}
    assert sum(v["assigned"] for v in villages.values()) == listed
    ours = [p for p in places if p.area_code == village]
    assert villages[village]["remaining"] == progress(ours).remaining
    assert villages[village]["name"] and villages[village]["name"] != village

    table = invoke(db, "report", "campaigns", "--format", "csv")
    assert table.exit_code == 0
    lines = table.stdout.lstrip("\ufeff").splitlines()
    assert "待走访户数" in lines[0] and "送达物资价值（元）" in lines[0]
    assert len(lines) == 1 + 1 + len(villages) + 1  # header, 小计, villages, 合计
    assert lines[-1].startswith("合计") and lines[-1].endswith(
        f",{listed},{visited},{listed - visited},{delivered_yuan(places)}"
    )

    scoped = invoke(db, "report", "campaigns", "--admin", boss.id)
    assert scoped.exit_code == 0, scoped.output
    (mine,) = json.loads(scoped.stdout)["lists"]  # the township's list, over my village only
    assert [v["code"] for v in mine["villages"]] == [village]
    assert mine["assigned"] == len(ours)
    other = invoke(db, "report", "campaigns", "--admin", elsewhere.id)
    assert json.loads(other.stdout)["lists"] == []
    assert json.loads(invoke(db, "report", "campaigns", "--year", "2025").stdout)["lists"] == []
    bad = invoke(db, "report", "campaigns", "--format", "pdf")
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1
