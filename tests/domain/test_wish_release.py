"""Releasing a claim with no donor contact within the policy's days (DOMAIN.md 微心愿)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.assets import load_visit_policy
from app.domain.codes import WishState
from app.domain.ids import new_id
from app.domain.records import Wish
from app.domain.wishes import (
    IllegalTransition,
    claim_expired,
    record_contact,
    release_claim,
    transition,
)
from tests.said import refused

S = WishState
POLICY = load_visit_policy()
CLAIMED_ON = date(2026, 3, 20)


def claimed(**fields: object) -> Wish:
    return Wish(
        area_code="330702102201",
        household_id=new_id(),
        title="一台助听器",
        value_yuan=300,
        state=S.CLAIMED,
        collected_on=date(2026, 3, 1),
        reviewed_on=date(2026, 3, 2),
        claimed_by="金华市慈善总会",
        claimed_on=CLAIMED_ON,
        **fields,  # type: ignore[arg-type]
    )


def test_the_contact_days_come_from_the_shipped_policy() -> None:
    assert POLICY.wish_claim_contact_days == 7
    days = POLICY.wish_claim_contact_days
    assert not claim_expired(claimed(), POLICY, CLAIMED_ON + timedelta(days=days))
    assert claim_expired(claimed(), POLICY, CLAIMED_ON + timedelta(days=days + 1))
    shorter = POLICY.model_copy(update={"wish_claim_contact_days": 3})
    assert claim_expired(claimed(), shorter, CLAIMED_ON + timedelta(days=4))


def test_a_released_wish_is_published_again_with_the_claim_cleared() -> None:
    today = CLAIMED_ON + timedelta(days=8)
    released = release_claim(claimed(), POLICY, today)
    assert released.state == S.PUBLISHED
    assert (released.claimed_by, released.claimed_on, released.contacted_on) == ("", None, None)
    assert released.released_on == today
    assert released.reviewed_on == date(2026, 3, 2)  # the rest of the wish is as it was
    again = transition(released, S.CLAIMED, on=today, on_server=True, claimed_by="某爱心企业")
    assert again.claimed_on == today and again.released_on == today  # the last release stays


def test_a_contacted_claim_is_kept() -> None:
    contacted = record_contact(claimed(), CLAIMED_ON + timedelta(days=2))
    assert contacted.contacted_on == CLAIMED_ON + timedelta(days=2)
    assert contacted.state == S.CLAIMED and contacted.claimed_by == "金华市慈善总会"
    late = CLAIMED_ON + timedelta(days=60)
    assert not claim_expired(contacted, POLICY, late)
    with refused(IllegalTransition, "未超过联系期限"):
        release_claim(contacted, POLICY, late)
    # Recording it again keeps the first contact day.
    assert record_contact(contacted, late).contacted_on == CLAIMED_ON + timedelta(days=2)


def test_a_fresh_claim_cannot_be_released() -> None:
    with refused(IllegalTransition, "未超过联系期限"):
        release_claim(claimed(), POLICY, CLAIMED_ON + timedelta(days=6))


@pytest.mark.parametrize("state", [S.PUBLISHED, S.FULFILLED, S.CANCELLED])
def test_only_claimed_wishes_are_released_or_contacted(state: WishState) -> None:
    wish = claimed().model_copy(update={"state": state})
    assert not claim_expired(wish, POLICY, date(2027, 1, 1))
    with refused(IllegalTransition, "只有已认领的心愿"):
        record_contact(wish, date(2026, 3, 21))


def test_publishing_clears_a_recorded_contact() -> None:
    contacted = record_contact(claimed(), CLAIMED_ON)
    cancelled = transition(contacted, S.CANCELLED, on=CLAIMED_ON, cancel_reason="捐赠方撤回")
    assert cancelled.contacted_on == CLAIMED_ON  # history kept on a closed wish
    republished = transition(contacted, S.PUBLISHED, on=CLAIMED_ON, on_server=True)
    assert republished.contacted_on is None and republished.claimed_by == ""
