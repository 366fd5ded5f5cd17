"""Today (首页): the households of my areas that are overdue or due soon, most urgent first.

Order: a major event awaiting its home visit, then overdue, then due soon; within each, the
earliest deadline first, then the longest since the last visit. Each line says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.calendar import Window, next_window, previous_window, window_containing
from app.domain.codes import Category, Frequency, PersonFlag
from app.domain.policy import URGENCY_ORDER, Urgency, VisitStatus, members_on
from app.domain.referrals import unanswered_of
from app.domain.warnings import HouseholdWarning, WarningKind, uplift_line
from app.ui.catalogue import label, text
from app.ui.viewmodels.recipients import recipient_name
from app.ui.viewmodels.workspace import Workspace

SHOWN = (Urgency.MAJOR_EVENT, Urgency.OVERDUE, Urgency.DUE_SOON)
PAGE = 30
WARNINGS_PAGE = 5


@dataclass(frozen=True)
class WarningItem:
    """A warning (预警) as Today lists it: whose household, what, and since when."""

    household_id: str
    kind: WarningKind
    title: str  # the head of household's name
    village: str
    words: str  # what is wrong, in a sentence


@dataclass(frozen=True)
class LateReferral:
    """A referral no organisation has answered in the policy's days, as a coordinator's
    Today lists it: whose household, to whom, since when."""

    household_id: str
    referral_id: str
    title: str  # the head of household's name
    village: str
    words: str  # who was referred to whom, on which day, how long unanswered


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
        self._warned: list[HouseholdWarning] = []
        self._items: dict[int, WarningItem] = {}
        self.warnings_shown = WARNINGS_PAGE
        self.late_referrals: list[LateReferral] = []
        self.late_referrals_shown = WARNINGS_PAGE
        self.festival_line = ""
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
        # The most pressing kind first (a late 重大变故), then the longest-standing.
        self._warned = sorted(self.ws.warnings(), key=lambda w: w.sort_key)
        self._items = {}
        self.late_referrals = self._late_referrals(today)
        self.festival_line = self._festival_line()

    def _festival_line(self) -> str:
        """节日走访: my households still to visit on festival lists ("" when there is no
        list here and I make none)."""
        waiting = self.ws.campaigns.waiting_for(self.ws.profile.worker_id)
        if not waiting and not self.ws.profile.is_coordinator and not self.ws.campaigns.lists():
            return ""
        return text("campaigns.mine_waiting", self.lang, n=waiting)

    def _late_referrals(self, today: date) -> list[LateReferral]:
        """For a coordinator (or above): the referrals of my households unanswered past
        the policy's days (`referral_answer_days`), the longest overdue first."""
        if not self.ws.profile.is_coordinator:
            return []
        roster = self.ws.roster
        mine = (
            r for r in self.ws.referrals.awaiting_answer() if r.household_id in roster.households
        )
        late = unanswered_of(mine, self.ws.policy, today)
        if not late:
            return []
        organisations = self.ws.referrals.organisations()
        out = []
        for r in late:
            person = next(
                (p.name for p in roster.members.get(r.household_id, []) if p.id == r.person_id),
                "",
            )
            words = text(
                "today.referral_late",
                self.lang,
                who=person,
                to=recipient_name(r.recipient, organisations, self.lang),
                day=day_words(r.referred_on, self.lang),
                n=(today - r.referred_on).days,
            )
            out.append(
                LateReferral(
                    r.household_id,
                    r.id,
                    self.ws.household_title(r.household_id),
                    self.ws.area_name(roster.households[r.household_id].area_code),
                    words,
                )
            )
        return out

    def visible_late_referrals(self) -> list[LateReferral]:
        return self.late_referrals[: self.late_referrals_shown]

    @property
    def more_late_referrals(self) -> int:
        return max(len(self.late_referrals) - self.late_referrals_shown, 0)

    def show_all_late_referrals(self) -> None:
        self.late_referrals_shown = len(self.late_referrals)

    @property
    def warning_count(self) -> int:
        return len(self._warned)

    def warning_item(self, index: int) -> WarningItem:
        """The `index`-th warning in list order, put in words when first shown."""
        if index not in self._items:
            self._items[index] = self._warning(self._warned[index], self.ws.today())
        return self._items[index]

    @property
    def warnings(self) -> list[WarningItem]:
        """Every warning, in words."""
        return [self.warning_item(i) for i in range(len(self._warned))]

    def _warning(self, warning: HouseholdWarning, today: date) -> WarningItem:
        hid = warning.household_id
        return WarningItem(
            hid,
            warning.kind,
            self.ws.household_title(hid),
            self.ws.area_name(self.ws.roster.households[hid].area_code),
            warning_words(self.ws, warning, today, self.lang),
        )

    def visible_warnings(self) -> list[WarningItem]:
        return [self.warning_item(i) for i in range(min(self.warnings_shown, self.warning_count))]

    @property
    def more_warnings(self) -> int:
        return max(self.warning_count - self.warnings_shown, 0)

    def show_all_warnings(self) -> None:
        self.warnings_shown = self.warning_count

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


def warning_words(ws: Workspace, warning: HouseholdWarning, today: date, lang: str = "zh") -> str:
    """A warning in one sentence, naming the member or need it is about."""
    policy = ws.policy
    person = next(
        (p for p in ws.roster.members.get(warning.household_id, []) if p.id == warning.subject_id),
        None,
    )
    who = person.name if person is not None else ""
    since = day_words(warning.since, lang) if warning.since else ""
    kind = warning.kind
    if kind == WarningKind.MAJOR_EVENT_LATE and warning.since is not None:
        due = day_words(warning.since - timedelta(days=1), lang)
        return text("warn.major_event_late", lang, who=who, due=due)
    if kind == WarningKind.NOBODY_HOME:
        return text("warn.nobody_home", lang, since=since, n=policy.warnings.nobody_home_attempts)
    if kind == WarningKind.LONG_UNVISITED:
        status = ws.status(warning.household_id)
        frequency = label(status.requirement.frequency, lang) if status else ""
        n = policy.warnings.unvisited_windows
        return text("warn.long_unvisited", lang, n=n, frequency=frequency)
    if kind == WarningKind.NEED_IDLE:
        need = ws.warned_needs.get(warning.subject_id or "")
        area = label(need.area, lang) if need else ""
        raised = day_words(need.raised_on, lang) if need else ""
        days = (today - need.raised_on).days if need else policy.warnings.need_idle_days
        return text("warn.need_idle", lang, area=area, raised=raised, n=days)
    if kind == WarningKind.UPLIFT_INCOME:
        size = len(members_on(ws.roster.members.get(warning.household_id, []), today))
        line = f"{uplift_line(policy, size):,.0f}"
        return text("warn.uplift_income", lang, n=max(size, 1), line=line)
    if person is not None:
        return text("warn.elderly_contradicted", lang, who=who)
    return text("warn.child_contradicted", lang)


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
