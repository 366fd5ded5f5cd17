"""API errors: each a class with an HTTP status, a stable code and one sentence.

Every error the server answers, its own or the framework's, is JSON
``{"code": ..., "message": ...}`` for the API; a browser's page (under /console or /wishes)
gets a plain Chinese page with a way back instead (`browser_page`), also when the request
gate refuses the address or the app fails. Nothing answers a bare 500 page. An unexpected
failure is logged by type, code and place only (`log_failure`): never personal data.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.errors import DoorstepError
from app.ui.catalogue import message
from sync.server.db import error_code

log = logging.getLogger("doorstep.server")
_SOURCE = str(Path(__file__).resolve().parents[2])  # the project's code, for log_failure


class ApiError(Exception):
    """Base: `status`, `code` and the sentence a person reads."""

    status = 400
    code = "bad_request"
    message = "请求无效。"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    status, code, message = 401, "unauthorized", "请求未通过身份验证。"


class DeviceRevoked(ApiError):
    status, code, message = 401, "device_revoked", "此设备已被注销，本地数据将被清除。"


class Replayed(ApiError):
    status, code, message = 401, "replayed", "重复的请求已被拒绝。"


class ClockSkew(ApiError):
    status, code, message = 401, "clock_skew", "请求时间与服务器相差太多，请校准时间后重试。"


class BadEncoding(ApiError):
    status, code, message = 400, "bad_encoding", "请求内容不是有效的 gzip 数据。"


class ProtocolMissing(ApiError):
    status, code, message = 400, "protocol_version", "请求缺少 Doorstep-Protocol 协议版本头。"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "您的角色无权执行此操作。"


class NotFound(ApiError):
    status, code, message = 404, "not_found", "找不到请求的对象。"


class Conflict(ApiError):
    status, code, message = 409, "conflict", "操作与当前状态冲突。"


class Gone(ApiError):
    status, code, message = 410, "code_unusable", "登记码无效、已使用或已过期。"


class TooLarge(ApiError):
    status, code, message = 413, "too_large", "请求内容过大。"


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "不支持的内容类型。"


class UnsupportedEncoding(ApiError):
    status, code, message = 415, "unsupported_encoding", "不支持的请求内容编码。"


class RateLimited(ApiError):
    status, code, message = 429, "rate_limited", "未通过验证的请求过于频繁，请稍后再试。"


class VersionMismatch(ApiError):
    status, code, message = 426, "protocol_version", "客户端协议版本与服务器不兼容，请升级应用。"


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


# The web pages' prefixes, each with its site, stylesheet and way back (the console's and the
# board's own web modules name the same prefixes; they import this module, not the reverse).
_WEB_PAGES = (
    ("/console", "入户走访 · 县级平台", "/console/static/console.css", "返回首页"),
    ("/wishes", "金华微心愿 · 爱心认领", "/wishes/static/board.css", "返回心愿列表"),
)
_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {site}</title>
<link rel="stylesheet" href="{css}">
</head>
<body>
<header class="top"><a class="brand" href="{back}">{site}</a></header>
<main>
<h1>{title}</h1>
<p class="notice" role="alert">{sentence}</p>
<p><a class="back" href="{back}">{back_text}</a></p>
</main>
</body>
</html>
"""
BAD_ADDRESS = "网页地址无效，请返回后重新打开。"
FAILED = "服务器出了点问题，请稍后重试。"


def browser_page(path: str, status: int, sentence: str) -> Response | None:
    """A plain Chinese page for a browser's address under /console or /wishes (the
    sentence, a link back), or None for any other path (the API answers JSON)."""
    for prefix, site, css, back_text in _WEB_PAGES:
        if path == prefix or path.startswith(prefix + "/"):
            title = "页面无法打开" if status < 500 else "出错了"
            body = _PAGE.format(
                title=title, site=site, css=css, sentence=sentence, back=prefix, back_text=back_text
            )
            return HTMLResponse(body, status_code=status)
    return None


_STATUS_CODES = {
    400: ("bad_request", "请求无效。"),
    401: ("unauthorized", "请求未通过身份验证。"),
    403: ("forbidden", "无权访问。"),
    404: ("not_found", "找不到请求的地址。"),
    405: ("method_not_allowed", "此地址不支持该请求方法。"),
    406: ("not_acceptable", "无法提供所请求的格式。"),
    413: ("too_large", "请求内容过大。"),
    415: ("unsupported_media_type", "不支持的内容类型。"),
    429: ("rate_limited", "请求过于频繁，请稍后再试。"),
}


def install(app: FastAPI) -> None:
    """Register the JSON error handlers on `app`."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        if first.get("type") == "json_invalid":
            return error_response(422, "invalid_request", "请求内容不是有效的 JSON。")
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "请求"
        cause = (first.get("ctx") or {}).get("error")
        said = (
            message(cause)
            if isinstance(cause, DoorstepError)
            else str(first.get("msg", "格式不正确")).removeprefix("Value error, ")
        )
        msg = said.rstrip("。.")
        return error_response(422, "invalid_request", f"请求内容无效（{where}）：{msg}。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _STATUS_CODES.get(exc.status_code, ("http_error", "请求无法处理。"))
        return error_response(exc.status_code, code, message)


def log_failure(exc: BaseException, where: str) -> None:
    """Log a failure by its type, database code (`db.error_code`) and the code it went
    through, never its message or arguments: a database's message quotes the row it refused
    (names, notes, GPS points), a validation error the value. (A push names the record of a
    mutation the database refused: services.sync.)"""
    kind = type(exc).__name__ + (f" ({error_code(exc)})" if isinstance(exc, DBAPIError) else "")
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(_SOURCE)]
    trail = " < ".join(
        f"{Path(f.filename).relative_to(_SOURCE)}:{f.lineno} {f.name}" for f in reversed(ours[-6:])
    )
    log.error("%s failed: %s (at %s)", where, kind, trail or "?")


class ContainFailures:
    """The outermost middleware: an unexpected exception becomes a JSON 500 and one log line
    (`log_failure`), and goes no further, so no framework logs its message either."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            log_failure(exc, f"{scope.get('method', '')} {scope.get('path', '')}")
            if not started:
                response = browser_page(scope.get("path", ""), 500, FAILED) or error_response(
                    500, "internal", "服务器内部错误，请稍后重试。"
                )
                await response(scope, receive, send)
