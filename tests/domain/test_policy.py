"""The visit-frequency policy: the policy file, the strictest-rule choice, visit status."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.assets import load_visit_policy
from app.domain.codes import (
    Category,
    Frequency,
    PersonFlag,
    RegisterStatus,
    Team,
    VisitMode,
    VisitOutcome,
)
from app.domain.policy import (
    Requirement,
    Urgency,
    VisitPolicy,
    major_event_deadline,
    requirement_for,
    visit_status,
)
from app.domain.records import Household, Person, Visit

POLICY_FILE = Path(__file__).resolve().parents[2] / "assets" / "policy" / "visit_policy.json"
POLICY = load_visit_policy()
AREA = "330702102201"
C, P, M = Category, PersonFlag, VisitMode
ALL_MODES = frozenset(VisitMode)


def household(*categories: Category, **fields: Any) -> Household:
    return Household(area_code=AREA, address="岩头村12号", categories=list(categories), **fields)


def person(hh: Household, *flags: PersonFlag, **fields: Any) -> Person:
    if P.MAJOR_EVENT in flags:
        fields.setdefault("major_event_date", date(2026, 3, 10))
    return Person(area_code=AREA, household_id=hh.id, name="王秀英", flags=list(flags), **fields)


def visit(
    hh: Household,
    day: date,
    mode: VisitMode = M.HOME,
    outcome: VisitOutcome = VisitOutcome.MET,
) -> Visit:
    return Visit(
        area_code=AREA,
        household_id=hh.id,
        visited_at=datetime(day.year, day.month, day.day, 10, 30),
        worker_id="w1",
        team=Team.GRID_WORKER,
        mode=mode,
        outcome=outcome,
    )


# --- the policy file --------------------------------------------------------------------


def test_the_shipped_policy_file_holds_the_domain_defaults() -> None:
    expected = {
        P.ELDERLY_ALONE: (Frequency.WEEKLY, ALL_MODES),
        C.TEKUN: (Frequency.MONTHLY, {M.HOME}),
        C.ORPHAN: (Frequency.MONTHLY, {M.HOME}),
        C.CHILD_IN_DIFFICULTY: (Frequency.MONTHLY, {M.HOME}),
        C.DE_FACTO_UNSUPPORTED_CHILD: (Frequency.MONTHLY, {M.HOME}),
        P.SEVERE_DISABILITY: (Frequency.MONTHLY, {M.HOME}),
        C.DIBAO: (Frequency.QUARTERLY, {M.HOME}),
        C.ZHICHUXING: (Frequency.QUARTERLY, {M.HOME}),
        C.DIBIAN: (Frequency.QUARTERLY, {M.HOME}),
        C.LEFT_BEHIND_CHILD: (Frequency.QUARTERLY, {M.HOME}),
        C.EXITED: (Frequency.HALF_YEARLY, ALL_MODES),
        C.REJECTED: (Frequency.HALF_YEARLY, ALL_MODES),
        C.TEMPORARY_AID: (Frequency.HALF_YEARLY, ALL_MODES),
        C.SPECIAL_AID: (Frequency.HALF_YEARLY, ALL_MODES),
        C.LOW_INCOME: (Frequency.YEARLY, ALL_MODES),
    }
    for code, (frequency, modes) in expected.items():
        rule = POLICY.rule_for(code)
        assert rule is not None, code
        assert (rule.frequency, set(rule.modes)) == (frequency, set(modes)), code
    assert set(Category) <= set(expected)
    assert POLICY.rule_for(P.MAJOR_EVENT) is None  # a major event has its own deadline
    assert POLICY.major_event_response_days == 3
    assert POLICY.wish_value_cap_yuan == 500
    assert POLICY.open_wishes_per_household == 1
    assert POLICY.wish_claim_contact_days == 7


def _policy_json(**changes: Any) -> dict[str, Any]:
    data = json.loads(POLICY_FILE.read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "bad",
    [
        {"rules": [{"who": ["tekun", "nobody"], "frequency": "monthly", "modes": ["home"]}]},
        {
            "rules": [
                {"who": ["tekun"], "frequency": "monthly", "modes": ["home"]},
                {"who": ["dibao", "tekun"], "frequency": "quarterly", "modes": ["home"]},
            ]
        },
        {"rules": [{"who": ["tekun"], "frequency": "fortnightly", "modes": ["home"]}]},
        {"rules": [{"who": ["tekun"], "frequency": "monthly", "modes": []}]},
        {"rules": [{"who": [], "frequency": "monthly", "modes": ["home"]}]},
        {"rules": [{"who": ["tekun"], "frequency": "monthly", "modes": ["letter"]}]},
        {"major_event_response_days": -1},
        {"due_soon_days": -7},
        {"wish_claim_contact_days": 0},
        {"wish_value_cap_yuan": -500},
        {"visits_per_week": 2},
    ],
)
def test_a_malformed_policy_raises(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        VisitPolicy.model_validate(_policy_json(**bad))


def test_a_code_in_two_rules_is_named_in_the_error() -> None:
    bad = _policy_json(
        rules=[
            {"who": ["tekun"], "frequency": "monthly", "modes": ["home"]},
            {"who": ["tekun"], "frequency": "weekly", "modes": ["home"]},
        ]
    )
    with pytest.raises(ValidationError, match="tekun"):
        VisitPolicy.model_validate(bad)


# --- which frequency applies ------------------------------------------------------------


def test_a_single_category_sets_its_frequency() -> None:
    requirement = requirement_for(POLICY, household(C.DIBAO), [])
    assert requirement == Requirement(Frequency.QUARTERLY, frozenset({M.HOME}), ("dibao",))


def test_strictest_frequency_wins_across_categories_and_flags() -> None:
    hh = household(C.DIBAO, C.LOW_INCOME)
    assert requirement_for(POLICY, hh, []).frequency == Frequency.QUARTERLY  # type: ignore[union-attr]
    hh = household(C.DIBAO, C.ORPHAN)
    requirement = requirement_for(POLICY, hh, [])
    assert requirement is not None
    assert (requirement.frequency, requirement.reasons) == (Frequency.MONTHLY, ("orphan",))
    members = [person(hh), person(hh, P.ELDERLY_ALONE)]
    requirement = requirement_for(POLICY, hh, members)
    assert requirement is not None
    assert requirement.frequency == Frequency.WEEKLY
    assert requirement.modes == ALL_MODES
    assert requirement.reasons == ("elderly_alone",)


def test_codes_sharing_the_strictest_frequency_count_only_their_common_modes() -> None:
    policy = VisitPolicy(
        rules=[
            {"who": ["tekun"], "frequency": "monthly", "modes": ["home", "video"]},
            {"who": ["severe_disability"], "frequency": "monthly", "modes": ["home", "phone"]},
            {"who": ["low_income"], "frequency": "yearly", "modes": ["phone"]},
        ]
    )
    hh = household(C.TEKUN, C.LOW_INCOME)
    requirement = requirement_for(policy, hh, [person(hh, P.SEVERE_DISABILITY)])
    assert requirement is not None
    assert requirement.frequency == Frequency.MONTHLY
    assert requirement.modes == frozenset({M.HOME})
    assert requirement.reasons == ("tekun", "severe_disability")
    # On its own the tekun rule lets video count.
    assert requirement_for(policy, household(C.TEKUN), []).modes == {M.HOME, M.VIDEO}  # type: ignore[union-attr]


def test_the_same_code_on_two_members_is_one_reason() -> None:
    hh = household()
    requirement = requirement_for(POLICY, hh, [person(hh, P.ELDERLY_ALONE)] * 2)
    assert requirement is not None
    assert requirement.reasons == ("elderly_alone",)


def test_household_without_rule_has_no_requirement() -> None:
    hh = household()
    assert requirement_for(POLICY, hh, []) is None
    assert requirement_for(POLICY, hh, [person(hh, P.DISABLED_CARE)]) is None
    assert visit_status(POLICY, hh, [person(hh)], [], date(2026, 3, 18)) is None


CODES: list[Category | PersonFlag] = [*Category, *PersonFlag]


def _rank(requirement: Requirement | None) -> int:
    return len(Frequency) if requirement is None else requirement.frequency.rank


@given(
    st.sets(st.sampled_from(list(Category))),
    st.lists(st.sets(st.sampled_from(list(PersonFlag))), max_size=3),
    st.sampled_from(CODES),
    st.integers(min_value=0, max_value=3),
)
def test_adding_a_category_or_flag_never_relaxes_the_frequency(
    categories: set[Category],
    member_flags: list[set[PersonFlag]],
    extra: Category | PersonFlag,
    member_index: int,
) -> None:
    hh = household(*sorted(categories))
    members = [person(hh, *sorted(flags)) for flags in member_flags]
    before = requirement_for(POLICY, hh, members)
    if isinstance(extra, Category):
        hh_after = household(*sorted(categories | {extra}))
        after = requirement_for(POLICY, hh_after, members)
    else:
        more = [*member_flags, set()]
        i = member_index % len(more)
        more[i] = more[i] | {extra}
        after = requirement_for(POLICY, hh, [person(hh, *sorted(flags)) for flags in more])
    assert _rank(after) <= _rank(before)


# --- when the next visit is due ---------------------------------------------------------

TODAY = date(2026, 3, 18)  # a Wednesday; March window 1–31, ISO week 16–22 March


def test_visit_in_the_current_window_is_done_and_next_is_due_by_the_next_window_end() -> None:
    hh = household(C.TEKUN)
    status = visit_status(POLICY, hh, [], [visit(hh, date(2026, 3, 5))], TODAY)
    assert status is not None
    assert status.urgency == Urgency.DONE
    assert status.due_by == date(2026, 4, 30)
    assert status.last_visit == date(2026, 3, 5)
    assert status.days_since_last(TODAY) == 13


def test_previous_window_visited_and_current_open_is_due() -> None:
    hh = household(C.TEKUN)
    visits = [visit(hh, date(2026, 2, 20))]
    status = visit_status(POLICY, hh, [], visits, TODAY)
    assert status is not None
    assert (status.urgency, status.due_by) == (Urgency.DUE, date(2026, 3, 31))


def test_window_ending_within_due_soon_days_is_due_soon() -> None:
    hh = household(C.TEKUN)
    visits = [visit(hh, date(2026, 2, 20))]
    assert visit_status(POLICY, hh, [], visits, date(2026, 3, 24)).urgency == Urgency.DUE_SOON  # type: ignore[union-attr]
    assert visit_status(POLICY, hh, [], visits, date(2026, 3, 23)).urgency == Urgency.DUE  # type: ignore[union-attr]


def test_a_whole_window_without_a_visit_is_overdue() -> None:
    hh = household(C.TEKUN)
    visits = [visit(hh, date(2026, 1, 15))]
    status = visit_status(POLICY, hh, [], visits, TODAY)
    assert status is not None
    assert (status.urgency, status.due_by, status.last_visit) == (
        Urgency.OVERDUE,
        date(2026, 3, 31),
        date(2026, 1, 15),
    )
    assert visit_status(POLICY, hh, [], [], TODAY).urgency == Urgency.OVERDUE  # type: ignore[union-attr]


def test_a_household_registered_this_window_is_not_overdue() -> None:
    hh = household(C.TEKUN, registered_on=date(2026, 3, 10))
    assert visit_status(POLICY, hh, [], [], TODAY).urgency == Urgency.DUE  # type: ignore[union-attr]
    reported = household(C.TEKUN, register_status=RegisterStatus.REPORTED)
    assert visit_status(POLICY, reported, [], [], TODAY).urgency == Urgency.DUE  # type: ignore[union-attr]


@pytest.mark.parametrize("outcome", [VisitOutcome.NOBODY_HOME, VisitOutcome.MOVED])
def test_nobody_home_and_moved_do_not_count(outcome: VisitOutcome) -> None:
    hh = household(C.TEKUN)
    visits = [visit(hh, date(2026, 2, 20)), visit(hh, date(2026, 3, 16), outcome=outcome)]
    status = visit_status(POLICY, hh, [], visits, TODAY)
    assert status is not None
    assert status.urgency == Urgency.DUE
    assert status.last_visit == date(2026, 2, 20)


def test_refused_at_the_door_counts_as_contact() -> None:
    hh = household(C.TEKUN)
    visits = [visit(hh, date(2026, 3, 16), outcome=VisitOutcome.REFUSED)]
    assert visit_status(POLICY, hh, [], visits, TODAY).urgency == Urgency.DONE  # type: ignore[union-attr]


def test_phone_visit_does_not_count_for_a_monthly_tekun_household() -> None:
    hh = household(C.TEKUN)
    visits = [visit(hh, date(2026, 2, 20)), visit(hh, date(2026, 3, 16), M.PHONE)]
    status = visit_status(POLICY, hh, [], visits, TODAY)
    assert status is not None
    assert status.urgency == Urgency.DUE
    assert status.last_visit == date(2026, 2, 20)


def test_phone_visit_counts_for_a_weekly_elderly_alone_household() -> None:
    hh = household(C.TEKUN)
    members = [person(hh, P.ELDERLY_ALONE, lives_alone=True)]
    visits = [visit(hh, date(2026, 3, 16), M.PHONE)]
    status = visit_status(POLICY, hh, members, visits, TODAY)
    assert status is not None
    assert status.requirement.frequency == Frequency.WEEKLY
    assert status.urgency == Urgency.DONE
    assert status.due_by == date(2026, 3, 29)
    # The week before had no visit: next Monday the household is overdue.
    later = visit_status(POLICY, hh, members, visits, date(2026, 3, 30))
    assert later is not None
    assert later.urgency == Urgency.OVERDUE


def test_major_event_deadline_counts_from_the_later_of_event_and_recording() -> None:
    hh = household(C.DIBAO)
    recorded_later = person(hh, P.MAJOR_EVENT, major_event_recorded_on=date(2026, 3, 14))
    assert major_event_deadline(POLICY, recorded_later) == date(2026, 3, 17)
    recorded_same_day = person(hh, P.MAJOR_EVENT, major_event_recorded_on=date(2026, 3, 10))
    assert major_event_deadline(POLICY, recorded_same_day) == date(2026, 3, 13)
    assert major_event_deadline(POLICY, person(hh, P.MAJOR_EVENT)) == date(2026, 3, 13)
    assert major_event_deadline(POLICY, person(hh)) is None


def test_unanswered_major_event_heads_the_list_until_a_home_visit() -> None:
    hh = household(C.DIBAO)
    members = [person(hh, P.MAJOR_EVENT, major_event_recorded_on=date(2026, 3, 14))]
    before_event = [visit(hh, date(2026, 3, 5))]
    status = visit_status(POLICY, hh, members, before_event, TODAY)
    assert status is not None
    assert (status.urgency, status.due_by, status.major_event_due) == (
        Urgency.MAJOR_EVENT,
        date(2026, 3, 17),
        date(2026, 3, 17),
    )
    # A phone call or an empty house does not answer the event; meeting them at home does.
    not_answers = [
        *before_event,
        visit(hh, date(2026, 3, 12), M.PHONE),
        visit(hh, date(2026, 3, 13), outcome=VisitOutcome.NOBODY_HOME),
    ]
    assert visit_status(POLICY, hh, members, not_answers, TODAY).urgency == Urgency.MAJOR_EVENT  # type: ignore[union-attr]
    answered = [*before_event, visit(hh, date(2026, 3, 11))]
    status = visit_status(POLICY, hh, members, answered, TODAY)
    assert status is not None
    assert status.urgency == Urgency.DONE
    assert status.major_event_due is None
