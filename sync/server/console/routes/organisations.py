"""Organisations (admin): the list, a new one, edits, deactivation and reactivation
(the shared shape: `sync.server.console.reference_pages`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from app.domain.codes import NeedArea
from app.ui.catalogue import label
from sync.server.console.access import server_context
from sync.server.console.labels import KIND_LABELS
from sync.server.console.reference_pages import FormField, ReferencePages, Values, Words
from sync.server.services import organisations
from sync.server.services.organisations import OrganisationInput, OrganisationView

NEED_LABELS = {need: label(need) for need in NeedArea}


def _codes(text: str) -> list[str]:
    return text.replace("，", " ").replace(",", " ").split()


def _actor(request: Request) -> str:
    return request.state.session.account.actor  # type: ignore[no-any-return]


class OrganisationPages(ReferencePages[OrganisationView, OrganisationInput]):
    singular, plural = "organisation", "organisations"
    list_template, form_template = "organisations.html", "organisation_form.html"
    words = Words("帮扶机构", "登记机构", "编辑机构", "停用", "返回机构列表", "还没有登记的机构。")
    fields = (
        FormField("name", "机构名称", 200),
        FormField("kind", "类型", 40),
        FormField("credit_code", "统一社会信用代码", 40),
        FormField("areas", "服务区划", 2000),
        FormField("need_areas", "需求领域", 40, many=True),
        FormField("contact", "机构联系人和电话", 400),
    )

    def items(self, request: Request, include_inactive: bool) -> list[OrganisationView]:
        return organisations.list_organisations(
            server_context(request), include_inactive=include_inactive
        )

    def find(self, request: Request, item_id: str) -> OrganisationView:
        return organisations.find_organisation(server_context(request), item_id)

    def item_id(self, item: OrganisationView) -> str:
        return item.id

    def blank(self, request: Request) -> OrganisationInput:
        return OrganisationInput("", "charity", "", [], [], "")

    def entered(self, request: Request, values: Values) -> OrganisationInput:
        return OrganisationInput(
            values["name"],
            values["kind"],
            values["credit_code"],
            _codes(values["areas"]),
            values["need_areas"],
            values["contact"],
        )

    def as_entered(self, item: OrganisationView) -> OrganisationInput:
        return OrganisationInput(
            item.name,
            item.kind.value,
            item.credit_code,
            item.areas,
            [n.value for n in item.need_areas],
            item.contact,
        )

    def add(self, request: Request, entered: OrganisationInput) -> object:
        return organisations.add_organisation(
            server_context(request), entered, actor=_actor(request)
        )

    def update(self, request: Request, item_id: str, entered: OrganisationInput) -> object:
        return organisations.update_organisation(
            server_context(request), item_id, entered, actor=_actor(request)
        )

    def set_active(self, request: Request, item_id: str, active: bool) -> object:
        return organisations.set_active(
            server_context(request), item_id, active, actor=_actor(request)
        )

    def page_values(self, request: Request) -> dict[str, Any]:
        return {"kinds": KIND_LABELS, "needs": NEED_LABELS}


router = OrganisationPages().router()
