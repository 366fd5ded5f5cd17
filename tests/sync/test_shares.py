"""Every share logged: a referral to a charity is in the device's sealed share log when it
is made and in the server's audit log when it is applied; one back to civil affairs, or an
edit that discloses nothing new, adds nothing."""

from __future__ import annotations

from datetime import date

from app.domain.codes import ConsentAction, DataCategory, ReferralDirection
from app.domain.consent import disclosure
from app.domain.records import Person, Referral
from sync.server.services import audit
from tests.sync.conftest import VILLAGE_A
from tests.sync.records import consent, household, organisation, person

SHARE = {
    "recipient": "0192a000-0000-7000-8000-000000000001",
    "purpose": "wish",  # 微心愿发布
    "data_categories": ["identity", "needs"],
}


def referral(
    p: Person,
    direction: ReferralDirection = ReferralDirection.TO_CHARITY,
    recipient: str = SHARE["recipient"],
) -> Referral:
    return Referral(
        area_code=p.area_code,
        household_id=p.household_id,
        person_id=p.id,
        direction=direction,
        recipient=recipient,
        purpose=SHARE["purpose"],
        data_categories=[DataCategory.IDENTITY, DataCategory.NEEDS],
        referred_on=date(2026, 3, 2),
    )


def test_a_referral_to_a_charity_is_logged_as_a_share_on_both_sides(ctx, make_device):
    device = make_device()
    charity = organisation(ctx).ref
    h = household(VILLAGE_A)
    p = person(h, "欧阳春花")
    device.store.add_many(
        [h, p, consent(h, p, ConsentAction.GRANT, recipient=charity, by=device.worker_id)]
    )
    to_charity = device.store.add(referral(p, recipient=charity))
    back = device.store.add(referral(p, ReferralDirection.TO_CIVIL_AFFAIRS))
    device.store.update(to_charity.model_copy(update={"note": "已电话告知"}))

    [logged] = device.store.share_log(p.id)
    expected = {
        **SHARE, "recipient": charity, "referral_id": to_charity.id, "person_id": p.id,
        "on": "2026-03-02",
    }  # fmt: skip
    assert logged["details"] == expected
    stored = b"".join(f.read_bytes() for f in device.sandbox.path.rglob("*") if f.is_file())
    assert charity.encode() not in stored  # sealed like any personal value

    report = device.sync()
    assert report.rejected == 0
    with ctx.db.reading() as s:
        shares = audit.entries(s, audit.SHARED)
    assert [(e.detail, e.actor, e.device_id) for e in shares] == [
        (expected, device.worker_id, device.store.device_id)
    ]
    assert back.id not in {e.detail["referral_id"] for e in shares}


def test_a_referral_discloses_anew_only_when_what_it_shares_changes():
    p = person(household(VILLAGE_A))
    made = referral(p)
    content = made.content()
    first = disclosure(made.id, content)
    assert first is not None and first.recipient == SHARE["recipient"]
    assert disclosure(made.id, {**content, "note": "已电话告知", "status": "accepted"}) == first
    assert disclosure(made.id, {**content, "recipient": "金华市红十字会"}) != first
    assert disclosure(made.id, {**content, "data_categories": ["identity", "health"]}) != first
    assert disclosure(made.id, {**content, "direction": "to_civil_affairs"}) is None
