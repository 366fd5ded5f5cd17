"""Service projects (慈善帮扶项目库): register, edit, stop and list them, and send devices
those serving their areas.

Organisations register their own projects on the console (charity staff for their
organisation, supervisors and admins for any); every change is audited. A project is
never deleted: deliveries name it, so it is stopped instead. Devices receive the projects
and organisations of their scope on the last page of a pull when they changed (the
device names the digest of the book it holds), like the staff (services.staff).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session
from sqlmodel import col, select

from app.domain.ids import new_id
from app.domain.organisations import OrganisationKind
from app.domain.projects import (
    InvalidProject,
    OrganisationRef,
    ProjectBook,
    ServiceProject,
    of_scope,
    parse_project,
)
from app.ui.catalogue import message
from sync.server.context import ServerContext
from sync.server.errors import BadRequest, NotFound
from sync.server.services import audit
from sync.server.tables import Organisation, OrganisationArea, ServiceProjectRow

CHINA = timezone(timedelta(hours=8))


class ProjectRefused(BadRequest):
    """A project's field that cannot be taken; the message says which and why."""

    code = "invalid_project"


@dataclass(frozen=True)
class ProjectInput:
    """What a person enters for a project, as text (`checked()` parses it)."""

    name: str
    organisation_id: str
    need_areas: Sequence[str]
    areas: Sequence[str]
    starts_on: str
    ends_on: str = ""
    funding: str = ""
    budget_yuan: str = "0"
    capacity: str = "0"
    brand: bool = False

    def checked(self, project_id: str) -> ServiceProject:
        """The project, or ProjectRefused naming the first field that is wrong."""
        values = {
            "id": project_id,
            "name": self.name,
            "organisation_id": self.organisation_id.strip(),
            "need_areas": [n.strip() for n in self.need_areas if n.strip()],
            "areas": [a.strip() for a in self.areas if a.strip()],
            "starts_on": _day(self.starts_on, "开始日期"),
            "ends_on": _day(self.ends_on, "结束日期") if self.ends_on.strip() else None,
            "funding": self.funding.strip(),
            "budget_yuan": _whole(self.budget_yuan, "预算"),
            "capacity": _whole(self.capacity, "可服务户数"),
            "brand": self.brand,
        }
        if not values["need_areas"]:
            raise ProjectRefused("请至少选择一个需求领域。")
        if not values["areas"]:
            raise ProjectRefused("请填写至少一个服务区划（6、9 或 12 位代码）。")
        try:
            return parse_project(values)
        except InvalidProject as exc:
            raise ProjectRefused(f"{message(exc)}。") from None


def _day(text: str, what: str) -> str:
    value = text.strip()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ProjectRefused(f"{what}格式应为 2026-05-01。") from None


def _whole(text: str, what: str) -> int:
    value = text.strip().replace(",", "") or "0"
    if not value.isdigit() or len(value) > 12:
        raise ProjectRefused(f"{what}应为不小于 0 的整数。")
    return int(value)


def _to_domain(row: ServiceProjectRow, org: Organisation | None) -> ServiceProject:
    return ServiceProject.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "organisation_id": row.organisation_id,
            "organisation_name": org.name if org else "",
            "organisation_kind": org.kind if org else OrganisationKind.CHARITY.value,
            "need_areas": row.need_areas,
            "areas": row.areas,
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "funding": row.funding,
            "budget_yuan": row.budget_yuan,
            "capacity": row.capacity,
            "brand": row.brand,
            "active": row.active,
        }
    )


def _organisation(session: Session, organisation_id: str) -> Organisation:
    org = session.get(Organisation, organisation_id[:64])
    if org is None or not org.active:
        raise ProjectRefused("所属机构不存在或已停用。")
    return org


