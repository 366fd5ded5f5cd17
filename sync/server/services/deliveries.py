"""Deliveries of a service project recorded by its organisation (项目服务记录, console side):
the needs coordinators matched to the organisation's project (匹配项目), a matched need's
page, and a delivery to its household.

A charity sees only its own projects and only the needs matched to them, in the areas the
project serves. What it sees of the person is decided at every read by
`app.domain.referrals.matched_categories` over the consent events the server holds now, and
logged (`disclosures.log_match`) in the transaction of the read. A delivery it records is a
`Delivery` record written as the server's change: devices in scope pull it like one a
worker recorded, and it counts in 服务项目在册困难群众覆盖率 and the household's 已获帮扶.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain.codes import DataCategory, NeedArea, NeedStatus
from app.domain.consent import ConsentStatus, under_14
from app.domain.records import (
    HEAD_RELATION,
    MONEY_MAX_YUAN,
    NOTE_MAX_CHARS,
    SHORT_TEXT_MAX_CHARS,
    Delivery,
    Need,
    Person,
)
from app.domain.referrals import Visibility, matched_categories
from app.ui.catalogue import label
from sync import merge
from sync.server.context import ServerContext, set_meta
from sync.server.errors import BadRequest, NotFound
from sync.server.scope import area_filter
from sync.server.services import audit, disclosures
from sync.server.services.feed import Feed
from sync.server.services.referrals import (
    GENDERS,
    Reader,
    Shown,
    _classes,
    _consents,
    _places,
    consent_text,
)
from sync.server.tables import JsonText, RecordRow, ServiceProjectRow

CHINA = timezone(timedelta(hours=8))
PER_PAGE = 50
DELIVERIES_SHOWN = 200


class DeliveryRefused(BadRequest):
    """A delivery the form cannot take; the message says which field and why."""

    code = "invalid_delivery"


def china_today() -> date:
    """Today where the console's users are (a delivery is not dated after it)."""
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class MatchItem:
    """A need matched to the project as the list shows it: nothing personal."""

    need_id: str
    area: NeedArea
    status: NeedStatus
    raised_on: date
    place: str
    consent: ConsentStatus
    visible: bool
    deliveries: int
    last_delivered_on: date | None

    @property
    def consent_text(self) -> str:
        return consent_text(self.consent)


@dataclass(frozen=True)
class Matches:
    """One page of the needs matched to a project."""

    project: ServiceProjectRow
    items: list[MatchItem]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class MatchPage:
    """A matched need as its organisation's page shows it: the person's data its consent
    allows today (logged), and the project's deliveries to the household."""

    project: ServiceProjectRow
    need: Need
    place: str
    visibility: Visibility
    shown: tuple[Shown, ...]
    deliveries: list[Delivery]

    @property
    def consent_text(self) -> str:
        return consent_text(self.visibility.consent)


@dataclass(frozen=True)
class DeliveryInput:
    """What the organisation's user entered, as text (`checked` parses it)."""

    delivered_on: str
    service: str
    value_yuan: str = ""
    note: str = ""


def _project(s: Session, organisation_id: str, project_id: str) -> ServiceProjectRow:
    """The organisation's project; another organisation's (or none) is the same NotFound."""
    row = s.get(ServiceProjectRow, project_id[:64])
    if row is None or not organisation_id or row.organisation_id != organisation_id:
        raise NotFound("找不到此服务项目。")
    return row


need_project = RecordRow.__table__.c.need_project  # type: ignore[attr-defined]


def _matched(project: ServiceProjectRow) -> tuple[Any, ...]:
    """Where a stored need is matched to the project (its partial index) and lies in an
    area the project serves."""
    return (
        col(RecordRow.type) == "need",
        need_project == project.id,
        area_filter(col(RecordRow.area_code), project.areas),
    )


def _need(s: Session, project: ServiceProjectRow, need_id: str) -> Need:
    """A need matched to the project (in an area it serves); any other id is NotFound."""
    row = s.get(RecordRow, need_id[:64])
    if row is None or row.type != "need":
        raise NotFound("找不到此匹配的需求。")
    need = Need.from_stored(row.data)
    if need.project_id != project.id or not any(
        need.area_code.startswith(code) for code in project.areas
    ):
        raise NotFound("找不到此匹配的需求。")
    return need


def _subjects(s: Session, needs: list[Need]) -> dict[str, Person | None]:
    """The person each need is about: its own, else its household's head (by need id)."""
    households = sorted({n.household_id for n in needs})
    members: dict[str, list[Person]] = {}
    for start in range(0, len(households), 500):
        rows = s.execute(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "person",
                col(RecordRow.household_id).in_(households[start : start + 500]),
            )
        ).scalars()
        for data in rows:
            person = Person.from_stored(data)
            members.setdefault(person.household_id, []).append(person)
    out: dict[str, Person | None] = {}
    for need in needs:
        people = members.get(need.household_id, [])
        own = next((p for p in people if p.id == need.person_id), None)
        head = next((p for p in people if p.relation == HEAD_RELATION and not p.left_on), None)
        out[need.id] = own if need.person_id else head
    return out


