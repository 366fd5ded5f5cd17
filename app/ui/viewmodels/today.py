"""Today (首页): the households of my areas that are overdue or due soon, most urgent first.

Order: a major event awaiting its home visit, then overdue, then due soon; within each, the
earliest deadline first, then the longest since the last visit. Each line says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.calendar import Window, next_window, previous_window, window_containing
from app.domain.codes import Category, Frequency, PersonFlag
from app.domain.policy import URGENCY_ORDER, Urgency, VisitStatus
from app.ui.catalogue import label, text
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
        who = "、".join(reason_label(code, self.lang) for code in reasons)
        parts = [who, label(status.requirement.frequency, self.lang)]
        if status.urgency == Urgency.MAJOR_EVENT:
            parts = []
        parts.extend(due_words(status, today, self.lang))
        days = status.days_since_last(today)
        parts.append(
            text("today.never_visited", self.lang)
            if days is None
            else text("today.days_since", self.lang, n=days)
        )
        return " · ".join(p for p in parts if p)

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


def reason_label(code: str, lang: str = "zh") -> str:
    """The label of what sets a household's visits: a category or a person's flag."""
    if code in Category._value2member_map_:
        return label(Category(code), lang)
    if code in PersonFlag._value2member_map_:
        return label(PersonFlag(code), lang)
    return code


def due_words(status: VisitStatus, today: date, lang: str = "zh") -> list[str]:
    """What is late and what is due next, as phrases that cannot be misread on any day:
    ["上周（11月23日至29日）没有探访", "本周内探访，最迟 12月6日（周日）"], or for a major
    event ["重大变故", "今天（12月4日）须上门"]. Never a past deadline beside "overdue"."""
    if status.urgency == Urgency.MAJOR_EVENT and status.major_event_due is not None:
        due = status.major_event_due
        left = (due - today).days
        day = day_words(due, lang)
        if left > 0:
            words = text("due.event_by", lang, day=day, n=left)
        elif left == 0:
            words = text("due.event_today", lang, day=day)
        else:
            words = text("due.event_late", lang, day=day, n=-left)
        return [label(PersonFlag.MAJOR_EVENT, lang), words]
    freq = status.requirement.frequency
    current = window_containing(freq, today)
    if status.urgency == Urgency.DONE:
        following = next_window(freq, current)
        return [
            text("due.done", lang, window=_window(freq, "this", lang)),
            text(
                "due.by",
                lang,
                window=_window(freq, "next", lang),
                day=day_words(following.end, lang),
            ),
        ]
    out = []
    if status.urgency == Urgency.OVERDUE:
        missed = previous_window(freq, current)
        out.append(
            text(
                "due.missed",
                lang,
                window=_window(freq, "last", lang),
                span=span_words(freq, missed, today, lang),
            )
        )
    this = _window(freq, "this", lang)
    if current.end == today:
        out.append(text("due.today", lang, window=this, day=day_words(today, lang)))
    else:
        out.append(text("due.by", lang, window=this, day=day_words(current.end, lang)))
    return out


def _window(freq: Frequency, which: str, lang: str) -> str:
    return text(f"due.{which}.{freq.value}", lang)


def day_words(day: date, lang: str = "zh") -> str:
    """12月6日（周日）; in English 2026-12-06 (Sun)."""
    weekday = text("due.weekday", lang).split(",")[day.weekday()]
    if lang == "en":
        return f"{day.isoformat()} ({weekday})"
    return f"{day.month}月{day.day}日（{weekday}）"


def span_words(freq: Frequency, window: Window, today: date, lang: str = "zh") -> str:
    """A window in words: 11月23日至29日, 11月, 7月至9月, 2025年 (the year when not today's)."""
    start, end = window.start, window.end
    if lang == "en":
        return f"{start.isoformat()} – {end.isoformat()}"
    year = f"{start.year}年" if start.year != today.year else ""
    if freq == Frequency.YEARLY:
        return f"{start.year}年"
    if freq == Frequency.WEEKLY:
        last = f"{end.day}日" if end.month == start.month else f"{end.month}月{end.day}日"
        return f"{year}{start.month}月{start.day}日至{last}"
    months = f"{start.month}月" if start.month == end.month else f"{start.month}月至{end.month}月"
    return f"{year}{months}"
