"""How the board answers: its templates (the console's Jinja2 environment, overlaid with
the board's own templates), and the form token that guards the claim form.

The board has no sessions, so its CSRF guard is a double-submit token: a random value in
a SameSite=Strict, HttpOnly cookie scoped to /wishes and the same value in the form.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, FileSystemLoader

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
