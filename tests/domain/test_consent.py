"""信息共享同意: the consent fold (withdrawal wins over concurrent grants) and the share gate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import permutations
from typing import Any

import pytest

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory
from app.domain.consent import (
    ShareNotAllowed,
    check_share,
    fold,
    seen_for_new_event,
    state_for,
)
from app.domain.ids import new_id
from app.domain.records import ConsentEvent
from tests.said import refused

HOUSEHOLD, PERSON, OTHER_PERSON = new_id(), new_id(), new_id()
CHARITY = "金华市慈善总会"
PURPOSE = "助学帮扶"
D = DataCategory
ON = date(2026, 5, 1)


def event(
    action: ConsentAction,
    day: int,
    *,
    seen: Sequence[ConsentEvent] = (),
    **fields: Any,
) -> ConsentEvent:
    fields.setdefault("person_id", PERSON)
    fields.setdefault("recipient", CHARITY)
    fields.setdefault("purpose", PURPOSE)
    if action == ConsentAction.GRANT:
        fields.setdefault("data_categories", [D.IDENTITY, D.CONTACT, D.NEEDS])
    return ConsentEvent(
        area_code="330702102201",
        household_id=HOUSEHOLD,
        action=action,
        method=fields.pop("method", ConsentMethod.SIGNATURE),
        occurred_at=datetime(2026, 4, day, 9, 0),
        recorded_by="w1",
        seen=[e.id for e in seen],
        **fields,
    )


def grant(day: int, **fields: Any) -> ConsentEvent:
    return event(ConsentAction.GRANT, day, **fields)


def withdraw(day: int, **fields: Any) -> ConsentEvent:
    return event(ConsentAction.WITHDRAW, day, **fields)


def granted(events: list[ConsentEvent]) -> bool:
    return state_for(events, PERSON, CHARITY, PURPOSE).granted


def test_no_events_means_no_consent() -> None:
    state = state_for([], PERSON, CHARITY, PURPOSE)
    assert (state.granted, state.grant, state.history) == (False, None, ())
    with refused(ShareNotAllowed, CHARITY):
        check_share([], PERSON, CHARITY, PURPOSE, [D.IDENTITY], ON)


def test_a_grant_allows_sharing_the_categories_it_names() -> None:
    g = grant(1)
    assert granted([g])
    assert check_share([g], PERSON, CHARITY, PURPOSE, [D.IDENTITY, D.NEEDS], ON) == g
    assert check_share([g], PERSON, CHARITY, PURPOSE, [], ON) == g


def test_a_withdrawal_after_the_grant_stops_sharing() -> None:
    g = grant(1)
    w = withdraw(10, seen=[g])
    assert not granted([g, w])
    with pytest.raises(ShareNotAllowed):
        check_share([g, w], PERSON, CHARITY, PURPOSE, [D.IDENTITY], ON)


def test_concurrent_grant_and_withdrawal_is_withdrawn_whatever_the_order() -> None:
    first = grant(1)
    # Two devices, each seeing only the first grant: one withdraws, one records a new grant,
    # and the grant even claims a later time than the withdrawal.
    w = withdraw(5, seen=[first])
    g = grant(6, seen=[first])
    for order in permutations([first, w, g]):
        assert not granted(list(order)), order


def test_a_later_grant_that_saw_the_withdrawal_grants_again() -> None:
    first = grant(1)
    w = withdraw(5, seen=[first])
    again = grant(8, seen=[first, w], data_categories=[D.IDENTITY])
    for order in permutations([first, w, again]):
        state = state_for(list(order), PERSON, CHARITY, PURPOSE)
        assert state.granted and state.grant == again
    # Only what the new grant names may be shared now.
    with refused(ShareNotAllowed, "数据类别"):
        check_share([first, w, again], PERSON, CHARITY, PURPOSE, [D.CONTACT], ON)


def test_a_second_withdrawal_concurrent_with_the_regrant_wins() -> None:
    first = grant(1)
    w1 = withdraw(5, seen=[first])
    again = grant(8, seen=[first, w1])
    w2 = withdraw(7, seen=[first, w1])
    assert not granted([first, w1, again, w2])


def test_a_withdrawal_recorded_before_any_grant_is_overridden_by_a_grant_that_saw_it() -> None:
    w = withdraw(1)
    g = grant(2, seen=[w])
    assert granted([w, g])
    assert not granted([w, grant(3)])


def test_consent_expires_after_valid_until() -> None:
    g = grant(1, valid_until=date(2026, 12, 31))
    assert check_share([g], PERSON, CHARITY, PURPOSE, [D.IDENTITY], date(2026, 12, 31)) == g
    with refused(ShareNotAllowed, "过期"):
        check_share([g], PERSON, CHARITY, PURPOSE, [D.IDENTITY], date(2027, 1, 1))
    assert not state_for([g], PERSON, CHARITY, PURPOSE).covers([D.IDENTITY], date(2027, 1, 1))


def test_categories_outside_the_grant_are_not_covered() -> None:
    g = grant(1, data_categories=[D.IDENTITY, D.NEEDS])
    state = state_for([g], PERSON, CHARITY, PURPOSE)
    assert state.covers([D.NEEDS], ON)
    assert not state.covers([D.NEEDS, D.HEALTH], ON)
    with pytest.raises(ShareNotAllowed):
        check_share([g], PERSON, CHARITY, PURPOSE, [D.ID_NUMBER], ON)


def test_consent_is_per_person_recipient_and_purpose() -> None:
    g = grant(1)
    events = [
        g,
        withdraw(2, person_id=OTHER_PERSON),
        withdraw(3, recipient="某公益基金会"),
        withdraw(4, purpose="医疗救助"),
    ]
    assert granted(events)
    states = fold(events)
    assert len(states) == 4
    assert [s.granted for s in states if s.grant is g] == [True]
    for other in (
        (OTHER_PERSON, CHARITY, PURPOSE),
        (PERSON, "某公益基金会", PURPOSE),
        (PERSON, CHARITY, "医疗救助"),
    ):
        with pytest.raises(ShareNotAllowed):
            check_share(events, *other, [D.IDENTITY], ON)


def test_history_keeps_every_event_in_time_order() -> None:
    g = grant(1)
    w = withdraw(5, seen=[g])
    again = grant(8, seen=[g, w])
    assert state_for([again, w, g], PERSON, CHARITY, PURPOSE).history == (g, w, again)


def test_a_new_event_sees_every_event_of_its_person_recipient_and_purpose() -> None:
    g = grant(1)
    w = withdraw(5, seen=[g])
    unrelated = grant(2, recipient="某公益基金会")
    seen = seen_for_new_event([g, w, unrelated], PERSON, CHARITY, PURPOSE)
    assert seen == [g.id, w.id]
    assert granted([g, w, grant(9, seen=[g, w])])
