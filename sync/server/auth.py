"""Request authentication: each request is signed by an enrolled device for its worker.

The device's Ed25519 public key was registered at enrolment; the server holds no device
secret. A signature older or newer than the window, or a nonce seen before, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from sync.protocol import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_WORKER,
    signing_text,
)
from sync.server.context import ServerContext, wall_ms
from sync.server.errors import ClockSkew, DeviceRevoked, Forbidden, Replayed, Unauthorized
from sync.server.services.admin import worker_areas
from sync.server.tables import Device, Nonce, Worker


@dataclass(frozen=True)
class Caller:
    """The authenticated device, its worker and the worker's scope at this request."""

    device_id: str
    worker: Worker
    areas: tuple[str, ...]

    @property
    def worker_id(self) -> str:
        return self.worker.id


def context(request: Request) -> ServerContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def request_target(request: Request) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    target = raw.decode("latin-1")
    return f"{target}?{query.decode('latin-1')}" if query else target


def verify(
    ctx: ServerContext, method: str, target: str, headers: dict[str, str], body: bytes
) -> Caller:
    """The caller, or the ApiError that says why the request is refused."""
    device_id = headers.get(HEADER_DEVICE.lower(), "")
    worker_id = headers.get(HEADER_WORKER.lower(), "")
    stamp = headers.get(HEADER_TIMESTAMP.lower(), "")
    nonce = headers.get(HEADER_NONCE.lower(), "")
    signature = headers.get(HEADER_SIGNATURE.lower(), "")
    if not (device_id and worker_id and stamp and nonce and signature):
        raise Unauthorized("请求缺少设备签名。")
    if len(nonce) > 64 or len(device_id) > 64 or not stamp.isdigit() or len(stamp) > 15:
        raise Unauthorized("请求的签名头格式不正确。")
    now = wall_ms()
    if abs(now - int(stamp)) > ctx.settings.signature_window_s * 1000:
        raise ClockSkew()
    with ctx.db.reading() as s:
        device = s.get(Device, device_id)
        worker = s.get(Worker, device.worker_id) if device else None
        areas = tuple(worker_areas(s, worker.id)) if worker else ()
    if device is None or worker is None:
        raise Unauthorized("此设备未在服务器登记。")
    if device.status != "active" or worker.status != "active":
        raise DeviceRevoked()
    if worker_id != device.worker_id:
        raise Unauthorized("设备与工作人员不匹配。")
    text = signing_text(method, target, stamp, nonce, hashlib.sha256(body).hexdigest())
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(device.public_key))
        key.verify(base64.b64decode(signature, validate=True), text)
    except (InvalidSignature, ValueError):
        raise Unauthorized("请求签名无效。") from None
    try:
        with ctx.db.small_write() as s:
            s.add(Nonce(device_id=device_id, nonce=nonce, seen_ms=now))
            if random.random() < 0.01:
                horizon = now - 2 * ctx.settings.signature_window_s * 1000
                s.execute(delete(Nonce).where(Nonce.seen_ms < horizon))  # type: ignore[arg-type]
            # Last contact, to the minute: enough for the admin, one write less per request.
            seen = device.last_seen_at
            now_dt = datetime.now(UTC)
            if seen is None or (now_dt - seen).total_seconds() > 60:
                row = s.get(Device, device_id)
                if row is not None:
                    row.last_seen_at = now_dt
                    s.add(row)
    except IntegrityError:
        raise Replayed() from None
    return Caller(device_id, worker, areas)


async def authenticated(request: Request) -> Caller:
    """FastAPI dependency: the verified caller of this request."""
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return await run_in_threadpool(
        verify, context(request), request.method, request_target(request), headers, body
    )


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that lets only workers with one of `roles` through."""

    async def check(caller: Caller = Depends(authenticated)) -> Caller:
        if caller.worker.role not in roles:
            raise Forbidden()
        return caller

    return check
