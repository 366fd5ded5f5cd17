"""How the console answers: its templates (Jinja2, autoescaped), its cookies, the
security headers on every /console response, and its error pages.

No page carries inline script or style and nothing loads from another origin, so the
Content-Security-Policy allows only the server's own files. Pages hold personal data:
they are never cached.
"""

from __future__ import annotations

import inspect
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ui.catalogue import purpose_label
from sync.server.console.access import (
    SESSION_COOKIE,
    CsrfRefused,
    Denied,
    LoginRequired,
    PageNotFound,
    SecondFactorRequired,
    TooLarge,
)
from sync.server.console.accounts import SESSION_HOURS

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
PREFIX = "/console"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOGIN_CSRF_COOKIE = "doorstep_console_login"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _day(value: date | None) -> str:
    return "从未" if value is None else value.isoformat()


def _purpose(value: str) -> str:
    """A referral's purpose as the inbox names it: a listed purpose's label, older typed
    wording as typed."""
    return purpose_label(value, typed=False)


def _within(code: str, areas: list[str] | tuple[str, ...]) -> bool:
    """An area code inside one of the account's areas (a level the account may open)."""
    return any(code.startswith(area) for area in areas)


templates.filters["percent"] = _percent
templates.tests["within"] = _within
templates.filters["day"] = _day
templates.filters["purpose"] = _purpose


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A page: the template with the signed-in session (if any) and its CSRF token."""
    session = getattr(request.state, "session", None)
    html = templates.get_template(name).render(
        session=session,
        account=session.account if session else None,
        csrf=session.csrf_token if session else "",
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status)


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure except when the browser talks to the server over loopback."""
    return request.url.scheme == "https" or (request.url.hostname or "") not in LOOPBACK


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        path=PREFIX,
        httponly=True,
        secure=secure_cookies(request),
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=PREFIX, httponly=True, secure=secure_cookies(request), samesite="lax"
    )


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` (and no-store on pages) to every response under `prefix`
    (/console; the public wish board uses it for /wishes)."""

    def __init__(self, app: ASGIApp, prefix: str = PREFIX) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        prefix = self.prefix
        if not (path == prefix or path.startswith(prefix + "/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith((prefix + "/static/", prefix + "/fonts/"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


HTTP_PAGES = {
    404: ("找不到页面", "找不到您要的页面或记录。"),
    405: ("无法处理", "此页面不接受这种请求。"),
}


def in_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def install_error_pages(app: FastAPI) -> None:
    """The console's refusals as pages and redirects, not the API's JSON; a console address
    that does not exist gets the console's page too (the API and sync keep their JSON)."""
    api_answer = app.exception_handlers[StarletteHTTPException]
    api_invalid = app.exception_handlers[RequestValidationError]

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        page = HTTP_PAGES.get(exc.status_code)
        if page is None or not in_console(request.url.path):
            answer = api_answer(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        title, message = page
        return render(request, "error.html", exc.status_code, title=title, message=message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if not in_console(request.url.path):
            answer = api_invalid(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if request.method == "POST":  # a form sent with a field past its limit
            title, sentence = (
                "表单内容有误",
                "表单中有内容过长或格式不对，请返回上一页修改后再提交。",
            )
        else:
            title, sentence = "地址有误", "地址中的参数无效（例如页码超出范围），请从菜单重新进入。"
        return render(request, "error.html", 422, title=title, message=sentence)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = f"{PREFIX}/login"
        if exc.next_path:
            target += "?next=" + quote(exc.next_path, safe="")
        return see_other(target)

    @app.exception_handler(SecondFactorRequired)
    async def _second(_: Request, __: SecondFactorRequired) -> Response:
        return see_other(f"{PREFIX}/login/second-factor")

    @app.exception_handler(Denied)
    async def _denied(request: Request, _: Denied) -> Response:
        return render(
            request, "error.html", 403, title="无权访问", message="您的角色或负责范围不包括此页面。"
        )

    @app.exception_handler(PageNotFound)
    async def _missing(request: Request, _: PageNotFound) -> Response:
        return render(
            request, "error.html", 404, title="找不到页面", message="找不到您要的页面或记录。"
        )

    @app.exception_handler(TooLarge)
    async def _too_large(request: Request, exc: TooLarge) -> Response:
        return render(request, "error.html", 422, title="范围太大", message=exc.message)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        return render(
            request,
            "error.html",
            403,
            title="表单已失效",
            message="表单已失效，请返回、刷新页面后重试。",
        )
