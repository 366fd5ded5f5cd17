"""Referrals to a charity on the county server (双向转介): an organisation's inbox, a
referral's page, the organisation's answers and outcome, the export of its inbox, and the
coordinator's list of referrals nobody answered.

What a charity sees of a referred person is decided at every read by
`app.domain.referrals.shared_categories` over the person's consent events as the server
holds them now: a withdrawal pushed by a device hides the person at the next read. Every
read or export that shows a person's data is logged first (`disclosures.log`), with the
categories shown, in the same transaction as the read it logs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.assets import load_visit_policy
from app.domain.codes import (
    Category,
    DataCategory,
    NeedArea,
    NeedStatus,
    ReferralDirection,
    ReferralStatus,
)
from app.domain.consent import ConsentStatus
from app.domain.errors import DoorstepError
from app.domain.identity import mask_id_number
from app.domain.ids import new_id
from app.domain.organisations import OrganisationKind
from app.domain.policy import VisitPolicy
from app.domain.recipients import classes_for
from app.domain.records import MAX_PHOTO_BYTES, ConsentEvent, Need, Person, Referral
from app.domain.referrals import (
    Visibility,
    accept,
    answer_due,
    complete,
    decline,
    shared_categories,
    unanswered,
)
from app.ui.catalogue import label, message, purpose_label
from sync import merge
from sync.protocol import photo_type
from sync.server.context import ServerContext, set_meta
from sync.server.errors import Conflict, NotFound
from sync.server.scope import area_filter
from sync.server.services import audit, disclosures
from sync.server.services.feed import Feed
from sync.server.tables import Area, JsonText, Organisation, Photo, RecordRow

referral_recipient = RecordRow.__table__.c.referral_recipient  # type: ignore[attr-defined]
WITHDRAWN_TEXT = "同意已撤回"
GENDERS = {"M": "男", "F": "女"}


@dataclass(frozen=True)
class Reader:
    """A charity's console user: who reads, for which organisation."""

    user_id: str
    actor: str
    organisation_id: str


@dataclass(frozen=True)
class InboxItem:
    """A referral as the inbox lists it: nothing personal (the page of the referral shows
    the person, and logs it)."""

    id: str
    referred_on: date
    status: ReferralStatus
    purpose: str
    place: str  # township and village names
    consent: ConsentStatus
    visible: bool
    overdue: bool

    @property
    def consent_text(self) -> str:
        return "" if self.visible else consent_text(self.consent)


@dataclass(frozen=True)
class Shown:
    """One line of a person's data on a page: its category, label and value."""

    category: DataCategory
    label: str
    value: str


@dataclass(frozen=True)
class ReferralPage:
    """A referral as its organisation's page shows it: the referral, what may be shown
    today (`visibility`), and the data of those categories only."""

    referral: Referral
    place: str
    visibility: Visibility
    shown: tuple[Shown, ...]
    overdue: bool

    @property
    def consent_text(self) -> str:
        return consent_text(self.visibility.consent)


def consent_text(status: ConsentStatus) -> str:
    if status == ConsentStatus.WITHDRAWN:
        return WITHDRAWN_TEXT
    if status == ConsentStatus.EXPIRED:
        return "同意已过期"
    if status == ConsentStatus.NOT_GRANTED:
        return "未取得同意"
    return "同意有效"


# --- reading ----------------------------------------------------------------------------


