"""Enrolment (设备登记): a one-time code and a device key become an enrolled device."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from app.domain.ids import new_id
from sync.protocol import EnrollRequest, EnrollResponse, WorkerInfo
from sync.server.context import ServerContext
from sync.server.errors import BadRequest, Gone
from sync.server.services import audit
from sync.server.services.admin import hash_code, recovery_public_key, worker_areas
from sync.server.services.staff import read_staff, staff_info
from sync.server.tables import Area, Device, EnrollCode, Worker


def enroll(ctx: ServerContext, request: EnrollRequest) -> EnrollResponse:
    """Redeem the code (once, before it expires) and register the device's public key."""
    try:
        key = base64.b64decode(request.public_key, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BadRequest("设备公钥格式不正确。")
    recovery = recovery_public_key(ctx)
    now = datetime.now(UTC)
    code_hash = hash_code(request.code)
    device_id = new_id()
    with ctx.db.small_write() as s:
        # The conditional update is the single-use guarantee, also under concurrent redeems.
        claimed = s.execute(
            update(EnrollCode)
            .where(
                EnrollCode.code_hash == code_hash,  # type: ignore[arg-type]
                EnrollCode.used_at.is_(None),  # type: ignore[union-attr]
                EnrollCode.expires_at > now,  # type: ignore[arg-type]
            )
            .values(used_at=now, device_id=device_id)
        ).rowcount  # type: ignore[attr-defined]
        code = s.get(EnrollCode, code_hash)
        if not claimed or code is None:
            raise Gone()
        worker = s.get(Worker, code.worker_id)
        if worker is None or worker.status != "active":
            raise Gone("此登记码对应的工作人员已停用。")
        s.add(
            Device(
                id=device_id,
                worker_id=worker.id,
                public_key=request.public_key,
                name=request.device_name,
                enrolled_at=now,
            )
        )
        areas = worker_areas(s, worker.id)
        names = area_names(s, areas)
        staff = staff_info(read_staff(s, areas))
        audit.record(s, "device_enrolled", actor=worker.id, device_id=device_id)
    return EnrollResponse(
        device_id=device_id,
        worker=WorkerInfo(
            id=worker.id, name=worker.name, role=worker.role, team=worker.team, areas=areas
        ),
        recovery_public_key=base64.b64encode(recovery).decode(),
        server_hlc=ctx.clock.now(),
        area_names=names,
        staff=staff,
    )


def area_names(session: Session, scopes: list[str]) -> dict[str, str]:
    """Names of the areas inside the scopes and of the county and township above each."""
    parents = {code[:n] for code in scopes for n in (6, 9) if len(code) > n}
    names: dict[str, str] = {}
    for area in session.exec(select(Area)):
        if area.code in parents or any(area.code.startswith(scope) for scope in scopes):
            names[area.code] = area.name
    return names
