"""ASGI middleware: request size limit, gzip request bodies, the protocol version header.

A body past the limit (as sent, or once inflated) is answered 413 before any route runs;
a body that claims gzip but is not is answered 400.
"""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import HEADER_PROTOCOL, HEADER_SERVER_TIME, PROTOCOL_VERSION


def _time_header() -> tuple[bytes, bytes]:
    return (HEADER_SERVER_TIME.lower().encode(), str(int(time.time() * 1000)).encode())


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (HEADER_PROTOCOL.lower().encode(), str(PROTOCOL_VERSION).encode()),
                _time_header(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Reads the whole body, inflates gzip, enforces `max_bytes`, then calls the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_error(send, 400, "bad_request", "Content-Length 无效。")
                return
            if declared > self.max_bytes:
                await _send_error(send, 413, "too_large", "请求内容过大。")
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(send, 413, "too_large", "请求内容过大。")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in target.lower() or b"\x00" in target:
            await _send_error(send, 400, "bad_request", "请求地址含有不允许的空字符。")
            return
        encoding = headers.get(b"content-encoding", b"").lower().strip()
        if encoding == b"gzip":
            try:
                inflater = zlib.decompressobj(wbits=31)
                body = inflater.decompress(body, self.max_bytes + 1)
                if len(body) > self.max_bytes or inflater.unconsumed_tail:
                    await _send_error(send, 413, "too_large", "解压后的请求内容过大。")
                    return
                if not inflater.eof:
                    raise zlib.error("truncated")
            except zlib.error:
                await _send_error(send, 400, "bad_encoding", "请求内容不是有效的 gzip 数据。")
                return
            scope = dict(scope)
            scope["headers"] = [
                (k, v)
                for k, v in scope["headers"]
                if k not in (b"content-encoding", b"content-length")
            ] + [(b"content-length", str(len(body)).encode())]
        elif encoding not in (b"", b"identity"):
            await _send_error(send, 415, "unsupported_encoding", "不支持的请求内容编码。")
            return
        # PostgreSQL text cannot hold NUL; no Doorstep value needs it. Photos are bytes
        # (stored as binary, never parsed as JSON), so an image upload may hold NUL.
        photo = scope["path"].startswith("/v1/photos/") and headers.get(
            b"content-type", b""
        ).startswith(b"image/")
        if not photo and (b"\\u0000" in body or b"\x00" in body):
            await _send_error(send, 400, "bad_request", "请求内容含有不允许的空字符。")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class ProtocolVersion:
    """Every /v1 request names its protocol version; every answer names the server's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/v1/"):
            value = dict(scope["headers"]).get(HEADER_PROTOCOL.lower().encode())
            if value is None:
                await _send_error(
                    send, 400, "protocol_version", f"请求缺少 {HEADER_PROTOCOL} 协议版本头。"
                )
                return
            if value.strip() != str(PROTOCOL_VERSION).encode():
                shown = value.decode("latin-1")[:10]
                await _send_error(
                    send,
                    426,
                    "protocol_version",
                    f"客户端协议版本 {shown} 与服务器的版本 {PROTOCOL_VERSION} 不兼容，请升级应用。",
                )
                return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                headers.append((HEADER_PROTOCOL.lower().encode(), str(PROTOCOL_VERSION).encode()))
                headers.append(_time_header())
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_version)
