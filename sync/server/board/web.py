"""How the board answers: its templates (the console's Jinja2 environment, overlaid with
the board's own templates), and the form token that guards the claim form.

The board has no sessions, so its CSRF guard is a double-submit token: a random value in
a SameSite=Strict, HttpOnly cookie scoped to /wishes and the same value in the form.
"""

from __future__ import annotations

import hmac
import inspect
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.server.console.web import secure_cookies, templates

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
PREFIX = "/wishes"
FORM_COOKIE = "doorstep_board_form"

board_templates = templates.overlay(
    loader=ChoiceLoader([FileSystemLoader(HERE / "templates"), templates.loader])  # type: ignore[list-item]
)


def render(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """A board page; a page with the claim form also gets its form token cookie."""
    form_token = secrets.token_urlsafe(24) if values.pop("with_form", False) else ""
    html = board_templates.get_template(name).render(
        path=request.url.path, form_token=form_token, **values
    )
    response = HTMLResponse(html, status_code=status)
    if form_token:
        response.set_cookie(
            FORM_COOKIE,
            form_token,
            path=PREFIX,
            httponly=True,
            secure=secure_cookies(request),
            samesite="strict",
        )
    return response


def form_token_ok(request: Request, sent: str) -> bool:
    """The form came from a page this server gave this browser."""
    cookie = request.cookies.get(FORM_COOKIE, "")
    return bool(cookie and sent) and hmac.compare_digest(cookie, sent)


# What a donor reads when an address under /wishes cannot be answered: a board page with
# a way back to the list, never the API's JSON.
ERROR_PAGES = {
    404: ("找不到页面", "找不到这个页面，心愿可能已撤下。"),
    405: ("无法打开", "这个地址不能直接打开，请从心愿列表进入。"),
}
INVALID_PAGE = ("地址有误", "地址或填写的内容无效，请从心愿列表重新进入。")


def on_board(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def install_error_pages(app: FastAPI) -> None:
    """The board's refusals as board pages (after the console's handlers, which answer
    every other address as before)."""
    earlier_http = app.exception_handlers[StarletteHTTPException]
    earlier_invalid = app.exception_handlers[RequestValidationError]

    async def _earlier(handler: Any, request: Request, exc: Exception) -> Response:
        answer = handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer  # type: ignore[no-any-return]

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        page = ERROR_PAGES.get(exc.status_code)
        if page is None or not on_board(request.url.path):
            return await _earlier(earlier_http, request, exc)
        title, sentence = page
        return render(request, "notice.html", exc.status_code, title=title, sentence=sentence)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if not on_board(request.url.path):
            return await _earlier(earlier_invalid, request, exc)
        title, sentence = INVALID_PAGE
        return render(request, "notice.html", 422, title=title, sentence=sentence)
