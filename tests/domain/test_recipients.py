"""共享对象: consents and referrals name an organisation (its id) or a class
(``class:alliance_member``); the share gate matches a class to its member organisations, and
says which thing is missing when it refuses."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.codes import ConsentAction, DataCategory
from app.domain.consent import ShareNotAllowed, check_share, under_14
from app.domain.ids import new_id
from app.domain.organisations import OrganisationKind
from app.domain.recipients import (
    OrganisationRef,
    Recipient,
    class_of,
    class_ref,
    organisation_id_of,
    organisation_ref,
    recipient_for,
)
from tests.domain.test_consent import ON, PERSON, PURPOSE, event, grant, withdraw
from tests.said import said

D = DataCategory
ALLIANCE = class_ref(OrganisationKind.ALLIANCE_MEMBER)
MEMBER = OrganisationRef(new_id(), "婺城区助联体服务中心", OrganisationKind.ALLIANCE_MEMBER, "X")
CHARITY = OrganisationRef(new_id(), "金华市慈善总会", OrganisationKind.CHARITY, "Y")


def refusal(events, recipient: OrganisationRef, categories, on=ON, **kw) -> ShareNotAllowed:  # type: ignore[no-untyped-def]
    with pytest.raises(ShareNotAllowed) as caught:
        check_share(
            events,
            PERSON,
            recipient.recipient,
            PURPOSE,
            categories,
            on,
            recipient_name=recipient.name,
            **kw,
        )
    return caught.value


def test_references_are_stable_codes_and_free_text_is_neither() -> None:
    org_id = new_id()
    assert organisation_ref(org_id) == org_id and organisation_id_of(org_id) == org_id
    assert ALLIANCE == "class:alliance_member"
    assert class_of(ALLIANCE) is OrganisationKind.ALLIANCE_MEMBER
    assert class_of("class:charity") is None  # not a class one may consent to
    for text in ("金华市慈善总会", "org:", "class:", org_id.upper()):
        assert organisation_id_of(text) is None and class_of(text) is None
    assert recipient_for("金华市慈善总会", [MEMBER]) == Recipient("金华市慈善总会")
    assert recipient_for(MEMBER.ref, [CHARITY, MEMBER]).classes == {ALLIANCE}
    assert recipient_for(CHARITY.ref, [CHARITY]).classes == frozenset()


def test_a_grant_to_the_alliance_covers_its_members_only() -> None:
    g = grant(1, recipient=ALLIANCE)
    assert check_share([g], PERSON, MEMBER.recipient, PURPOSE, [D.IDENTITY], ON) == g
    # A charity whose kind does not make it a member is not covered by the class.
    assert refusal([g], CHARITY, [D.IDENTITY]).code == "consent.not_granted"
    # A grant to the organisation itself covers it, whatever its kind.
    own = grant(2, recipient=CHARITY.ref)
    assert check_share([own], PERSON, CHARITY.recipient, PURPOSE, [D.IDENTITY], ON) == own


def test_free_text_recipients_keep_matching_by_equal_text() -> None:
    g = grant(1, recipient="金华市慈善总会")
    assert check_share([g], PERSON, "金华市慈善总会", PURPOSE, [D.IDENTITY], ON) == g
    assert refusal([g], CHARITY, [D.IDENTITY]).code == "consent.not_granted"


def test_each_refusal_names_what_is_missing() -> None:
    g = grant(1, recipient=CHARITY.ref, data_categories=[D.IDENTITY, D.NEEDS])
    missing = refusal([g], CHARITY, [D.IDENTITY, D.HEALTH, D.ID_NUMBER])
    assert missing.code == "consent.not_covered"
    assert said(missing) == "同意不包含所需的数据类别：身份证号、健康状况"

    w = withdraw(5, recipient=CHARITY.ref, seen=[g])
    withdrawn = refusal([g, w], CHARITY, [D.IDENTITY])
    # PURPOSE was typed before purposes were chosen from the list: 其他：…
    assert said(withdrawn) == f"向「金华市慈善总会」共享信息（其他：{PURPOSE}）的同意已撤回"

    short = grant(1, recipient=CHARITY.ref, valid_until=date(2026, 4, 30))
    expired = refusal([short], CHARITY, [D.IDENTITY])
    assert said(expired) == "同意已于 2026-04-30 过期，需要重新取得同意"

    nothing = refusal([], CHARITY, [D.IDENTITY])
    assert said(nothing) == f"未取得向「金华市慈善总会」共享信息（其他：{PURPOSE}）的同意"
    other_purpose = refusal([grant(1, recipient=CHARITY.ref, purpose="医疗救助")], CHARITY, [])
    assert other_purpose.code == "consent.not_granted"


def test_a_covering_grant_beats_a_nearer_miss_on_the_class() -> None:
    narrow = grant(1, recipient=MEMBER.ref, data_categories=[D.IDENTITY])
    wide = grant(2, recipient=ALLIANCE, data_categories=[D.IDENTITY, D.HEALTH])
    assert check_share([narrow, wide], PERSON, MEMBER.recipient, PURPOSE, [D.HEALTH], ON) == wide


def test_a_child_under_14_needs_a_grant_given_by_a_guardian() -> None:
    # Born 2012-05-02: 13 on 2026-05-01, 14 on 2026-05-02 (hand-worked).
    assert under_14(date(2012, 5, 2), date(2026, 5, 1))
    assert not under_14(date(2012, 5, 2), date(2026, 5, 2))
    assert not under_14(None, ON)
    g = grant(1, recipient=CHARITY.ref)
    refused = refusal([g], CHARITY, [D.IDENTITY], under_14=True)
    assert said(refused) == "未满14周岁，需要由监护人作出同意"
    by_guardian = event(
        ConsentAction.GRANT,
        2,
        recipient=CHARITY.ref,
        guardian_name="王丽",
        data_categories=[D.IDENTITY],
    )
    chosen = check_share(
        [g, by_guardian], PERSON, CHARITY.recipient, PURPOSE, [D.IDENTITY], ON, under_14=True
    )
    assert chosen == by_guardian


def test_what_a_member_sees_counts_a_grant_to_its_class() -> None:
    from app.domain.recipients import classes_for
    from app.domain.records import Referral
    from app.domain.referrals import shared_categories

    made = Referral(
        area_code="330702102201", household_id=new_id(), person_id=PERSON,
        recipient=MEMBER.ref, purpose=PURPOSE, data_categories=[D.IDENTITY, D.HEALTH],
        referred_on=ON,
    )  # fmt: skip
    g = grant(1, recipient=ALLIANCE, data_categories=[D.IDENTITY, D.NEEDS])
    classes = classes_for(MEMBER.kind)
    assert shared_categories(made, [g], ON, classes=classes).categories == (D.IDENTITY,)
    assert shared_categories(made, [g], ON).categories == ()  # the class not given: nothing
    w = withdraw(5, recipient=ALLIANCE, seen=[g])
    gone = shared_categories(made, [g, w], ON, classes=classes)
    assert (gone.consent.value, gone.categories) == ("withdrawn", ())
