"""The door every request passes (ASGI), cheapest checks first, so that a request nobody
signed costs the server almost nothing:

1. routing: a path or method the API does not have is answered by the router (404, 405)
   before any header or body is looked at;
2. the protocol version header of every /v1 request (400 missing, 426 another version);
3. a per-client budget of unauthenticated requests (enrolment, refused signatures):
   past it, 429 before the body is read;
4. the size as declared, the encoding, and the signature headers' form and time window;
5. the raw body as sent (at most `max_bytes`), then the signature over those raw bytes,
   checked in the threadpool (it reads the device's key) — nothing is inflated or parsed
   for a caller who is not authenticated;
6. only then is a gzip body inflated, in the threadpool, within `max_bytes` for a signed
   caller and `UNSIGNED_INFLATE_BYTES` for the one unsigned route (enrolment).

Every answer carries the server's protocol version and time. Errors are JSON
``{"code", "message"}`` like the app's own, except a web page's address (under /console or
/wishes), refused with a plain Chinese page (`errors.browser_page`).
"""

from __future__ import annotations

import json
import time
import zlib
from collections import OrderedDict
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import HEADER_PROTOCOL, HEADER_SERVER_TIME, PROTOCOL_VERSION
from sync.server.auth import check_headers, verify
from sync.server.context import ServerContext
from sync.server.errors import (
    BAD_ADDRESS,
    ApiError,
    BadEncoding,
    BadRequest,
    ProtocolMissing,
    RateLimited,
    TooLarge,
    UnsupportedEncoding,
    VersionMismatch,
    browser_page,
)

UNSIGNED_PATHS = frozenset({"/v1/enroll"})  # every other /v1 route is signed by a device
UNSIGNED_INFLATE_BYTES = 64 * 1024  # an enrolment request is a few hundred bytes
MAX_CLIENTS = 10_000  # addresses the rate limiter remembers (the oldest are forgotten)


