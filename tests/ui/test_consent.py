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


def test_defaults_and_the_first_member(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    assert vm.person is not None and vm.person.name == "欧阳秀兰"
    assert vm.recipient == "助联体成员慈善组织" and not vm.needs_guardian
    assert vm.method == ConsentMethod.SIGNATURE


def test_grant_needs_evidence_and_names_what_is_missing(ws: Workspace) -> None:
    vm = ConsentVM(ws, ouyang(ws))
    vm.categories.clear()
    vm.recipient = " "
    assert vm.grant() is None
    assert set(vm.errors) == {"recipient", "categories", "evidence"}
    assert vm.message == "请填写或更正：共享对象、共享的信息类别、签名或同意书照片"
    vm.set_method("verbal")
    vm.recipient = "金华市慈善总会"
    vm.toggle_category("health", True)
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
    with refused(ShareNotAllowed, "未取得"):
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
    household = ouyang(ws)
    vm = ConsentVM(ws, household)
    vm.set_method("verbal")
    vm.witness = "村委会主任"
    vm.set_duration(6)
    kept = vm.grant()
    assert kept is not None
    vm.recipient = "金华市慈善总会"
    vm.witness = "村委会主任"
    gone = vm.grant()
    assert gone is not None
    vm.withdraw(gone.person_id, gone.recipient, gone.purpose)

    def both() -> list[tuple[str, str, str]]:
        consent = {s.recipient: s.status_text for s in ConsentVM(ws, household).states()}
        shown = {c.recipient: c.state for c in HouseholdVM(ws, household).consent_lines()}
        assert consent == shown
        return sorted((r, consent[r], shown[r]) for r in consent)

    assert both() == [
        ("助联体成员慈善组织", "已同意（至 2026-11-20）", "已同意（至 2026-11-20）"),
        ("金华市慈善总会", "已撤回", "已撤回"),
    ]
    assert [s.granted for s in vm.states()] == [True, False]  # the one in force first
    clock.advance(days=200)
    assert both() == [
        ("助联体成员慈善组织", "已过期", "已过期"),
        ("金华市慈善总会", "已撤回", "已撤回"),
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
    vm = ConsentVM(ws, ouyang(ws))
    vm.set_method("signature")
    vm.add_stroke_point(10, 10, new_stroke=True)
    vm.add_stroke_point(60, 40)
    vm.recipient = "金华市慈善总会"
    vm.keep_draft()
    resumed = ConsentVM(ws, ouyang(ws))
    assert resumed.restored is not None and resumed.recipient == "金华市慈善总会"
    assert resumed.strokes == [[(10.0, 10.0), (60.0, 40.0)]]
    resumed.discard_draft()
    assert resumed.strokes == [] and resumed.recipient == "助联体成员慈善组织"
    assert ConsentVM(ws, ouyang(ws)).restored is None