def _visibility(
    s: Session, organisation_id: str, needs: list[Need], today: date
) -> dict[str, tuple[Person | None, Visibility]]:
    """Who each need is about and what the organisation may see of them today."""
    classes = _classes(s, organisation_id)
    refs = (organisation_id, *sorted(classes - {organisation_id}))
    consents = _consents(s, (n.household_id for n in needs), set(refs))
    subjects = _subjects(s, needs)
    out: dict[str, tuple[Person | None, Visibility]] = {}
    for need in needs:
        person = subjects[need.id]
        if person is None:
            out[need.id] = (None, Visibility(ConsentStatus.NOT_GRANTED, ()))
            continue
        seen = matched_categories(
            consents.get(person.id, []),
            person.id,
            refs,
            today,
            child=under_14(person.birth_date, today),
        )
        out[need.id] = (person, seen)
    return out


def _delivery_tally(
    s: Session, project_id: str, household_ids: list[str]
) -> dict[str, tuple[int, date | None]]:
    """How many deliveries of the project each household had, and the last one's day."""
    found: dict[str, tuple[int, date | None]] = {}
    for start in range(0, len(household_ids), 500):
        rows = s.execute(
            select(
                col(RecordRow.household_id),
                func.count(),
                func.max(JsonText(col(RecordRow.data), "delivered_on")),
            )
            .where(
                col(RecordRow.type) == "delivery",
                col(RecordRow.household_id).in_(household_ids[start : start + 500]),
                JsonText(col(RecordRow.data), "project_id") == project_id,
            )
            .group_by(col(RecordRow.household_id))
        ).all()
        for household_id, count, last in rows:
            found[household_id or ""] = (int(count), date.fromisoformat(last) if last else None)
    return found


