"""Schema migrations: a database written by schema version 1 opens and reads today."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text

from app.domain.codes import RegisterStatus
from app.domain.records import CampaignAssignment, Household, Person
from app.store import migrations
from app.store.errors import SandboxError
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store
from app.store.tables import CampaignAssignmentRow, metadata
from tests.fixtures.make_store_v1 import HOUSEHOLD_ID, PERSON_ID
from tests.said import refused

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v1"


def _schema(db: Path) -> dict[str, object]:
    conn = sqlite3.connect(db)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    shape: dict[str, object] = {}
    for table in sorted(t for t in tables if not t.startswith("sqlite_")):
        columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
        indexes = sorted(
            (row[1], row[2])
            for row in conn.execute(f"PRAGMA index_list({table})").fetchall()
            if not row[1].startswith("sqlite_autoindex")
        )
        shape[table] = {
            "columns": sorted((c[1], c[2].upper(), c[3], c[5]) for c in columns),
            "indexes": indexes,
        }
    conn.close()
    return shape


@pytest.fixture
def v1_sandbox(tmp_path: Path) -> Sandbox:
    target = tmp_path / "device" / "sandboxes" / "v1"
    shutil.copytree(FIXTURE, target)
    return Sandbox(target)


def test_version_1_database_opens_and_reads(v1_sandbox: Sandbox) -> None:
    assert sqlite3.connect(v1_sandbox.db_path).execute("PRAGMA user_version").fetchone()[0] == 1
    store = open_store(v1_sandbox, v1_sandbox.unlock("123456"))
    assert store.get(Household, HOUSEHOLD_ID).address == "岩头村2组8号"
    assert store.get(Person, PERSON_ID).name == "周桂英"
    pending = store.pending()
    assert [m.record_id for m in pending] == [HOUSEHOLD_ID]
    assert pending[0].reason is None
    store.add(
        Household(
            area_code="330702102201",
            address="岩头村2组9号",
            register_status=RegisterStatus.REPORTED,
        )
    )
    store.close()
    assert (
        sqlite3.connect(v1_sandbox.db_path).execute("PRAGMA user_version").fetchone()[0]
        == migrations.LATEST
    )


def test_migrated_schema_is_exactly_the_declared_one(v1_sandbox: Sandbox, tmp_path: Path) -> None:
    open_store(v1_sandbox, v1_sandbox.unlock("123456")).close()
    fresh = tmp_path / "fresh.db"
    engine = create_engine(f"sqlite:///{fresh}")
    metadata.create_all(engine)
    engine.dispose()
    assert _schema(v1_sandbox.db_path) == _schema(fresh)


def test_a_failing_migration_leaves_the_previous_version(
    v1_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = [*migrations.V2[:-1], "ALTER TABLE no_such_table ADD COLUMN x BLOB"]
    monkeypatch.setattr(migrations, "MIGRATIONS", [migrations.V1, broken])
    key = v1_sandbox.unlock("123456")
    with pytest.raises(Exception, match="no_such_table"):
        open_store(v1_sandbox, key)
    conn = sqlite3.connect(v1_sandbox.db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "conflicts" not in tables, "the half-done migration was rolled back"


def test_a_database_from_a_newer_app_is_refused(v1_sandbox: Sandbox) -> None:
    engine = create_engine(f"sqlite:///{v1_sandbox.db_path}")
    with engine.begin() as conn:
        conn.execute(text(f"PRAGMA user_version = {migrations.LATEST + 1}"))
    engine.dispose()
    with refused(SandboxError, "升级"):
        open_store(v1_sandbox, v1_sandbox.unlock("123456"))


def test_photo_states_come_from_the_upload_flag(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'v7.db'}")
    with engine.begin() as conn:
        migrations.migrate(conn, target=7)
        conn.execute(
            text(
                "INSERT INTO photos (id, record_id, mime, content, uploaded) VALUES "
                "('up', 'r', 'image/jpeg', x'00', 0), ('both', 'r', 'image/jpeg', x'00', 1), "
                "('down', 'r', '', NULL, 1)"
            )
        )
        migrations.migrate(conn)
        states = dict(conn.execute(text("SELECT id, state FROM photos")).all())
    engine.dispose()
    assert states == {"up": "queued_up", "both": "synced", "down": "queued_down"}


def test_a_festival_lists_households_get_who_visits_as_plain_columns(store: Store) -> None:
    """Version 14 reads who visits and the visit that delivered out of the sealed details
    of the places written by version 13, so Today counts them without opening any."""
    table = CampaignAssignmentRow.__table__  # type: ignore[attr-defined]
    written_by_13 = [
        ("01936b2a-0000-7000-8000-000000000001", "w-li", None),
        ("01936b2a-0000-7000-8000-000000000002", "w-li", "01936b2a-0000-7000-8000-00000000000a"),
        ("01936b2a-0000-7000-8000-000000000003", "w-wang", None),
    ]
    with store.unit_of_work() as uow:
        for record_id, worker, visit in written_by_13:
            details = {
                "_row": record_id,
                "worker_id": worker,
                "visit_id": visit,
                "visited_on": "2026-10-17" if visit else None,
                "groups": ["elderly"],
                "delivered": ["米"] if visit else [],
                "delivered_value_yuan": None,
            }
            uow.connection.execute(
                insert(table).values(
                    id=record_id,
                    area_code="330702102201",
                    created_hlc="",
                    updated_hlc="",
                    author_worker_id="w-li",
                    device_id="d",
                    server_seq=1,
                    household_id="01936b2a-0000-7000-8000-0000000000f1",
                    campaign_id="01936b2a-0000-7000-8000-0000000000c1",
                    worker_id="",  # as the ALTER TABLE of version 14 leaves them
                    visit_id=None,
                    details=details,
                )
            )
        migrations._assignment_columns(uow.connection)
        uow.commit()
    with store.unit_of_work() as uow:
        waiting = {
            worker: uow.records.count_where("campaign_assignment", worker_id=worker, visit_id=None)
            for worker in ("w-li", "w-wang", "")
        }
    assert waiting == {"w-li": 1, "w-wang": 1, "": 0}
    done = store.get(CampaignAssignment, written_by_13[1][0])
    assert (done.worker_id, done.visit_id, done.delivered) == ("w-li", written_by_13[1][2], ["米"])
