"""反向转介 (a charity refers someone back to civil affairs): charity staff report a person
who may qualify for assistance; the county server makes it a 主动发现 household in the
coordinators' queue (device and console, `sync.server.services.discovery`), with its head
and a referral back (direction `to_civil_affairs`, `recipient` the charity's organisation
id), and keeps what the charity sent (`CharityReport`).

The charity later reads its reports and each one's outcome — waiting, accepted for
assessment, or not eligible — and nothing more than it sent: its pages read the kept
report and the referral's status alone, never the household, its visits, other members or
later edits; a report of another organisation reads as none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from app.domain import identity
from app.domain.areas import InvalidAreaCode, parse_area_code
from app.domain.codes import (
    DataCategory,
    NeedArea,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
)
from app.domain.errors import DoorstepError
from app.domain.ids import new_id
from app.domain.records import NOTE_MAX_CHARS, Household, Person, Referral
from app.reports.masking import masked_id
from app.ui.catalogue import label, message
from sync import merge
from sync.server.context import ServerContext, set_meta
from sync.server.scope import within
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.tables import (
    Area,
    CharityReport,
    JsonText,
    Organisation,
    OrganisationArea,
    RecordRow,
)

PURPOSE = "救助资格评估"  # what a referral back asks of civil affairs
SHARED = [DataCategory.IDENTITY, DataCategory.ID_NUMBER, DataCategory.CONTACT, DataCategory.NEEDS]
SITUATION_MAX = NOTE_MAX_CHARS - 200  # room in the household's note for the need areas

# What the charity reads of the outcome, by the referral's status.
OUTCOMES = {
    ReferralStatus.SENT.value: "待民政部门核实",
    ReferralStatus.ACCEPTED.value: "已接收，进入救助评估",
    ReferralStatus.COMPLETED.value: "已接收，进入救助评估",
    ReferralStatus.DECLINED.value: "经核实不符合救助条件",
}


@dataclass
class ReportForm:
    """What charity staff type, as typed (bounded by the form's fields)."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    village: str = ""
    situation: str = ""
    need_areas: list[str] = field(default_factory=list)


class ReportRefused(Exception):
    """The form has problems: `problems` maps each field to one sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class SentReport:
    """One report as its charity reads it again: what it sent (ID number and phone masked)
    and the outcome."""

    id: str
    submitted_at: datetime
    name: str
    id_number: str  # masked
    phone: str  # masked
    village: str
    situation: str
    need_areas: tuple[str, ...]  # labels
    outcome: str
    status: str


def villages_served(ctx: ServerContext, organisation_id: str) -> list[tuple[str, str]]:
    """The villages (code, name) an organisation serves: the known villages inside its areas."""
    with ctx.db.reading() as s:
        return _villages(s, organisation_id)


def _villages(s: Session, organisation_id: str) -> list[tuple[str, str]]:
    served = list(
        s.exec(
            select(OrganisationArea.code).where(
                col(OrganisationArea.organisation_id) == organisation_id
            )
        )
    )
    if not served:
        return []
    areas = s.exec(select(Area).order_by(col(Area.code)))
    return [
        (a.code, a.name)
        for a in areas
        if len(a.code) == 12 and not a.code.endswith("000") and within(a.code, served)
    ]


def _check(form: ReportForm, villages: dict[str, str]) -> dict[str, str]:
    """The form's values, normalised; ReportRefused naming every field with a problem."""
    problems: dict[str, str] = {}
    out: dict[str, str] = {}
    checks = (
        ("name", identity.parse_name),
        ("id_number", lambda v: identity.parse_id_number(v)[0]),
        ("phone", identity.parse_phone),
    )
    for name, parse in checks:
        value = getattr(form, name).strip()
        if not value:
            problems[name] = "必填"
            continue
        try:
            out[name] = parse(value)
        except DoorstepError as exc:
            problems[name] = message(exc)
    try:
        village = parse_area_code(form.village.strip())
    except InvalidAreaCode:
        village = ""
    if village not in villages:
        problems["village"] = "请从本机构服务的村（社区）中选择"
    out["village"] = village
    situation = form.situation.strip()
    if not situation:
        problems["situation"] = "请写明困难情况"
    elif len(situation) > SITUATION_MAX:
        problems["situation"] = f"不超过 {SITUATION_MAX} 字"
    out["situation"] = situation
    needs = [a.value for a in NeedArea if a.value in form.need_areas]
    if not needs or len(needs) != len(set(form.need_areas)):
        problems["need_areas"] = "请至少选择一项需求类别"
    if problems:
        raise ReportRefused(problems)
    out["need_areas"] = ",".join(needs)
    return out


def submit(ctx: ServerContext, organisation_id: str, account_id: str, form: ReportForm) -> str:
    """Make the report a 主动发现 household (its head, and a referral back) and keep what
    was sent; returns the report's id. ReportRefused for a form with problems."""
    with ctx.db.writing() as s:
        org = s.get(Organisation, organisation_id)
        if org is None or not org.active:
            raise ReportRefused({"organisation": "本机构已停用，不能转介。"})
        villages = dict(_villages(s, organisation_id))
        v = _check(form, villages)
        if _awaiting(s, organisation_id, v["id_number"]):
            raise ReportRefused({"id_number": "本机构已转介过此人，民政部门正在核实。"})
        needs = v["need_areas"].split(",")
        today = date.today()
        hlc = ctx.clock.now()
        author = f"org:{organisation_id}"[:40]
        need_words = "、".join(label(NeedArea(n)) for n in needs)
        household = Household(
            area_code=v["village"],
            address=f"{villages[v['village']]}（地址待核实）"[:100],
            phone=v["phone"],
            register_status=RegisterStatus.REPORTED,
            notes=f"慈善组织转介（{org.name}）：{v['situation']}\n需求类别：{need_words}",
        )
        head = Person(
            area_code=v["village"],
            household_id=household.id,
            name=v["name"],
            id_number=v["id_number"],
            phone=v["phone"],
        )
        referral = Referral(
            area_code=v["village"],
            household_id=household.id,
            person_id=head.id,
            direction=ReferralDirection.TO_CIVIL_AFFAIRS,
            recipient=organisation_id,
            purpose=PURPOSE,
            data_categories=SHARED,
            referred_on=today,
            note=f"需求类别：{need_words}",
        )
        feed = Feed(s)
        for record in (household, head, referral):
            data = record.model_dump(mode="json") | {
                "created_hlc": hlc,
                "updated_hlc": hlc,
                "author_worker_id": author,
                "device_id": "server",
            }
            data = merge.validate(record.type_name, data).model_dump(mode="json")
            feed.insert(
                record.type_name, data, {merge.WHOLE_RECORD: [hlc, feed.last + 1, "server"]}
            )
        feed.close()
        report = CharityReport(
            id=new_id(),
            organisation_id=organisation_id,
            submitted_by=account_id,
            submitted_at=datetime.now(UTC),
            name=v["name"],
            id_number=v["id_number"],
            phone=v["phone"],
            area_code=v["village"],
            situation=v["situation"],
            need_areas=needs,
            household_id=household.id,
            referral_id=referral.id,
        )
        s.add(report)
        audit.record(
            s,
            "charity_report_submitted",
            actor=f"console:{account_id}",
            organisation=organisation_id,
            report=report.id,
            household=household.id,
        )
        set_meta(s, "hlc", ctx.clock.last)
        return report.id


def _awaiting(s: Session, organisation_id: str, id_number: str) -> bool:
    """The organisation has reported this ID number already and has no answer yet (a form
    sent twice, or a colleague's report)."""
    referrals = s.exec(
        select(CharityReport.referral_id).where(
            col(CharityReport.organisation_id) == organisation_id,
            col(CharityReport.id_number) == id_number,
        )
    )
    statuses = _statuses(s, list(referrals))
    return any(status == ReferralStatus.SENT.value for status in statuses.values())


def sent_reports(ctx: ServerContext, organisation_id: str) -> list[SentReport]:
    """The organisation's reports, newest first, each with its outcome."""
    with ctx.db.reading() as s:
        rows = s.exec(
            select(CharityReport)
            .where(col(CharityReport.organisation_id) == organisation_id)
            .order_by(col(CharityReport.submitted_at).desc())
            .limit(500)
        )
        return _views(s, list(rows))


def sent_report(ctx: ServerContext, organisation_id: str, report_id: str) -> SentReport | None:
    """One report of the organisation's; None for any other (another organisation's too)."""
    with ctx.db.reading() as s:
        row = s.get(CharityReport, report_id[:64])
        if row is None or row.organisation_id != organisation_id:
            return None
        return _views(s, [row])[0]


def _views(s: Session, rows: Sequence[CharityReport]) -> list[SentReport]:
    statuses = _statuses(s, [r.referral_id for r in rows])
    names = {
        a.code: a.name
        for a in s.exec(select(Area).where(col(Area.code).in_({r.area_code for r in rows})))
    }
    out = []
    for r in rows:
        status = statuses.get(r.referral_id, ReferralStatus.SENT.value)
        out.append(
            SentReport(
                r.id,
                r.submitted_at,
                r.name,
                masked_id(r.id_number),
                _masked_phone(r.phone),
                names.get(r.area_code, r.area_code),
                r.situation,
                tuple(
                    label(NeedArea(n)) for n in r.need_areas if n in NeedArea.__members__.values()
                ),
                OUTCOMES.get(status, OUTCOMES[ReferralStatus.SENT.value]),
                status,
            )
        )
    return out


def _statuses(s: Session, referral_ids: list[str]) -> dict[str, str]:
    """Each referral's status alone (the one field of the record a charity's page reads)."""
    if not referral_ids:
        return {}
    rows = s.exec(
        select(RecordRow.id, JsonText(col(RecordRow.data), "status")).where(
            col(RecordRow.id).in_(referral_ids), col(RecordRow.type) == "referral"
        )
    )
    return {rid: str(status or "") for rid, status in rows}


def _masked_phone(phone: str) -> str:
    digits = phone.replace("-", "")
    return phone if len(digits) < 7 else f"{phone[:3]}****{phone[-4:]}"
