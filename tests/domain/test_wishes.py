"""微心愿 lifecycle: every legal and illegal transition, who may make it, review rules."""

from __future__ import annotations

from datetime import date
from itertools import product
from typing import Any

import pytest
from pydantic import ValidationError

from app.domain.codes import NeedArea, WishState
from app.domain.errors import DoorstepError
from app.domain.ids import new_id
from app.domain.policy import VisitPolicy
from app.domain.records import Wish
from app.domain.wishes import (
    OPEN_STATES,
    SERVER_ONLY,
    TRANSITIONS,
    IllegalTransition,
    PersonalValues,
    check_transition,
    claim_expired,
    publish_request,
    record_contact,
    record_handover,
    review_problems,
    transition,
)
from tests.said import refused, said

S = WishState
POLICY = VisitPolicy(rules=[{"who": ["tekun"], "frequency": "monthly", "modes": ["home"]}])
HOUSEHOLD = new_id()
DAY = date(2026, 4, 1)

LEGAL = {
    (S.COLLECTED, S.APPROVED),
    (S.COLLECTED, S.REJECTED),
    (S.COLLECTED, S.CANCELLED),
    (S.APPROVED, S.PUBLISHED),
    (S.APPROVED, S.CANCELLED),
    (S.PUBLISHED, S.CLAIMED),
    (S.PUBLISHED, S.CANCELLED),
    (S.CLAIMED, S.FULFILLED),
    (S.CLAIMED, S.PUBLISHED),  # claim released: no contact in time
    (S.CLAIMED, S.CANCELLED),
}
ALL_PAIRS = list(product(WishState, WishState))


def wish(state: WishState = S.COLLECTED, household_id: str = HOUSEHOLD, **fields: Any) -> Wish:
    return Wish(
        area_code="330702102201",
        household_id=household_id,
        title="一台助听器",
        value_yuan=fields.pop("value_yuan", 300),
        state=state,
        collected_on=date(2026, 3, 1),
        **fields,
    )


def test_the_transition_table_is_the_documented_lifecycle() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(WishState)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_on_the_server_exactly_the_legal_transitions_pass(
    current: WishState, target: WishState
) -> None:
    check = check_transition(current, target, on_server=True)
    assert check.ok == ((current, target) in LEGAL)
    if not check.ok:
        assert check.problem is not None
        assert current in said(check.problem) and target in said(check.problem)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_on_a_device_server_only_states_are_refused(current: WishState, target: WishState) -> None:
    check = check_transition(current, target, on_server=False)
    device_publishes = (current, target) == (S.APPROVED, S.PUBLISHED)
    assert check.ok == (
        (current, target) in LEGAL and (target not in SERVER_ONLY or device_publishes)
    )


def test_claiming_and_releasing_are_the_server_only_steps() -> None:
    """A device asks for an approved wish to be published (the server screens the story
    and does the compare-and-set at push); claims and their release stay the server's."""
    assert {S.PUBLISHED, S.CLAIMED} == SERVER_ONLY
    assert check_transition(S.APPROVED, S.PUBLISHED, on_server=False).ok
    for current, target in [(S.PUBLISHED, S.CLAIMED), (S.CLAIMED, S.PUBLISHED)]:
        problem = check_transition(current, target, on_server=False).problem
        assert problem is not None and said(problem).startswith("只有县级平台可以登记或释放认领")


@pytest.mark.parametrize("final", [S.REJECTED, S.FULFILLED, S.CANCELLED])
def test_final_states_go_nowhere(final: WishState) -> None:
    for target in WishState:
        with pytest.raises(IllegalTransition):
            transition(wish(final), target, on=DAY, on_server=True)


def test_approval_records_the_review_date() -> None:
    approved = transition(wish(), S.APPROVED, on=DAY)
    assert (approved.state, approved.reviewed_on) == (S.APPROVED, DAY)


def test_rejection_needs_a_reason() -> None:
    with refused(IllegalTransition, "理由"):
        transition(wish(), S.REJECTED, on=DAY)
    rejected = transition(wish(), S.REJECTED, on=DAY, reject_reason="不属于困难群众的合理需求")
    assert (rejected.state, rejected.reviewed_on) == (S.REJECTED, DAY)


def test_a_blank_reason_or_claimer_is_no_reason_or_claimer() -> None:
    with refused(IllegalTransition, "理由"):
        transition(wish(), S.REJECTED, on=DAY, reject_reason="   ")
    with refused(IllegalTransition, "认领"):
        transition(wish(S.PUBLISHED), S.CLAIMED, on=DAY, on_server=True, claimed_by="  ")


def test_transition_fields_are_validated_like_the_record() -> None:
    with pytest.raises(ValidationError):
        transition(wish(S.CLAIMED), S.FULFILLED, on=DAY, fulfilment_nte="送到家中")
    with pytest.raises(ValidationError):
        transition(wish(S.CLAIMED), S.FULFILLED, on=DAY, fulfilled_on="下周")


def test_claim_needs_a_claimer_and_records_the_day() -> None:
    published = wish(S.PUBLISHED)
    with refused(IllegalTransition, "认领"):
        transition(published, S.CLAIMED, on=DAY, on_server=True)
    claimed = transition(published, S.CLAIMED, on=DAY, on_server=True, claimed_by="金华市慈善总会")
    assert (claimed.claimed_by, claimed.claimed_on) == ("金华市慈善总会", DAY)


