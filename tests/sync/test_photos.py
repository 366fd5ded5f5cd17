"""Photos sync beside the records: up after the push, down after the pull, exactly once,
in scope only, sealed on every device, and resumable when the network fails."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from app.domain.codes import ConsentAction
from app.domain.ids import new_id
from app.domain.records import Household, Visit
from app.store.errors import NotFound
from app.store.signature import signature_png
from sync.client import SyncClient
from sync.errors import ServerUnreachable
from sync.protocol import HEADER_CONTENT_SHA256
from sync.server.services import admin, audit
from sync.server.tables import Photo
from tests.store.helpers import attach_photo
from tests.sync.conftest import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE_A,
    VILLAGE_B,
    Device,
    FailAfter,
    new_device,
    signed,
)
from tests.sync.forge import forge
from tests.sync.proxy import Fault, Proxy
from tests.sync.records import consent, household, person, visit

MARKER = b"PLAINTEXT-PHOTO-MARKER"


def jpeg(size: int = 40_000) -> bytes:
    """JPEG magic, a marker to look for on disk, random bytes (with NULs) and the end mark."""
    body = MARKER * 4 + b"\x00\x00" + os.urandom(max(0, size - 100))
    return b"\xff\xd8\xff\xe0" + body + b"\xff\xd9"


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + os.urandom(2000)


def visit_with_photo(device: Device, content: bytes, mime: str = "image/jpeg") -> Visit:
    h = household(VILLAGE_A) if not device.store.load_all(Household) else None
    home = h or device.store.load_all(Household)[0]
    v = visit(home, device.worker_id)
    records = [h] if h else []
    with device.store.unit_of_work() as uow:
        photo_id = uow.photos.attach(v.id, content, mime)
        uow.records.add_many([*records, v.model_copy(update={"photo_id": photo_id})])
        uow.commit()
    return device.store.get(Visit, v.id)


def server_photos(ctx) -> list[Photo]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return list(s.exec(select(Photo)))


def put(device: Device, photo_id: str, record_id: str, body: bytes, **headers: str):  # type: ignore[no-untyped-def]
    sha = headers.pop("sha", hashlib.sha256(body).hexdigest())
    return signed(
        device,
        "PUT",
        f"/v1/photos/{photo_id}?record_id={record_id}",
        raw=body,
        headers={"Content-Type": headers.pop("mime", "image/jpeg"), HEADER_CONTENT_SHA256: sha},
    )


def test_a_visit_photo_reaches_the_server_and_a_device_of_the_same_village(
    ctx, make_device
) -> None:
    a, b = make_device(areas=[VILLAGE_A]), make_device(areas=[VILLAGE_A])
    content = jpeg()
    v = visit_with_photo(a, content)
    up = a.sync()
    assert (up.pushed, up.photos_up, up.photos_pending) == (2, 1, 0)
    assert up.one_line().endswith("照片：上传 1 张，下载 0 张，待传 0 张。")
    [stored] = server_photos(ctx)
    assert (stored.id, stored.record_id, stored.area_code) == (v.photo_id, v.id, VILLAGE_A)
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert bytes(stored.content) == content and stored.uploaded_by == a.store.device_id

    down = b.sync()
    assert (down.pulled, down.photos_down, down.photos_pending) == (2, 1, 0)
    assert b.store.get(Visit, v.id).photo_id == v.photo_id
    assert b.store.get_photo(v.photo_id) == (content, "image/jpeg")
    b.store.close()
    db = b.sandbox.db_path
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            data = path.read_bytes()
            assert MARKER not in data and content[:64] not in data, path.name
    with ctx.db.reading() as s:
        reads = audit.entries(s, "photo_read")
    assert [(e.device_id, e.detail["photo_id"]) for e in reads] == [
        (b.sandbox.info.device_id, v.photo_id)
    ]
    # Nothing travels twice.
    again = a.sync()
    assert (again.photos_up, again.photos_down, again.photos_pending) == (0, 0, 0)
    assert again.one_line() == "同步完成：上传 0 条，下载 0 条，冲突 0 条，被拒绝 0 条。"


def test_photo_transfers_are_reported_to_the_progress_bar(ctx, make_device) -> None:
    a, b = make_device(areas=[VILLAGE_A]), make_device(areas=[VILLAGE_A])
    visit_with_photo(a, jpeg())
    seen: list[tuple[str, int]] = []
    a.client().sync(lambda p: seen.append((p.phase, p.done)))
    assert ("photos", 1) in seen and [ph for ph, _ in seen].index("photos") > 0
    seen.clear()
    b.client().sync(lambda p: seen.append((p.phase, p.done)))
    assert seen[-1] == ("photos", 1)


def test_a_png_signature_travels_with_its_type(ctx, make_device) -> None:
    a, b = make_device(), make_device()
    content = png()
    v = visit_with_photo(a, content, "image/png")
    a.sync(), b.sync()
    assert b.store.get_photo(v.photo_id or "") == (content, "image/png")


def test_a_repeated_upload_is_harmless_and_other_bytes_are_refused(ctx, make_device) -> None:
    a = make_device()
    content = jpeg()
    v = visit_with_photo(a, content)
    a.sync()
    assert v.photo_id is not None
    again = put(a, v.photo_id, v.id, content)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    other = put(a, v.photo_id, v.id, jpeg())
    assert other.status_code == 409 and other.json()["code"] == "photo_exists"
    [stored] = server_photos(ctx)
    assert bytes(stored.content) == content


def test_a_photo_for_a_record_outside_the_scope_or_not_synced_is_refused(ctx, make_device) -> None:
    a, stranger = make_device(areas=[VILLAGE_A]), make_device(areas=[OTHER_VILLAGE])
    v = visit_with_photo(a, jpeg())
    a.sync()
    theirs = put(stranger, "01a21fb6-0000-7000-8000-0000000000aa", v.id, jpeg())
    unknown = put(stranger, "01a21fb6-0000-7000-8000-0000000000ab", new_id(), jpeg())
    assert theirs.status_code == unknown.status_code == 409
    assert theirs.json() == unknown.json()  # the same answer: nothing about the record leaks
    assert theirs.json()["code"] == "record_not_synced"
    assert len(server_photos(ctx)) == 1
    # On a device: a photo whose record the server does not hold (written here, not queued)
    # stays queued, and the record sync still completes.
    local = visit(a.store.load_all(Household)[0], a.worker_id)
    photo_id = attach_photo(a.store, local.id, jpeg())
    a.store.add_many([local.model_copy(update={"photo_id": photo_id})], queue=False)
    report = a.sync()
    assert (report.photos_up, report.photos_pending) == (0, 1)
    assert report.one_line().endswith("待传 1 张。")


def test_a_corrupted_or_bad_body_is_refused_and_the_photo_stays_queued(ctx, make_device) -> None:
    a = make_device()
    content = jpeg()
    v = visit_with_photo(a, content)
    assert v.photo_id is not None

    class Corrupting(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "PUT":
                body = bytearray(request.read())
                body[100] ^= 0xFF
                request = httpx.Request(
                    "PUT", request.url, headers=request.headers, content=bytes(body)
                )
            return super().handle_request(request)

    report = a.client(transport=Corrupting(), attempts=2, backoff_s=0.01).sync()
    assert (report.pushed, report.photos_up, report.photos_pending) == (2, 0, 1)
    assert server_photos(ctx) == []
    # The same refusal without the signature catching it: the hash header does not match.
    mismatch = put(a, v.photo_id, v.id, content, sha="0" * 64)
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "hash_mismatch"
    not_an_image = put(a, v.photo_id, v.id, b"GIF89a" + content[6:], mime="image/gif")
    assert not_an_image.status_code == 415
    lying_type = put(a, v.photo_id, v.id, content, mime="image/png")
    assert lying_type.status_code == 415
    assert server_photos(ctx) == []
    assert a.sync().photos_up == 1
    assert bytes(server_photos(ctx)[0].content) == content


def test_an_oversized_photo_is_413_with_a_json_error(ctx, make_device) -> None:
    a = make_device()
    v = visit_with_photo(a, jpeg())
    a.sync()
    big = jpeg(ctx.settings.max_body_bytes + 10)
    response = put(a, "01a21fb6-0000-7000-8000-0000000000ad", v.id, big)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["message"]
    # A device keeps such a photo queued and says so; the records still sync.
    visit_with_photo(a, big)
    report = a.sync()
    assert (report.photos_up, report.photos_pending) == (0, 1)


def test_a_device_of_another_village_cannot_get_the_photo(ctx, make_device) -> None:
    a, stranger = make_device(areas=[VILLAGE_A]), make_device(areas=[OTHER_VILLAGE])
    v = visit_with_photo(a, jpeg())
    a.sync()
    assert v.photo_id is not None
    theirs = signed(stranger, "GET", f"/v1/photos/{v.photo_id}")
    missing = signed(stranger, "GET", "/v1/photos/01a21fb6-0000-7000-8000-0000000000ae")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    mine = signed(a, "GET", f"/v1/photos/{v.photo_id}")
    assert mine.status_code == 200 and mine.headers["content-type"] == "image/jpeg"
    with ctx.db.reading() as s:
        assert [e.device_id for e in audit.entries(s, "photo_read")] == [a.store.device_id]


def test_a_photo_not_uploaded_yet_is_fetched_at_a_later_sync(ctx, make_device) -> None:
    a, b = make_device(), make_device()
    content = jpeg()
    v = visit_with_photo(a, content)
    with pytest.raises(ServerUnreachable):  # the push gets through, then the network is lost
        a.client(transport=FailAfter(1), attempts=1).sync()
    assert a.store.pending() == [] and server_photos(ctx) == []
    first = b.sync()
    assert (first.pulled, first.photos_down, first.photos_pending) == (2, 0, 1)
    with pytest.raises(NotFound):
        b.store.get_photo(v.photo_id or "")
    assert a.sync().photos_up == 1
    assert (b.sync().photos_down, b.store.get_photo(v.photo_id or "")[0]) == (1, content)


@pytest.mark.parametrize(
    "fault",
    [Fault("cut_request", after_bytes=20_000), Fault("cut_response", after_bytes=40)],
    ids=lambda f: f.kind,
)
def test_a_connection_cut_mid_upload_ends_with_exactly_one_copy(
    ctx, server, tmp_path: Path, fault: Fault
) -> None:
    a = new_device(ctx, server.url, tmp_path)
    content = jpeg(100_000)
    v = visit_with_photo(a, content)
    with pytest.raises(ServerUnreachable):  # records pushed, photo left for later
        a.client(transport=FailAfter(1), attempts=1).sync()
    proxy = Proxy(server.port)
    try:
        proxy.plan.append(fault)  # the first request of the next sync is the photo upload
        cut = SyncClient(a.store, proxy.url, attempts=1).sync()
        assert cut.photos_up == 0 and cut.photos_pending == 1
        assert len(server_photos(ctx)) == (1 if fault.kind == "cut_response" else 0)
        done = SyncClient(a.store, proxy.url, attempts=1).sync()
        assert (done.photos_up, done.photos_pending) == (1, 0)
    finally:
        proxy.close()
    [stored] = server_photos(ctx)
    assert stored.id == v.photo_id and bytes(stored.content) == content
    with ctx.db.reading() as s:
        assert s.exec(select(func.count()).select_from(Photo)).one() == 1
    a.store.close()


def test_evicted_records_take_their_photos_along(ctx, make_device) -> None:
    a, b = make_device(areas=[VILLAGE_A]), make_device(areas=[VILLAGE_A])
    township = make_device(areas=[TOWNSHIP])
    kept = visit_with_photo(a, jpeg())
    a.sync(), b.sync(), township.sync()
    assert kept.photo_id is not None
    assert b.store.get_photo(kept.photo_id) and township.store.get_photo(kept.photo_id)
    # A worker moved to another village loses the old village's photos.
    admin.set_areas(ctx, b.worker_id, [VILLAGE_B])
    assert b.sync().evicted == 2
    with pytest.raises(NotFound):
        b.store.get_photo(kept.photo_id)
    assert signed(b, "GET", f"/v1/photos/{kept.photo_id}").status_code == 404
    # A household that moves away takes its photos off the old village's devices.
    home = township.store.get(Household, kept.household_id)
    township.store.update(home.model_copy(update={"area_code": VILLAGE_B}))
    township.sync()
    a.sync()
    with pytest.raises(NotFound):
        a.store.get_photo(kept.photo_id)
    with sqlite3.connect(a.sandbox.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM photos").fetchone() == (0,)
    assert township.store.get_photo(kept.photo_id)


def test_a_device_that_pulled_records_before_photos_synced_fetches_their_photos(
    ctx, make_device
) -> None:
    a, b = make_device(), make_device()
    content = jpeg()
    v = visit_with_photo(a, content)
    a.sync(), b.sync()
    # As b's store was before photo sync: the records are there, their photos never asked for.
    with sqlite3.connect(b.sandbox.db_path) as conn:
        conn.execute("DELETE FROM photos")
        conn.execute("DELETE FROM meta WHERE key = 'sync.photos_scanned'")
    report = b.sync()
    assert (report.pulled, report.photos_down, report.photos_pending) == (0, 1, 0)
    assert b.store.get_photo(v.photo_id or "") == (content, "image/jpeg")


def test_a_drawn_signature_reaches_the_server_as_png(ctx, make_device) -> None:
    a = make_device(areas=[VILLAGE_A])
    h = household(VILLAGE_A)
    p = person(h)
    event = consent(h, p, ConsentAction.GRANT, by=a.worker_id)
    drawn = signature_png([[(10.0, 10.0), (60.0, 40.0), (120.0, 20.0)]], 600, 200)
    with a.store.unit_of_work() as uow:
        photo_id = uow.photos.attach(event.id, drawn, "image/png")
        uow.records.add_many([h, p, event.model_copy(update={"evidence_photo_id": photo_id})])
        uow.commit()
    report = a.sync()
    assert (report.photos_up, report.photos_pending) == (1, 0)
    [stored] = server_photos(ctx)
    assert (stored.id, stored.record_id, stored.mime) == (photo_id, event.id, "image/png")
    assert bytes(stored.content) == drawn


def test_a_photo_no_record_names_is_archived_never_sent_nor_counted(ctx, make_device) -> None:
    a = make_device()
    h = household(VILLAGE_A)
    a.store.add(h)
    a.sync()
    refused = visit(h, a.worker_id)
    photo_id = attach_photo(a.store, refused.id, jpeg())
    gps = {"lat": 29.1, "lon": 119.6, "accuracy_m": float("inf")}  # the server refuses it
    forge(
        a.store,
        "visit",
        refused.id,
        "create",
        refused.content() | {"photo_id": photo_id, "gps": gps},
    )
    report = a.sync()
    assert (report.rejected, report.photos_up, report.photos_pending) == (1, 0, 0)
    assert server_photos(ctx) == []
    with a.store.unit_of_work() as uow:
        assert uow.photos.counts() == {"upload": 0, "download": 0}
        assert uow.replication.unnamed_photos() == []  # archived: out of the queue
    assert a.store.get_photo(photo_id)[0][:3] == b"\xff\xd8\xff", "kept, sealed, on the device"
    kept = visit_with_photo(a, jpeg())
    assert a.sync().photos_up == 1 and kept.photo_id != photo_id
