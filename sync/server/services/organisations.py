"""Organisations (慈善帮扶力量): add, list, edit, deactivate and reactivate.

Organisations are server-owned reference data that the county admin keeps (from the
shell or the console); every change is audited. An organisation is never deleted: consent
recipients and referrals will name it, so it is deactivated instead.

Devices receive the organisations serving their scope as reference data (name, kind,
credit code, areas, need areas, active; never the contact) on the last page of a pull,
when they changed (`organisations_update`, like the staff); consents and referrals name
one by its id (`app.domain.recipients`), which `recipient_of` reads back.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.codes import NeedArea
from app.domain.ids import new_id
from app.domain.organisations import (
    InvalidOrganisation,
    OrganisationKind,
    parse_credit_code,
    parse_kind,
    parse_organisation_name,
)
from app.domain.recipients import OrganisationRef, organisation_id_of
from app.ui.catalogue import message
from sync.server.context import ServerContext
from sync.server.errors import BadRequest, Conflict, NotFound
from sync.server.services import audit
from sync.server.services.admin import parse_areas
from sync.server.tables import Organisation, OrganisationArea

CONTACT_MAX = 200


class OrganisationRefused(BadRequest):
    """An organisation's field that cannot be taken; the message says which and why."""

    code = "invalid_organisation"


@dataclass(frozen=True)
class OrganisationView:
    """An organisation as the console and the shell show it."""

    id: str
    name: str
    kind: OrganisationKind
    credit_code: str
    areas: tuple[str, ...]
    need_areas: tuple[NeedArea, ...]
    contact: str
    active: bool


@dataclass(frozen=True)
class OrganisationInput:
    """What an admin enters for an organisation, unchecked (`checked()` parses it)."""

    name: str
    kind: str
    credit_code: str
    areas: Sequence[str]
    need_areas: Sequence[str] = ()
    contact: str = ""

    def checked(self) -> tuple[str, OrganisationKind, str, list[str], list[NeedArea], str]:
        """Name, kind, credit code, areas, need areas and contact, parsed; raises
        OrganisationRefused naming the first field that is wrong."""
        try:
            name = parse_organisation_name(self.name)
            kind = parse_kind(self.kind)
            code = parse_credit_code(self.credit_code)
        except InvalidOrganisation as exc:
            raise OrganisationRefused(f"{message(exc)}。") from None
        areas = parse_areas(list(self.areas))
        needs: list[NeedArea] = []
        for raw in self.need_areas:
            try:
                need = NeedArea(raw.strip())
            except ValueError:
                known = "、".join(n.value for n in NeedArea)
                raise OrganisationRefused(f"需求领域「{raw}」无效，可选：{known}。") from None
            if need not in needs:
                needs.append(need)
        contact = " ".join(self.contact.split())
        if len(contact) > CONTACT_MAX:
            raise OrganisationRefused(f"联系方式最多{CONTACT_MAX}个字。")
        return name, kind, code, areas, needs, contact


def _view(row: Organisation, areas: Sequence[str]) -> OrganisationView:
    return OrganisationView(
        id=row.id,
        name=row.name,
        kind=OrganisationKind(row.kind),
        credit_code=row.credit_code,
        areas=tuple(sorted(areas)),
        need_areas=tuple(NeedArea(n) for n in row.need_areas),
        contact=row.contact,
        active=row.active,
    )


