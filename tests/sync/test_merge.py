"""The merge rules of sync.merge, without a network."""

from __future__ import annotations

import pytest

from app.domain.codes import ConsentAction
from sync import merge
from tests.said import refused
from tests.sync.records import consent, household, person, wish

A, B = "0190a000-0000-7000-8000-00000000000a", "0190a000-0000-7000-8000-00000000000b"


def stamp(ms: int, device: str, counter: int = 0) -> str:
    return f"{ms:015d}.{counter:06d}.{device}"


def created(record, device=A, ms=1000):  # type: ignore[no-untyped-def]
    return merge.create(
        record.type_name,
        record.id,
        record.content(),
        hlc=stamp(ms, device),
        seq=1,
        device_id=device,
        worker_id="w",
    )


def test_concurrent_edits_of_one_field_keep_the_later_stamp_and_log_the_loser() -> None:
    base = created(household("330702102201"))
    first = merge.update(
        "household", base.data, base.stamps, {"address": "新地址A"},
        hlc=stamp(2000, A), base_seq=1, seq=2, device_id=A,
    )  # fmt: skip
    assert first.status == "applied"
    # B edited the same field without having seen A's write (base_seq 1), with an older stamp.
    second = merge.update(
        "household", first.data, first.stamps, {"address": "新地址B"},
        hlc=stamp(1500, B), base_seq=1, seq=3, device_id=B,
    )  # fmt: skip
    assert second.data["address"] == "新地址A"
    assert second.status == "conflict"
    [lost] = second.overwrites
    assert (lost.kept, lost.lost, lost.lost_device) == ("新地址A", "新地址B", B)
    # A newer concurrent stamp wins, and the overwritten value is logged just the same.
    third = merge.update(
        "household", first.data, first.stamps, {"address": "新地址C"},
        hlc=stamp(2500, B), base_seq=1, seq=3, device_id=B,
    )  # fmt: skip
    assert third.data["address"] == "新地址C"
    assert [(o.kept, o.lost) for o in third.overwrites] == [("新地址C", "新地址A")]


def test_equal_wall_time_is_decided_by_device_id() -> None:
    base = created(household("330702102201"))
    from_a = merge.update(
        "household", base.data, base.stamps, {"notes": "A"},
        hlc=stamp(2000, A), base_seq=1, seq=2, device_id=A,
    )  # fmt: skip
    from_b = merge.update(
        "household", from_a.data, from_a.stamps, {"notes": "B"},
        hlc=stamp(2000, B), base_seq=1, seq=3, device_id=B,
    )  # fmt: skip
    assert from_b.data["notes"] == "B"  # B > A as node ids


def test_edits_of_different_fields_merge_without_conflict() -> None:
    base = created(household("330702102201"))
    one = merge.update(
        "household", base.data, base.stamps, {"notes": "A"},
        hlc=stamp(2000, A), base_seq=1, seq=2, device_id=A,
    )  # fmt: skip
    two = merge.update(
        "household", one.data, one.stamps, {"address": "B路1号"},
        hlc=stamp(1900, B), base_seq=1, seq=3, device_id=B,
    )  # fmt: skip
    assert (two.data["notes"], two.data["address"]) == ("A", "B路1号")
    assert two.status == "merged" and not two.overwrites


def test_an_edit_that_saw_the_value_always_applies() -> None:
    base = created(household("330702102201"))
    one = merge.update(
        "household", base.data, base.stamps, {"notes": "A"},
        hlc=stamp(5000, A), base_seq=1, seq=2, device_id=A,
    )  # fmt: skip
    two = merge.update(
        "household", one.data, one.stamps, {"notes": "B"},
        hlc=stamp(4000, B), base_seq=2, seq=3, device_id=B,
    )  # fmt: skip
    assert two.data["notes"] == "B" and two.status == "applied"


def test_visits_and_consents_are_insert_only() -> None:
    h = household("330702102201")
    event = created(consent(h, person(h), ConsentAction.GRANT))
    with pytest.raises(merge.Rejected):
        merge.update(
            "consent", event.data, event.stamps, {"purpose": "x"},
            hlc=stamp(2, A), base_seq=1, seq=2, device_id=A,
        )  # fmt: skip


def test_fixed_fields_and_child_areas_cannot_change() -> None:
    h = household("330702102201")
    p = created(person(h))
    for fields in ({"household_id": A}, {"area_code": "330702102202"}, {"device_id": "x"}):
        with pytest.raises(merge.Rejected):
            merge.update(
                "person", p.data, p.stamps, fields,
                hlc=stamp(2, A), base_seq=1, seq=2, device_id=A,
            )  # fmt: skip


def test_wish_transitions_are_compare_and_set() -> None:
    w = created(wish(household("330702102201")))
    approved = merge.transition(
        w.data, w.stamps, {"from": "collected", "to": "approved", "fields": {}},
        hlc=stamp(2, A), seq=2, device_id=A,
    )  # fmt: skip
    assert approved.data["state"] == "approved"
    with refused(merge.Rejected, "当前状态"):
        merge.transition(
            approved.data, approved.stamps,
            {"from": "collected", "to": "rejected", "fields": {"reject_reason": "超标"}},
            hlc=stamp(3, B), seq=3, device_id=B,
        )  # fmt: skip
    # A device may ask for an approved wish to be published (the push screens it); it may
    # not claim a published one: claims are the county platform's.
    asked = merge.transition(
        approved.data, approved.stamps, {"from": "approved", "to": "published"},
        hlc=stamp(3, B), seq=3, device_id=B,
    )  # fmt: skip
    assert asked.data["state"] == "published"
    with refused(merge.Rejected, "县级平台"):
        merge.transition(
            asked.data, asked.stamps,
            {"from": "published", "to": "claimed", "fields": {"claimed_by": "某人"}},
            hlc=stamp(4, B), seq=4, device_id=B,
        )  # fmt: skip


def test_invalid_merged_record_is_rejected_with_a_reason() -> None:
    base = created(household("330702102201"))
    # A household's place on the register is the roster's or a reviewer's decision on a
    # reported one: a (worker's) device's change is refused…
    with refused(merge.Rejected, "只有协理员"):
        merge.update(
            "household", base.data, base.stamps, {"register_status": "left"},
            hlc=stamp(2, A), base_seq=1, seq=2, device_id=A,
        )  # fmt: skip
    # …and the server's own write must still make a valid record: left needs its date.
    with refused(merge.Rejected, "退出"):
        merge.server_write(
            "household", base.data, base.stamps, {"register_status": "left"},
            hlc=stamp(2, A), seq=2,
        )  # fmt: skip


def test_withdrawal_wins_over_a_concurrent_grant_and_a_later_grant_regrants() -> None:
    h = household("330702102201")
    p = person(h)
    grant = consent(h, p, ConsentAction.GRANT)
    withdrawal = consent(h, p, ConsentAction.WITHDRAW)
    events = [created(grant).data, created(withdrawal, B).data]
    assert not merge.consent_granted(events, p.id, grant.recipient, grant.purpose)
    regrant = consent(h, p, ConsentAction.GRANT, seen=[grant.id, withdrawal.id])
    events.append(created(regrant).data)
    assert merge.consent_granted(events, p.id, grant.recipient, grant.purpose)


def test_overlay_replays_pending_changes_over_the_server_copy() -> None:
    base = created(household("330702102201"))
    shown = merge.overlay(
        base.data,
        [{"kind": "update", "hlc": stamp(9000, A), "payload": {"fields": {"notes": "本地"}}}],
    )
    assert shown["notes"] == "本地" and shown["updated_hlc"] == stamp(9000, A)
