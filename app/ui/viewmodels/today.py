"""Today (首页): the households of my areas that are overdue or due soon, most urgent first.

Order: a major event awaiting its home visit, then overdue, then due soon; within each, the
earliest deadline first, then the longest since the last visit. Each line says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.codes import Category, PersonFlag
from app.domain.labels import label, text
from app.domain.policy import URGENCY_ORDER, Urgency, VisitStatus
from app.ui.viewmodels.workspace import Workspace

SHOWN = (Urgency.MAJOR_EVENT, Urgency.OVERDUE, Urgency.DUE_SOON)
PAGE = 30


@dataclass(frozen=True)
class TodayItem:
    household_id: str
    title: str  # the head of household's name
    village: str
    urgency: Urgency
    due_by: date
    last_visit: date | None
    why: str  # category or flag, frequency, days since the last visit

    @property
    def sort_key(self) -> tuple[int, date, date, str]:
        return (URGENCY_ORDER[self.urgency], self.due_by, self.last_visit or date.min, self.title)


class TodayVM:
    """The Today list and its counts; `shown` grows by a page at a time."""

    def __init__(self, workspace: Workspace, lang: str = "zh") -> None:
        self.ws = workspace
        self.lang = lang
        self.items: list[TodayItem] = []
        self.counts: dict[Urgency, int] = {}
        self.total_households = 0
        self.shown = PAGE
        self.load()

    def load(self) -> None:
        """Recompute the list from the roster (cheap: statuses are cached per household)."""
        today = self.ws.today()
        items = []
        for household_id in self.ws.roster.households:
            status = self.ws.status(household_id)
            if status is None or status.urgency not in SHOWN:
                continue
            items.append(
                TodayItem(
                    household_id=household_id,
                    title=self.ws.household_title(household_id),
                    village=self.ws.area_name(self.ws.roster.households[household_id].area_code),
                    urgency=status.urgency,
                    due_by=status.major_event_due or status.due_by,
                    last_visit=status.last_visit,
                    why=self._why(status.requirement.reasons, status, today),
                )
            )
        items.sort(key=lambda item: item.sort_key)
        self.items = items
        self.total_households = len(self.ws.roster.households)
        self.counts = {u: 0 for u in SHOWN}
        for item in items:
            self.counts[item.urgency] += 1

    def _why(self, reasons: tuple[str, ...], status: VisitStatus, today: date) -> str:
        who = "、".join(self._reason_label(code) for code in reasons)
        parts = [who, label(status.requirement.frequency, self.lang)]
        if status.urgency == Urgency.MAJOR_EVENT and status.major_event_due is not None:
            parts = [
                label(PersonFlag.MAJOR_EVENT, self.lang),
                text("today.home_visit_by", self.lang, day=_md(status.major_event_due, self.lang)),
            ]
        days = status.days_since_last(today)
        parts.append(
            text("today.never_visited", self.lang)
            if days is None
            else text("today.days_since", self.lang, n=days)
        )
        return " · ".join(p for p in parts if p)

    def _reason_label(self, code: str) -> str:
        if code in Category._value2member_map_:
            return label(Category(code), self.lang)
        if code in PersonFlag._value2member_map_:
            return label(PersonFlag(code), self.lang)
        return code

    def visible(self) -> list[TodayItem]:
        return self.items[: self.shown]

    @property
    def has_more(self) -> bool:
        return self.shown < len(self.items)

    def show_more(self) -> None:
        self.shown += PAGE

    def summary(self) -> str:
        return text(
            "today.summary",
            self.lang,
            major=self.counts.get(Urgency.MAJOR_EVENT, 0),
            overdue=self.counts.get(Urgency.OVERDUE, 0),
            soon=self.counts.get(Urgency.DUE_SOON, 0),
            total=self.total_households,
        )


def _md(day: date, lang: str) -> str:
    return f"{day.month}月{day.day}日" if lang != "en" else day.isoformat()
