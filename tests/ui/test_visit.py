"""New visit and the door-knock survey: required fields, one transaction, sealed photo."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.domain.codes import NeedArea, VisitKind, VisitMode, VisitOutcome, WishState
from app.domain.records import MAX_PHOTO_BYTES, Need, Visit, Wish
from app.store.sandbox import list_sandboxes, open_store
from app.ui.viewmodels.visit import NewVisitVM, kept_visits
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN
from tests.ui.conftest import NOW, Clock, ouyang

JPEG = b"\xff\xd8\xff\xe0" + b"photo of the kitchen" * 50


def test_missing_outcome_is_named(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws))
    assert vm.save() is None
    assert vm.errors == {"outcome": "请选择"}
    assert vm.message == "请填写或更正：探访结果"
    assert ws.store.load_all(Visit, household_id=ouyang(ws)) == []


def test_a_care_visit_that_met_someone_needs_the_care_given(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws))
    vm.set_outcome("met")
    vm.add_need("housing")
    assert vm.save() is None
    assert set(vm.errors) == {"care", "need.0"}
    assert vm.message == "请填写或更正：关爱内容、需求"
    vm.toggle_care("policy", True)
    vm.set_need_description(0, "屋顶漏雨")
    assert vm.validate() == {}


def test_dates_in_the_future_are_refused(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws))
    vm.set_outcome("nobody_home")
    vm.set_visited_on("2026-06-01")
    assert vm.save() is None
    assert vm.errors["visited_on"] == "2026-06-01 晚于今天，不能选择"
    vm.set_visited_on("not a date")
    assert vm.errors["visited_on"] == "不是日期，请按 2026-05-01、2026/5/1 或 5月1日 填写"


def test_an_impossible_date_is_never_saved_as_another_day(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws))
    vm.set_outcome("nobody_home")
    vm.set_visited_on("2026-02-30")
    assert vm.save() is None
    assert vm.errors == {"visited_on": "2 月没有 30 日（这个月只有 28 天）"}
    assert vm.message == "请填写或更正：探访日期"
    assert ws.store.load_all(Visit, household_id=ouyang(ws)) == []


def test_the_common_typed_forms_save_that_day(ws: Workspace) -> None:
    for typed in ("2026/5/3", "2026.5.4", "20260505", "5月6日", "2026年5月7日"):
        vm = NewVisitVM(ws, ouyang(ws))
        vm.set_outcome("nobody_home")
        vm.set_visited_on(typed)
        assert vm.errors == {}
        visit = vm.save()
        assert visit is not None, vm.message
    days = sorted(v.visited_at.date() for v in ws.store.load_all(Visit, household_id=ouyang(ws)))
    assert days == [date(2026, 5, d) for d in (3, 4, 5, 6, 7)]


def test_save_writes_visit_needs_wish_photo_and_gps_together(ws: Workspace) -> None:
    household = ouyang(ws)
    vm = NewVisitVM(ws, household)
    vm.set_mode("phone")
    vm.set_outcome("met")
    vm.toggle_care("counselling", True)
    vm.toggle_care("comfort", True)
    vm.observations = "老人情绪低落"
    vm.companions = "李四，王五、赵六"
    vm.set_gps(29.08, 119.65, 12.0)
    vm.set_photo(JPEG)
    vm.add_need("living")
    vm.set_need_description(0, "冬季取暖费用")
    vm.wish_title, vm.wish_value = "一台电暖器", "300"
    before = ws.store.outbox_counts()["pending"]
    visit = vm.save()
    assert visit is not None
    stored = ws.store.get(Visit, visit.id)
    assert stored.mode == VisitMode.PHONE and stored.outcome == VisitOutcome.MET
    assert stored.companions == ["李四", "王五", "赵六"]
    assert stored.visited_at == NOW and stored.worker_id == ws.profile.worker_id
    assert stored.gps is not None and stored.gps.lat == 29.08
    assert stored.photo_id is not None and ws.store.get_photo(stored.photo_id) == (
        JPEG,
        "image/jpeg",
    )
    needs = ws.store.load_all(Need, household_id=household)
    assert [(n.area, n.description, n.visit_id) for n in needs] == [
        (NeedArea.LIVING, "冬季取暖费用", visit.id)
    ]
    wishes = ws.store.load_all(Wish, household_id=household)
    assert [(w.title, w.value_yuan, w.state) for w in wishes] == [
        ("一台电暖器", 300, WishState.COLLECTED)
    ]
    assert ws.store.outbox_counts()["pending"] == before + 3
    assert any(v.id == visit.id for v in ws.roster.visits[household])


def test_the_survey_walks_through_the_seven_areas(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws), kind=VisitKind.KNOCK)
    assert vm.survey_area == NeedArea.LIVING and vm.survey_progress == "第 1 / 7 项"
    vm.survey_answer("")
    vm.survey_answer("孙子学费困难")
    vm.survey_back()
    assert vm.survey_area == NeedArea.EDUCATION
    vm.survey_answer("孙子学费困难")
    for _ in range(5):
        vm.survey_answer("")
    assert vm.survey_area is None
    assert vm.survey_summary() == [("教育支持", "孙子学费困难")]
    vm.set_outcome("met")  # a survey does not require the care given
    visit = vm.save()
    assert visit is not None and visit.kind == VisitKind.KNOCK
    needs = ws.store.load_all(Need, household_id=ouyang(ws))
    assert [(n.area, n.raised_on) for n in needs] == [(NeedArea.EDUCATION, date(2026, 5, 20))]


def test_a_wish_value_is_checked_before_saving(ws: Workspace) -> None:
    """Over the policy's cap (500 元), negative or not a whole number: refused with the
    reason, nothing saved; an open wish already there is a warning that does not block."""
    for typed, reason in [
        ("99999999", "心愿金额不能超过 500 元（政策上限）"),
        ("501", "心愿金额不能超过 500 元（政策上限）"),
        ("\u221250", "心愿金额不能为负数"),
        ("-50", "心愿金额不能为负数"),
        ("abc", "心愿金额请填写整数（元），如 300"),
        ("12.5", "心愿金额请填写整数（元），如 300"),
    ]:
        vm = NewVisitVM(ws, ouyang(ws))
        vm.set_outcome("refused")
        vm.wish_title, vm.wish_value = "一台冰箱", typed
        assert vm.save() is None and vm.errors == {"wish_value": reason}, typed
    assert ws.store.load_all(Wish, household_id=ouyang(ws)) == []
    vm = NewVisitVM(ws, ouyang(ws))
    vm.set_outcome("refused")
    vm.wish_title, vm.wish_value = "一台电暖器", "500"
    assert vm.save() is not None
    again = NewVisitVM(ws, ouyang(ws))
    again.set_outcome("refused")
    again.wish_title, again.wish_value = "一袋米", "80"
    assert again.warnings() == ["该家庭已有未完成的心愿。"]
    assert again.save() is not None


def test_a_photo_over_the_servers_limit_is_refused(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws))
    vm.set_photo(b"x" * (MAX_PHOTO_BYTES + 1))
    assert vm.photo is None and vm.message == "照片太大（超过 8 MB）。"
    vm.set_photo(b"x" * MAX_PHOTO_BYTES)
    assert vm.photo is not None


def _half_filled(ws: Workspace, kind: VisitKind = VisitKind.CARE) -> NewVisitVM:
    vm = NewVisitVM(ws, ouyang(ws), kind=kind)
    vm.set_outcome("met")
    vm.toggle_care("comfort", True)
    vm.observations = "老伴刚去世，情绪低落"
    vm.set_visited_on("2026/5/19")
    vm.add_need("medical")
    vm.set_need_description(0, "慢性病用药")
    vm.set_photo(JPEG)
    vm.keep_draft()
    return vm


def test_a_half_filled_visit_survives_a_lock_and_an_unlock(data_dir: Path, clock: Clock) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    ws = Workspace(sandbox, open_store(sandbox, sandbox.unlock(PIN)), clock=clock)
    _half_filled(ws)
    ws.lock()

    ws = Workspace(sandbox, open_store(sandbox, sandbox.unlock(PIN)), clock=clock)
    try:
        [kept] = kept_visits(ws)
        assert kept.household_id == ouyang(ws) and kept.kind == VisitKind.CARE
        assert kept.line == "欧阳秀兰 · 探访关爱 · 05-20 10:30"
        vm = NewVisitVM(ws, ouyang(ws))
        assert vm.restored == NOW and vm.photo_lost
        assert vm.outcome == VisitOutcome.MET and vm.observations == "老伴刚去世，情绪低落"
        assert vm.visited_on == date(2026, 5, 19) and vm.visited_on_text == "2026/5/19"
        assert [(n.area, n.description) for n in vm.needs] == [(NeedArea.MEDICAL, "慢性病用药")]
        visit = vm.save()
        assert visit is not None and visit.visited_at.date() == date(2026, 5, 19)
        assert kept_visits(ws) == []
        assert NewVisitVM(ws, ouyang(ws)).restored is None
    finally:
        ws.lock()


def test_the_draft_is_sealed_on_disk(ws: Workspace, data_dir: Path) -> None:
    _half_filled(ws)
    ws.store.engine.dispose()  # type: ignore[union-attr]
    raw = b"".join(p.read_bytes() for p in data_dir.rglob("store.db*"))
    assert "老伴刚去世".encode() not in raw and "慢性病用药".encode() not in raw


def test_a_survey_draft_keeps_its_step_and_can_be_discarded(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws), kind=VisitKind.KNOCK)
    vm.survey_answer("冬季取暖费用")
    vm.survey_answer("")
    vm.keep_draft()
    resumed = NewVisitVM(ws, ouyang(ws), kind=VisitKind.KNOCK)
    assert resumed.survey_step == 2 and resumed.survey == {NeedArea.LIVING: "冬季取暖费用"}
    assert NewVisitVM(ws, ouyang(ws)).restored is None  # a care visit is another form
    resumed.discard_draft()
    assert resumed.survey == {} and resumed.restored is None
    assert kept_visits(ws) == []
    assert NewVisitVM(ws, ouyang(ws), kind=VisitKind.KNOCK).survey_step == 0


def test_an_untouched_form_keeps_no_draft(ws: Workspace) -> None:
    vm = NewVisitVM(ws, ouyang(ws))
    vm.keep_draft()
    assert kept_visits(ws) == []
    vm.observations = "x"
    vm.keep_draft()
    vm.observations = ""
    vm.keep_draft()
    assert kept_visits(ws) == []


def test_a_position_the_platform_could_not_measure_is_never_an_error(ws: Workspace) -> None:
    """A browser may report an infinite accuracy, or nonsense: the visit keeps what is
    sound and says when there is no usable position, never raises."""
    vm = NewVisitVM(ws, ouyang(ws))
    assert vm.set_gps(29.08, 119.65, float("inf"))
    assert vm.gps is not None and vm.gps.accuracy_m is None
    assert vm.set_gps(29.08, 119.65, float("nan")) and vm.gps.accuracy_m is None
    assert not vm.set_gps(float("nan"), 119.65, 10.0)
    assert not vm.set_gps(95.0, 119.65, 10.0)
    assert vm.message and vm.gps is not None and vm.gps.lat == 29.08  # the sound one kept
    vm.set_outcome("nobody_home")
    assert vm.save() is not None, vm.message
