"""Sign-in, the second factor, sign-out (here or everywhere), and the home page."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console import accounts
from sync.server.console.access import SESSION_COOKIE, CsrfRefused, server_context
from sync.server.console.web import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    clear_session_cookie,
    render,
    secure_cookies,
    see_other,
    set_session_cookie,
)

router = APIRouter()


def _client(request: Request) -> str:
    return (request.client.host if request.client else "") or "?"


def _safe_next(value: str) -> str:
    """Only a console path: never another site (`//evil`, `https://...`)."""
    if value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX


def _login_page(
    request: Request,
    *,
    next_path: str = "",
    error: str = "",
    notice: str = "",
    username: str = "",
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status,
        title="登录",
        login_csrf=token,
        next_path=next_path,
        error=error,
        notice=notice,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path=f"{PREFIX}/login",
        httponly=True,
        secure=secure_cookies(request),
        samesite="strict",
    )
    return response


@router.get("/login", name="login_form")
async def login_form(request: Request, next: str = "", signed_out: bool = False) -> Response:
    notice = "您已退出登录。" if signed_out else ""
    return _login_page(request, next_path=_safe_next(next) if next else "", notice=notice)


@router.post("/login", name="login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (cookie and csrf and hmac.compare_digest(cookie, csrf)):
        raise CsrfRefused()
    ctx = server_context(request)
    try:
        signed = await run_in_threadpool(
            accounts.sign_in, ctx, username, password, client=_client(request)
        )
    except accounts.SignInRefused as exc:
        # The user name stays as typed (a refused password is typed again, not the name).
        return _login_page(
            request, next_path=next, error=exc.message, username=username[:64], status=401
        )
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # whatever session the browser came with ends here (no fixation)
        await run_in_threadpool(accounts.sign_out, ctx, old)
    target = f"{PREFIX}/login/second-factor" if signed.second_factor_pending else _safe_next(next)
    response = see_other(target)
    set_session_cookie(response, request, signed.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login")
    return response


@router.get("/login/second-factor", name="second_factor_form")
async def second_factor_form(request: Request) -> Response:
    return render(request, "second_factor.html", title="动态验证码")


@router.post("/login/second-factor", name="second_factor")
async def second_factor(
    request: Request, code: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    ctx = server_context(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        signed = await run_in_threadpool(
            accounts.pass_second_factor, ctx, token, code, client=_client(request)
        )
    except accounts.SignInRefused as exc:
        return render(request, "second_factor.html", 401, title="动态验证码", error=exc.message)
    response = see_other(PREFIX)
    set_session_cookie(response, request, signed.token)
    return response


@router.post("/logout", name="logout")
async def logout(request: Request) -> Response:
    await run_in_threadpool(
        accounts.sign_out, server_context(request), request.cookies.get(SESSION_COOKIE, "")
    )
    response = see_other(f"{PREFIX}/login?signed_out=1")
    clear_session_cookie(response, request)
    return response


@router.post("/logout/everywhere", name="logout_everywhere")
async def logout_everywhere(request: Request) -> Response:
    await run_in_threadpool(
        accounts.sign_out,
        server_context(request),
        request.cookies.get(SESSION_COOKIE, ""),
        everywhere=True,
    )
    response = see_other(f"{PREFIX}/login?signed_out=1")
    clear_session_cookie(response, request)
    return response


async def home(request: Request) -> Response:
    """The home page (at the console's root, added by `console.install`)."""
    return render(request, "home.html", title="首页")