def _referral_data(
    s: Session, organisation_id: str, *, offset: int = 0, limit: int | None = None
) -> list[str]:
    """The stored referrals to the organisation (its partial index), in the order it answers
    them: those awaiting an answer first, the longest waiting (overdue) at the top; then
    the answered, newest referred first; a day's by arrival, newest first. Not the
    referrals back it sent (反向转介 name it as their recipient too)."""
    data = col(RecordRow.data)
    waiting = JsonText(data, "status") == ReferralStatus.SENT.value
    referred_on = JsonText(data, "referred_on")
    query = (
        select(data)
        .where(*_to_organisation(organisation_id))
        .order_by(
            case((waiting, 0), else_=1),
            case((waiting, referred_on), else_=None).asc(),
            referred_on.desc(),
            col(RecordRow.seq).desc(),
        )
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(s.execute(query).scalars())


def _to_organisation(organisation_id: str) -> tuple[Any, ...]:
    """Where a stored referral is one sent to the organisation (not one back it sent)."""
    return (
        col(RecordRow.type) == "referral",
        referral_recipient == organisation_id,
        JsonText(col(RecordRow.data), "direction") == ReferralDirection.TO_CHARITY.value,
    )


def _referral_count(s: Session, organisation_id: str) -> int:
    return int(
        s.execute(select(func.count()).where(*_to_organisation(organisation_id))).scalar_one()
    )


def _consents(
    s: Session, household_ids: Iterable[str], recipients: Collection[str] | None = None
) -> dict[str, list[ConsentEvent]]:
    """The consent events of these households (to `recipients` only, when given), by person."""
    found: dict[str, list[ConsentEvent]] = {}
    wanted = sorted(set(household_ids))
    for start in range(0, len(wanted), 500):
        rows = s.execute(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "consent",
                col(RecordRow.household_id).in_(wanted[start : start + 500]),
            )
        ).scalars()
        for data in rows:
            # Other recipients' consents are skipped before they are validated.
            if recipients is not None and json.loads(data).get("recipient") not in recipients:
                continue
            event = ConsentEvent.from_stored(data)
            found.setdefault(event.person_id, []).append(event)
    return found


def _places(s: Session, codes: Iterable[str]) -> dict[str, str]:
    """Township and village names of 12-digit area codes."""
    codes = set(codes)
    keys = {c[:9] + "000" for c in codes} | codes
    names = {a.code: a.name for a in s.exec(select(Area).where(col(Area.code).in_(sorted(keys))))}
    return {
        c: " ".join(n for n in (names.get(c[:9] + "000", ""), names.get(c, "")) if n) or c
        for c in codes
    }


def _classes(s: Session, organisation_id: str) -> frozenset[str]:
    """The recipient classes the organisation belongs to (a consent to 助联体成员单位 covers
    a member)."""
    row = s.get(Organisation, organisation_id)
    return classes_for(OrganisationKind(row.kind)) if row is not None else frozenset()


def _to_charity(data: str) -> Referral | None:
    referral = Referral.from_stored(data)
    return referral if referral.direction == ReferralDirection.TO_CHARITY else None


@dataclass(frozen=True)
class Inbox:
    """One page of an organisation's inbox."""

    items: list[InboxItem]
    page: int
    pages: int
    total: int


PER_PAGE = 50


