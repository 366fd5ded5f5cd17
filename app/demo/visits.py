"""A household's visit history (探访关爱 and 敲门问需求) over the year before `today`.

Care visits follow the household's window from the visit policy: most windows get their
visit, a team that slips misses some, and a few households lapse so that they are overdue
today. Around them: "nobody home" attempts, 敲门 survey rounds, Spring Festival and 重阳
visits, and the home visit that answers a major event (or not yet, for a recent one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import NamedTuple

from app.demo import texts
from app.demo.families import Family
from app.demo.randomness import DemoRandom, Weighted
from app.demo.workers import DemoWorker, VillageTeam
from app.domain.calendar import next_window, previous_window, window_containing
from app.domain.codes import (
    CONTACT_OUTCOMES,
    CareKind,
    Frequency,
    RegisterStatus,
    VisitKind,
    VisitMode,
    VisitOutcome,
)
from app.domain.policy import Requirement
from app.domain.records import GeoPoint, Household, Visit

M = VisitMode

SPRING_FESTIVAL = {
    2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1),
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
    2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
}  # fmt: skip
DOUBLE_NINTH = {
    2020: date(2020, 10, 25), 2021: date(2021, 10, 14), 2022: date(2022, 10, 4),
    2023: date(2023, 10, 23), 2024: date(2024, 10, 11), 2025: date(2025, 10, 29),
    2026: date(2026, 10, 18), 2027: date(2027, 10, 8), 2028: date(2028, 10, 26),
    2029: date(2029, 10, 16), 2030: date(2030, 10, 5),
}  # fmt: skip

_MODES: dict[Frequency, Weighted[VisitMode]] = {
    Frequency.WEEKLY: Weighted({M.HOME: 45, M.PHONE: 45, M.VIDEO: 10}),
    Frequency.MONTHLY: Weighted({M.HOME: 1}),
    Frequency.QUARTERLY: Weighted({M.HOME: 1}),
    Frequency.HALF_YEARLY: Weighted({M.HOME: 60, M.PHONE: 35, M.VIDEO: 5}),
    Frequency.YEARLY: Weighted({M.HOME: 65, M.PHONE: 35}),
}
# Chance of a second contact in a window beyond the one the policy asks for.
_EXTRA = {
    Frequency.WEEKLY: 0.04,
    Frequency.MONTHLY: 0.06,
    Frequency.QUARTERLY: 0.2,
    Frequency.HALF_YEARLY: 0.25,
    Frequency.YEARLY: 0.3,
}
LAPSED_SHARE = 0.05
"""Share of households whose visits stopped before the last window: overdue today."""


def lapse_day(rng: DemoRandom, requirement: Requirement, today: date) -> date:
    """A day before the previous window began: no contact since makes the household overdue."""
    freq = requirement.frequency
    previous = previous_window(freq, window_containing(freq, today))
    return previous.start - timedelta(days=rng.randint(1, 20))


@dataclass
class VisitPlan:
    """What shapes one household's history besides its policy window."""

    household: Household
    family: Family
    team: VillageTeam
    requirement: Requirement | None
    knock_days: list[date] = field(default_factory=list)
    no_home_visit_from: date | None = None  # a pending major event: not yet answered
    lapsed_from: date | None = None  # the team stopped coming: overdue today
    reported_on: date | None = None
    moved_away: bool = False


