"""On the county server, a record stored before the input bounds (an over-long note, an
emoji in a name) is pulled, exported, reviewed and edited in its other fields; a new
over-long value is still rejected, that change alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.domain.codes import WishState
from app.domain.ids import new_id
from app.domain.records import NOTE_MAX_CHARS, Household, Person
from sync import merge
from sync.server.services import review
from sync.server.services.exchange import export_jsonl, load_records
from sync.server.tables import RecordRow
from tests.said import refused
from tests.sync.conftest import VILLAGE_A
from tests.sync.forge import forge
from tests.sync.records import household, person, wish

OLD_NOTE = "老人独居，" * 612  # 3,060 characters, as a tester wrote before the bound
OLD_NAME = "陈秀英🌸"
DEVICE = "0190a000-0000-7000-8000-00000000000a"


def stamp(ms: int, device: str = DEVICE) -> str:
    return f"{ms:015d}.000000.{device}"


def server_record(ctx, record_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        row = s.get(RecordRow, record_id)
        assert row is not None
        return dict(json.loads(row.data))


def test_an_old_over_long_record_is_pulled_exported_and_edited_in_another_field(
    ctx, make_device, tmp_path: Path
) -> None:
    h = household(VILLAGE_A)
    p = person(h)
    # Written as a version without the bounds stored them: the server's own load path.
    load_records(
        ctx,
        [h.model_copy(update={"notes": OLD_NOTE}), p.model_copy(update={"name": OLD_NAME})],
    )
    device = make_device()
    device.sync()
    assert device.store.get(Household, h.id).notes == OLD_NOTE
    assert device.store.get(Person, p.id).name == OLD_NAME

    out = tmp_path / "export.jsonl"
    assert export_jsonl(ctx, out, mask=False) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line.get("notes") or line.get("name") for line in lines} == {OLD_NOTE, OLD_NAME}

    stored = device.store.get(Household, h.id)
    device.store.update(stored.model_copy(update={"phone": "13900001111"}))
    member = device.store.get(Person, p.id)
    device.store.update(member.model_copy(update={"relation": "配偶"}))
    report = device.sync()
    assert report.rejected == 0 and device.store.dead_letters() == []
    assert server_record(ctx, h.id) | {"phone": "13900001111", "notes": OLD_NOTE} == (
        server_record(ctx, h.id)
    )
    assert (server_record(ctx, p.id)["name"], server_record(ctx, p.id)["relation"]) == (
        OLD_NAME,
        "配偶",
    )

    # A new over-long value is rejected by the server, even from an app that skips the
    # device's own check (a forged mutation), and lands in the dead letters with the bound.
    too_long = "新" * (NOTE_MAX_CHARS + 1)
    latest = device.store.get(Household, h.id)
    device.store.update(latest.model_copy(update={"address": "岩头村2号"}))
    forge(device.store, "household", h.id, "update", {"fields": {"notes": too_long}})
    report = device.sync()
    assert report.rejected == 1
    [dead] = device.store.dead_letters()
    assert f"最多 {NOTE_MAX_CHARS} 个字" in (dead.reason or "")
    held = server_record(ctx, h.id)
    assert (held["address"], held["notes"]) == ("岩头村2号", OLD_NOTE)


def test_a_wish_with_an_old_over_long_description_is_reviewed(ctx) -> None:
    h = household(VILLAGE_A)
    w = wish(h).model_copy(update={"state": WishState.APPROVED, "description": OLD_NOTE})
    load_records(ctx, [h, w])
    published = review.wish_action(ctx, "审核员", w.id, WishState.PUBLISHED, areas=None)
    assert (published["state"], published["description"]) == ("published", OLD_NOTE)


def test_the_merge_bounds_only_the_values_a_change_brings() -> None:
    held = household(VILLAGE_A).model_copy(update={"notes": OLD_NOTE}).model_dump(mode="json")
    stamps: merge.Stamps = {merge.WHOLE_RECORD: [stamp(2000), 5, "server"]}

    def edit(fields: dict[str, Any], ms: int, base_seq: int) -> merge.Outcome:
        return merge.update(
            "household", held, stamps, fields, hlc=stamp(ms), base_seq=base_seq, seq=6,
            device_id=DEVICE,
        )  # fmt: skip

    assert edit({"phone": "13900001111"}, 3000, 5).data["notes"] == OLD_NOTE
    # An edit of the note made before the server's copy loses, and keeps the old note.
    late = edit({"notes": "短"}, 1000, 0)
    assert (late.status, late.data["notes"]) == ("conflict", OLD_NOTE)
    with refused(merge.Rejected, f"notes.*最多 {NOTE_MAX_CHARS} 个字"):
        edit({"notes": "新" * (NOTE_MAX_CHARS + 1)}, 3000, 5)
    new = person(household(VILLAGE_A)).content() | {"name": OLD_NAME}
    with refused(merge.Rejected, "姓名不能包含表情符号"):
        merge.create(
            "person", new_id(), new, hlc=stamp(3000), seq=7, device_id=DEVICE, worker_id="w"
        )
