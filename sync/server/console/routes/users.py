"""Console accounts (admin): the list and a new account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import accounts
from sync.server.console.access import server_context
from sync.server.console.web import PREFIX, render, see_other
from sync.server.errors import ApiError
from sync.server.services import organisations

router = APIRouter(prefix="/accounts")
ROLE_LABELS = {
    accounts.ConsoleRole.ADMIN: "管理员",
    accounts.ConsoleRole.SUPERVISOR: "县级督导",
    accounts.ConsoleRole.COORDINATOR: "协调员",
    accounts.ConsoleRole.CHARITY: "机构工作人员",
}


async def _form_page(
    request: Request, entered: dict[str, str], error: str = "", status: int = 200
) -> Response:
    orgs = await run_in_threadpool(organisations.list_organisations, server_context(request))
    return render(
        request,
        "account_form.html",
        status,
        title="新增账户",
        entered=entered,
        error=error,
        roles=ROLE_LABELS,
        organisations=orgs,
    )


@router.get("", name="accounts")
async def accounts_page(request: Request) -> Response:
    ctx = server_context(request)
    found = await run_in_threadpool(accounts.list_accounts, ctx)
    orgs = await run_in_threadpool(organisations.list_organisations, ctx, include_inactive=True)
    return render(
        request,
        "accounts.html",
        title="控制台账户",
        accounts=found,
        roles=ROLE_LABELS,
        organisations={o.id: o.name for o in orgs},
    )


@router.get("/new", name="account_new")
async def account_new(request: Request) -> Response:
    blank = {"username": "", "name": "", "role": "coordinator", "areas": "", "organisation": ""}
    return await _form_page(request, blank)


@router.post("", name="account_create")
async def account_create(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    areas: Annotated[str, Form(max_length=2000)] = "",
    organisation: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    entered = {
        "username": username,
        "name": name,
        "role": role,
        "areas": areas,
        "organisation": organisation,
    }
    try:
        await run_in_threadpool(
            lambda: accounts.add_account(
                server_context(request),
                username=username,
                name=name,
                role=role,
                password=password,
                areas=areas.replace("，", " ").replace(",", " ").split(),
                organisation=organisation or None,
                actor=request.state.session.account.actor,
            )
        )
    except ApiError as exc:
        return await _form_page(request, entered, exc.message, 422)
    return see_other(f"{PREFIX}/accounts")
