"""All the help a household has received (已获帮扶), government and charity alike, so that a
coordinator sees duplicate or excessive help (防止重复救助和过度帮扶).

Help is read from the records: deliveries of service projects, fulfilled micro-wishes,
referrals a charity completed, and needs fulfilled otherwise (a government programme or
resource). A need answered by a delivery or a completed referral is that help, not a
second one. The same need area helped by two different sources in one calendar month is
flagged (`overlaps`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.codes import NeedArea, NeedStatus, ReferralDirection, ReferralStatus, WishState
from app.domain.projects import FundingSource, ProjectBook
from app.domain.records import Delivery, Need, Referral, Wish

# Projects paid from public money count as government help (政府救助), the rest as charity.
PUBLIC_FUNDING = frozenset({FundingSource.PURCHASED_SERVICE, FundingSource.WELFARE_LOTTERY})


class Sector(StrEnum):
    """Who helped: government (政府救助) or charity (慈善帮扶)."""

    GOVERNMENT = "government"
    CHARITY = "charity"


class HelpKind(StrEnum):
    """What record the help comes from."""

    DELIVERY = "delivery"  # 项目服务
    WISH = "wish"  # 微心愿圆梦
    REFERRAL = "referral"  # 转介帮扶
    NEED = "need"  # 需求兑现


@dataclass(frozen=True)
class HelpItem:
    """One piece of help: when, for which need area, from whom, what, and its value."""

    record_id: str
    kind: HelpKind
    on: date
    area: NeedArea | None
    sector: Sector
    source: str  # the organisation, project, donor or programme that helped
    what: str
    value_yuan: int | None = None

    @property
    def month(self) -> tuple[int, int]:
        return (self.on.year, self.on.month)


def help_received(
    *,
    needs: Iterable[Need] = (),
    wishes: Iterable[Wish] = (),
    referrals: Iterable[Referral] = (),
    deliveries: Iterable[Delivery] = (),
    book: ProjectBook | None = None,
) -> list[HelpItem]:
    """Every piece of help in these records (of one household), newest first."""
    book = book or ProjectBook()
    needs = list(needs)
    need_area = {n.id: n.area for n in needs}
    answered: set[str] = set()
    items: list[HelpItem] = []
    for d in deliveries:
        project = book.project(d.project_id)
        public = project is not None and project.funding in PUBLIC_FUNDING
        source = (project.organisation_name or project.name) if project else ""
        items.append(
            HelpItem(
                d.id,
                HelpKind.DELIVERY,
                d.delivered_on,
                d.area,
                Sector.GOVERNMENT if public else Sector.CHARITY,
                source,
                d.service if project is None else f"{project.name}：{d.service}",
                d.value_yuan,
            )
        )
        if d.need_id:
            answered.add(d.need_id)
    for r in referrals:
        if r.status != ReferralStatus.COMPLETED or r.completed_on is None:
            continue
        charity = r.direction == ReferralDirection.TO_CHARITY
        items.append(
            HelpItem(
                r.id,
                HelpKind.REFERRAL,
                r.completed_on,
                need_area.get(r.need_id or ""),
                Sector.CHARITY if charity else Sector.GOVERNMENT,
                r.recipient,
                r.purpose,
            )
        )
        if r.need_id:
            answered.add(r.need_id)
    for w in wishes:
        if w.state == WishState.FULFILLED and w.fulfilled_on is not None:
            items.append(
                HelpItem(
                    w.id,
                    HelpKind.WISH,
                    w.fulfilled_on,
                    NeedArea.WISH,
                    Sector.CHARITY,
                    w.claimed_by,
                    w.title,
                    w.value_yuan,
                )
            )
    for n in needs:
        if n.status != NeedStatus.FULFILLED or n.fulfilled_on is None or n.id in answered:
            continue
        project = book.project(n.project_id)
        if project is not None:
            public = project.funding in PUBLIC_FUNDING
            sector, source = (Sector.GOVERNMENT if public else Sector.CHARITY), project.name
        else:
            sector, source = Sector.GOVERNMENT, n.resource
        items.append(
            HelpItem(
                n.id,
                HelpKind.NEED,
                n.fulfilled_on,
                n.area,
                sector,
                source,
                n.fulfilment_note or n.description,
            )
        )
    items.sort(key=lambda i: (i.on, i.record_id), reverse=True)
    return items


def overlaps(items: Iterable[HelpItem]) -> set[tuple[NeedArea, tuple[int, int]]]:
    """The (need area, month) pairs helped by two or more different sources: possible
    duplicate help for a coordinator to look at."""
    sources: dict[tuple[NeedArea, tuple[int, int]], set[tuple[Sector, str]]] = defaultdict(set)
    for item in items:
        if item.area is not None:
            sources[(item.area, item.month)].add((item.sector, item.source.strip()))
    return {key for key, found in sources.items() if len(found) >= 2}
