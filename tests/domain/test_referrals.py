"""双向转介 to a charity: the charity's answers, what it may see of the person (only what an
active consent covers), and the flag on a referral nobody answers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.assets import load_visit_policy
from app.domain.codes import DataCategory, ReferralDirection, ReferralStatus
from app.domain.consent import ConsentStatus
from app.domain.records import Referral
from app.domain.referrals import (
    IllegalReferralAnswer,
    accept,
    complete,
    decline,
    shared_categories,
    unanswered,
    unanswered_of,
)
from tests.domain.test_consent import CHARITY, HOUSEHOLD, PERSON, PURPOSE, grant, withdraw

D = DataCategory


def referral(**fields: Any) -> Referral:
    return Referral(
        area_code="330702102201",
        household_id=HOUSEHOLD,
        person_id=PERSON,
        recipient=CHARITY,
        purpose=PURPOSE,
        **{
            "referred_on": date(2026, 4, 20),
            "data_categories": [D.IDENTITY, D.CONTACT, D.HEALTH],
            **fields,
        },
    )


def test_accepted_then_completed_with_what_was_done() -> None:
    taken = accept(referral(), by="婺城区慈善总会", on=date(2026, 4, 22))
    assert (taken.status, taken.answered_on, taken.answered_by) == (
        ReferralStatus.ACCEPTED,
        date(2026, 4, 22),
        "婺城区慈善总会",
    )
    done = complete(
        taken,
        service="送米面油一批",
        service_on=date(2026, 4, 25),
        value_yuan=300,
        on=date(2026, 4, 26),
    )
    assert (done.status, done.service, done.value_yuan, done.completed_on) == (
        ReferralStatus.COMPLETED,
        "送米面油一批",
        300,
        date(2026, 4, 26),
    )


def test_answers_out_of_order_or_incomplete_are_refused() -> None:
    with pytest.raises(IllegalReferralAnswer):  # not accepted yet
        complete(
            referral(),
            service="x",
            service_on=date(2026, 4, 25),
            value_yuan=None,
            on=date(2026, 4, 26),
        )
    with pytest.raises(IllegalReferralAnswer):
        decline(referral(), by="甲", reason="  ", on=date(2026, 4, 22))
    declined = decline(referral(), by="甲", reason="超出服务范围", on=date(2026, 4, 22))
    with pytest.raises(IllegalReferralAnswer):
        accept(declined, by="甲", on=date(2026, 4, 23))
    taken = accept(referral(), by="甲", on=date(2026, 4, 22))
    with pytest.raises(IllegalReferralAnswer):  # a service after today
        complete(
            taken, service="x", service_on=date(2026, 4, 27), value_yuan=1, on=date(2026, 4, 26)
        )
    with pytest.raises(IllegalReferralAnswer):
        complete(
            taken, service="", service_on=date(2026, 4, 25), value_yuan=1, on=date(2026, 4, 26)
        )
    with pytest.raises(IllegalReferralAnswer):
        accept(
            referral(direction=ReferralDirection.TO_CIVIL_AFFAIRS), by="甲", on=date(2026, 4, 22)
        )


def test_the_charity_sees_what_the_referral_names_and_the_consent_covers() -> None:
    given = grant(1, data_categories=[D.IDENTITY, D.CONTACT, D.NEEDS])
    seen = shared_categories(referral(), [given], date(2026, 5, 1))
    assert seen.consent == ConsentStatus.GRANTED
    assert seen.categories == (D.IDENTITY, D.CONTACT)  # health: not consented; needs: not named


def test_a_withdrawal_or_an_expiry_hides_everything() -> None:
    given = grant(1)
    gone = withdraw(3, data_categories=[])
    seen = shared_categories(referral(), [given, gone], date(2026, 5, 1))
    assert (seen.consent, seen.categories, seen.visible) == (ConsentStatus.WITHDRAWN, (), False)
    lapsing = grant(1, valid_until=date(2026, 4, 30))
    assert shared_categories(referral(), [lapsing], date(2026, 4, 30)).visible
    assert (
        shared_categories(referral(), [lapsing], date(2026, 5, 1)).consent == ConsentStatus.EXPIRED
    )
    assert not shared_categories(referral(), [lapsing], date(2026, 5, 1)).visible
    other_recipient = grant(1, recipient="另一家机构")
    assert not shared_categories(referral(), [other_recipient], date(2026, 5, 1)).visible


def test_a_sent_referral_is_flagged_the_day_after_its_answer_days() -> None:
    policy = load_visit_policy()
    assert policy.referral_answer_days == 7
    sent = referral()  # referred 2026-04-20: answer due by 2026-04-27
    assert not unanswered(sent, policy, date(2026, 4, 27))
    assert unanswered(sent, policy, date(2026, 4, 28))
    assert not unanswered(accept(sent, by="甲", on=date(2026, 4, 21)), policy, date(2026, 5, 30))


def test_the_unanswered_are_listed_longest_overdue_first_with_the_policys_days() -> None:
    policy = load_visit_policy()  # 7 days to answer
    early = referral(referred_on=date(2026, 4, 10))  # due 04-17: 11 days late on 04-28
    later = referral(referred_on=date(2026, 4, 20))  # due 04-27: 1 day late on 04-28
    fresh = referral(referred_on=date(2026, 4, 21))  # due 04-28: still in time on 04-28
    answered = accept(referral(referred_on=date(2026, 4, 1)), by="甲", on=date(2026, 4, 2))
    back = referral(
        referred_on=date(2026, 4, 1), direction=ReferralDirection.TO_CIVIL_AFFAIRS
    )  # a charity's report to civil affairs: not the charity's to answer
    found = unanswered_of([fresh, later, answered, back, early], policy, date(2026, 4, 28))
    assert found == [early, later]
    # N is the policy's: with 3 days, 04-21's referral (due 04-24) is late on 04-28 too.
    quick = policy.model_copy(update={"referral_answer_days": 3})
    assert unanswered_of([fresh, later, early], quick, date(2026, 4, 28)) == [early, later, fresh]
    assert unanswered_of([fresh, later, early], quick, date(2026, 4, 24)) == [early, later]