def add_project(ctx: ServerContext, entered: ProjectInput, *, actor: str = "cli") -> ServiceProject:
    """A new, active project of an active organisation."""
    project = entered.checked(new_id())
    now = datetime.now(UTC)
    with ctx.db.small_write() as s:
        org = _organisation(s, project.organisation_id)
        row = ServiceProjectRow(
            id=project.id,
            name=project.name,
            organisation_id=org.id,
            need_areas=[n.value for n in project.need_areas],
            areas=list(project.areas),
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            funding=project.funding.value,
            budget_yuan=project.budget_yuan,
            capacity=project.capacity,
            brand=project.brand,
            active=True,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        audit.record(s, "project_added", actor=actor, project_id=row.id, organisation_id=org.id)
        return _to_domain(row, org)


def update_project(
    ctx: ServerContext, project_id: str, entered: ProjectInput, *, actor: str = "cli"
) -> ServiceProject:
    """Replace a project's fields (its active flag stays); NotFound if there is none."""
    project = entered.checked(project_id)
    with ctx.db.small_write() as s:
        row = _get(s, project_id)
        org = _organisation(s, project.organisation_id)
        row.name, row.organisation_id = project.name, org.id
        row.need_areas = [n.value for n in project.need_areas]
        row.areas = list(project.areas)
        row.starts_on, row.ends_on = project.starts_on, project.ends_on
        row.funding, row.budget_yuan = project.funding.value, project.budget_yuan
        row.capacity, row.brand = project.capacity, project.brand
        row.updated_at = datetime.now(UTC)
        s.add(row)
        audit.record(s, "project_updated", actor=actor, project_id=row.id)
        return _to_domain(row, org)


def set_active(
    ctx: ServerContext, project_id: str, active: bool, *, actor: str = "cli"
) -> ServiceProject:
    """Stop (or resume) a project; a no-op if it is so already."""
    with ctx.db.small_write() as s:
        row = _get(s, project_id)
        if row.active != active:
            row.active = active
            row.updated_at = datetime.now(UTC)
            s.add(row)
            action = "project_resumed" if active else "project_stopped"
            audit.record(s, action, actor=actor, project_id=row.id)
        return _to_domain(row, s.get(Organisation, row.organisation_id))


def _get(session: Session, project_id: str) -> ServiceProjectRow:
    row = session.get(ServiceProjectRow, project_id[:64])
    if row is None:
        raise NotFound(f"找不到服务项目 {project_id[:64]}。")
    return row


def find_project(ctx: ServerContext, project_id: str) -> ServiceProject:
    """A project by its id; else NotFound."""
    with ctx.db.reading() as s:
        row = _get(s, project_id)
        return _to_domain(row, s.get(Organisation, row.organisation_id))


def read_projects(session: Session, *, organisation_id: str | None = None) -> list[ServiceProject]:
    """Every project (or one organisation's), by name."""
    query = select(ServiceProjectRow).order_by(
        col(ServiceProjectRow.name), col(ServiceProjectRow.id)
    )
    if organisation_id is not None:
        query = query.where(col(ServiceProjectRow.organisation_id) == organisation_id)
    rows = list(session.execute(query).scalars())
    orgs = {
        o.id: o
        for o in session.execute(
            select(Organisation).where(col(Organisation.id).in_({r.organisation_id for r in rows}))
        ).scalars()
    }
    return [_to_domain(r, orgs.get(r.organisation_id)) for r in rows]


def list_projects(
    ctx: ServerContext, *, organisation_id: str | None = None, include_inactive: bool = False
) -> list[ServiceProject]:
    """Projects by name (the active ones only unless `include_inactive`)."""
    with ctx.db.reading() as s:
        found = read_projects(s, organisation_id=organisation_id)
    return [p for p in found if p.active or include_inactive]


def read_organisation_refs(
    session: Session, scope: Sequence[str] | None = None
) -> list[OrganisationRef]:
    """The organisations (all, or those serving an area overlapping `scope`), as the
    indicators and devices see them."""
    serving: dict[str, list[str]] = {}
    for org_id, code in session.execute(
        select(col(OrganisationArea.organisation_id), col(OrganisationArea.code))
    ):
        serving.setdefault(org_id, []).append(code)
    refs = []
    for org in session.execute(select(Organisation).order_by(col(Organisation.id))).scalars():
        codes = serving.get(org.id, [])
        if scope is not None and not any(
            c.startswith(s) or s.startswith(c) for c in codes for s in scope
        ):
            continue
        refs.append(
            OrganisationRef(
                id=org.id,
                name=org.name[:100],
                kind=OrganisationKind(org.kind),
                active=org.active,
                registered_on=_china_day(org.created_at),
            )
        )
    return refs


def _china_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(CHINA).date()


def project_book(session: Session, scope: Sequence[str] | None = None) -> ProjectBook:
    """The projects and organisations of a scope (every one when `scope` is None)."""
    projects = read_projects(session)
    return ProjectBook(
        projects=projects if scope is None else of_scope(projects, scope),
        organisations=read_organisation_refs(session, scope),
    )


def book_digest(book: ProjectBook) -> str:
    """A short digest of a book as sent, so a device need not be sent it again."""
    text = json.dumps(book.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def book_update(session: Session, scope: Sequence[str], held: str) -> dict[str, object]:
    """For the last page of a pull: the book's digest, and the book unless the device's
    `held` digest already matches."""
    book = project_book(session, scope)
    digest = book_digest(book)
    if digest == held:
        return {"projects_digest": digest}
    return {"projects_digest": digest, "projects": book.model_dump(mode="json")}


def load_demo_library(
    ctx: ServerContext,
    organisations: dict[str, str],
    scope: Sequence[str],
    *,
    today: date,
    seed: int = 1,
) -> tuple[int, int]:
    """The demo's service projects (app.demo.projects), owned by `organisations` (by the
    demo's keys), serving `scope`, with their deliveries to the scope's households this
    year; returns (projects, deliveries)."""
    from app.demo.projects import DEMO_PROJECTS, demo_deliveries
    from app.domain.codes import NeedStatus
    from app.domain.records import Household, Need
    from sync.server.services.exchange import load_records
    from sync.server.tables import RecordRow

    made = {}
    for demo in DEMO_PROJECTS:
        project = add_project(
            ctx,
            ProjectInput(
                name=demo.name,
                organisation_id=organisations[demo.owner],
                need_areas=[a.value for a in demo.need_areas],
                areas=list(scope),
                starts_on=date(today.year - 1, 3, 1).isoformat(),
                funding=demo.funding.value,
                budget_yuan=str(demo.budget_yuan),
                capacity=str(demo.capacity),
                brand=demo.brand,
            ),
            actor="demo",
        )
        made[project.id] = demo
    with ctx.db.reading() as s:
        rows = s.execute(
            select(col(RecordRow.type), col(RecordRow.data)).where(
                col(RecordRow.type).in_(("household", "need")),
                or_(*(col(RecordRow.area_code).startswith(code) for code in scope)),
            )
        ).all()
    households = [Household.from_stored(d) for t, d in rows if t == "household"]
    needs = [Need.from_stored(d) for t, d in rows if t == "need"]
    deliveries = demo_deliveries(households, needs, made, today=today, seed=seed)
    written = load_records(ctx, deliveries, actor="demo")
    matches = {d.need_id: d.project_id for d in deliveries if d.need_id}
    waiting = (NeedStatus.REASONABLE, NeedStatus.MATCHED, NeedStatus.REFERRED)
    for i, need in enumerate(sorted(needs, key=lambda n: n.id)):
        helping = [p for p in sorted(made) if need.area in made[p].need_areas]
        if need.status in waiting and need.id not in matches and helping:
            matches[need.id] = helping[i % len(helping)]
    _match_demo_needs(ctx, matches, made)
    return len(made), written


def _match_demo_needs(ctx: ServerContext, matches: dict[str, str], made: dict[str, Any]) -> None:
    """Needs matched to projects (匹配项目: need id → project id) as a coordinator would have,
    so that a demo charity's console lists them (server changes)."""
    from app.domain.codes import NeedStatus
    from app.domain.records import Need
    from sync import merge
    from sync.server.context import set_meta
    from sync.server.services.feed import Feed

    with ctx.db.writing() as s:
        feed = Feed(s)
        feed.preload(matches)
        for need_id, project_id in sorted(matches.items()):
            row = feed.get(need_id)
            if row is None or row.type != "need":
                continue
            need = Need.from_stored(row.data)
            if need.project_id is not None:
                continue
            status = NeedStatus.MATCHED if need.status == NeedStatus.REASONABLE else need.status
            changes = {
                "project_id": project_id,
                "resource": made[project_id].name[:100],
                "status": status.value,
            }
            outcome = merge.server_write(
                "need",
                json.loads(row.data),
                row.stamps,
                changes,
                hlc=ctx.clock.now(),
                seq=feed.last + 1,
            )
            feed.replace(row, outcome.data, outcome.stamps)
        feed.close()
        set_meta(s, "hlc", ctx.clock.last)