def matches(
    ctx: ServerContext, organisation_id: str, project_id: str, today: date, *, page: int = 1
) -> Matches:
    """A page of the needs matched to the organisation's project, newest first, each with
    its consent's status today. Nothing personal is read out, so nothing is logged."""
    with ctx.db.reading() as s:
        project = _project(s, organisation_id, project_id)
        total = int(s.execute(select(func.count()).where(*_matched(project))).scalar_one())
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        found = s.execute(
            select(col(RecordRow.data))
            .where(*_matched(project))
            .order_by(col(RecordRow.seq).desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        ).scalars()
        needs = [Need.from_stored(data) for data in found]
        seen = _visibility(s, organisation_id, needs, today)
        tally = _delivery_tally(s, project.id, sorted({n.household_id for n in needs}))
        places = _places(s, (n.area_code for n in needs))
    items = [
        MatchItem(
            need_id=n.id,
            area=n.area,
            status=n.status,
            raised_on=n.raised_on,
            place=places.get(n.area_code, n.area_code),
            consent=seen[n.id][1].consent,
            visible=seen[n.id][1].visible,
            deliveries=tally.get(n.household_id, (0, None))[0],
            last_delivered_on=tally.get(n.household_id, (0, None))[1],
        )
        for n in needs
    ]
    return Matches(project, items, page, pages, total)


def _shown(
    s: Session, need: Need, person: Person, categories: tuple[DataCategory, ...], today: date
) -> tuple[Shown, ...]:
    """The person's data of `categories` (of `MATCH_CATEGORIES`), read now."""
    household_row = s.get(RecordRow, need.household_id)
    household = json.loads(household_row.data) if household_row is not None else {}
    out: list[Shown] = []
    for category in categories:
        if category == DataCategory.IDENTITY:
            age = person.age_on(today)
            out += [
                Shown(category, "姓名", person.name),
                Shown(category, "性别", GENDERS.get(person.gender or "", "未知")),
                Shown(category, "年龄", "未知" if age is None else f"{age} 岁"),
            ]
        elif category == DataCategory.CONTACT:
            out += [
                Shown(category, "电话", person.phone or household.get("phone") or "无"),
                Shown(category, "住址", str(household.get("address", ""))),
            ]
        elif category == DataCategory.NEEDS:
            out.append(Shown(category, f"需求（{label(need.area)}）", need.description))
    return tuple(out)


def _deliveries(s: Session, project_id: str, household_id: str) -> list[Delivery]:
    rows = s.execute(
        select(col(RecordRow.data)).where(
            col(RecordRow.type) == "delivery",
            col(RecordRow.household_id) == household_id,
            JsonText(col(RecordRow.data), "project_id") == project_id,
        )
    ).scalars()
    found = [Delivery.from_stored(data) for data in rows]
    found.sort(key=lambda d: (d.delivered_on, d.id), reverse=True)
    return found[:DELIVERIES_SHOWN]


def disclosure_purpose(project: ServiceProjectRow) -> str:
    """The purpose a match's disclosure is logged with: the project's service."""
    return f"项目服务：{project.name}"[:SHORT_TEXT_MAX_CHARS]


def open_match(
    ctx: ServerContext, reader: Reader, project_id: str, need_id: str, today: date
) -> MatchPage:
    """A need matched to the reader's organisation's project, with what may be shown of its
    person today; what is shown is logged (viewed) before it is returned."""
    with ctx.db.small_write() as s:
        project = _project(s, reader.organisation_id, project_id)
        need = _need(s, project, need_id)
        person, seen = _visibility(s, reader.organisation_id, [need], today)[need.id]
        shown = _shown(s, need, person, seen.categories, today) if person is not None else ()
        if shown and person is not None:
            categories = tuple(sorted({x.category for x in shown}))
            disclosures.log_match(
                s, reader, need, person.id, disclosure_purpose(project), categories
            )
        place = _places(s, [need.area_code])[need.area_code]
        delivered = _deliveries(s, project.id, need.household_id)
    return MatchPage(project, need, place, seen, shown, delivered)


def _checked(entered: DeliveryInput, project: ServiceProjectRow, today: date) -> dict[str, object]:
    """The delivery's date, service, value and note, or DeliveryRefused saying what is wrong."""
    try:
        day = date.fromisoformat(entered.delivered_on.strip())
    except ValueError:
        raise DeliveryRefused("服务日期格式应为 2026-05-01。") from None
    if day > today:
        raise DeliveryRefused("服务日期不能晚于今天。")
    if day < project.starts_on or (project.ends_on is not None and day > project.ends_on):
        until = project.ends_on.isoformat() if project.ends_on else "长期"
        raise DeliveryRefused(
            f"服务日期不在项目实施期内（{project.starts_on.isoformat()} 至 {until}）。"
        )
    service = " ".join(entered.service.split())
    if not service:
        raise DeliveryRefused("请填写提供的服务。")
    if len(service) > SHORT_TEXT_MAX_CHARS:
        raise DeliveryRefused(f"提供的服务不能超过 {SHORT_TEXT_MAX_CHARS} 个字。")
    amount = entered.value_yuan.strip().replace(",", "") or "0"
    if not amount.isdigit() or len(amount) > 12 or int(amount) > MONEY_MAX_YUAN:
        raise DeliveryRefused(f"价值应为 0 到 {MONEY_MAX_YUAN} 之间的整数（元）。")
    note = entered.note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise DeliveryRefused(f"备注不能超过 {NOTE_MAX_CHARS} 个字。")
    return {"delivered_on": day, "service": service, "value_yuan": int(amount), "note": note}


def record_delivery(
    ctx: ServerContext,
    reader: Reader,
    project_id: str,
    need_id: str,
    entered: DeliveryInput,
    today: date,
) -> Delivery:
    """The organisation's delivery of its project to the household of a need matched to it,
    written as the server's change (devices in scope pull it); DeliveryRefused with one
    sentence for a field the form got wrong or a project that cannot take it now."""
    with ctx.db.writing() as s:
        project = _project(s, reader.organisation_id, project_id)
        need = _need(s, project, need_id)
        if not project.active:
            raise DeliveryRefused("此项目已停止，不能再登记服务。")
        if need.area.value not in project.need_areas:
            raise DeliveryRefused("此项目不再提供该需求领域的帮扶，不能登记服务。")
        fields = _checked(entered, project, today)
        hlc = ctx.clock.now()
        delivery = Delivery(
            area_code=need.area_code,
            household_id=need.household_id,
            person_id=need.person_id,
            project_id=project.id,
            need_id=need.id,
            area=need.area,
            **fields,  # type: ignore[arg-type]
        )
        data = delivery.model_dump(mode="json") | {
            "created_hlc": hlc,
            "updated_hlc": hlc,
            "author_worker_id": f"org:{reader.organisation_id}"[:40],
            "device_id": "server",
        }
        data = merge.validate("delivery", data).model_dump(mode="json")
        feed = Feed(s)
        feed.insert("delivery", data, {merge.WHOLE_RECORD: [hlc, feed.last + 1, "server"]})
        feed.close()
        audit.record(
            s,
            "delivery_recorded",
            actor=reader.actor,
            organisation=reader.organisation_id,
            project=project.id,
            delivery=delivery.id,
            need=need.id,
        )
        set_meta(s, "hlc", ctx.clock.last)
        return Delivery.from_stored(data)