def inbox(
    ctx: ServerContext,
    organisation_id: str,
    today: date,
    *,
    page: int = 1,
    policy: VisitPolicy | None = None,
) -> Inbox:
    """A page of the referrals sent to the organisation, unanswered first (`_referral_data`),
    each with its consent's status today. Nothing personal is read out, so nothing is logged."""
    policy = policy or load_visit_policy()
    with ctx.db.reading() as s:
        total = _referral_count(s, organisation_id)
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        found = _referral_data(s, organisation_id, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        referrals = [r for r in (_to_charity(data) for data in found) if r]
        classes = _classes(s, organisation_id)
        consents = _consents(s, (r.household_id for r in referrals), {organisation_id, *classes})
        places = _places(s, (r.area_code for r in referrals))
    items = []
    for r in referrals:
        seen = shared_categories(r, consents.get(r.person_id, []), today, classes=classes)
        items.append(
            InboxItem(
                id=r.id,
                referred_on=r.referred_on,
                status=r.status,
                purpose=purpose_label(r.purpose, typed=False),
                place=places.get(r.area_code, r.area_code),
                consent=seen.consent,
                visible=seen.visible,
                overdue=unanswered(r, policy, today),
            )
        )
    return Inbox(items, page, pages, total)


def _referral_of(s: Session, organisation_id: str, referral_id: str) -> RecordRow:
    """The organisation's referral `referral_id`; any other id (another organisation's, a
    household's, none) is the same NotFound."""
    row = s.get(RecordRow, referral_id[:64])
    if row is None or row.type != "referral":
        raise NotFound("找不到此转介。")
    data = json.loads(row.data)
    if (
        data.get("recipient") != organisation_id
        or data.get("direction") != ReferralDirection.TO_CHARITY.value
    ):
        raise NotFound("找不到此转介。")
    return row


def _shown(
    s: Session,
    referral: Referral,
    categories: tuple[DataCategory, ...],
    today: date,
    needs: dict[str, list[str]] | None = None,
) -> tuple[Shown, ...]:
    """The person's data of `categories`, read now (nothing of any other category)."""
    if not categories:
        return ()
    person_row = s.get(RecordRow, referral.person_id)
    household_row = s.get(RecordRow, referral.household_id)
    if person_row is None or household_row is None:
        return ()
    person = Person.from_stored(person_row.data)
    household = json.loads(household_row.data)
    out: list[Shown] = []

    def add(category: DataCategory, name: str, value: object) -> None:
        out.append(Shown(category, name, "" if value is None else str(value)))

    for category in categories:
        if category == DataCategory.IDENTITY:
            add(category, "姓名", person.name)
            add(category, "性别", GENDERS.get(person.gender or "", "未知"))
            age = person.age_on(today)
            add(category, "年龄", "未知" if age is None else f"{age} 岁")
            add(category, "与户主关系", person.relation)
        elif category == DataCategory.CONTACT:
            add(category, "电话", person.phone or household.get("phone") or "无")
            add(category, "住址", household.get("address", ""))
        elif category == DataCategory.ID_NUMBER:
            add(category, "身份证号", mask_id_number(person.id_number or "") or "无")
        elif category == DataCategory.ASSISTANCE:
            kinds = "、".join(label(Category(c)) for c in household.get("categories") or [])
            add(category, "救助类别", kinds or "无")
            income = household.get("annual_income_yuan")
            add(category, "家庭年收入", "未登记" if income is None else f"{income} 元")
        elif category == DataCategory.HEALTH:
            add(category, "健康状况", person.health_note or "无记录")
        elif category == DataCategory.NEEDS:
            for need in _needs(s, referral, needs):
                add(category, f"需求（{label(need.area)}）", need.description)
    return tuple(out)


def _needs(
    s: Session, referral: Referral, prefetched: dict[str, list[str]] | None = None
) -> list[Need]:
    """The referred need, or (none named) the person's open needs (from `prefetched`, the
    needs' JSON by household, when given)."""
    if referral.need_id:
        row = s.get(RecordRow, referral.need_id)
        return [Need.from_stored(row.data)] if row is not None and row.type == "need" else []
    if prefetched is not None:
        rows: Iterable[str] = prefetched.get(referral.household_id, [])
    else:
        rows = s.execute(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "need",
                col(RecordRow.household_id) == referral.household_id,
            )
        ).scalars()
    needs = [Need.from_stored(d) for d in rows]
    closed = (NeedStatus.FULFILLED, NeedStatus.CLOSED, NeedStatus.UNREASONABLE)
    return [n for n in needs if n.person_id == referral.person_id and n.status not in closed]


def open_referral(
    ctx: ServerContext, reader: Reader, referral_id: str, today: date
) -> ReferralPage:
    """A referral of the reader's organisation with what may be shown of its person today;
    what is shown is logged (viewed) before it is returned."""
    policy = load_visit_policy()
    with ctx.db.small_write() as s:
        row = _referral_of(s, reader.organisation_id, referral_id)
        referral = Referral.from_stored(row.data)
        classes = _classes(s, reader.organisation_id)
        events = _consents(s, [referral.household_id], {reader.organisation_id, *classes}).get(
            referral.person_id, []
        )
        seen = shared_categories(referral, events, today, classes=classes)
        shown = _shown(s, referral, seen.categories, today)
        if shown:
            disclosures.log(
                s, reader, referral, tuple(sorted({x.category for x in shown})), "viewed"
            )
        place = _places(s, [referral.area_code])[referral.area_code]
    return ReferralPage(referral, place, seen, shown, unanswered(referral, policy, today))


# --- export -----------------------------------------------------------------------------

EXPORT_HEADER = (
    "转介编号",
    "转介日期",
    "状态",
    "目的",
    "所在地",
    "同意状态",
    "姓名",
    "性别",
    "年龄",
    "与户主关系",
    "电话",
    "住址",
    "身份证号",
    "救助类别",
    "家庭年收入",
    "健康状况",
    "需求",
)