def _areas_of(session: Session, ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    query = select(OrganisationArea).where(col(OrganisationArea.organisation_id).in_(ids))
    for row in session.exec(query):
        out[row.organisation_id].append(row.code)
    return out


def _duplicate(code: str) -> Conflict:
    return Conflict(f"统一社会信用代码 {code} 已登记。")


def add_organisation(
    ctx: ServerContext, entered: OrganisationInput, *, actor: str = "cli"
) -> OrganisationView:
    """A new, active organisation; Conflict if its credit code is registered already."""
    name, kind, code, areas, needs, contact = entered.checked()
    now = datetime.now(UTC)
    row = Organisation(
        id=new_id(),
        name=name,
        kind=kind.value,
        credit_code=code,
        need_areas=[n.value for n in needs],
        contact=contact,
        active=True,
        created_at=now,
        updated_at=now,
    )
    try:
        with ctx.db.small_write() as s:
            if s.exec(select(Organisation).where(Organisation.credit_code == code)).first():
                raise _duplicate(code)
            s.add(row)
            s.flush()
            for area in areas:
                s.add(OrganisationArea(organisation_id=row.id, code=area))
            audit.record(
                s, "organisation_added", actor=actor, organisation_id=row.id, credit_code=code
            )
    except IntegrityError:  # another process registered the same code in between
        raise _duplicate(code) from None
    return _view(row, areas)


def update_organisation(
    ctx: ServerContext, organisation_id: str, entered: OrganisationInput, *, actor: str = "cli"
) -> OrganisationView:
    """Replace an organisation's fields (its active flag stays); NotFound, or Conflict for
    a credit code another organisation holds."""
    name, kind, code, areas, needs, contact = entered.checked()
    try:
        with ctx.db.small_write() as s:
            row = _get(s, organisation_id)
            other = s.exec(select(Organisation).where(Organisation.credit_code == code)).first()
            if other is not None and other.id != row.id:
                raise _duplicate(code)
            row.name, row.kind, row.credit_code = name, kind.value, code
            row.need_areas, row.contact = [n.value for n in needs], contact
            row.updated_at = datetime.now(UTC)
            s.add(row)
            for old in s.exec(
                select(OrganisationArea).where(OrganisationArea.organisation_id == row.id)
            ):
                s.delete(old)
            s.flush()
            for area in areas:
                s.add(OrganisationArea(organisation_id=row.id, code=area))
            audit.record(s, "organisation_updated", actor=actor, organisation_id=row.id)
    except IntegrityError:
        raise _duplicate(code) from None
    return _view(row, areas)


def _get(session: Session, organisation_id: str) -> Organisation:
    row = session.get(Organisation, organisation_id)
    if row is None:
        raise NotFound(f"找不到机构 {organisation_id[:64]}。")
    return row


def find_organisation(ctx: ServerContext, id_or_code: str) -> OrganisationView:
    """An organisation by its id or its 统一社会信用代码 (any case); else NotFound."""
    value = id_or_code.strip()
    with ctx.db.reading() as s:
        row = (
            s.get(Organisation, value)
            or s.exec(select(Organisation).where(Organisation.credit_code == value.upper())).first()
        )
        if row is None:
            raise NotFound(f"找不到机构 {value[:64]}。")
        return _view(row, _areas_of(s, [row.id])[row.id])


def list_organisations(
    ctx: ServerContext, *, include_inactive: bool = False
) -> list[OrganisationView]:
    """Organisations by name (the active ones only unless `include_inactive`)."""
    with ctx.db.reading() as s:
        query = select(Organisation).order_by(col(Organisation.name), col(Organisation.id))
        if not include_inactive:
            query = query.where(col(Organisation.active).is_(True))
        rows = list(s.exec(query))
        areas = _areas_of(s, [r.id for r in rows])
    return [_view(r, areas[r.id]) for r in rows]


def set_active(
    ctx: ServerContext, id_or_code: str, active: bool, *, actor: str = "cli"
) -> OrganisationView:
    """Deactivate (or reactivate) an organisation; a no-op if it is so already."""
    found = find_organisation(ctx, id_or_code)
    if found.active == active:
        return found
    with ctx.db.small_write() as s:
        row = _get(s, found.id)
        row.active = active
        row.updated_at = datetime.now(UTC)
        s.add(row)
        action = "organisation_reactivated" if active else "organisation_deactivated"
        audit.record(s, action, actor=actor, organisation_id=row.id)
    return find_organisation(ctx, found.id)


# --- reference data for devices -----------------------------------------------------------


def _reference(row: Organisation, areas: Sequence[str]) -> OrganisationRef:
    return OrganisationRef(
        id=row.id,
        name=row.name,
        kind=OrganisationKind(row.kind),
        credit_code=row.credit_code,
        areas=tuple(sorted(areas)),
        need_areas=tuple(str(n) for n in row.need_areas),
        active=row.active,
    )


def recipient_of(session: Session, ref: str) -> OrganisationRef | None:
    """The organisation a recipient reference (its id) names (active or not), or None
    for any other reference or an id the county does not know."""
    organisation_id = organisation_id_of(ref)
    row = session.get(Organisation, organisation_id) if organisation_id else None
    if row is None:
        return None
    return _reference(row, _areas_of(session, [row.id])[row.id])


def _overlaps(areas: Sequence[str], scope: Sequence[str]) -> bool:
    return any(a.startswith(code) or code.startswith(a) for a in areas for code in scope)


def organisations_of_scope(session: Session, scope: Sequence[str]) -> list[OrganisationRef]:
    """The organisations (inactive ones too, so that older consents still read by name)
    serving an area that overlaps `scope`, by name (code points) then id."""
    rows = list(session.exec(select(Organisation)))
    areas = _areas_of(session, [r.id for r in rows])
    found = [_reference(r, areas[r.id]) for r in rows if _overlaps(areas[r.id], scope)]
    # Sorted here, not by the database: the digest must not depend on its collation.
    return sorted(found, key=lambda o: (o.name, o.id))


def organisations_update(session: Session, scope: Sequence[str], held: str) -> dict[str, object]:
    """For the last page of a pull: the digest of the scope's organisations, and the
    organisations themselves unless the device's `held` digest already matches."""
    found = [o.to_json() for o in organisations_of_scope(session, scope)]
    text = json.dumps(found, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    if digest == held:
        return {"organisations_digest": digest}
    return {"organisations_digest": digest, "organisations": found}
