"""Organisations reach the devices in scope as reference data with the pull, and the server
checks a referral's recipient and consent again at push (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from app.domain.codes import ConsentAction, DataCategory
from app.domain.recipients import CLASS_PREFIX
from app.domain.records import Person, Referral
from app.services.referrals import Referrals
from sync.server.services.feed import Feed
from sync.server.services.organisations import set_active
from sync.server.services.referrals import Reader, accept_referral, complete_referral
from tests.sync.conftest import OTHER_VILLAGE, VILLAGE_A
from tests.sync.records import consent, household, organisation, person, visit


def referral(p: Person, recipient: str) -> Referral:
    return Referral(
        area_code=p.area_code,
        household_id=p.household_id,
        person_id=p.id,
        recipient=recipient,
        purpose="wish",
        data_categories=[DataCategory.IDENTITY],
        referred_on=date(2026, 3, 2),
    )


def test_the_organisations_serving_the_scope_arrive_and_follow_changes(ctx, make_device):
    county = organisation(ctx, "婺城区慈善总会", areas=("330702",), serial=1)
    township = organisation(ctx, "安地镇幸福超市", "charity_supermarket", ("330702102",), 2)
    organisation(ctx, "金东区社工站", "social_work", ("330703",), serial=3)  # another county
    device = make_device()

    device.sync()

    with device.store.unit_of_work() as uow:
        kept = uow.organisations.all()
        digest = uow.organisations.digest()
    assert [o.name for o in kept] == sorted(["安地镇幸福超市", "婺城区慈善总会"])
    assert {o.id: o for o in kept}[county.id] == county
    assert digest

    # A device whose scope is elsewhere receives only its own county's.
    elsewhere = make_device(areas=[OTHER_VILLAGE])
    elsewhere.sync()
    with elsewhere.store.unit_of_work() as uow:
        assert [o.name for o in uow.organisations.all()] == ["金东区社工站"]

    # Unchanged, they are not sent again; deactivated, the device learns it at its next pull.
    device.sync()
    with device.store.unit_of_work() as uow:
        assert uow.organisations.digest() == digest
    set_active(ctx, township.id, False)
    device.sync()
    with device.store.unit_of_work() as uow:
        again = {o.id: o for o in uow.organisations.all()}
        assert uow.organisations.digest() != digest
    assert not again[township.id].active and again[county.id].active


def test_the_server_refuses_a_referral_to_no_known_or_an_inactive_organisation(ctx, make_device):
    device = make_device()
    charity = organisation(ctx, "婺城区慈善总会", serial=4)
    closed = organisation(ctx, "已停办的基金会", serial=5)
    h = household(VILLAGE_A)
    p = person(h)
    by = device.worker_id
    grants = [
        consent(h, p, ConsentAction.GRANT, recipient=r, by=by) for r in (charity.ref, closed.ref)
    ]
    grants.append(consent(h, p, ConsentAction.GRANT, recipient="金华市慈善总会", by=by))
    device.store.add_many([h, p, *grants])
    set_active(ctx, closed.id, False)
    typed = device.store.add(referral(p, "金华市慈善总会"))  # free text, consented or not
    inactive = device.store.add(referral(p, closed.ref))
    fine = device.store.add(referral(p, charity.ref))

    report = device.sync()

    assert report.rejected == 2
    reasons = {d.record_id: d.reason for d in device.store.dead_letters()}
    assert reasons == {
        typed.id: "转介对象不是县级平台登记的机构，转介未被接受。",
        inactive.id: "机构「已停办的基金会」已停用，转介未被接受。",
    }
    assert device.store.counts()["referral"] == 1 and device.store.get(Referral, fine.id)


def test_at_push_a_class_grant_covers_members_and_a_child_needs_a_guardian(ctx, make_device):
    device = make_device()
    member = organisation(ctx, "婺城区助联体服务中心", "alliance_member", serial=6)
    charity = organisation(ctx, "婺城区慈善总会", serial=7)
    alliance = f"{CLASS_PREFIX}alliance_member"
    h = household(VILLAGE_A)
    adult = person(h, "王大山")
    child = Person(
        area_code=h.area_code, household_id=h.id, name="王小川", birth_date=date(2020, 6, 1)
    )
    device.store.add_many(
        [
            h,
            adult,
            child,
            consent(h, adult, ConsentAction.GRANT, recipient=alliance, by=device.worker_id),
            # no guardian named
            consent(h, child, ConsentAction.GRANT, recipient=member.ref, by=device.worker_id),
        ]
    )
    to_member = device.store.add(referral(adult, member.ref))
    to_charity = device.store.add(referral(adult, charity.ref))
    for_child = device.store.add(referral(child, member.ref))

    device.sync()

    reasons = {d.record_id: d.reason for d in device.store.dead_letters()}
    assert to_member.id not in reasons
    assert reasons[to_charity.id] == (
        "未取得向「婺城区慈善总会」共享信息（微心愿发布）的同意，转介未被接受。"
    )
    assert reasons[for_child.id] == "未满14周岁，需要由监护人作出同意，转介未被接受。"


def test_a_referral_made_offline_is_accepted_and_one_whose_consent_was_withdrawn_is_refused(
    ctx, make_device
):
    """Device A refers two people offline; meanwhile device B records the withdrawal of one
    consent and syncs first. At A's push that referral alone is refused, in one sentence;
    the rest of the batch (a visit, the other referral) is applied."""
    charity = organisation(ctx, "婺城区慈善总会", serial=8)
    a, b = make_device(), make_device()
    h = household(VILLAGE_A)
    mother, son = person(h, "李桂英"), person(h, "李建国")
    grants = [
        consent(h, p, ConsentAction.GRANT, recipient=charity.ref, by=a.worker_id)
        for p in (mother, son)
    ]
    a.store.add_many([h, mother, son, *grants])
    a.sync()
    b.sync()
    with a.store.unit_of_work() as uow:
        assert [o.name for o in uow.organisations.all()] == ["婺城区慈善总会"]

    today = date.today()
    referrals = Referrals(a.store)
    kept = referrals.refer(
        referral(mother, charity.ref).model_copy(update={"referred_on": today}), today
    )
    cut = referrals.refer(
        referral(son, charity.ref).model_copy(update={"referred_on": today}), today
    )
    later = a.store.add(visit(h, a.worker_id, "转介后回访"))
    withdrawal = consent(
        h, son, ConsentAction.WITHDRAW, seen=[grants[1].id], recipient=charity.ref, by=b.worker_id
    )
    b.store.add(withdrawal)
    b.sync()

    report = a.sync()

    assert (report.pushed, report.rejected) == (2, 1)
    [dead] = a.store.dead_letters()
    assert dead.record_id == cut.id
    assert dead.reason == ("向「婺城区慈善总会」共享信息（微心愿发布）的同意已撤回，转介未被接受。")
    with ctx.db.reading() as s:
        assert Feed(s).get(kept.id) is not None and Feed(s).get(later.id) is not None
        assert Feed(s).get(cut.id) is None
    assert {r.id for r in a.store.load_all(Referral)} == {kept.id}

    # The charity answers in the console; the answer and the outcome reach the device.
    reader = Reader("user-1", "charity-user", charity.id)
    accept_referral(ctx, reader, kept.id, today)
    complete_referral(
        ctx, reader, kept.id, service="资助冬季取暖费", service_on=today, value_yuan=800,
        today=today,
    )  # fmt: skip
    a.sync()
    answered = a.store.get(Referral, kept.id)
    assert (answered.status, answered.service, answered.value_yuan) == (
        "completed", "资助冬季取暖费", 800,
    )  # fmt: skip
    assert (answered.answered_by, answered.completed_on) == ("婺城区慈善总会", today)
