"""Printouts (打印): a household's file, its consent forms with their signatures, and an
area's visit log, as A4 pages (print CSS) and as PDF (`sync.server.console.pdf`).

What a printout shows is what the console's pages show: a household's own file names its
members and masks ID numbers, address and phone; a consent form names the person who
consented and shows the signature they drew (the photo the device uploaded with the
consent, `photos`); the visit log of an area masks the heads' names like the exports.
Every printout, on paper or as PDF, is written to the audit log.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from app.domain.calendar import Period
from app.domain.codes import (
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    NeedStatus,
    Team,
    VisitKind,
    VisitMode,
    VisitOutcome,
)
from app.domain.identity import mask_phone
from app.reports.masking import mask_address, mask_name
from app.ui.catalogue import purpose_label
from sync.server.console.coverage import HouseholdFile, area_name, read_household
from sync.server.console.labels import recipient_label
from sync.server.console.ledgers import code_label, day_of, records_of_period
from sync.server.console.pdf import PrintDocument
from sync.server.context import ServerContext
from sync.server.services import audit
from sync.server.services.reports.read_model import area_names, head_names
from sync.server.tables import Organisation, Photo, RecordRow, Worker

PRINTABLE_IMAGES = frozenset({"image/png", "image/jpeg"})


def log_print(ctx: ServerContext, *, actor: str, document: str, form: str, **detail: str) -> None:
    """A printout (form: html or pdf) in the audit log."""
    with ctx.db.small_write() as s:
        audit.record(s, "printed", actor=actor, document=document, format=form, **detail)


@dataclass(frozen=True)
class NeedLine:
    area: str
    status: str
    raised_on: date | None
    fulfilled_on: date | None
    resource: str


@dataclass(frozen=True)
class HouseholdPrint:
    file: HouseholdFile
    place: str
    address: str  # masked
    phone: str  # masked
    needs: tuple[NeedLine, ...]


def household_print(ctx: ServerContext, household_id: str) -> HouseholdPrint:
    """A household's file to print (its scope checked by the caller)."""
    file = read_household(ctx, household_id)
    with ctx.db.reading() as s:
        row = s.get(RecordRow, household_id)
        data = json.loads(row.data) if row else {}
        needs = [
            json.loads(d)
            for d in s.exec(
                select(RecordRow.data).where(
                    col(RecordRow.household_id) == household_id, col(RecordRow.type) == "need"
                )
            )
        ]
    lines = sorted(
        (
            NeedLine(
                code_label(NeedArea, n.get("area")),
                code_label(NeedStatus, n.get("status")),
                day_of(n.get("raised_on")),
                day_of(n.get("fulfilled_on")),
                n.get("resource", ""),
            )
            for n in needs
        ),
        key=lambda n: n.raised_on or date.min,
        reverse=True,
    )
    return HouseholdPrint(
        file=file,
        place=" › ".join(name for _, name in file.trail),
        address=mask_address(data["address"]) if data.get("address") else "",
        phone=mask_phone(data["phone"]) if data.get("phone") else "",
        needs=tuple(lines),
    )


def household_pdf(found: HouseholdPrint) -> bytes:
    f = found.file
    text = [found.place, found.address, *f.categories]
    text += [m.name + m.relation + m.flags for m in f.members]
    text += [n.resource for n in found.needs]
    doc = PrintDocument("家庭档案", f"{found.place}　户编号 {f.id}", text=text)
    doc.line_of("所在区划", found.place)
    doc.line_of("类别", "、".join(f.categories) or "无")
    doc.line_of("住址", found.address)
    doc.line_of("联系电话", found.phone)
    doc.heading("家庭成员")
    doc.table_of(
        ("姓名", "关系", "身份证号", "情况"),
        [(m.name, m.relation, m.id_number, m.flags) for m in f.members],
        (18, 12, 32, 38),
    )
    doc.heading("需求")
    doc.table_of(
        ("领域", "状态", "提出日期", "兑现日期", "对接资源"),
        [
            (n.area, n.status, _text(n.raised_on), _text(n.fulfilled_on), n.resource)
            for n in found.needs
        ],
        (16, 14, 18, 18, 34),
    )
    doc.heading("探访记录")
    doc.table_of(
        ("时间", "方式", "结果"),
        [(v.at.strftime("%Y-%m-%d %H:%M"), v.mode, v.outcome) for v in f.visits],
        (40, 25, 35),
    )
    return doc.to_bytes()


