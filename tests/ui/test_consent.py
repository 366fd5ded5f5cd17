"""Consent: what a grant needs, signature sealed as evidence, guardians, one-step withdrawal."""

from __future__ import annotations

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory
from app.domain.consent import ShareNotAllowed, check_share
from app.domain.records import ConsentEvent
from app.ui.viewmodels.consent import ConsentVM, add_months
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.workspace import Workspace
from sync.protocol import photo_type
from tests.said import refused
from tests.store.test_signature import read_png
from tests.ui.conftest import TODAY, Clock, ouyang
from tests.ui.referring import CHARITY, MEMBER, keep_organisations


def test_defaults_and_the_first_member(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    assert vm.person is not None and vm.person.name == "欧阳秀兰"
    assert vm.recipient == "class:alliance_member" and not vm.needs_guardian
    assert vm.recipient_name(vm.recipient) == "全体助联体成员单位"
    assert vm.recipient_choices() == [("class:alliance_member", "全体助联体成员单位")]
    assert not vm.organisations_synced  # nothing synced yet: only the class to choose
    assert vm.method == ConsentMethod.SIGNATURE


def test_grant_needs_evidence_and_names_what_is_missing(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    vm.categories.clear()
    vm.recipient = " "
    assert vm.grant() is None
    assert set(vm.errors) == {"recipient", "categories", "evidence"}
    assert vm.message == "请填写或更正：共享对象、共享的信息类别、签名或同意书照片"
    vm.set_method("verbal")
    vm.recipient = "金华市慈善总会"  # typed text is not a choice any more
    vm.toggle_category("health", True)
    assert set(vm.validate()) == {"witness", "recipient"}
    vm.set_recipient("class:alliance_member")
    assert set(vm.validate()) == {"witness"}


def test_signature_is_sealed_as_png_evidence(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    vm.add_stroke_point(10, 10, new_stroke=True)
    vm.add_stroke_point(60, 40)
    vm.add_stroke_point(120, 20)
    event = vm.grant()
    assert event is not None and event.method == ConsentMethod.SIGNATURE
    assert event.evidence_photo_id is not None
    content, mime = ws.store.get_photo(event.evidence_photo_id)
    assert mime == "image/png" and photo_type(content) == "image/png"
    width, height, rows = read_png(content)
    assert (width, height) == (600, 200)
    assert rows[10][10] == 0 and rows[40][60] == 0 and rows[100][300] == 255
    assert ws.store.photos_to_upload() == [(event.evidence_photo_id, event.id)]
    assert event.valid_until == add_months(TODAY, 12)
    assert vm.strokes == []


def test_a_child_under_14_needs_a_guardian(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    child = next(p for p in vm.members if p.name == "欧阳小明")
    vm.set_person(child.id)
    vm.set_method("verbal")
    vm.witness = "网格员李四"
    assert vm.needs_guardian
    assert vm.grant() is None and set(vm.errors) == {"guardian"}
    vm.guardian_name = "欧阳秀兰"
    event = vm.grant()
    assert event is not None and event.guardian_name == "欧阳秀兰"


def test_withdraw_stops_sharing_and_history_shows_both(ws: Workspace) -> None:
    household = ouyang(ws)
    vm = ConsentVM(ws, household)
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    vm.toggle_category(DataCategory.CONTACT.value, True)
    grant = vm.grant()
    assert grant is not None
    assert [s.granted for s in vm.states()] == [True]
    withdrawal = vm.withdraw(grant.person_id, grant.recipient, grant.purpose)
    assert withdrawal is not None and withdrawal.seen == [grant.id]
    assert [s.granted for s in vm.states()] == [False]
    events = ws.store.load_all(ConsentEvent, household_id=household)
    assert sorted(e.action for e in events) == [ConsentAction.GRANT, ConsentAction.WITHDRAW]
    history = vm.history()
    assert [h.action for h in history] == ["撤回", "同意"]
    assert "见证人：村委会主任" in history[1].detail
    with refused(ShareNotAllowed, "同意已撤回"):
        check_share(
            events, grant.person_id, grant.recipient, grant.purpose, [DataCategory.CONTACT], TODAY
        )


def test_a_new_grant_after_withdrawal_grants_again(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    grant = vm.grant()
    assert grant is not None
    vm.withdraw(grant.person_id, grant.recipient, grant.purpose)
    vm.witness = "村委会主任"
    again = vm.grant()
    assert again is not None and len(again.seen) == 2
    assert [s.granted for s in vm.states()] == [True]


def test_months_end_clamps() -> None:
    from datetime import date

    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 24) == date(2028, 1, 15)


def test_one_word_for_each_state_on_both_screens(ws: Workspace, clock: Clock) -> None:
    """The consent screen and the household screen name a state with the same words:
    已同意 with its term, 已撤回 after a withdrawal, 已过期 once the term has ended."""
    keep_organisations(ws)
    household = ouyang(ws)
    vm = ConsentVM(ws, household)
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    vm.set_duration(6)
    kept = vm.grant()
    assert kept is not None
    vm.set_recipient(CHARITY.id)
    vm.witness = "村委会主任"
    gone = vm.grant()
    assert gone is not None
    vm.withdraw(gone.person_id, gone.recipient, gone.purpose)

    def both() -> list[tuple[str, str, str]]:
        consent = {s.recipient_name: s.status_text for s in ConsentVM(ws, household).states()}
        shown = {c.recipient: c.state for c in HouseholdVM(ws, household).consent_lines()}
        assert consent == shown
        return sorted((r, consent[r], shown[r]) for r in consent)

    assert both() == [
        ("全体助联体成员单位", "已同意（至 2026-11-20）", "已同意（至 2026-11-20）"),
        ("婺城区慈善总会", "已撤回", "已撤回"),
    ]
    assert [s.granted for s in vm.states()] == [True, False]  # the one in force first
    clock.advance(days=200)
    assert both() == [
        ("全体助联体成员单位", "已过期", "已过期"),
        ("婺城区慈善总会", "已撤回", "已撤回"),
    ]
    assert not any(s.granted for s in ConsentVM(ws, household).states())  # no 撤回同意 left


def test_evidence_only_on_this_device_is_said_until_uploaded(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    vm.add_stroke_point(10, 10, new_stroke=True)
    vm.add_stroke_point(60, 40)
    event = vm.grant()
    assert event is not None and event.evidence_photo_id is not None
    vm.load()
    assert "签名或同意书照片仅在本设备，尚未上传，请同步" in vm.history()[0].detail
    household = HouseholdVM(ws, ouyang(ws))
    assert household.evidence_waiting() == 1

    with ws.store.unit_of_work() as uow:  # what a sync does once it is up
        uow.photos.mark_uploaded(event.evidence_photo_id)
        uow.commit()
    vm.load()
    assert "仅在本设备" not in vm.history()[0].detail
    assert HouseholdVM(ws, ouyang(ws)).evidence_waiting() == 0


def test_a_half_filled_consent_form_is_kept_and_can_be_discarded(ws: Workspace) -> None:
    keep_organisations(ws)
    vm = ConsentVM(ws, ouyang(ws))
    vm.set_method("signature")
    vm.add_stroke_point(10, 10, new_stroke=True)
    vm.add_stroke_point(60, 40)
    vm.set_recipient(CHARITY.id)
    vm.keep_draft()
    resumed = ConsentVM(ws, ouyang(ws))
    assert resumed.restored is not None and resumed.recipient == CHARITY.id
    assert resumed.strokes == [[(10.0, 10.0), (60.0, 40.0)]]
    resumed.discard_draft()
    assert resumed.strokes == [] and resumed.recipient == "class:alliance_member"
    assert ConsentVM(ws, ouyang(ws)).restored is None


def test_recipients_are_chosen_from_the_synced_organisations(ws: Workspace) -> None:
    keep_organisations(ws)
    vm = ConsentVM(ws, ouyang(ws))
    # The class, then the active organisations serving 岩头村 (not the closed one, not the
    # other county's), by name.
    assert vm.recipient_choices() == [
        ("class:alliance_member", "全体助联体成员单位"),
        (MEMBER.id, MEMBER.name),
        (CHARITY.id, CHARITY.name),
    ]
    vm.set_recipient(CHARITY.id)
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    event = vm.grant()
    assert event is not None and event.recipient == CHARITY.id
    [line] = vm.states()
    assert (line.recipient, line.recipient_name) == (CHARITY.id, "婺城区慈善总会")
    assert vm.history()[0].recipient_name == "婺城区慈善总会"


def test_a_free_text_consent_recorded_before_still_shows_and_withdraws(ws: Workspace) -> None:
    household = ouyang(ws)
    vm = ConsentVM(ws, household)
    old = ConsentEvent(
        area_code=vm.household.area_code, household_id=household, person_id=vm.person_id,
        action=ConsentAction.GRANT, recipient="金华市慈善总会", purpose="助学帮扶",
        data_categories=[DataCategory.IDENTITY], method=ConsentMethod.VERBAL, witness="王五",
        occurred_at=ws.now(), recorded_by="w",
    )  # fmt: skip
    ws.store.add_many([old], queue=False)  # as the county sent it back
    vm.load()
    [line] = vm.states()
    assert (line.recipient_name, line.granted) == ("金华市慈善总会", True)
    assert line.purpose_name == "其他：助学帮扶"  # typed before purposes were listed
    assert vm.withdraw(line.person_id, line.recipient, line.purpose) is not None
    assert not vm.states()[0].granted


def test_the_purpose_is_chosen_from_the_list(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    assert vm.purpose == "charity_help"  # 对接慈善帮扶资源
    assert [name for _, name in vm.purpose_choices()] == [
        "对接慈善帮扶资源", "救助帮扶转介", "微心愿发布", "服务项目对接", "探访关爱服务",
    ]  # fmt: skip
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    vm.purpose = "助学帮扶"  # typed text is not a choice
    assert vm.grant() is None and set(vm.errors) == {"purpose"}
    assert vm.message == "请填写或更正：共享目的"
    vm.set_purpose("wish")
    event = vm.grant()
    assert event is not None and event.purpose == "wish"
    [line] = vm.states()
    assert (line.purpose, line.purpose_name) == ("wish", "微心愿发布")
    assert vm.history()[0].purpose_name == "微心愿发布"


def test_a_purpose_typed_in_the_lists_words_is_that_purpose(ws: Workspace) -> None:
    """A consent typed before the list in the list's very words (the form's old default)
    and one chosen from the list now are one consent: withdrawing either withdraws both."""
    household = ouyang(ws)
    vm = ConsentVM(ws, household)
    typed = ConsentEvent(
        area_code=vm.household.area_code, household_id=household, person_id=vm.person_id,
        action=ConsentAction.GRANT, recipient="class:alliance_member", purpose="对接慈善帮扶资源",
        data_categories=[DataCategory.IDENTITY], method=ConsentMethod.VERBAL, witness="王五",
        occurred_at=ws.now(), recorded_by="w",
    )  # fmt: skip
    ws.store.add_many([typed], queue=False)  # as the county sent it back
    vm.load()
    [line] = vm.states()
    assert (line.purpose, line.purpose_name, line.granted) == (
        "charity_help",
        "对接慈善帮扶资源",
        True,
    )
    withdrawal = vm.withdraw(line.person_id, line.recipient, line.purpose)
    assert withdrawal is not None and withdrawal.seen == [typed.id]
    [line] = vm.states()
    assert not line.granted