def export_rows(ctx: ServerContext, reader: Reader, today: date) -> list[list[str]]:
    """The organisation's inbox as rows (`EXPORT_HEADER` first), each person's data of the
    categories their consent covers today; every person exported is logged (exported)."""
    rows: list[list[str]] = [list(EXPORT_HEADER)]
    with ctx.db.small_write() as s:
        referrals = [
            r
            for r in (_to_charity(data) for data in _referral_data(s, reader.organisation_id))
            if r
        ]
        classes = _classes(s, reader.organisation_id)
        consents = _consents(
            s, (r.household_id for r in referrals), {reader.organisation_id, *classes}
        )
        places = _places(s, (r.area_code for r in referrals))
        held, needs = _prefetch(s, referrals)
        for r in referrals:
            seen = shared_categories(r, consents.get(r.person_id, []), today, classes=classes)
            shown = _shown(s, r, seen.categories, today, needs)
            values: dict[str, list[str]] = {}
            for item in shown:
                key = "需求" if item.label.startswith("需求") else item.label
                values.setdefault(key, []).append(item.value)
            rows.append(
                [
                    r.id,
                    r.referred_on.isoformat(),
                    label(r.status),
                    purpose_label(r.purpose, typed=False),
                    places.get(r.area_code, r.area_code),
                    consent_text(seen.consent),
                    *("；".join(values.get(h, [])) for h in EXPORT_HEADER[6:]),
                ]
            )
            if shown:
                disclosures.log(
                    s, reader, r, tuple(sorted({x.category for x in shown})), "exported"
                )
    del held
    return rows


def _prefetch(
    s: Session, referrals: list[Referral]
) -> tuple[list[RecordRow], dict[str, list[str]]]:
    """Load the referrals' persons, households and named needs in a few queries (the
    session then answers `get` from its identity map while the returned rows are held),
    and the needs' JSON by household."""
    ids = sorted({i for r in referrals for i in (r.person_id, r.household_id, r.need_id) if i})
    held: list[RecordRow] = []
    for start in range(0, len(ids), 500):
        held += s.exec(select(RecordRow).where(col(RecordRow.id).in_(ids[start : start + 500])))
    households = sorted({r.household_id for r in referrals})
    needs: dict[str, list[str]] = {h: [] for h in households}
    for start in range(0, len(households), 500):
        found = s.execute(
            select(col(RecordRow.household_id), col(RecordRow.data)).where(
                col(RecordRow.type) == "need",
                col(RecordRow.household_id).in_(households[start : start + 500]),
            )
        ).all()
        for household_id, data in found:
            needs.setdefault(household_id or "", []).append(data)
    return held, needs


# --- answers ----------------------------------------------------------------------------


def _answer(
    ctx: ServerContext,
    reader: Reader,
    referral_id: str,
    change: Callable[[Referral, str], Referral],
    action: str,
    also: Callable[[Session, RecordRow], None] | None = None,
) -> Referral:
    """Write the organisation's answer (server fields, next sequence: devices pull it); a
    completed referral with a need makes the need 兑现 with the organisation as its source."""
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = _referral_of(s, reader.organisation_id, referral_id)
        feed.preload([row.id])
        row = feed.get(row.id) or row
        organisation = s.get(Organisation, reader.organisation_id)
        name = organisation.name if organisation is not None else ""
        before = Referral.from_stored(row.data)
        try:
            after = change(before, name)
        except DoorstepError as exc:
            raise Conflict(message(exc)) from None
        if also is not None:
            also(s, row)
        _write(ctx, feed, row, before.content(), after.content(), "referral")
        if after.status == ReferralStatus.COMPLETED and after.need_id:
            _fulfil_need(ctx, feed, after, name)
        feed.close()
        audit.record(s, action, actor=reader.actor, referral=row.id, organisation=name)
        set_meta(s, "hlc", ctx.clock.last)
        return after


def _write(
    ctx: ServerContext,
    feed: Feed,
    row: RecordRow,
    before: dict[str, Any],
    after: dict[str, Any],
    record_type: str,
) -> None:
    stored = json.loads(row.data)
    delta = {k: v for k, v in after.items() if before.get(k) != v}
    if not delta:
        return
    outcome = merge.server_write(
        record_type, stored, row.stamps, delta, hlc=ctx.clock.now(), seq=feed.last + 1
    )
    feed.replace(row, outcome.data, outcome.stamps)


def _fulfil_need(ctx: ServerContext, feed: Feed, referral: Referral, organisation: str) -> None:
    row = feed.get(referral.need_id or "")
    if row is None or row.type != "need" or row.household_id != referral.household_id:
        return
    need = Need.from_stored(row.data)
    if need.status in (NeedStatus.FULFILLED, NeedStatus.CLOSED):
        return
    updates: dict[str, Any] = {
        "status": NeedStatus.FULFILLED,
        "fulfilled_on": referral.service_on or referral.completed_on,
        "resource": organisation,
        "fulfilment_note": referral.service,
    }
    fulfilled = Need.edited({**need.model_dump(), **updates}, updates)
    _write(ctx, feed, row, need.content(), fulfilled.content(), "need")


