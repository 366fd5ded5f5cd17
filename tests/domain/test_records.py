"""Record validation: the rules a record must satisfy before it is stored or sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from app.domain.codes import (
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    NeedStatus,
    PersonFlag,
    RegisterStatus,
    ServedClass,
    Team,
)
from app.domain.identity import make_id_number
from app.domain.ids import is_record_id, new_id
from app.domain.records import (
    BOOKKEEPING,
    RECORD_TYPES,
    ConsentEvent,
    Household,
    Need,
    Person,
    Visit,
)
from tests.said import refused

AREA = "330702102201"
HOUSEHOLD = new_id()
BORN = date(1946, 3, 15)
ID_NUMBER = make_id_number("330702", BORN, 27)  # sequence 027: odd, a man


def person(**fields: Any) -> Person:
    return Person(area_code=AREA, household_id=HOUSEHOLD, name="李德明", **fields)


def need(**fields: Any) -> Need:
    return Need(
        area_code=AREA,
        household_id=HOUSEHOLD,
        area=fields.pop("area", NeedArea.MEDICAL),
        description="需要定期复诊的交通帮助",
        raised_on=date(2026, 3, 1),
        **fields,
    )


def consent(**fields: Any) -> ConsentEvent:
    return ConsentEvent(
        area_code=AREA,
        household_id=HOUSEHOLD,
        person_id=new_id(),
        action=fields.pop("action", ConsentAction.GRANT),
        recipient="金华市慈善总会",
        purpose="助学帮扶",
        data_categories=fields.pop("data_categories", [DataCategory.IDENTITY]),
        method=fields.pop("method", ConsentMethod.VERBAL),
        occurred_at=datetime(2026, 3, 1, 9, 0),
        recorded_by="w1",
        **fields,
    )


def test_every_record_type_is_registered_under_its_code() -> None:
    assert set(RECORD_TYPES) == {
        "household",
        "person",
        "visit",
        "need",
        "consent",
        "wish",
        "referral",
        "register_change",
        "delivery",
        "campaign",
        "campaign_assignment",
    }


def test_a_new_record_gets_a_uuid7_and_content_leaves_out_bookkeeping() -> None:
    hh = Household(area_code=AREA, address=" 岩头村12号 ", categories=[Category.DIBAO])
    assert is_record_id(hh.id) and hh.id[14] == "7"
    assert hh.address == "岩头村12号"
    assert not set(BOOKKEEPING) & set(hh.content())
    assert hh.content()["categories"] == ["dibao"]
    assert hh.classes == {ServedClass.REGISTERED}


@pytest.mark.parametrize(
    "fields",
    [
        {"id": "not-a-uuid"},
        {"area_code": "3307021022"},
        {"phone": "12345"},
        {"categories": ["poor"]},
        {"annual_income_yuan": -1},
        {"address": "长" * 201},
        {"colour": "red"},
    ],
)
def test_household_rejects_bad_fields(fields: dict[str, Any]) -> None:
    data = {"area_code": AREA, "address": "岩头村12号", **fields}
    with pytest.raises(ValidationError):
        Household(**data)


def test_household_that_left_needs_its_date_in_order() -> None:
    with refused(ValidationError, "退出日期"):
        Household(area_code=AREA, address="x", register_status=RegisterStatus.LEFT)
    with refused(ValidationError, "不能早于"):
        Household(
            area_code=AREA,
            address="x",
            registered_on=date(2025, 1, 1),
            left_on=date(2024, 12, 31),
            register_status=RegisterStatus.LEFT,
        )
    left = Household(
        area_code=AREA, address="x", register_status=RegisterStatus.LEFT, left_on=date(2026, 2, 1)
    )
    assert left.on_register(date(2026, 1, 31))
    assert not left.on_register(date(2026, 2, 1))


def test_phone_is_normalised_on_the_record() -> None:
    hh = Household(area_code=AREA, address="x", phone="057982123456")
    assert hh.phone == "0579-82123456"


def test_person_takes_birth_date_and_gender_from_the_id_number() -> None:
    p = person(id_number=ID_NUMBER.lower())
    assert (p.id_number, p.birth_date, p.gender) == (ID_NUMBER, BORN, "M")
    assert p.age_on(date(2026, 3, 15)) == 80
    assert person(id_number=ID_NUMBER, birth_date=BORN, gender="M").birth_date == BORN


def test_person_with_id_number_and_a_different_birth_date_is_rejected() -> None:
    with refused(ValidationError, "出生日期与身份证号不一致"):
        person(id_number=ID_NUMBER, birth_date=date(1946, 3, 16))


def test_person_with_id_number_and_a_different_gender_is_rejected() -> None:
    with refused(ValidationError, "性别与身份证号不一致"):
        person(id_number=ID_NUMBER, gender="F")


def test_person_with_an_invalid_id_number_is_rejected() -> None:
    with refused(ValidationError, "校验位"):
        person(id_number=ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1"))


def test_person_without_id_number_keeps_what_was_entered() -> None:
    p = person(birth_date=date(2015, 6, 1), gender="F")
    assert (p.id_number, p.birth_date, p.gender) == (None, date(2015, 6, 1), "F")
    assert person().age_on(date(2026, 1, 1)) is None


def test_major_event_flag_needs_its_date() -> None:
    with refused(ValidationError, "变故日期"):
        person(flags=[PersonFlag.MAJOR_EVENT])
    flagged = person(flags=[PersonFlag.MAJOR_EVENT], major_event_date=date(2026, 3, 10))
    assert flagged.major_event_date == date(2026, 3, 10)


def test_person_needs_a_name() -> None:
    with pytest.raises(ValidationError):
        Person(area_code=AREA, household_id=HOUSEHOLD, name="  ")


def test_need_assessed_unreasonable_needs_a_reason() -> None:
    with refused(ValidationError, "理由"):
        need(status=NeedStatus.UNREASONABLE)
    assessed = need(status=NeedStatus.UNREASONABLE, assessment_reason="已由医保全额报销")
    assert assessed.reasonable is False


def test_fulfilled_need_needs_its_date() -> None:
    with refused(ValidationError, "兑现日期"):
        need(status=NeedStatus.FULFILLED)
    assert need(status=NeedStatus.FULFILLED, fulfilled_on=date(2026, 4, 1)).reasonable is True
    assert need().reasonable is None


@pytest.mark.parametrize("area", list(NeedArea))
def test_needs_in_all_seven_areas(area: NeedArea) -> None:
    assert need(area=area).area == area
    assert len(NeedArea) == 7


def test_verbal_consent_needs_a_witness() -> None:
    with refused(ValidationError, "见证人"):
        consent()
    assert consent(witness="村委会 陈建国").witness == "村委会 陈建国"
    assert consent(method=ConsentMethod.SIGNATURE).method == ConsentMethod.SIGNATURE


def test_a_grant_needs_data_categories_but_a_withdrawal_needs_nothing_extra() -> None:
    with refused(ValidationError, "数据类别"):
        consent(data_categories=[], witness="陈建国")
    # Withdrawing is as easy as granting (PIPL art. 15): no witness, no categories.
    withdrawal = consent(action=ConsentAction.WITHDRAW, data_categories=[])
    assert withdrawal.action == ConsentAction.WITHDRAW


def test_visit_contact_outcomes() -> None:
    def make(outcome: str) -> Visit:
        return Visit(
            area_code=AREA,
            household_id=HOUSEHOLD,
            visited_at=datetime(2026, 3, 1, 10),
            worker_id="w1",
            team=Team.SOCIAL_WORKER,
            outcome=outcome,
        )

    assert [make(o).is_contact for o in ("met", "refused", "nobody_home", "moved")] == [
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ValidationError):
        make("asleep")