@dataclass(frozen=True)
class ConsentPrint:
    """One consent event as its form prints it."""

    person: str
    action: str
    granted: bool
    recipient: str
    purpose: str
    categories: str
    valid_until: date | None
    method: str
    witness: str
    guardian: str
    occurred_at: datetime | None
    recorded_by: str
    signature: bytes | None
    signature_mime: str
    signature_missing: bool  # the consent names a signature photo the server has not got

    @property
    def signature_uri(self) -> str:
        if self.signature is None:
            return ""
        return f"data:{self.signature_mime};base64,{base64.b64encode(self.signature).decode()}"


@dataclass(frozen=True)
class ConsentsPrint:
    household_id: str
    place: str
    consents: tuple[ConsentPrint, ...]


def _signature(session: Session, photo_id: str | None) -> tuple[bytes | None, str, bool]:
    if not photo_id:
        return None, "", False
    photo = session.get(Photo, photo_id)
    if photo is None or photo.mime not in PRINTABLE_IMAGES:
        return None, "", True
    return photo.content, photo.mime, False


def consents_print(ctx: ServerContext, household_id: str) -> ConsentsPrint:
    """A household's consent events, oldest first, each with its signature if it has one."""
    file = read_household(ctx, household_id)
    with ctx.db.reading() as s:
        rows = [
            json.loads(d)
            for d in s.exec(
                select(RecordRow.data).where(
                    col(RecordRow.household_id) == household_id, col(RecordRow.type) == "consent"
                )
            )
        ]
        people = {
            pid: json.loads(d).get("name", "")
            for pid, d in s.execute(
                select(col(RecordRow.id), col(RecordRow.data)).where(
                    col(RecordRow.household_id) == household_id, col(RecordRow.type) == "person"
                )
            )
        }
        organisations = {
            oid: name
            for oid, name in s.execute(select(col(Organisation.id), col(Organisation.name)))
        }
        workers = {wid: name for wid, name in s.execute(select(col(Worker.id), col(Worker.name)))}
        consents = []
        for c in sorted(rows, key=lambda c: str(c.get("occurred_at", ""))):
            signature, mime, missing = _signature(s, c.get("evidence_photo_id"))
            at = c.get("occurred_at")
            consents.append(
                ConsentPrint(
                    person=people.get(c.get("person_id", ""), ""),
                    action=code_label(ConsentAction, c.get("action")),
                    granted=c.get("action") == ConsentAction.GRANT.value,
                    recipient=recipient_label(c.get("recipient", ""), organisations),
                    purpose=purpose_label(str(c.get("purpose", ""))),
                    categories="、".join(
                        code_label(DataCategory, d) for d in c.get("data_categories") or []
                    ),
                    valid_until=day_of(c.get("valid_until")),
                    method=code_label(ConsentMethod, c.get("method")),
                    witness=c.get("witness", ""),
                    guardian=c.get("guardian_name", ""),
                    occurred_at=datetime.fromisoformat(at) if at else None,
                    recorded_by=workers.get(c.get("recorded_by", ""), c.get("recorded_by", "")),
                    signature=signature,
                    signature_mime=mime,
                    signature_missing=missing,
                )
            )
    return ConsentsPrint(household_id, " › ".join(name for _, name in file.trail), tuple(consents))


CONSENT_TEXT = (
    "本人同意县民政部门将本人的上述类别信息提供给上述接收方，仅用于上述目的；"
    "本人可随时撤回同意，撤回后接收方不得继续使用。"
)