def accept_referral(ctx: ServerContext, reader: Reader, referral_id: str, today: date) -> Referral:
    return _answer(
        ctx, reader, referral_id, lambda r, by: accept(r, by=by, on=today), "referral_accepted"
    )


def decline_referral(
    ctx: ServerContext, reader: Reader, referral_id: str, reason: str, today: date
) -> Referral:
    return _answer(
        ctx,
        reader,
        referral_id,
        lambda r, by: decline(r, by=by, reason=reason, on=today),
        "referral_declined",
    )


@dataclass(frozen=True)
class OutcomePhoto:
    """A photo of what the organisation did, as uploaded (JPEG or PNG)."""

    mime: str
    content: bytes


def complete_referral(
    ctx: ServerContext,
    reader: Reader,
    referral_id: str,
    *,
    service: str,
    service_on: date,
    value_yuan: int | None,
    today: date,
    photo: OutcomePhoto | None = None,
) -> Referral:
    """Record what was done and complete; a photo is kept with the referral (devices in its
    scope download it like any record's photo)."""
    photo_id = None
    if photo is not None:
        if len(photo.content) > MAX_PHOTO_BYTES:
            raise Conflict(f"照片过大（不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB）。")
        if photo_type(photo.content) is None:
            raise Conflict("只接受 JPEG 或 PNG 照片。")
        photo_id = new_id()

    def completed(r: Referral, _: str) -> Referral:
        return complete(
            r,
            service=service,
            service_on=service_on,
            value_yuan=value_yuan,
            on=today,
            photo_id=photo_id,
        )

    def keep_photo(s: Session, row: RecordRow) -> None:
        if photo is None or photo_id is None:
            return
        s.add(
            Photo(
                id=photo_id,
                record_id=row.id,
                area_code=row.area_code,
                mime=photo_type(photo.content) or "",
                sha256=hashlib.sha256(photo.content).hexdigest(),
                size=len(photo.content),
                content=photo.content,
                created_at=datetime.now(UTC),
                uploaded_by=reader.actor,
            )
        )

    return _answer(ctx, reader, referral_id, completed, "referral_completed", keep_photo)


def outcome_photo(ctx: ServerContext, referral: Referral) -> tuple[str, bytes] | None:
    """The referral's outcome photo (mime, bytes), if it has one."""
    if not referral.outcome_photo_id:
        return None
    with ctx.db.reading() as s:
        row = s.get(Photo, referral.outcome_photo_id)
        if row is None or row.record_id != referral.id:
            return None
        return row.mime, bytes(row.content)


# --- the coordinator's list ---------------------------------------------------------------


@dataclass(frozen=True)
class Unanswered:
    """A referral to a charity nobody answered within the policy's days."""

    id: str
    household_id: str
    organisation: str
    referred_on: date
    due: date
    place: str
    need_area: NeedArea | None


def unanswered_in(
    ctx: ServerContext, areas: Iterable[str], today: date, policy: VisitPolicy | None = None
) -> list[Unanswered]:
    """The referrals to a charity in `areas` still sent past their answer days, oldest first."""
    policy = policy or load_visit_policy()
    with ctx.db.reading() as s:
        rows = s.execute(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "referral",
                area_filter(col(RecordRow.area_code), areas),
                JsonText(col(RecordRow.data), "status") == ReferralStatus.SENT.value,
            )
        ).scalars()
        late = [r for r in (_to_charity(d) for d in rows) if r and unanswered(r, policy, today)]
        names = {
            o.id: o.name
            for o in s.exec(
                select(Organisation).where(col(Organisation.id).in_({r.recipient for r in late}))
            )
        }
        needs: dict[str, NeedArea] = {}
        for need_id in {r.need_id for r in late if r.need_id}:
            row = s.get(RecordRow, need_id)
            if row is not None and row.type == "need":
                needs[need_id] = NeedArea(json.loads(row.data)["area"])
        places = _places(s, (r.area_code for r in late))
    late.sort(key=lambda r: (r.referred_on, r.id))
    return [
        Unanswered(
            id=r.id,
            household_id=r.household_id,
            organisation=names.get(r.recipient, r.recipient),
            referred_on=r.referred_on,
            due=answer_due(r, policy),
            place=places.get(r.area_code, r.area_code),
            need_area=needs.get(r.need_id or ""),
        )
        for r in late
    ]
