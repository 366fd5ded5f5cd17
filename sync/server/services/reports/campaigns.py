"""Festival lists (节日走访清单) on the county server: per list, the households assigned,
visited and still to visit, by village, with the value delivered — computed by the device's
own functions (`app.domain.campaigns.progress`, `delivered_yuan`) over the lists and
places of a scope.

A scope sees the places of its areas and the lists they hang on (a village's coordinator
sees the township's list, counted over their villages only), and the lists of its areas
that hold no place yet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from app.domain.campaigns import Progress, delivered_yuan, progress
from app.domain.records import Campaign, CampaignAssignment
from app.reports.csvout import table_csv
from app.reports.tables import TOTAL_LABEL, Column, Kind, Table
from app.reports.xlsx import tables_xlsx
from app.ui.catalogue import label
from sync.server.context import ServerContext
from sync.server.scope import area_filter
from sync.server.services import audit
from sync.server.services.reports.exports import MEDIA_TYPES, Export
from sync.server.services.reports.read_model import area_names
from sync.server.services.reports.request import ReportFormat
from sync.server.tables import RecordRow


@dataclass(frozen=True)
class VillageProgress:
    """One village's households on a list."""

    code: str
    name: str
    progress: Progress
    delivered_yuan: int

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "assigned": self.progress.assigned,
            "visited": self.progress.visited,
            "remaining": self.progress.remaining,
            "delivered_yuan": self.delivered_yuan,
        }


@dataclass(frozen=True)
class ListProgress:
    """A list with its progress over the scope's places, by village; `waiting`: the places
    still to visit (household, village, worker), in village order."""

    campaign: Campaign
    area_name: str
    progress: Progress
    delivered_yuan: int
    villages: list[VillageProgress] = field(default_factory=list)
    waiting: list[CampaignAssignment] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        c = self.campaign
        return {
            "id": c.id,
            "name": c.name,
            "festival": c.festival.value,
            "year": c.year,
            "day": c.days.day.isoformat(),
            "area_code": c.area_code,
            "area_name": self.area_name,
            "groups": [g.value for g in c.groups],
            "assigned": self.progress.assigned,
            "visited": self.progress.visited,
            "remaining": self.progress.remaining,
            "delivered_yuan": self.delivered_yuan,
            "villages": [v.to_json() for v in self.villages],
        }


def campaign_progress(
    session: Session, areas: Sequence[str] | None = None, *, year: int | None = None
) -> list[ListProgress]:
    """The lists of `areas` (None: the whole county), newest festival first; only those of
    `year` when given."""
    places_q = select(col(RecordRow.data)).where(col(RecordRow.type) == "campaign_assignment")
    if areas is not None:
        places_q = places_q.where(area_filter(col(RecordRow.area_code), areas))
    by_list: dict[str, list[CampaignAssignment]] = {}
    for data in session.execute(places_q).scalars():
        place = CampaignAssignment.from_stored(data)
        by_list.setdefault(place.campaign_id, []).append(place)
    lists_q = select(col(RecordRow.data)).where(col(RecordRow.type) == "campaign")
    if areas is not None:
        lists_q = lists_q.where(
            or_(
                area_filter(col(RecordRow.area_code), areas),
                col(RecordRow.id).in_(sorted(by_list)),
            )
        )
    lists = [Campaign.from_stored(d) for d in session.execute(lists_q).scalars()]
    if year is not None:
        lists = [c for c in lists if c.year == year]
    names = area_names(session)
    out: list[ListProgress] = []
    for c in sorted(lists, key=lambda c: (c.days.day, c.name), reverse=True):
        places = by_list.get(c.id, [])
        villages: dict[str, list[CampaignAssignment]] = {}
        for p in places:
            villages.setdefault(p.area_code, []).append(p)
        out.append(
            ListProgress(
                c,
                # A township's list is its 12-digit code (…000); the areas name it by 9.
                names.get(c.area_code) or names.get(c.area_code.removesuffix("000"), c.area_code),
                progress(places),
                delivered_yuan(places),
                [
                    VillageProgress(
                        code, names.get(code, code), progress(held), delivered_yuan(held)
                    )
                    for code, held in sorted(villages.items())
                ],
                sorted(
                    (p for p in places if p.visit_id is None and p.removed_on is None),
                    key=lambda p: (p.area_code, p.household_id),
                ),
            )
        )
    return out


def campaigns_table(lists: Sequence[ListProgress]) -> Table:
    """Per list a 小计 line (村 left empty) and a line per village; a 合计 line over all."""
    columns = (
        Column("序号", Kind.COUNT, 6),
        Column("清单", Kind.TEXT, 30),
        Column("节日", Kind.TEXT, 10),
        Column("节日日期", Kind.DATE, 12),
        Column("村（社区）代码", Kind.TEXT, 16),
        Column("村（社区）", Kind.TEXT, 20),
        Column("走访对象户数", Kind.COUNT, 12),
        Column("已走访户数", Kind.COUNT, 12),
        Column("待走访户数", Kind.COUNT, 12),
        Column("送达物资价值（元）", Kind.COUNT, 16),
    )
    rows: list[tuple[Any, ...]] = []
    for item in lists:
        c = item.campaign
        head = (c.name, label(c.festival), c.days.day)
        p = item.progress
        rows.append(
            (len(rows) + 1, *head, "", f"小计（{item.area_name}）", p.assigned, p.visited,
             p.remaining, item.delivered_yuan)
        )  # fmt: skip
        for v in item.villages:
            q = v.progress
            rows.append(
                (len(rows) + 1, *head, v.code, v.name, q.assigned, q.visited, q.remaining,
                 v.delivered_yuan)
            )  # fmt: skip
    total = (
        TOTAL_LABEL, "", "", None, "", "",
        sum(i.progress.assigned for i in lists),
        sum(i.progress.visited for i in lists),
        sum(i.progress.remaining for i in lists),
        sum(i.delivered_yuan for i in lists),
    )  # fmt: skip
    return Table(
        "节日走访",
        "节日走访清单完成情况",
        f"清单 {len(lists)} 份",
        columns,
        rows,
        total,
        "注：走访对象按户计；已走访指上门见到人并登记了送达物资的户。",
    )


def campaigns_export(
    ctx: ServerContext,
    form: ReportFormat = ReportFormat.JSON,
    *,
    year: int | None = None,
    areas: Sequence[str] | None = None,
    actor: str = "cli",
) -> Export:
    """The lists' progress as JSON, CSV or XLSX (no personal data: counts by village);
    audited."""
    with ctx.db.reading() as session:
        lists = campaign_progress(session, areas, year=year)
    if form == ReportFormat.JSON:
        body = (
            json.dumps(
                {"year": year, "lists": [i.to_json() for i in lists]}, ensure_ascii=False, indent=2
            ).encode("utf-8")
            + b"\n"
        )
    elif form == ReportFormat.CSV:
        body = table_csv(campaigns_table(lists))
    else:
        body = tables_xlsx([campaigns_table(lists)])
    with ctx.db.small_write() as session:
        audit.record(
            session,
            "report_read",
            actor=actor,
            report="campaigns",
            format=form.value,
            areas=list(areas) if areas is not None else None,
            year=year,
        )
    suffix = f"-{year}" if year is not None else ""
    return Export(body, MEDIA_TYPES[form], f"campaigns{suffix}.{form.value}")
