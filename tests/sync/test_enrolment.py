"""Enrolment, credentials, revocation, schema and the OpenAPI document."""

from __future__ import annotations

import base64

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.store.sandbox import Sandbox
from app.store.store import Store
from sync.client import SyncClient
from sync.enrolment import enroll
from sync.errors import DeviceRevoked, EnrollmentFailed, InsecureServer
from sync.server.services import admin, audit
from sync.server.tables import Area, metadata
from tests.said import refused
from tests.sync.conftest import PIN, VILLAGE_A, open_device, raw_client


def test_migrated_schema_matches_the_models(ctx) -> None:
    with ctx.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_enrolment_gives_identity_scope_and_escrow_and_unlocks_offline(ctx, server, tmp_path):
    worker = admin.create_worker(ctx, "李四", "worker", "grid_worker", [VILLAGE_A])
    code = admin.issue_code(ctx, worker.id).code
    sandbox = enroll(tmp_path, server.url, code, PIN, scrypt_n=2**10)
    assert sandbox.worker_name == "李四" and sandbox.info.worker_id == worker.id
    assert [d.id for d in admin.devices(ctx, worker.id)] == [sandbox.info.device_id]
    server.stop()  # from here on: no network
    again = Sandbox(sandbox.path)
    key = again.unlock(PIN)
    raw = key.raw
    store = Store(again.db_path, key, device_id=again.info.device_id, worker_id=worker.id)
    client = SyncClient(store)
    assert client.url == server.url and client.worker.areas == (VILLAGE_A,)
    store.close()
    # The county's recovery key re-opens the sandbox with a new PIN.
    private = admin.recovery_private_key(ctx)
    assert base64.b64decode(again.info.escrow["public_key"]) == admin.recovery_public_key(ctx)
    assert again.recover(private, "135790").raw == raw
    with ctx.db.reading() as s:
        assert [e.device_id for e in audit.entries(s, "device_enrolled")] == [
            sandbox.info.device_id
        ]


def test_enrolment_brings_the_names_of_the_workers_areas(ctx, server, tmp_path):
    with ctx.db.small_write() as s:
        for code, name in {
            "330702": "婺城区",
            "330702102": "安地镇",
            VILLAGE_A: "岩头村",
            "330703101201": "别的村",
        }.items():
            if s.get(Area, code) is None:
                s.add(Area(code=code, name=name))
    worker = admin.create_worker(ctx, "王五", "worker", "grid_worker", [VILLAGE_A])
    sandbox = enroll(
        tmp_path, server.url, admin.issue_code(ctx, worker.id).code, PIN, scrypt_n=2**10
    )
    store = Store(sandbox.db_path, sandbox.unlock(PIN), device_id=sandbox.info.device_id)
    with store.unit_of_work() as uow:
        names = uow.sync_state.area_names()
    store.close()
    assert names[VILLAGE_A] == "岩头村"
    assert names["330702"] == "婺城区" and names["330702102"] == "安地镇"
    assert "330703101201" not in names, "only the worker's own areas and those above them"


def test_a_code_works_once(ctx, server, tmp_path):
    worker = admin.create_worker(ctx, "王五", "worker", "grid_worker", [VILLAGE_A])
    code = admin.issue_code(ctx, worker.id).code
    enroll(tmp_path / "one", server.url, code, PIN, scrypt_n=2**10)
    with refused(EnrollmentFailed, "已使用"):
        enroll(tmp_path / "two", server.url, code, PIN, scrypt_n=2**10)
    assert not (tmp_path / "two" / "sandboxes").exists()


def test_an_expired_code_is_refused(ctx, server, tmp_path):
    worker = admin.create_worker(ctx, "赵六", "worker", "grid_worker", [VILLAGE_A])
    code = admin.issue_code(ctx, worker.id, hours=0).code
    with refused(EnrollmentFailed, "过期"):
        enroll(tmp_path, server.url, code, PIN, scrypt_n=2**10)


def test_plain_http_is_refused_outside_loopback(tmp_path):
    with pytest.raises(InsecureServer):
        enroll(tmp_path, "http://192.0.2.10:8000", "ABCD-EFGH-JKLM", PIN)


def test_a_revoked_device_is_refused_and_wipes_its_sandbox(ctx, server, make_device):
    device = make_device()
    admin.revoke_device(ctx, device.store.device_id)
    with pytest.raises(DeviceRevoked):
        device.sync()
    assert not device.sandbox.path.exists()


def test_a_revoked_device_keeps_nothing_even_if_reopened(ctx, server, tmp_path):
    worker = admin.create_worker(ctx, "钱七", "worker", "grid_worker", [VILLAGE_A])
    sandbox = enroll(
        tmp_path, server.url, admin.issue_code(ctx, worker.id).code, PIN, scrypt_n=2**10
    )
    device = open_device(sandbox, server.url)
    admin.revoke_device(ctx, device.store.device_id)
    with refused(DeviceRevoked, "已清除"):
        device.client().sync()
    assert list((tmp_path / "sandboxes").iterdir()) == []


def test_openapi_document_lists_the_protocol(server):
    with raw_client(server.url) as http:
        doc = http.get("/openapi.json").json()
    assert {"/v1/enroll", "/v1/push", "/v1/pull"} <= set(doc["paths"])
