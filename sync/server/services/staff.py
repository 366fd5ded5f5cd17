"""Staff (工作人员) as reports see them: read from the workers tables into the domain's `Staff`.

The rule that picks a household's 责任人 is the domain's (app.domain.staff); the server's
reports read every worker, a device is sent those whose areas overlap its scope (at
enrolment, and on the last page of a pull whenever they changed: the device names the
digest of the staff it holds) so that it attributes households the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from app.domain.staff import Staff, StaffMember
from sync.protocol import StaffInfo, StaffList
from sync.server.context import ServerContext
from sync.server.tables import Worker, WorkerArea


def read_staff(session: Session, scope: Sequence[str] | None = None) -> Staff:
    """Every worker with their areas, or (given `scope`) those a device of that scope needs."""
    areas: dict[str, list[str]] = defaultdict(list)
    for worker_id, code in session.execute(
        select(col(WorkerArea.worker_id), col(WorkerArea.code)).order_by(col(WorkerArea.code))
    ):
        areas[worker_id].append(code)
    rows = session.execute(
        select(
            col(Worker.id), col(Worker.name), col(Worker.role), col(Worker.team), col(Worker.status)
        ).order_by(col(Worker.id))
    )
    staff = Staff(
        tuple(
            StaffMember(w, name, role, team, status == "active", tuple(areas.get(w, ())))
            for w, name, role, team, status in rows
        )
    )
    return staff if scope is None else staff.of_scope(scope)


def staff_info(staff: Staff) -> list[StaffInfo]:
    """The staff as the wire sends them."""
    return [StaffInfo.model_validate(m.to_json()) for m in staff.members]


def staff_of_scope(ctx: ServerContext, scope: Sequence[str]) -> StaffList:
    """`GET /v1/staff`: the staff whose areas overlap the caller's scope."""
    with ctx.db.reading() as session:
        return StaffList(staff=staff_info(read_staff(session, scope)))


def staff_digest(staff: list[StaffInfo]) -> str:
    """A short digest of a staff list as sent, so a device need not be sent it again."""
    text = json.dumps([m.model_dump() for m in staff], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def staff_update(session: Session, scope: Sequence[str], held: str) -> dict[str, object]:
    """For the last page of a pull: the staff digest, and the staff unless the device's
    `held` digest already matches."""
    staff = staff_info(read_staff(session, scope))
    digest = staff_digest(staff)
    if digest == held:
        return {"staff_digest": digest}
    return {"staff_digest": digest, "staff": [m.model_dump() for m in staff]}
