"""匹配项目 on the needs screen and 已获帮扶 on the household screen, headless: a coordinator
matches a need to a project of the synced book (only running projects of the need's area
and the household's area are offered), records the project's delivery, and the household
shows it; a field worker is offered no match; a value that is not a number is refused."""

from __future__ import annotations

import dataclasses
from datetime import date

from app.domain.codes import NeedArea, NeedStatus, Role
from app.domain.ids import new_id
from app.domain.projects import ProjectBook, ServiceProject
from app.domain.records import Need
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.needs import NeedsVM
from app.ui.viewmodels.workspace import Workspace
from tests.ui.conftest import ouyang


def _project(name: str, needs: list[str], **extra: object) -> ServiceProject:
    return ServiceProject.model_validate(
        {
            "id": new_id(),
            "name": name,
            "organisation_id": new_id(),
            "organisation_name": "婺城区慈善总会",
            "need_areas": needs,
            "areas": ["330702102"],
            "starts_on": date(2026, 1, 1),
            "funding": "fundraising",
            **extra,
        }
    )


def _setup(ws: Workspace) -> tuple[Need, ServiceProject]:
    repair = _project("困难家庭危房修缮", ["housing"])
    ended = _project("去年的修缮项目", ["housing"], ends_on=date(2026, 4, 30))
    school = _project("助学计划", ["education"])
    elsewhere = _project("孝顺镇修缮", ["housing"], areas=["330703101"])
    with ws.store.unit_of_work() as uow:
        uow.projects.put(ProjectBook(projects=[repair, ended, school, elsewhere]), "d1")
        uow.commit()
    household = ws.roster.households[ouyang(ws)]
    need = ws.store.add(
        Need(
            area_code=household.area_code,
            household_id=household.id,
            area=NeedArea.HOUSING,
            description="屋顶漏雨",
            raised_on=date(2026, 5, 1),
            status=NeedStatus.REASONABLE,
        )
    )
    return need, repair


def test_a_coordinator_matches_a_need_and_records_the_delivery(ws: Workspace) -> None:
    need, repair = _setup(ws)
    vm = NeedsVM(ws)
    assert vm.project_lines(need.id) == ("", [(repair.id, "困难家庭危房修缮（婺城区慈善总会）")])
    assert vm.match(need.id, repair.id)
    matched = ws.store.get(Need, need.id)
    assert (matched.project_id, matched.status, matched.resource) == (
        repair.id,
        NeedStatus.MATCHED,
        "困难家庭危房修缮",
    )
    assert ws.store.pending()[-1].payload["fields"]["project_id"] == repair.id
    assert vm.project_lines(need.id) == ("困难家庭危房修缮（婺城区慈善总会）", [])
    assert not vm.record_delivery(need.id, "更换屋瓦", "三百")
    assert vm.message == "请填写数字"
    assert vm.record_delivery(need.id, "更换屋瓦", "3000")
    lines, warnings, total = HouseholdVM(ws, need.household_id).help_received()
    assert [(h.kind, h.source, h.what, h.value) for h in lines] == [
        ("项目服务", "婺城区慈善总会", "困难家庭危房修缮：更换屋瓦", "3,000 元")
    ]
    assert warnings == [] and total == "共 1 次，折合 3,000 元"


def test_a_field_worker_is_offered_no_match(ws: Workspace) -> None:
    need, repair = _setup(ws)
    ws.profile = dataclasses.replace(ws.profile, role=Role.WORKER)
    vm = NeedsVM(ws)
    assert vm.project_lines(need.id) == ("", [])
    assert not vm.match(need.id, repair.id)
    assert ws.store.get(Need, need.id).project_id is None
