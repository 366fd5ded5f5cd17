"""The sync bar and the sync problems screen, with the store's real outbox."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from app.domain.codes import Role, WishState
from app.domain.records import Household, Wish
from app.services.sync import SyncState
from app.store.store import Store
from app.ui.viewmodels.sync import SyncProblemsVM, SyncVM
from app.ui.viewmodels.visit import NewVisitVM
from app.ui.viewmodels.workspace import Workspace
from sync import replica
from sync.client import SyncProgress, SyncReport
from sync.errors import ServerUnreachable
from sync.protocol import MutationAnswer
from tests.ui.conftest import ouyang


class FakeSyncer:
    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.store: Store | None = None
        self.seen: list[str] = []
        self.reverted: list[str] = []

    def sync(self, progress: Callable[[Any], None] | None = None) -> SyncReport:
        if progress:
            progress(SyncProgress("push", 1, 2))
            self.seen.append("push")
            progress(SyncProgress("pull", 40))
        if self.fail:
            raise self.fail
        if self.store is not None:  # like sync.client.SyncClient after a completed sync
            with self.store.unit_of_work() as uow:
                uow.sync_state.set_last_sync("2026-05-20T10:30:00")
                uow.commit()
        return SyncReport(pushed=2, pulled=40)

    def revert_conflict(self, conflict_id: str) -> None:
        self.reverted.append(conflict_id)


def _edit_address(ws: Workspace, address: str) -> None:
    household = ws.store.get(Household, ouyang(ws))
    ws.store.update(household.model_copy(update={"address": address}))


def test_the_bar_says_offline_pending_and_never_synced(ws: Workspace) -> None:
    _edit_address(ws, "岩头村3组89号")
    vm = SyncVM(ws, syncer=lambda w, u: FakeSyncer())
    assert vm.status_line() == "未登记服务器 · 待上传 1 条 · 尚未同步"
    vm.server_override = "http://127.0.0.1:9"
    assert not vm.check_online()
    assert vm.status_line().startswith("离线 · 待上传 1 条")


def test_a_saved_visit_counts_as_pending_at_once(ws: Workspace) -> None:
    vm = SyncVM(ws, syncer=lambda w, u: FakeSyncer())
    told: list[int] = []
    vm.on_change = lambda: told.append(vm.pending)
    assert vm.pending == 0
    visit = NewVisitVM(ws, ouyang(ws))
    visit.set_outcome("nobody_home")
    assert visit.save() is not None
    assert vm.pending == 1 and told == [1]
    assert "待上传 1 条" in vm.status_line()
    _edit_address(ws, "岩头村3组90号")
    assert vm.pending == 2 and told == [1, 2]


def test_a_sync_reports_progress_then_the_result(ws: Workspace) -> None:
    fake = FakeSyncer()
    fake.store = ws.store
    vm = SyncVM(ws, syncer=lambda w, u: fake)
    lines: list[str] = []
    assert vm.run(on_progress=lambda: lines.append(vm.status_line()))
    assert lines == ["正在上传…（已上传 1 条）", "正在下载…（已下载 40 条）"]
    assert vm.online and not vm.syncing and vm.error == ""
    assert vm.result == "同步完成：上传 2 条，下载 40 条，冲突 0 条，被拒绝 0 条。"
    assert vm.last_sync == "2026-05-20T10:30:00"
    assert "上次同步 05-20 10:30" in vm.status_line()


def test_a_failed_sync_keeps_everything_and_says_why(ws: Workspace) -> None:
    _edit_address(ws, "岩头村3组89号")
    vm = SyncVM(ws, syncer=lambda w, u: FakeSyncer(ServerUnreachable()))
    assert not vm.run()
    assert vm.error == "无法连接服务器，数据已保留在本机，请稍后再试。"
    assert vm.online is False and vm.pending == 1 and vm.last_sync == ""


def test_rejected_changes_side_by_side_and_resolved(ws: Workspace) -> None:
    _edit_address(ws, "岩头村3组90号")
    sent = ws.store.pending()
    replica.apply_answers(
        ws.store,
        sent,
        [MutationAnswer(seq=sent[0].seq, status="rejected", reason="该家庭已迁出本村。")],
    )
    vm = SyncProblemsVM(ws, syncer=lambda w, u: FakeSyncer())
    problems = vm.problems()
    assert [(p.kind, p.record, p.field, p.mine, p.theirs) for p in problems] == [
        ("rejected", "家庭", "住址", "岩头村3组90号", "该家庭已迁出本村。")
    ]
    assert vm.keep_mine(problems[0].key)
    pending = ws.store.pending()
    assert len(pending) == 1 and pending[0].seq > sent[0].seq
    assert ws.store.dead_letters() == [] and vm.problems() == []


def test_conflicts_keep_either_value(ws: Workspace) -> None:
    _edit_address(ws, "岩头村3组91号")
    sent = ws.store.pending()
    conflict = {
        "id": "c-1",
        "field": "address",
        "kept": "岩头村3组92号",
        "lost": "岩头村3组91号",
        "kept_hlc": "1",
        "lost_hlc": "0",
    }
    replica.apply_answers(
        ws.store,
        sent,
        [
            MutationAnswer.model_validate(
                {"seq": sent[0].seq, "status": "merged", "conflicts": [conflict]}
            )
        ],
    )
    fake = FakeSyncer()
    vm = SyncProblemsVM(ws, syncer=lambda w, u: fake)
    (problem,) = vm.problems()
    assert (problem.kind, problem.mine, problem.theirs) == (
        "conflict",
        "岩头村3组91号",
        "岩头村3组92号",
    )
    assert vm.keep_mine(problem.key)
    assert fake.reverted == ["c-1"] and vm.problems() == []
    assert SyncState(ws.store).conflicts("kept_local")[0]["id"] == "c-1"


def test_only_a_coordinator_resolves(ws: Workspace) -> None:
    _edit_address(ws, "岩头村3组93号")
    sent = ws.store.pending()
    replica.apply_answers(
        ws.store, sent, [MutationAnswer(seq=sent[0].seq, status="rejected", reason="不允许")]
    )
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)
    vm = SyncProblemsVM(ws, syncer=lambda w, u: FakeSyncer())
    assert not vm.can_resolve
    assert not vm.keep_server(vm.problems()[0].key)
    assert vm.message == "只有协理员可以进行此操作。"
    assert len(ws.store.dead_letters()) == 1


def _rejected_wish(ws: Workspace, reason: str) -> Wish:
    wish = Wish(
        area_code="330702102201",
        household_id=ouyang(ws),
        title="一台电暖器",
        value_yuan=300,
        collected_on=date(2026, 5, 1),
    )
    ws.store.add_many([wish], queue=False)
    ws.store.update(
        wish.model_copy(update={"state": WishState.APPROVED, "reviewed_on": date(2026, 5, 20)})
    )
    sent = ws.store.pending()
    server_copy = wish.model_copy(update={"state": WishState.CANCELLED})
    answer = {
        "seq": sent[0].seq,
        "status": "rejected",
        "reason": reason,
        "record": server_copy.model_dump(mode="json"),
        "server_seq": 7,
    }
    replica.apply_answers(ws.store, sent, [MutationAnswer.model_validate(answer)])
    return wish


def test_a_problem_names_the_household_and_the_record_in_words(ws: Workspace) -> None:
    _rejected_wish(
        ws, "心愿已被他人处理：当前状态为「cancelled」，不能再从「collected」变为「approved」。"
    )
    vm = SyncProblemsVM(ws, syncer=lambda w, u: FakeSyncer())
    (problem,) = vm.problems()
    assert (problem.household, problem.record, problem.field) == (
        "欧阳秀兰家",
        "微心愿「一台电暖器」",
        "状态",
    )
    assert problem.household_id == ouyang(ws)
    assert problem.mine == "从「已收集」改为「已审核」"
    assert (
        problem.theirs
        == "心愿已被他人处理：当前状态为「已取消」，不能再从「已收集」变为「已审核」。"
    )
    assert problem.actions == ("keep_server",)  # sending it again can never succeed


def test_only_a_change_that_can_go_through_later_is_offered_again(ws: Workspace) -> None:
    _rejected_wish(ws, "所属家庭不存在。")
    vm = SyncProblemsVM(ws, syncer=lambda w, u: FakeSyncer())
    (problem,) = vm.problems()
    assert problem.actions == ("keep_server", "retry")


def test_a_rejection_with_its_code_is_said_in_the_chosen_language(ws: Workspace) -> None:
    _edit_address(ws, "岩头村3组90号")
    sent = ws.store.pending()
    answer = MutationAnswer(
        seq=sent[0].seq, status="rejected", reason="所属家庭不存在。", code="push.no_household"
    )
    replica.apply_answers(ws.store, sent, [answer])
    for lang, said in (("zh", "所属家庭不存在。"), ("en", "Its household does not exist.")):
        (problem,) = SyncProblemsVM(ws, lang=lang, syncer=lambda w, u: FakeSyncer()).problems()
        assert (problem.theirs, problem.actions) == (said, ("keep_server", "retry"))


def test_a_resolved_problem_clears_the_sync_result_line(ws: Workspace) -> None:
    _rejected_wish(ws, "不允许")
    bar = SyncVM(ws, syncer=lambda w, u: FakeSyncer())
    bar.result = "同步完成：上传 1 条，下载 0 条，冲突 0 条，被拒绝 1 条。"
    problems = SyncProblemsVM(ws, syncer=lambda w, u: FakeSyncer())
    assert problems.keep_server(problems.problems()[0].key)
    bar.problem_resolved()
    assert bar.result == "" and bar.dead == 0
    assert "被拒绝" not in bar.status_line()
