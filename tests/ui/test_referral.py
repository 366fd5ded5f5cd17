"""Referral on the device, offline: chosen from the synced organisations, refused — naming
what is missing — unless the person's consent covers organisation × purpose × categories
(a guardian's for a child under 14); its answer and outcome shown once a sync brings them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, NeedStatus, Role
from app.domain.records import ConsentEvent, Need, Person, Referral
from app.services.referrals import ReferralRefused
from app.ui.viewmodels.consent import ConsentVM
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.needs import NeedsVM
from app.ui.viewmodels.referral import ReferralVM
from app.ui.viewmodels.sync import SyncProblemsVM
from app.ui.viewmodels.today import TodayVM
from app.ui.viewmodels.workspace import Workspace
from sync import replica
from sync.protocol import MutationAnswer
from tests.said import said
from tests.ui.conftest import TODAY, Clock, ouyang
from tests.ui.referring import CHARITY, CLOSED, ELSEWHERE, MEMBER, keep_organisations

PURPOSE = "charity_help"  # SharePurpose.CHARITY_HELP, the consent form's default
SAID = "对接慈善帮扶资源"  # how people read it


def grant(ws: Workspace, recipient: str, *, person: str = "欧阳秀兰", **form: object) -> None:
    """A verbal grant recorded on the consent screen (its default purpose)."""
    vm = ConsentVM(ws, ouyang(ws))
    vm.set_person(next(p.id for p in vm.members if p.name == person))
    vm.set_recipient(recipient)
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    for name, value in form.items():
        setattr(vm, name, value)
    assert vm.grant() is not None, vm.message


def form(ws: Workspace, recipient: str = CHARITY.id, **fields: object) -> ReferralVM:
    vm = ReferralVM(ws, ouyang(ws))
    vm.set_recipient(recipient)
    for name, value in fields.items():
        setattr(vm, name, value)
    return vm


def refused_with(vm: ReferralVM, sentence: str, ws: Workspace) -> None:
    assert vm.refer() is None
    assert vm.message == sentence
    assert ws.referrals.of_household(ouyang(ws)) == []  # nothing written, nothing queued


def test_the_form_offers_the_active_organisations_serving_the_village(ws: Workspace) -> None:
    keep_organisations(ws)
    vm = ReferralVM(ws, ouyang(ws))
    assert vm.choices() == [(MEMBER.id, MEMBER.name), (CHARITY.id, CHARITY.name)]
    assert CLOSED.id not in dict(vm.choices()) and ELSEWHERE.id not in dict(vm.choices())
    assert vm.purposes == [PURPOSE]  # nothing consented yet: the default purpose
    assert vm.refer() is None and set(vm.errors) == {"recipient"}
    assert vm.message == "请填写或更正：接收机构"


def test_both_forms_offer_one_recipient_list(ws: Workspace) -> None:
    """The consent form offers the classes and then exactly the organisations the referral
    form offers (a referral goes to one organisation, never to a class)."""
    keep_organisations(ws)
    consent = ConsentVM(ws, ouyang(ws)).recipient_choices()
    referral = ReferralVM(ws, ouyang(ws)).choices()
    assert consent == [("class:alliance_member", "全体助联体成员单位"), *referral]
    assert len(referral) == 2


def test_without_consent_the_referral_is_refused_naming_the_organisation(ws: Workspace) -> None:
    keep_organisations(ws)
    refused_with(form(ws), f"未取得向「婺城区慈善总会」共享信息（{SAID}）的同意", ws)


def test_a_grant_to_the_alliance_covers_a_member_not_another_charity(ws: Workspace) -> None:
    keep_organisations(ws)
    grant(ws, "class:alliance_member")
    refused_with(form(ws), f"未取得向「婺城区慈善总会」共享信息（{SAID}）的同意", ws)
    made = form(ws, MEMBER.id).refer()
    assert made is not None and made.recipient == MEMBER.id
    assert [r.id for r in ws.referrals.of_household(ouyang(ws))] == [made.id]
    assert [m.record_id for m in ws.store.pending()][-1] == made.id  # queued for the sync


def test_categories_the_consent_does_not_name_are_refused_by_name(ws: Workspace) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id)  # identity and needs, the form's default
    vm = form(ws)
    vm.toggle_category("health", True)
    vm.toggle_category("id_number", True)
    refused_with(vm, "同意不包含所需的数据类别：身份证号、健康状况", ws)
    vm.toggle_category("health", False)
    vm.toggle_category("id_number", False)
    assert vm.refer() is not None


def test_a_withdrawn_consent_refuses(ws: Workspace) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id)
    consent = ConsentVM(ws, ouyang(ws))
    [line] = consent.states()
    assert consent.withdraw(line.person_id, line.recipient, line.purpose) is not None
    refused_with(form(ws), f"向「婺城区慈善总会」共享信息（{SAID}）的同意已撤回", ws)


def test_an_expired_consent_refuses(ws: Workspace, clock: Clock) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id, duration_months=6)  # 2026-05-20 + 6 months: until 2026-11-20
    clock.advance(days=185)  # 2026-11-21
    refused_with(form(ws), "同意已于 2026-11-20 过期，需要重新取得同意", ws)


def test_a_child_under_14_needs_the_guardians_consent(ws: Workspace) -> None:
    keep_organisations(ws)
    household = ouyang(ws)
    child = next(
        p for p in ws.store.load_all(Person, household_id=household) if p.age_on(TODAY) < 14
    )
    # A grant recorded without a guardian (an older app, or imported) does not do.
    ws.store.add(
        ConsentEvent(
            area_code="330702102201", household_id=household, person_id=child.id,
            action=ConsentAction.GRANT, recipient=CHARITY.id, purpose=PURPOSE,
            data_categories=[DataCategory.IDENTITY, DataCategory.NEEDS],
            method=ConsentMethod.VERBAL, witness="王五", occurred_at=ws.now(), recorded_by="w",
        )
    )  # fmt: skip
    vm = form(ws, person_id=child.id)
    assert vm.needs_guardian
    refused_with(vm, "未满14周岁，需要由监护人作出同意", ws)
    grant(ws, CHARITY.id, person="欧阳小明", guardian_name="欧阳秀兰")
    assert form(ws, person_id=child.id).refer() is not None


def test_the_service_refuses_an_organisation_not_on_the_list_or_no_longer_active(
    ws: Workspace,
) -> None:
    keep_organisations(ws)
    grant(ws, "class:alliance_member")
    base = form(ws, MEMBER.id)
    for recipient, sentence in (
        (CLOSED.id, "机构「已停办的基金会」已停用，不能再向其转介"),
        ("金华市慈善总会", "请从机构名录中选择转介对象（名录在同步后更新）"),
    ):
        made = Referral(
            area_code="330702102201", household_id=ouyang(ws), person_id=base.person_id,
            recipient=recipient, purpose=PURPOSE, data_categories=[DataCategory.IDENTITY],
            referred_on=TODAY,
        )  # fmt: skip
        try:
            ws.referrals.refer(made, TODAY)
        except ReferralRefused as exc:
            assert said(exc) == sentence
        else:
            raise AssertionError("referred")
    assert ws.referrals.of_household(ouyang(ws)) == []


def test_a_need_is_referred_with_its_person_and_shows_the_answer(ws: Workspace) -> None:
    keep_organisations(ws)
    household = ouyang(ws)
    grant(ws, CHARITY.id)
    head = next(
        p for p in ws.store.load_all(Person, household_id=household) if p.relation == "户主"
    )
    need = ws.store.add(
        Need(
            area_code="330702102201", household_id=household, person_id=head.id,
            area="medical", description="住院自付费用较高，𠮷", raised_on=TODAY,
        )
    )  # fmt: skip
    vm = ReferralVM(ws, household, need_id=need.id)
    assert vm.person_id == head.id and vm.need is not None
    vm.set_recipient(CHARITY.id)
    made = vm.refer()
    assert made is not None and made.need_id == need.id

    [line] = HouseholdVM(ws, household).referral_lines()
    assert (line.status_text, line.recipient, line.person, line.outcome) == (
        "已转介",
        "婺城区慈善总会",
        "欧阳秀兰",
        "",
    )
    assert (line.need_id, line.categories) == (need.id, "身份信息（姓名、性别、年龄）、需求信息")

    # The charity's answer arrives with a sync: the server's fields, written as pulled.
    answered = made.model_dump(mode="json") | {
        "status": "completed", "answered_on": "2026-05-21", "answered_by": CHARITY.name,
        "service": "资助住院自付费用", "service_on": "2026-05-25", "value_yuan": 1200,
        "completed_on": "2026-05-26",
    }  # fmt: skip
    with ws.store.unit_of_work() as uow:
        uow.replication.write_pulled([("referral", answered, 10)])
        uow.commit()
    [line] = HouseholdVM(ws, household).referral_lines()
    assert (line.status_text, line.outcome) == (
        "已完成",
        "资助住院自付费用 · 2026-05-25 · 价值 1200 元",
    )

    declined = made.model_dump(mode="json") | {
        "status": "declined", "answered_on": "2026-05-21", "decline_reason": "超出本机构服务范围",
    }  # fmt: skip
    with ws.store.unit_of_work() as uow:
        uow.replication.write_pulled([("referral", declined, 11)])
        uow.commit()
    [line] = HouseholdVM(ws, household).referral_lines()
    assert (line.status_text, line.outcome) == ("已拒绝", "婉拒理由：超出本机构服务范围")


def test_an_unanswered_referral_is_flagged_to_coordinators_after_the_policys_days(
    ws: Workspace, clock: Clock
) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id)
    assert form(ws).refer() is not None
    days = ws.policy.referral_answer_days  # 7 by default: due on 2026-05-27
    assert ws.profile.is_coordinator
    clock.advance(days=days)  # 2026-05-27: still in time
    assert [r.overdue for r in HouseholdVM(ws, ouyang(ws)).referral_lines()] == [False]
    clock.advance(days=1)  # 2026-05-28: one day past
    assert ws.today() == date(2026, 5, 20) + timedelta(days=days + 1)
    assert [r.overdue for r in HouseholdVM(ws, ouyang(ws)).referral_lines()] == [True]
    ws.profile = replace(ws.profile, role=Role.WORKER)  # a field worker is not flagged
    assert [r.overdue for r in HouseholdVM(ws, ouyang(ws)).referral_lines()] == [False]


def test_todays_coordinator_sees_the_referral_unanswered_past_the_policys_days(
    ws: Workspace, clock: Clock
) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id)
    made = form(ws).refer()  # referred on Wednesday 2026-05-20
    assert made is not None
    assert ws.policy.referral_answer_days == 7  # answer due by 2026-05-27
    clock.advance(days=7)  # 2026-05-27: still in time
    assert TodayVM(ws).late_referrals == []
    clock.advance(days=1)  # Thursday 2026-05-28: eight days unanswered
    [late] = TodayVM(ws).late_referrals
    assert (late.household_id, late.referral_id, late.title, late.village) == (
        ouyang(ws),
        made.id,
        "欧阳秀兰",
        "岩头村",
    )
    assert late.words == "欧阳秀兰转介至婺城区慈善总会：5月20日（周三）转介，已 8 天未答复"
    # A field worker's Today does not list them (the coordinator follows them up).
    coordinator = ws.profile
    ws.profile = replace(ws.profile, role=Role.WORKER)
    assert TodayVM(ws).late_referrals == []
    ws.profile = coordinator
    # Answered in the console, the answer pulled: the flag is gone.
    accepted = made.model_dump(mode="json") | {"status": "accepted", "answered_on": "2026-05-28"}
    with ws.store.unit_of_work() as uow:
        uow.replication.write_pulled([("referral", accepted, 10)])
        uow.commit()
    assert TodayVM(ws).late_referrals == []


def test_the_needs_screen_shows_a_needs_referrals_and_offers_one_while_open(
    ws: Workspace,
) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id)
    household = ouyang(ws)
    need = ws.store.add(
        Need(
            area_code="330702102201", household_id=household, area="living",
            description="冬季取暖困难", raised_on=TODAY,
        )
    )  # fmt: skip
    needs = NeedsVM(ws)
    assert needs.referral_lines(need.id) == [] and needs.may_refer(need.id)
    vm = ReferralVM(ws, household, need_id=need.id)
    vm.set_recipient(CHARITY.id)
    assert vm.refer() is not None
    needs.load()
    [line] = needs.referral_lines(need.id)
    assert (line.recipient, line.status_text, line.person) == ("婺城区慈善总会", "已转介", "")
    closed = need.model_copy(update={"status": NeedStatus.CLOSED, "closed_reason": "已由亲属解决"})
    ws.casework.move(closed)
    needs.load()
    assert not needs.may_refer(need.id)


def test_choosing_the_organisation_proposes_the_purpose_its_consent_names(ws: Workspace) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id, purpose="wish")
    grant(ws, "class:alliance_member")  # the default purpose, recorded later
    vm = ReferralVM(ws, ouyang(ws))
    assert vm.purposes == ["wish", PURPOSE] and vm.purpose == "wish"
    assert vm.purpose_choices() == [("wish", "微心愿发布"), (PURPOSE, SAID)]
    vm.set_recipient(MEMBER.id)  # covered through the class: its grant's purpose
    assert vm.purpose == PURPOSE
    vm.set_recipient(CHARITY.id)
    assert vm.purpose == "wish"
    assert vm.refer() is not None


def test_after_a_withdrawal_the_form_proposes_that_purpose_and_says_it_was_withdrawn(
    ws: Workspace,
) -> None:
    keep_organisations(ws)
    grant(ws, CHARITY.id, purpose="wish")
    grant(ws, CHARITY.id)  # the default purpose, later
    consent = ConsentVM(ws, ouyang(ws))
    line = next(s for s in consent.states() if s.purpose == PURPOSE)
    assert consent.withdraw(line.person_id, line.recipient, line.purpose) is not None
    vm = form(ws)
    assert vm.purpose == "wish"  # the one in force comes first
    vm.set_purpose(PURPOSE)
    refused_with(vm, f"向「婺城区慈善总会」共享信息（{SAID}）的同意已撤回", ws)


def test_a_referral_refused_at_push_is_a_sync_problem_naming_the_organisation(
    ws: Workspace,
) -> None:

    keep_organisations(ws)
    grant(ws, CHARITY.id)
    made = form(ws).refer()
    assert made is not None
    sent = [m for m in ws.store.pending() if m.record_id == made.id]
    reason = f"向「婺城区慈善总会」共享信息（{SAID}）的同意已撤回，转介未被接受。"
    answer = MutationAnswer(seq=sent[0].seq, status="rejected", reason=reason)
    replica.apply_answers(ws.store, sent, [answer])
    (problem,) = SyncProblemsVM(ws, syncer=lambda w, u: None).problems()  # type: ignore[arg-type,return-value]
    assert (problem.household, problem.record) == ("欧阳秀兰家", "转介「婺城区慈善总会」")
    assert problem.theirs == reason
    assert ws.referrals.of_household(ouyang(ws)) == []  # refused at the county: not kept
