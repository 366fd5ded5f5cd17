"""Request authentication: each request is signed by an enrolled device for its worker.

The device's Ed25519 public key was registered at enrolment; the server holds no device
secret. The signature covers the body as sent (gzip'd or not), so the request gate
(`middleware.RequestGate`) checks it before inflating or parsing anything. A signature
older or newer than the window, or a nonce seen before, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from fastapi import Depends, Header, Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from sync.protocol import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_PROTOCOL,
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


def check_headers(ctx: ServerContext, headers: dict[str, str]) -> None:
    """The cheap part, before the body is read: every signature header present and well
    formed (ASCII digits for the timestamp), the timestamp within the window."""
    device_id = headers.get(HEADER_DEVICE.lower(), "")
    worker_id = headers.get(HEADER_WORKER.lower(), "")
    stamp = headers.get(HEADER_TIMESTAMP.lower(), "")
    nonce = headers.get(HEADER_NONCE.lower(), "")
    signature = headers.get(HEADER_SIGNATURE.lower(), "")
    if not (device_id and worker_id and stamp and nonce and signature):
        raise Unauthorized("请求缺少设备签名。")
    if (
        max(len(device_id), len(worker_id), len(nonce)) > 64
        or len(signature) > 200
        or not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 15)
    ):
        raise Unauthorized("请求的签名头格式不正确。")
    if abs(wall_ms() - int(stamp)) > ctx.settings.signature_window_s * 1000:
        raise ClockSkew()


def verify(
    ctx: ServerContext, method: str, target: str, headers: dict[str, str], body: bytes
) -> Caller:
    """The caller, or the ApiError that says why the request is refused.

    `body` is the body as sent (gzip'd or not). The signature is checked before anything
    about the device is answered: an unknown device and a bad signature get the same
    answer; only a correctly signed request learns that its device is revoked."""
    check_headers(ctx, headers)
    device_id = headers[HEADER_DEVICE.lower()]
    stamp = headers[HEADER_TIMESTAMP.lower()]
    nonce = headers[HEADER_NONCE.lower()]
    with ctx.db.reading() as s:
        device = s.get(Device, device_id)
        worker = s.get(Worker, device.worker_id) if device else None
        areas = tuple(worker_areas(s, worker.id)) if worker else ()
    text = signing_text(method, target, stamp, nonce, hashlib.sha256(body).hexdigest())
    try:
        signature = base64.b64decode(headers[HEADER_SIGNATURE.lower()], validate=True)
        key = _public_key(device.public_key) if device is not None else _NOBODY
        key.verify(signature, text)  # an unknown device costs the same as a known one
    except (InvalidSignature, ValueError):
        raise Unauthorized(BAD_SIGNATURE) from None
    if device is None or worker is None:
        raise Unauthorized(BAD_SIGNATURE)
    if device.status != "active" or worker.status != "active":
        raise DeviceRevoked()
    if headers[HEADER_WORKER.lower()] != device.worker_id:
        raise Unauthorized("设备与工作人员不匹配。")
    now = wall_ms()
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


def _public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


_NOBODY = Ed25519PrivateKey.generate().public_key()
BAD_SIGNATURE = "请求签名无效。"

DeviceHeader = Annotated[str, Header(alias=HEADER_DEVICE, max_length=64)]
WorkerHeader = Annotated[str, Header(alias=HEADER_WORKER, max_length=64)]
TimestampHeader = Annotated[
    str,
    Header(
        alias=HEADER_TIMESTAMP,
        pattern=r"^[0-9]{1,15}$",
        description="milliseconds since the epoch, within the signature window",
    ),
]
NonceHeader = Annotated[str, Header(alias=HEADER_NONCE, max_length=64)]
SignatureHeader = Annotated[
    str,
    Header(
        alias=HEADER_SIGNATURE,
        max_length=200,
        description="Ed25519 over sync.protocol.signing_text of this request, base64",
    ),
]


async def authenticated(
    request: Request,
    device: DeviceHeader,
    worker: WorkerHeader,
    timestamp: TimestampHeader,
    nonce: NonceHeader,
    signature: SignatureHeader,
) -> Caller:
    """FastAPI dependency: the caller the request gate verified (`middleware.RequestGate`);
    the parameters declare the signature headers in the OpenAPI document."""
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, Caller):
        raise Unauthorized("请求缺少设备签名。")
    return caller


def protocol_version(
    version: Annotated[
        str, Header(alias=HEADER_PROTOCOL, max_length=10, description="the protocol version: 1")
    ],
) -> None:
    """FastAPI dependency of every /v1 route: declares the protocol header (the request
    gate has checked it already)."""


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that lets only workers with one of `roles` through."""

    async def check(caller: Caller = Depends(authenticated)) -> Caller:
        if caller.worker.role not in roles:
            raise Forbidden()
        return caller

    return check
