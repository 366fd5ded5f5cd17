"""Service projects (慈善帮扶项目库): the list, a new one, edits, stopping and resuming
(the shared shape: `sync.server.console.reference_pages`).

Charity staff register and edit their own organisation's projects (the organisation is
theirs whatever the form says, and another organisation's project reads as absent);
supervisors and admins register for any organisation.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.domain.codes import NeedArea
from app.domain.projects import FundingSource, ServiceProject
from app.ui.catalogue import label
from sync.server.console.access import server_context
from sync.server.console.accounts import Account, ConsoleRole
from sync.server.console.reference_pages import FormField, ReferencePages, Values, Words
from sync.server.errors import NotFound
from sync.server.services import organisations, projects
from sync.server.services.projects import ProjectInput

NEED_LABELS = {need: label(need) for need in NeedArea}
FUNDING_LABELS = {source: label(source) for source in FundingSource}
TICKED = frozenset({"true", "on", "1", "yes"})


def _account(request: Request) -> Account:
    return request.state.session.account  # type: ignore[no-any-return]


def _own(account: Account) -> str | None:
    """The organisation a charity account is limited to (None: any)."""
    return account.organisation_id or "-" if account.role == ConsoleRole.CHARITY else None


class ProjectPages(ReferencePages[ServiceProject, ProjectInput]):
    singular, plural = "project", "projects"
    list_template, form_template = "projects.html", "project_form.html"
    words = Words(
        "慈善帮扶项目库",
        "登记服务项目",
        "编辑服务项目",
        "停止",
        "返回项目库",
        "还没有登记的服务项目。",
    )
    fields = (
        FormField("name", "项目名称", 400),
        FormField("organisation_id", "实施机构", 64),
        FormField("need_areas", "需求领域", 40, many=True),
        FormField("areas", "服务区划", 2000),
        FormField("starts_on", "开始日期", 20),
        FormField("ends_on", "结束日期", 20),
        FormField("funding", "资金来源", 40),
        FormField("budget_yuan", "预算", 20),
        FormField("capacity", "可服务户数", 20),
        FormField("brand", "品牌项目", 10),
    )

    def items(self, request: Request, include_inactive: bool) -> list[ServiceProject]:
        return projects.list_projects(
            server_context(request),
            organisation_id=_own(_account(request)),
            include_inactive=include_inactive,
        )

    def find(self, request: Request, item_id: str) -> ServiceProject:
        """The project, if this account may see it (another organisation's reads as absent)."""
        project = projects.find_project(server_context(request), item_id)
        own = _own(_account(request))
        if own is not None and project.organisation_id != own:
            raise NotFound()
        return project

    def item_id(self, item: ServiceProject) -> str:
        return item.id

    def blank(self, request: Request) -> ProjectInput:
        own = _own(_account(request)) or ""
        return ProjectInput("", own, [], [], "", funding=FundingSource.FUNDRAISING.value)

    def entered(self, request: Request, values: Values) -> ProjectInput:
        own = _own(_account(request))
        return ProjectInput(
            name=values["name"],
            organisation_id=own if own is not None else values["organisation_id"],
            need_areas=values["need_areas"],
            areas=values["areas"].replace("，", " ").replace(",", " ").split(),
            starts_on=values["starts_on"],
            ends_on=values["ends_on"],
            funding=values["funding"],
            budget_yuan=values["budget_yuan"] or "0",
            capacity=values["capacity"] or "0",
            brand=values["brand"].strip().lower() in TICKED,
        )

    def as_entered(self, item: ServiceProject) -> ProjectInput:
        return ProjectInput(
            name=item.name,
            organisation_id=item.organisation_id,
            need_areas=[n.value for n in item.need_areas],
            areas=list(item.areas),
            starts_on=item.starts_on.isoformat(),
            ends_on=item.ends_on.isoformat() if item.ends_on else "",
            funding=item.funding.value,
            budget_yuan=str(item.budget_yuan),
            capacity=str(item.capacity),
            brand=item.brand,
        )

    def add(self, request: Request, entered: ProjectInput) -> object:
        ctx, actor = server_context(request), _account(request).actor
        return projects.add_project(ctx, entered, actor=actor)

    def update(self, request: Request, item_id: str, entered: ProjectInput) -> object:
        ctx, actor = server_context(request), _account(request).actor
        return projects.update_project(ctx, item_id, entered, actor=actor)

    def set_active(self, request: Request, item_id: str, active: bool) -> object:
        ctx, actor = server_context(request), _account(request).actor
        return projects.set_active(ctx, item_id, active, actor=actor)

    def page_values(self, request: Request) -> dict[str, Any]:
        own = _own(_account(request))
        found = organisations.list_organisations(server_context(request))
        return {
            "needs": NEED_LABELS,
            "fundings": FUNDING_LABELS,
            "organisations": {o.id: o.name for o in found if own is None or o.id == own},
        }


router = ProjectPages().router()
