"""What a charity may see of a person whose need was matched to its project (匹配项目):
identity, contact and needs only, as far as an in-force grant to it (or its class) for a
project (服务项目对接) or charity help (对接慈善帮扶资源) covers them; a child's only with a
guardian's grant."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.domain.codes import DataCategory, SharePurpose
from app.domain.consent import ConsentStatus
from app.domain.records import ConsentEvent
from app.domain.referrals import matched_categories
from tests.domain import test_consent
from tests.domain.test_consent import CHARITY, PERSON

D = DataCategory
P = SharePurpose
ON = date(2026, 5, 1)
REFS = (CHARITY, "class:alliance_member")


def grant(day: int, **fields: Any) -> ConsentEvent:
    """A grant for a service project unless the test names another purpose."""
    return test_consent.grant(day, **{"purpose": P.SERVICE_PROJECT, **fields})


def withdraw(day: int, **fields: Any) -> ConsentEvent:
    return test_consent.withdraw(day, **{"purpose": P.SERVICE_PROJECT, **fields})


def test_only_the_match_categories_a_project_grant_covers() -> None:
    g = grant(1, purpose=P.SERVICE_PROJECT, data_categories=[D.IDENTITY, D.ID_NUMBER, D.HEALTH])
    seen = matched_categories([g], PERSON, REFS, ON)
    assert (seen.consent, seen.categories) == (ConsentStatus.GRANTED, (D.IDENTITY,))
    typed = grant(2, purpose="对接慈善帮扶资源", data_categories=[D.CONTACT, D.NEEDS])
    assert matched_categories([g, typed], PERSON, REFS, ON).categories == (
        D.IDENTITY,
        D.CONTACT,
        D.NEEDS,
    )


@pytest.mark.parametrize("purpose", [P.WISH, P.CARE_VISIT, P.ASSISTANCE_REFERRAL, "助医"])
def test_a_grant_for_another_purpose_shows_the_project_nothing(purpose: str) -> None:
    g = grant(1, purpose=purpose, data_categories=[D.IDENTITY, D.CONTACT, D.NEEDS])
    seen = matched_categories([g], PERSON, REFS, ON)
    assert (seen.consent, seen.categories) == (ConsentStatus.NOT_GRANTED, ())


def test_a_class_grant_covers_a_member_and_another_recipient_nothing() -> None:
    to_class = grant(1, recipient="class:alliance_member")
    assert matched_categories([to_class], PERSON, REFS, ON).visible
    elsewhere = grant(1, recipient="另一家慈善机构")
    seen = matched_categories([elsewhere], PERSON, REFS, ON)
    assert (seen.consent, seen.categories) == (ConsentStatus.NOT_GRANTED, ())


def test_withdrawn_or_expired_shows_nothing_and_says_why() -> None:
    g = grant(1)
    seen = matched_categories([g, withdraw(5, seen=[g])], PERSON, REFS, ON)
    assert (seen.consent, seen.categories) == (ConsentStatus.WITHDRAWN, ())
    old = grant(1, valid_until=date(2026, 4, 30))
    assert matched_categories([old], PERSON, REFS, ON).consent == ConsentStatus.EXPIRED
    assert not matched_categories([old], PERSON, REFS, ON).visible


def test_a_childs_grant_needs_a_guardian() -> None:
    own = grant(1)
    assert not matched_categories([own], PERSON, REFS, ON, child=True).visible
    by_guardian = grant(1, guardian_name="王丽")
    assert matched_categories([by_guardian], PERSON, REFS, ON, child=True).visible