def consents_pdf(found: ConsentsPrint) -> bytes:
    text = [
        c.person + c.recipient + c.purpose + c.witness + c.guardian + c.recorded_by
        for c in found.consents
    ]
    doc = PrintDocument(
        "信息共享同意书", f"{found.place}　户编号 {found.household_id}", text=[found.place, *text]
    )
    if not found.consents:
        doc.paragraph("此户没有同意记录。")
    for i, c in enumerate(found.consents):
        if i:
            doc.add_page()
        doc.heading(f"{c.action}　{c.person}")
        doc.line_of("接收方", c.recipient)
        doc.line_of("目的", c.purpose)
        doc.line_of("信息类别", c.categories)
        doc.line_of("有效期至", _text(c.valid_until) if c.valid_until else "长期（至撤回）")
        doc.line_of("方式", c.method)
        if c.witness:
            doc.line_of("见证人", c.witness)
        if c.guardian:
            doc.line_of("监护人", c.guardian)
        doc.line_of("时间", c.occurred_at.strftime("%Y-%m-%d %H:%M") if c.occurred_at else "")
        doc.line_of("记录人", c.recorded_by)
        if c.granted:
            doc.ln(2)
            doc.paragraph(CONSENT_TEXT)
        doc.ln(2)
        doc.paragraph("签名：")
        if c.signature is not None and doc.image_of(c.signature):
            continue
        doc.paragraph(
            "（签名照片缺失）" if c.signature_missing or c.signature else "（无签名照片）"
        )
    return doc.to_bytes()


@dataclass(frozen=True)
class VisitLine:
    village: str
    head: str  # masked
    at: datetime
    kind: str
    mode: str
    outcome: str
    worker: str
    team: str
    companions: str  # masked


@dataclass(frozen=True)
class VisitLog:
    area: str
    place: str
    period: str
    span: str
    households: int
    lines: tuple[VisitLine, ...]


def visit_log(ctx: ServerContext, area: str, period: Period) -> VisitLog:
    """The visits of `period` in an area (checked by the caller), by village, household, time."""
    window = period.window
    with ctx.db.reading() as s:
        visits = [
            (area_code, household_id, datetime.fromisoformat(fields["visited_at"]), fields)
            for area_code, household_id, fields, _ in records_of_period(
                s, "visit", "visited_at", area, window
            )
        ]
        heads = head_names(s, sorted({v[1] for v in visits}))
        workers = {wid: name for wid, name in s.execute(select(col(Worker.id), col(Worker.name)))}
        names = area_names(s)
    lines = []
    for area_code, household_id, at, v in visits:
        lines.append(
            VisitLine(
                village=area_name(area_code, names),
                head=mask_name(heads[household_id]) if household_id in heads else "（无户主）",
                at=at,
                kind=code_label(VisitKind, v.get("kind")),
                mode=code_label(VisitMode, v.get("mode")),
                outcome=code_label(VisitOutcome, v.get("outcome")),
                worker=workers.get(v.get("worker_id", ""), v.get("worker_id", "")),
                team=code_label(Team, v.get("team")),
                companions="、".join(mask_name(c) for c in v.get("companions") or []),
            )
        )
    lines.sort(key=lambda line: (line.village, line.head, line.at))
    return VisitLog(
        area=area,
        place=area_name(area, names),
        period=period.label,
        span=f"{window.start.isoformat()}至{window.end.isoformat()}",
        households=len({v[1] for v in visits}),
        lines=tuple(lines),
    )


def visit_log_pdf(log: VisitLog) -> bytes:
    text = {line.village + line.head + line.worker + line.companions for line in log.lines}
    doc = PrintDocument(
        f"{log.place}走访记录",
        f"统计期：{log.period}（{log.span}）　共{len(log.lines)}次，{log.households}户　户主姓名已脱敏",
        text=text,
    )
    doc.table_of(
        ("村（社区）", "户主", "时间", "类型", "方式", "结果", "走访人", "同行人员"),
        [
            (
                line.village,
                line.head,
                line.at.strftime("%Y-%m-%d %H:%M"),
                line.kind,
                line.mode,
                line.outcome,
                line.worker,
                line.companions,
            )
            for line in log.lines
        ],
        (20, 9, 17, 11, 7, 12, 11, 13),
    )
    return doc.to_bytes()


def _text(day: date | None) -> str:
    return day.isoformat() if day else ""