def test_a_device_cannot_claim_or_release() -> None:
    with refused(IllegalTransition, "县级平台"):
        transition(wish(S.PUBLISHED), S.CLAIMED, on=DAY, claimed_by="某爱心企业")
    claimed = wish(S.CLAIMED, claimed_by="某爱心企业", claimed_on=date(2026, 3, 20))
    with refused(IllegalTransition, "县级平台"):
        transition(claimed, S.PUBLISHED, on=DAY)


HOME = PersonalValues(
    names=("王秀英",), id_numbers=("330702194001021237",), phones=("13900000000",),
    places=("岩头村", "岩头村8号"),
)  # fmt: skip


def test_a_device_asks_to_publish_an_approved_wish_with_its_public_story() -> None:
    asked = publish_request(
        wish(S.APPROVED), need_area=NeedArea.EDUCATION, story=" 孩子上学需要一个书包。 ",
        publicity_consent=True, personal=HOME, on=DAY,
    )  # fmt: skip
    assert (asked.state, asked.need_area, asked.story, asked.publicity_consent) == (
        S.PUBLISHED, NeedArea.EDUCATION, "孩子上学需要一个书包。", True,
    )  # fmt: skip
    for story, why in [
        ("王秀英想要书包", "姓名"),
        ("电话 139-0000-0000", "电话号码"),
        ("身份证 330702 19400102 1237", "身份证号"),
        ("家住岩头村8号", "住址或村名"),
        ("书" * 200, "不能超过 200 个字"),
    ]:
        with refused(DoorstepError, why):
            publish_request(
                wish(S.APPROVED), need_area=NeedArea.WISH, story=story,
                publicity_consent=False, personal=HOME, on=DAY,
            )  # fmt: skip
    with refused(IllegalTransition, "心愿状态不能从"):
        publish_request(
            wish(S.PUBLISHED), need_area=NeedArea.WISH, story="",
            publicity_consent=False, personal=HOME, on=DAY,
        )  # fmt: skip


def test_the_handover_keeps_the_claim_and_implies_the_contact() -> None:
    claimed = wish(S.CLAIMED, claimed_by="某爱心企业", claimed_on=date(2026, 3, 20))
    handed = record_handover(claimed, date(2026, 3, 24), "爱心企业送到家中")
    assert (handed.state, handed.contacted_on, handed.handed_over_on) == (
        S.CLAIMED, date(2026, 3, 24), date(2026, 3, 24),
    )  # fmt: skip
    contacted = record_contact(claimed, date(2026, 3, 21))
    assert record_handover(contacted, date(2026, 3, 24)).contacted_on == date(2026, 3, 21)
    with refused(IllegalTransition, "只有已认领的心愿可以登记联系"):
        record_handover(wish(S.PUBLISHED), DAY)


def test_releasing_a_claim_clears_the_claimer() -> None:
    claimed = wish(S.CLAIMED, claimed_by="某爱心企业", claimed_on=date(2026, 3, 20))
    released = transition(claimed, S.PUBLISHED, on=DAY, on_server=True)
    assert (released.state, released.claimed_by, released.claimed_on) == (S.PUBLISHED, "", None)


def test_fulfilment_on_a_device_records_the_day_and_keeps_the_original() -> None:
    claimed = wish(S.CLAIMED, claimed_by="某爱心企业", claimed_on=date(2026, 3, 20))
    done = transition(claimed, S.FULFILLED, on=DAY, fulfilment_note="助听器已送到")
    assert (done.state, done.fulfilled_on, done.fulfilment_note) == (
        S.FULFILLED,
        DAY,
        "助听器已送到",
    )
    assert claimed.state == S.CLAIMED
    assert done.id == claimed.id


def test_review_flags_a_wish_over_the_value_cap() -> None:
    assert review_problems(wish(value_yuan=500), [], POLICY) == []
    problems = review_problems(wish(value_yuan=501), [], POLICY)
    assert len(problems) == 1 and "500" in said(problems[0])


@pytest.mark.parametrize("other_state", sorted(OPEN_STATES - {S.COLLECTED}))
def test_review_flags_a_second_open_wish_of_the_household(other_state: WishState) -> None:
    candidate = wish()
    other = wish(other_state)
    problems = review_problems(candidate, [candidate, other], POLICY)
    assert [said(p) for p in problems] == ["该家庭已有未完成的心愿"]


def test_review_ignores_closed_collected_and_other_households_wishes() -> None:
    candidate = wish()
    others = [
        candidate,
        wish(S.FULFILLED),
        wish(S.REJECTED, reject_reason="重复"),
        wish(S.CANCELLED),
        wish(S.COLLECTED),
        wish(S.APPROVED, household_id=new_id()),
    ]
    assert review_problems(candidate, others, POLICY) == []
    roomy = POLICY.model_copy(update={"open_wishes_per_household": 2})
    assert review_problems(candidate, [wish(S.APPROVED)], roomy) == []


def test_claim_expires_after_the_contact_days() -> None:
    claimed = wish(S.CLAIMED, claimed_by="某爱心企业", claimed_on=date(2026, 3, 20))
    assert not claim_expired(claimed, POLICY, date(2026, 3, 27))
    assert claim_expired(claimed, POLICY, date(2026, 3, 28))
    assert not claim_expired(wish(S.PUBLISHED), POLICY, date(2027, 1, 1))
    assert not claim_expired(wish(S.CLAIMED, claimed_by="某爱心企业"), POLICY, date(2027, 1, 1))