def _server_headers() -> list[tuple[bytes, bytes]]:
    return [
        (HEADER_PROTOCOL.lower().encode(), str(PROTOCOL_VERSION).encode()),
        (HEADER_SERVER_TIME.lower().encode(), str(int(time.time() * 1000)).encode()),
    ]


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """Answer `{"code", "message"}` with the server headers, from outside the app."""
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *_server_headers(),
    ]
    if status == 429:
        headers.append((b"retry-after", b"60"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ClientBudget:
    """Unauthenticated requests each client address may make: a token bucket of
    `per_minute` tokens, refilled continuously. Runs on the event loop only."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = max(1, per_minute)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _level(self, client: str, now: float) -> float:
        tokens, then = self._buckets.get(client, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - then) * self.per_minute / 60.0)

    def exhausted(self, client: str) -> bool:
        return self._level(client, time.monotonic()) < 1.0

    def spend(self, client: str) -> None:
        now = time.monotonic()
        self._buckets[client] = (max(0.0, self._level(client, now) - 1.0), now)
        self._buckets.move_to_end(client)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)


def _routed(routes: list[BaseRoute], scope: Scope) -> bool:
    """Whether a route matches path and method (else the router answers 404 or 405)."""
    return any(route.matches(scope)[0] == Match.FULL for route in routes)


def inflate(body: bytes, limit: int) -> bytes:
    """A gzip body inflated, at most `limit` bytes (TooLarge past it, ApiError if not gzip)."""
    try:
        inflater = zlib.decompressobj(wbits=31)
        out = inflater.decompress(body, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise TooLarge("解压后的请求内容过大。")
        if not inflater.eof:
            raise zlib.error("truncated")
    except zlib.error:
        raise BadEncoding() from None
    return out


class RequestGate:
    """Routes, checks the protocol, the budget, the signature, then inflates (see module)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        ctx: ServerContext,
        routes: list[BaseRoute],
        max_bytes: int,
        unsigned_per_minute: int,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.routes = routes
        self.max_bytes = max_bytes
        self.budget = ClientBudget(unsigned_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = [*message.get("headers", []), *_server_headers()]
                message = {**message, "headers": headers}
            await send(message)

        try:
            scope, receive = await self._admit(scope, receive)
        except ApiError as exc:
            page = browser_page(scope["path"], exc.status, BAD_ADDRESS)
            if page is not None:  # only a bad address refuses a web page here
                await page(scope, receive, send_with_version)
            else:
                await send_error(send, exc.status, exc.code, exc.message)
            return
        except _Disconnected:
            return
        await self.app(scope, receive, send_with_version)

    async def _admit(self, scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
        """The scope and body the app gets, or the ApiError that refuses the request."""
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in target.lower() or b"\x00" in target:
            raise BadRequest("请求地址含有不允许的空字符。")
        if not _utf8(target):
            raise BadRequest("请求地址含有无法识别的字符编码。")
        path = scope["path"]
        if not path.startswith("/v1/") or not _routed(self.routes, scope):
            return scope, receive  # the router answers 404 / 405; meta routes take no body
        headers = dict(scope["headers"])
        _check_protocol(headers)
        client = (scope.get("client") or ("?", 0))[0]
        if self.budget.exhausted(client):
            raise RateLimited()
        signed = path not in UNSIGNED_PATHS
        try:
            caller = None
            if signed:
                check_headers(self.ctx, _text_headers(headers))
            else:
                self.budget.spend(client)
            raw = await self._read(headers, receive)
            if signed:
                caller = await run_in_threadpool(
                    verify,
                    self.ctx,
                    scope["method"],
                    _target(scope),
                    _text_headers(headers),
                    raw,
                )
        except ApiError as exc:
            if exc.status == 401:
                self.budget.spend(client)
            raise
        body = raw
        encoding = headers.get(b"content-encoding", b"").lower().strip()
        if encoding == b"gzip":
            limit = self.max_bytes if signed else UNSIGNED_INFLATE_BYTES
            body = await run_in_threadpool(inflate, raw, limit)
            scope = dict(scope)
            scope["headers"] = [
                (k, v)
                for k, v in scope["headers"]
                if k not in (b"content-encoding", b"content-length")
            ] + [(b"content-length", str(len(body)).encode())]
        # PostgreSQL text cannot hold NUL; no Doorstep value needs it. Photos are bytes
        # (stored as binary, never parsed as JSON), so an image upload may hold NUL.
        photo = path.startswith("/v1/photos/") and headers.get(b"content-type", b"").startswith(
            b"image/"
        )
        if not photo and (b"\\u0000" in body or b"\x00" in body):
            raise BadRequest("请求内容含有不允许的空字符。")
        if caller is not None:
            scope = dict(scope)
            scope["state"] = {**scope.get("state", {}), "caller": caller}
        return scope, _replay(body, receive)

    async def _read(self, headers: dict[bytes, bytes], receive: Receive) -> bytes:
        """The body as sent, refused past `max_bytes` (declared or received)."""
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or len(length) > 18:
                raise BadRequest("Content-Length 无效。")
            if int(length) > self.max_bytes:
                raise TooLarge()
        encoding = headers.get(b"content-encoding", b"").lower().strip()
        if encoding not in (b"", b"identity", b"gzip"):
            raise UnsupportedEncoding()
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge()
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)


class _Disconnected(Exception):
    """The client went away while its body was being read: nothing to answer."""


def _check_protocol(headers: dict[bytes, bytes]) -> None:
    value = headers.get(HEADER_PROTOCOL.lower().encode())
    if value is None:
        raise ProtocolMissing()
    if value.strip() != str(PROTOCOL_VERSION).encode():
        shown = value.decode("latin-1")[:10]
        raise VersionMismatch(
            f"客户端协议版本 {shown} 与服务器的版本 {PROTOCOL_VERSION} 不兼容，请升级应用。"
        )


def _text_headers(headers: dict[bytes, bytes]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers.items()}


def _target(scope: Scope) -> str:
    """What the signature covers as the target: the raw path plus the query string."""
    raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{raw}?{query}" if query else raw


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _utf8(target: bytes) -> bool:
    """Whether an address, its %-escapes undone, is UTF-8 (%ff is not: the router would
    read it as U+FFFD and answer "not found", a query as text it never sent)."""
    try:
        unquote_to_bytes(target).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