class HistoryWriter:
    """Writes visit histories; one per demo run, sharing its random source."""

    def __init__(self, rng: DemoRandom, today: date) -> None:
        self.rng = rng
        self.today = today
        self.year_ago = today - timedelta(days=365)

    def history(self, plan: VisitPlan) -> list[Visit]:
        """The household's visits in time order, each a validated `Visit`."""
        self._plan = plan
        self._context = plan.family.context(self.today)
        self._specs: list[_Spec] = []
        hh = plan.household
        first = max(self.year_ago, hh.registered_on or self.year_ago)
        last = self.today if hh.left_on is None else min(self.today, hh.left_on - timedelta(days=1))
        if hh.register_status == RegisterStatus.REPORTED and plan.reported_on is not None:
            self._reported(plan.reported_on)
        elif first <= last:
            if plan.requirement is not None:
                self._windows(plan.requirement, last)
            self._festivals(first, last)
            self._events()
            if plan.moved_away and hh.left_on is not None:
                self._moved(first, hh.left_on)
        for day in plan.knock_days:
            if first <= day <= last or hh.register_status == RegisterStatus.REPORTED:
                self._knock(day)
        if plan.lapsed_from is not None or plan.no_home_visit_from is not None:
            self._specs = [s for s in self._specs if not self._cut(s)]
        self._specs.sort(key=_moment_of)
        return [self._visit(spec) for spec in self._specs]

    def _cut(self, spec: _Spec) -> bool:
        """A contact after the household lapsed, or a home visit after a pending major event."""
        if spec.outcome not in CONTACT_OUTCOMES:
            return False
        day = spec.at.date()
        lapsed, pending = self._plan.lapsed_from, self._plan.no_home_visit_from
        if lapsed is not None and day >= lapsed:
            return True
        return pending is not None and spec.mode == M.HOME and day >= pending

    # -- the policy window ----------------------------------------------------------------

    def _windows(self, requirement: Requirement, last: date) -> None:
        rng, today, hh = self.rng, self.today, self._plan.household
        freq = requirement.frequency
        current = window_containing(freq, today)
        previous = previous_window(freq, current)
        # A yearly household needs last year's window to be judged, so its history is longer.
        start = min(self.year_ago, previous.start)
        if hh.registered_on is not None:
            start = max(start, hh.registered_on)
        modes = _MODES[freq]
        window = window_containing(freq, start)
        while window.start <= last:
            lo, hi = max(window.start, start), min(window.end, last)
            if lo <= hi:
                share = self._plan.team.quality
                if lo == start > window.start and start != hh.registered_on:
                    # The history starts inside this window: it had its visit or not before.
                    share *= ((window.end - lo).days + 1) / ((window.end - window.start).days + 1)
                if today in window:
                    elapsed = ((today - window.start).days + 1) / (
                        (window.end - window.start).days + 1
                    )
                    share *= min(1.0, elapsed * 1.4)
                if rng.chance(share):
                    self._care(lo, hi, self._mode(modes, requirement))
                    if rng.chance(_EXTRA[freq]):
                        self._care(lo, hi, self._mode(modes, requirement))
                elif rng.chance(0.3):
                    self._attempt(rng.workday_between(lo, hi))
            window = next_window(freq, window)

    def _mode(self, modes: Weighted[VisitMode], requirement: Requirement) -> VisitMode:
        mode = modes.pick(self.rng)
        return mode if mode in requirement.modes else M.HOME

    def _care(self, lo: date, hi: date, mode: VisitMode) -> None:
        rng, team = self.rng, self._plan.team
        day = rng.workday_between(lo, hi)
        if mode != M.HOME:
            worker = team.caller(rng)
            self._add(rng.moment(day, phone=True), worker, mode, VisitOutcome.MET, mode.value)
            return
        if rng.chance(0.07) and day - timedelta(days=1) >= lo:
            self._attempt(
                rng.day_between(max(lo, day - timedelta(days=4)), day - timedelta(days=1))
            )
        worker = team.home_visitor(rng)
        outcome = VisitOutcome.REFUSED if rng.chance(0.012) else VisitOutcome.MET
        companions = team.companions(rng, worker)
        self._add(rng.moment(day), worker, M.HOME, outcome, self._context, companions)

    def _attempt(self, day: date) -> None:
        worker = self._plan.team.home_visitor(self.rng)
        self._add(self.rng.moment(day), worker, M.HOME, VisitOutcome.NOBODY_HOME, "nobody_home")

    # -- the year around the window -------------------------------------------------------

    def _knock(self, day: date) -> None:
        rng, team = self.rng, self._plan.team
        worker = team.knocker(rng)
        context = "reported" if day == self._plan.reported_on else "knock"
        companions = team.companions(rng, worker, 0.5)
        self._add(
            rng.moment(day), worker, M.HOME, VisitOutcome.MET, context, companions, VisitKind.KNOCK
        )

    def _reported(self, day: date) -> None:
        """主动发现: found on a round; sometimes the township already came to check."""
        if day < self.today and self.rng.chance(0.4):
            check = self.rng.workday_between(day + timedelta(days=1), self.today)
            team = self._plan.team
            self._add(self.rng.moment(check), team.civil, M.HOME, VisitOutcome.MET, "family",
                      [team.coordinator.name])  # fmt: skip

    def _festivals(self, first: date, last: date) -> None:
        rng, team, family = self.rng, self._plan.team, self._plan.family
        for year in (self.today.year - 1, self.today.year):
            spring = SPRING_FESTIVAL.get(year)
            if spring and first <= spring - timedelta(days=2) <= last and rng.chance(0.45):
                day = rng.workday_between(
                    max(first, spring - timedelta(days=18)), spring - timedelta(days=2)
                )
                self._add(rng.moment(day), team.civil, M.HOME, VisitOutcome.MET, "festival",
                          [team.coordinator.name])  # fmt: skip
            ninth = DOUBLE_NINTH.get(year)
            elderly = family.oldest_adult(self.today).age(self.today) >= 70
            if ninth and elderly and first <= ninth <= last and rng.chance(0.4):
                day = rng.day_between(
                    ninth - timedelta(days=2), min(last, ninth + timedelta(days=2))
                )
                worker = team.home_visitor(rng)
                self._add(rng.moment(day), worker, M.HOME, VisitOutcome.MET, "double_ninth",
                          team.companions(rng, worker, 0.6))  # fmt: skip

    def _events(self) -> None:
        """The home visit that answers a major event, in time or a few days late."""
        rng, team = self.rng, self._plan.team
        for member in self._plan.family.members:
            event = member.event
            if event is None or event.pending:
                continue
            start = max(event.day, event.recorded_on or event.day)
            late = rng.chance(0.2)
            day = start + timedelta(days=rng.randint(4, 9) if late else rng.randint(0, 3))
            day = min(day, self.today)
            note = event.note + "。" + rng.choice(texts.OBSERVATIONS["major_event"])
            self._add(rng.moment(day), team.civil, M.HOME, VisitOutcome.MET, "major_event",
                      [team.social.name], note=note)  # fmt: skip

    def _moved(self, first: date, left_on: date) -> None:
        day = max(first, left_on - timedelta(days=self.rng.randint(0, 10)))
        worker = self._plan.team.home_visitor(self.rng)
        self._add(self.rng.moment(day), worker, M.HOME, VisitOutcome.MOVED, "moved")

    # -- records --------------------------------------------------------------------------

    def _add(
        self,
        at: datetime,
        worker: DemoWorker,
        mode: VisitMode,
        outcome: VisitOutcome,
        context: str,
        companions: list[str] | None = None,
        kind: VisitKind = VisitKind.CARE,
        note: str = "",
    ) -> None:
        spec = _Spec(at, worker, mode, outcome, context, companions or [], kind, note)
        self._specs.append(spec)

    def _visit(self, spec: _Spec) -> Visit:
        rng, hh = self.rng, self._plan.household
        context, worker, outcome = spec.context, spec.worker, spec.outcome
        care: list[CareKind] = []
        observations = spec.note or rng.choice(texts.OBSERVATIONS[context])
        if outcome == VisitOutcome.MET:
            if context in ("knock", "reported"):
                observations += rng.choice(texts.OBSERVATIONS[self._context])
            care = list(rng.choice(_CARE_CHOICES[context]))
            if context not in ("phone", "video") and rng.chance(0.3):
                observations += rng.choice(texts.OBSERVATIONS["policy"])
                if CareKind.POLICY not in care:
                    care.append(CareKind.POLICY)
        gps = None
        if spec.mode == M.HOME and hh.gps is not None and rng.chance(0.6):
            gps = GeoPoint(
                lat=round(hh.gps.lat + rng.uniform(-0.0003, 0.0003), 6),
                lon=round(hh.gps.lon + rng.uniform(-0.0003, 0.0003), 6),
                accuracy_m=float(rng.randint(4, 40)),
            )
        return Visit(
            id=rng.record_id(spec.at),
            area_code=hh.area_code,
            author_worker_id=worker.id,
            household_id=hh.id,
            kind=spec.kind,
            visited_at=spec.at,
            worker_id=worker.id,
            team=worker.team,
            companions=spec.companions,
            mode=spec.mode,
            outcome=outcome,
            care=care,
            observations=observations,
            gps=gps,
        )


# The care a visit of each kind records: one kind, or two in their usual order.
_CARE_CHOICES: dict[str, list[tuple[CareKind, ...]]] = {
    context: [(k,) for k in kinds] + list(combinations(kinds, 2))
    for context, kinds in texts.CARE_FOR.items()
}


class _Spec(NamedTuple):
    """A visit decided but not yet written: records are made in time order."""

    at: datetime
    worker: DemoWorker
    mode: VisitMode
    outcome: VisitOutcome
    context: str  # which observations and care fit
    companions: list[str]
    kind: VisitKind
    note: str


def _moment_of(spec: _Spec) -> datetime:
    return spec.at
