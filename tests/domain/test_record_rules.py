"""The rules of the record types (app.domain.records): bounds, finite numbers, what may be
created and what may change after creation — the one home the store and the merge share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.domain.codes import DataCategory, ReferralDirection, RegisterStatus, Team, WishState
from app.domain.ids import new_id
from app.domain.records import (
    DEVICE,
    NOTE_MAX_CHARS,
    RECORD_TYPES,
    SERVER,
    Household,
    IllegalChange,
    Referral,
    Visit,
    Wish,
    Writer,
    problem,
)
from sync import merge
from tests.said import refused, said

AREA = "330702102201"
HOUSEHOLD = new_id()
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def visit(**fields: Any) -> Visit:
    return Visit(
        area_code=AREA,
        household_id=HOUSEHOLD,
        visited_at=fields.pop("visited_at", datetime(2026, 12, 1, 10, 0)),
        worker_id=fields.pop("worker_id", "w-1"),
        team=Team.GRID_WORKER,
        **fields,
    )


def referral(**fields: Any) -> Referral:
    return Referral(
        area_code=AREA,
        household_id=HOUSEHOLD,
        person_id=new_id(),
        recipient="安地镇社会事务办",
        purpose="可能符合低保条件",
        data_categories=[DataCategory.IDENTITY],
        referred_on=date(2026, 3, 1),
        **{"direction": ReferralDirection.TO_CIVIL_AFFAIRS, **fields},
    )


def wish(**fields: Any) -> Wish:
    return Wish(
        area_code=AREA,
        household_id=HOUSEHOLD,
        title="一台电风扇",
        collected_on=date(2026, 3, 1),
        **{"value_yuan": 200, **fields},
    )


def refusal(build: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        build()
    return said(problem(caught.value))


def test_a_note_is_bounded_by_the_one_shared_limit() -> None:
    assert len(Household(area_code=AREA, address="1号", notes="记" * NOTE_MAX_CHARS).notes) == 2000
    message = refusal(lambda: Household(area_code=AREA, address="1号", notes="记" * 2001))
    assert message == "记录内容无效（notes）：最多 2000 个字"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"worker_id": "x" * 4096}, "（worker_id）：最多 40 个字"),
        ({"companions": ["陈建国"] * 21}, "（companions）：最多 20 项"),
        ({"companions": ["名" * 51]}, "（companions.0）：最多 50 个字"),
        ({"care": ["listening"] * 50}, "（care）：最多"),
        ({"gps": {"lat": 29.1, "lon": 119.6, "accuracy_m": float("inf")}}, "应为有限的数字"),
        ({"gps": {"lat": float("nan"), "lon": 119.6}}, "（gps.lat）：应为有限的数字"),
    ],
)
def test_every_string_list_and_number_of_a_visit_is_bounded(
    fields: dict[str, Any], reason: str
) -> None:
    assert reason in refusal(lambda: visit(**fields))


def test_money_is_finite_and_bounded() -> None:
    assert "value_yuan" in refusal(lambda: wish(value_yuan=float("inf")))
    assert "不能大于 100000000" in refusal(lambda: wish(value_yuan=10**12))
    assert "annual_income_yuan" in refusal(
        lambda: Household(area_code=AREA, address="1号", annual_income_yuan=float("nan"))
    )


def test_every_record_type_bounds_its_lists_of_codes() -> None:
    for model in RECORD_TYPES.values():
        for name, info in model.model_fields.items():
            if getattr(info.annotation, "__origin__", None) is list:
                assert any(getattr(m, "max_length", None) for m in info.metadata), (model, name)


def test_a_referral_keeps_what_it_shares_with_whom_and_why() -> None:
    before = referral().content()
    for change in (
        {"direction": "to_charity"},
        {"recipient": "某慈善基金会"},
        {"purpose": "微心愿对接"},
        {"data_categories": ["identity", "health"]},
    ):
        with refused(IllegalChange, "创建后不能修改"):
            Referral.check_edit(before, change, DEVICE)
        with pytest.raises(IllegalChange):  # the server's own writes too
            Referral.check_edit(before, change, SERVER)
    Referral.check_edit(before, {"note": "已电话告知"}, DEVICE)


def test_the_charitys_answer_is_the_servers_alone() -> None:
    before = referral(direction=ReferralDirection.TO_CHARITY).content()
    for change in (
        {"status": "accepted"},
        {"answered_by": "婺城区慈善总会"},
        {"service": "送米面油"},
        {"completed_on": "2026-03-02"},
    ):
        with pytest.raises(IllegalChange):
            Referral.check_edit(before, change, DEVICE)
        Referral.check_edit(before, change, SERVER)
    to_charity = ReferralDirection.TO_CHARITY
    referral(direction=to_charity).check_create(DEVICE)
    with pytest.raises(IllegalChange):
        referral(direction=to_charity, status="accepted").check_create(DEVICE)
    with pytest.raises(IllegalChange):
        referral(direction=to_charity, service="送米面油").check_create(DEVICE)
    referral(direction=to_charity, status="completed", service="送米面油").check_create(SERVER)
    # A referral back to civil affairs is answered on the government side, devices included.
    back = referral().content()
    Referral.check_edit(back, {"status": "accepted"}, DEVICE)


def test_a_device_creates_wishes_only_in_its_own_states_and_unclaimed() -> None:
    for state in (WishState.COLLECTED, WishState.APPROVED, WishState.REJECTED):
        wish(state=state).check_create(DEVICE)
    for state in (WishState.PUBLISHED, WishState.CLAIMED, WishState.FULFILLED):
        with refused(IllegalChange, "县级平台"):
            wish(state=state).check_create(DEVICE)
        wish(state=state).check_create(SERVER)
    with refused(IllegalChange, "「claimed_on」只能由县级平台填写"):
        wish(claimed_on=date(2026, 3, 2)).check_create(DEVICE)


def test_a_visit_is_not_dated_ahead_nor_by_another_worker() -> None:
    writer = Writer(latest=NOW + timedelta(minutes=5), worker_id="w-1")
    visit(visited_at=NOW + timedelta(minutes=4)).check_create(writer)
    with refused(IllegalChange, "不能晚于现在"):
        visit(visited_at=datetime(2030, 1, 1, 9, 0, tzinfo=UTC)).check_create(writer)
    # Without a zone a time is 北京时间: 17:00 in Jinhua is 09:00 UTC.
    visit(visited_at=datetime(2026, 12, 4, 17, 4)).check_create(writer)
    with refused(IllegalChange, "不能晚于现在"):
        visit(visited_at=datetime(2026, 12, 4, 17, 6)).check_create(writer)
    for someone_else in ("w-2", "随便写的"):
        with refused(IllegalChange, "本设备登记的工作人员"):
            visit(worker_id=someone_else).check_create(writer)


def stamp(ms: int) -> str:
    return f"{ms:015d}.000000.0190a000-0000-7000-8000-00000000000a"


@pytest.mark.parametrize(
    ("record", "field", "value"),
    [
        (
            Household(area_code=AREA, address="1号", register_status=RegisterStatus.REPORTED),
            "notes",
            "记" * 2001,
        ),
        (wish(), "claimed_by", "某爱心企业"),
        (wish(), "value_yuan", float("inf")),
        (referral(), "note", "记" * 2001),
    ],
)
def test_the_merge_creates_by_the_rules_it_updates_by(record: Any, field: str, value: Any) -> None:
    """A value the update path rejects is rejected by the create path, with the same fault."""
    ok = merge.create(
        record.type_name, record.id, record.content(),
        hlc=stamp(1), seq=1, device_id="d", worker_id="w-1",
    )  # fmt: skip
    with pytest.raises(merge.Rejected) as on_update:
        merge.update(
            record.type_name, ok.data, ok.stamps, {field: value},
            hlc=stamp(2), base_seq=1, seq=2, device_id="d",
        )  # fmt: skip
    with pytest.raises(merge.Rejected) as on_create:
        merge.create(
            record.type_name, new_id(), record.content() | {field: value},
            hlc=stamp(3), seq=3, device_id="d", worker_id="w-1",
        )  # fmt: skip
    assert field in said(on_update.value) and field in said(on_create.value)


def test_the_form_says_a_bad_value_in_one_chinese_sentence() -> None:
    from app.ui.viewmodels.errors import user_message

    for fields in ({"companions": ["陈建国"] * 21}, {"gps": {"lat": 29.1, "lon": float("inf")}}):
        with pytest.raises(ValidationError) as caught:
            visit(**fields)
        assert user_message(caught.value) in ("内容过长", "请填写数字")
