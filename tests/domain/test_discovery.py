"""主动发现 decisions as domain rules: who may decide, what each decision sets, and that a
merged household is never on the register (so coverage cannot count it twice)."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain import discovery
from app.domain.codes import DiscoveryReview, RegisterStatus
from app.domain.records import DEVICE, Household, IllegalChange, InvalidRecord, Writer
from tests.said import refused

REGISTERED_ID = "0190a0b0-0000-7000-8000-000000000001"


def reported() -> Household:
    return Household(
        area_code="330702102201", address="岩头村5组3号", register_status=RegisterStatus.REPORTED
    )


def test_each_decision_sets_what_it_means() -> None:
    on = date(2026, 3, 12)
    confirmed = discovery.decide(reported(), DiscoveryReview.CONFIRMED, on=on, by="c")
    assert (confirmed.register_status, confirmed.registered_on) == (RegisterStatus.REGISTERED, on)
    merged = discovery.decide(
        reported(), DiscoveryReview.CONFIRMED, on=on, by="c", merged_into=REGISTERED_ID
    )
    assert (merged.register_status, merged.merged_into) == (RegisterStatus.MERGED, REGISTERED_ID)
    applying = discovery.decide(reported(), DiscoveryReview.APPLYING, on=on, by="c")
    assert applying.register_status == RegisterStatus.REPORTED and discovery.is_pending(applying)
    dismissed = discovery.decide(
        applying, DiscoveryReview.DISMISSED, on=on, by="c", reason="收入超过标准"
    )
    assert not discovery.is_pending(dismissed) and dismissed.review_reason == "收入超过标准"
    with pytest.raises(discovery.NotPending):
        discovery.decide(dismissed, DiscoveryReview.CONFIRMED, on=on, by="c")


@pytest.mark.parametrize("day", [date(2026, 3, 11), date(2026, 3, 12), date(2030, 1, 1)])
def test_a_merged_household_is_never_on_the_register(day: date) -> None:
    merged = discovery.decide(
        reported(), DiscoveryReview.CONFIRMED, on=date(2026, 3, 12), by="c",
        merged_into=REGISTERED_ID,
    )  # fmt: skip
    confirmed = discovery.decide(
        reported(), DiscoveryReview.CONFIRMED, on=date(2026, 3, 12), by="c"
    )
    assert not merged.on_register(day) and not reported().on_register(day)
    # Registered from the day of the decision (hand-worked: the 11th is before it).
    assert confirmed.on_register(day) == (day >= date(2026, 3, 12))


def test_a_dismissal_needs_a_reason() -> None:
    with refused(InvalidRecord, "排除主动发现的家庭需要填写理由"):
        discovery.decide(reported(), DiscoveryReview.DISMISSED, on=date(2026, 3, 12), by="c")


def test_only_a_reviewer_decides_and_only_once() -> None:
    before = reported().model_dump(mode="json")
    change = {"review_status": "confirmed", "reviewed_on": "2026-03-12"}
    with refused(IllegalChange, "只有协理员"):
        Household.check_edit(before, change, DEVICE)
    with refused(IllegalChange, "只有协理员"):
        Household.check_edit(before, {"register_status": "registered"}, DEVICE)
    Household.check_edit(before, change, Writer(reviewer=True))
    decided = discovery.decide(
        reported(), DiscoveryReview.DISMISSED, on=date(2026, 3, 12), by="c", reason="迁出"
    ).model_dump(mode="json")
    with refused(IllegalChange, "已经处理过"):
        Household.check_edit(decided, change, Writer(reviewer=True))
    # A device reports a household undecided.
    with refused(IllegalChange, "设备只能上报待确认"):
        Household(
            area_code="330702102201",
            address="x",
            register_status=RegisterStatus.MERGED,
            review_status=DiscoveryReview.CONFIRMED,
            reviewed_on=date(2026, 3, 12),
            merged_into=REGISTERED_ID,
        ).check_create(DEVICE)


def test_the_register_match_is_by_id_number() -> None:
    members = [
        discovery.Member("reported", None),
        discovery.Member("reported", "330702195503120021"),
        discovery.Member("elsewhere", "330702201506010037"),
    ]
    registered = {"330702195503120021": REGISTERED_ID, "330702201506010037": "other"}
    assert discovery.register_match("reported", members, registered) == REGISTERED_ID
    assert discovery.register_match("reported", members[:1], registered) is None
