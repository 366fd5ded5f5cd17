"""No personal data in the server's log: database errors of each kind, forced through the
real server (`doorstep server run` in its own process), leave only their type, code and
place in what it writes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.domain.codes import Team
from app.domain.records import GeoPoint, Person, Visit
from sync.errors import SyncError
from sync.server.context import ServerContext
from sync.server.settings import Settings
from tests.sync.conftest import VILLAGE_A, free_port, new_device
from tests.sync.records import household

ROOT = Path(__file__).resolve().parents[2]
NAME, ID_NUMBER, PHONE = "欧阳春花", "33070219480317457X", "13957912345"
ADDRESS, HEALTH = "岩头村幸福路88号", "糖尿病足溃疡每周换药"
LATITUDE = 29.0832171

# Each kind of database error, made to happen on the row of a visit that carries a marker
# in its observations: a CHECK constraint, a value cast to a number, a text cast to JSON
# (each rejects that visit alone, logged with its id), and a failure that is no refused
# value (the whole push fails with 500, logged by type and place).
POSTGRES_FAULTS = {
    "integrity": """ALTER TABLE records ADD CONSTRAINT forced_check
        CHECK (strpos(data, 'FORCE-INTEGRITY') = 0)""",
    "data": """CREATE FUNCTION forced_data() RETURNS trigger AS $$
        BEGIN
          IF strpos(NEW.data, 'FORCE-DATA') > 0 THEN
            PERFORM (NEW.data::json ->> 'observations')::smallint;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER forced_data BEFORE INSERT ON records
        FOR EACH ROW EXECUTE FUNCTION forced_data()""",
    "json": """CREATE FUNCTION forced_json() RETURNS trigger AS $$
        BEGIN
          IF strpos(NEW.data, 'FORCE-JSON') > 0 THEN
            PERFORM replace(NEW.data, 'FORCE-JSON', '"')::json;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER forced_json BEFORE INSERT ON records
        FOR EACH ROW EXECUTE FUNCTION forced_json()""",
    # Not a refused value but a failing database: the whole push fails (500).
    "broken": """CREATE FUNCTION forced_broken() RETURNS trigger AS $$
        BEGIN
          IF strpos(NEW.data, 'FORCE-BROKEN') > 0 THEN
            RAISE EXCEPTION 'forced failure' USING DETAIL = NEW.data;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER forced_broken BEFORE INSERT ON records
        FOR EACH ROW EXECUTE FUNCTION forced_broken()""",
}
SQLITE_FAULTS = {
    "integrity": """CREATE TRIGGER forced_check BEFORE INSERT ON records
        WHEN instr(NEW.data, 'FORCE-INTEGRITY') > 0
        BEGIN SELECT RAISE(ABORT, 'forced'); END""",
    "json": """CREATE TRIGGER forced_json BEFORE INSERT ON records
        WHEN instr(NEW.data, 'FORCE-JSON') > 0
        BEGIN SELECT json_extract(replace(NEW.data, 'FORCE-JSON', '"'), '$.observations'); END""",
}


class ServerProcess:
    """`doorstep server run` on a free loopback port, its log (stderr) kept in a file."""

    def __init__(self, db_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = "from app.cli import main; main()"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                command,
                "server",
                "run",
                "--db",
                db_url,
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def start(self) -> ServerProcess:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(20)
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[ServerContext, ServerProcess]]:
    ctx = ServerContext.open(Settings(database_url=db_url))
    faults = SQLITE_FAULTS if ctx.db.is_sqlite else POSTGRES_FAULTS
    with ctx.db.engine.begin() as conn:
        for statement in faults.values():
            if ctx.db.is_sqlite:
                conn.exec_driver_sql(statement)
            else:
                conn.execute(text(statement))
    server = ServerProcess(db_url, tmp_path / "server.log")
    try:
        yield ctx, server.start()
    finally:
        if server.proc.poll() is None:
            server.stop()
        ctx.db.dispose()


def test_database_errors_leave_no_personal_data_in_the_log(served, tmp_path) -> None:
    ctx, server = served
    kinds = SQLITE_FAULTS if ctx.db.is_sqlite else POSTGRES_FAULTS
    visits: dict[str, str] = {}
    for n, kind in enumerate(kinds):
        device = new_device(ctx, server.url, tmp_path / f"device-{n}", areas=[VILLAGE_A])
        h = household(VILLAGE_A, ADDRESS).model_copy(update={"phone": PHONE})
        p = Person(area_code=VILLAGE_A, household_id=h.id, name=NAME, id_number=ID_NUMBER)
        v = Visit(
            area_code=VILLAGE_A,
            household_id=h.id,
            visited_at=datetime.now(UTC),
            worker_id=device.worker_id,
            team=Team.GRID_WORKER,
            observations=f"{HEALTH} FORCE-{kind.upper()}",
            gps=GeoPoint(lat=LATITUDE, lon=119.5, accuracy_m=8.0),
        )
        device.store.add_many([h, p, v])
        visits[kind] = v.id
        with contextlib.suppress(SyncError):  # refused whole (500) or in part: the log tells
            device.sync(attempts=1)
        device.store.close()
    log = server.stop()
    for value in (NAME, ID_NUMBER, PHONE, ADDRESS, HEALTH, str(LATITUDE), "2908321"):
        assert value not in log, f"{value} in the server log"
    for kind, visit_id in visits.items():  # each error was met, and logged
        if kind == "broken":
            assert "POST /v1/push failed: ProgrammingError (RaiseException P0001)" in log, log
        else:
            assert visit_id in log, (kind, log)
