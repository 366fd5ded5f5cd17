"""Household (家庭详情): members, categories and flags, address, the visit timeline, open
needs, wishes and the consent state per recipient.

ID numbers are masked; one is shown in full only after a deliberate tap, which the store
logs (who, which person, when). The log entry is written before the number is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain import identity
from app.domain.codes import NeedStatus, PersonFlag, RegisterStatus, WishState
from app.domain.consent import ConsentStatus, fold
from app.domain.policy import Urgency, member_on, visit_status
from app.domain.records import (
    HEAD_RELATION,
    head_of,
)
from app.domain.wishes import OPEN_STATES
from app.ui.catalogue import label, text
from app.ui.viewmodels.consent import consent_status_text, evidence_on_device
from app.ui.viewmodels.today import due_words
from app.ui.viewmodels.workspace import Workspace

CLOSED_NEEDS = frozenset({NeedStatus.FULFILLED, NeedStatus.CLOSED, NeedStatus.UNREASONABLE})
CHILD_AGE = 14


@dataclass(frozen=True)
class MemberLine:
    person_id: str
    name: str
    relation: str
    age: int | None
    gender: str
    id_shown: str  # masked, or in full once revealed
    revealed: bool
    has_id: bool
    flags: str
    major_event: str  # "重大变故 2026-05-01：……" or ""
    under_14: bool
    left: str = ""  # "已退出（2026-05-10）" for a member who left the household, else ""


@dataclass(frozen=True)
class TimelineEntry:
    visit_id: str
    when: datetime
    title: str  # kind · mode · outcome
    care: str
    observations: str
    companions: str
    needs: tuple[str, ...]
    counts: bool  # someone was reached


@dataclass(frozen=True)
class NeedLine:
    need_id: str
    area: str
    description: str
    status: str
    raised_on: date


@dataclass(frozen=True)
class WishLine:
    wish_id: str
    title: str
    value_yuan: int
    state: str
    open: bool


@dataclass(frozen=True)
class ConsentLine:
    person_id: str
    person: str
    recipient: str
    purpose: str
    granted: bool
    state: str  # consent_status_text(): 已同意（至 2027-05-01）/ 已过期 / 已撤回 / 未同意
    categories: str
    events: int


class HouseholdVM:
    """Everything the household screen shows, read from the store on `load()`."""

    def __init__(self, workspace: Workspace, household_id: str, lang: str = "zh") -> None:
        self.ws = workspace
        self.household_id = household_id
        self.lang = lang
        self.revealed: set[str] = set()
        self.load()

    def load(self) -> None:
        found = self.ws.households.records(self.household_id)
        self.household = found.household
        today = self.ws.today()
        # Members who left the household come last (listed as such, never as its head).
        self.members = sorted(
            found.members,
            key=lambda p: (
                not member_on(p, today),
                p.relation != HEAD_RELATION,
                p.birth_date or date.max,
            ),
        )
        self.visits = sorted(
            found.visits,
            key=lambda v: v.visited_at,
            reverse=True,
        )
        self.needs = sorted(found.needs, key=lambda n: n.raised_on)
        self.wishes = found.wishes
        self.consents = found.consents
        self.status = visit_status(self.ws.policy, self.household, self.members, self.visits, today)

    # --- header -----------------------------------------------------------------------

    @property
    def title(self) -> str:
        head = head_of(self.members)
        return head.name if head else self.household.address

    @property
    def village(self) -> str:
        return self.ws.area_name(self.household.area_code)

    @property
    def categories(self) -> str:
        return "、".join(label(c, self.lang) for c in self.household.categories)

    @property
    def register_line(self) -> str:
        return label(self.household.register_status, self.lang)

    @property
    def reported(self) -> bool:
        return self.household.register_status == RegisterStatus.REPORTED

    @property
    def phone(self) -> str:
        return self.household.phone

    def status_line(self) -> str:
        """Where the household stands with the visit rules today."""
        if self.status is None:
            return text("household.no_rule", self.lang)
        frequency = label(self.status.requirement.frequency, self.lang)
        words = due_words(self.status, self.ws.today(), self.lang)
        if self.status.urgency == Urgency.MAJOR_EVENT:
            parts = [*words, frequency]
        else:
            parts = [frequency, *words]
        last = self.status.last_visit
        parts.append(
            text("household.last_visit", self.lang, day=last.isoformat())
            if last
            else text("today.never_visited", self.lang)
        )
        return " · ".join(parts)

    @property
    def urgency(self) -> Urgency | None:
        return self.status.urgency if self.status else None

    # --- members and ID numbers --------------------------------------------------------

    def member_lines(self) -> list[MemberLine]:
        today = self.ws.today()
        lines = []
        for p in self.members:
            age = p.age_on(today)
            event = ""
            if p.major_event_date is not None:
                event = (
                    f"{label(PersonFlag.MAJOR_EVENT, self.lang)} {p.major_event_date.isoformat()}"
                )
                if p.major_event_note:
                    event += f"：{p.major_event_note}"
            revealed = p.id in self.revealed and bool(p.id_number)
            lines.append(
                MemberLine(
                    person_id=p.id,
                    name=p.name,
                    relation=p.relation,
                    age=age,
                    gender={"M": text("gender.m", self.lang), "F": text("gender.f", self.lang)}.get(
                        p.gender or "", ""
                    ),
                    id_shown=(
                        (p.id_number or "")
                        if revealed
                        else identity.mask_id_number(p.id_number or "")
                    ),
                    revealed=revealed,
                    has_id=bool(p.id_number),
                    flags="、".join(
                        label(f, self.lang)
                        for f in p.flags
                        if not (f == PersonFlag.MAJOR_EVENT and event)
                    ),
                    major_event=event,
                    under_14=age is not None and age < CHILD_AGE,
                    left=(
                        ""
                        if member_on(p, today) or p.left_on is None
                        else text("household.left", self.lang, day=p.left_on.isoformat())
                    ),
                )
            )
        return lines

    def reveal_id(self, person_id: str) -> None:
        """Show one ID number in full; the reveal is logged first (who, whom, when)."""
        if person_id in self.revealed:
            return
        self.ws.households.reveal_id_number(person_id)
        self.revealed.add(person_id)

    def hide_id(self, person_id: str) -> None:
        self.revealed.discard(person_id)

    # --- visits, needs, wishes, consent --------------------------------------------------

    def timeline(self) -> list[TimelineEntry]:
        needs_by_visit: dict[str, list[str]] = {}
        for need in self.needs:
            if need.visit_id:
                needs_by_visit.setdefault(need.visit_id, []).append(
                    f"{label(need.area, self.lang)}：{need.description}"
                )
        return [
            TimelineEntry(
                visit_id=v.id,
                when=v.visited_at,
                title=" · ".join(
                    (
                        label(v.kind, self.lang),
                        label(v.mode, self.lang),
                        label(v.outcome, self.lang),
                    )
                ),
                care="、".join(label(c, self.lang) for c in v.care),
                observations=v.observations,
                companions="、".join(v.companions),
                needs=tuple(needs_by_visit.get(v.id, ())),
                counts=v.is_contact,
            )
            for v in self.visits
        ]

    def open_needs(self) -> list[NeedLine]:
        return [
            NeedLine(
                need_id=n.id,
                area=label(n.area, self.lang),
                description=n.description,
                status=label(n.status, self.lang),
                raised_on=n.raised_on,
            )
            for n in self.needs
            if n.status not in CLOSED_NEEDS
        ]

    def wish_lines(self) -> list[WishLine]:
        return [
            WishLine(
                wish_id=w.id,
                title=w.title,
                value_yuan=w.value_yuan,
                state=label(w.state, self.lang),
                open=w.state in OPEN_STATES,
            )
            for w in sorted(self.wishes, key=lambda w: w.collected_on, reverse=True)
        ]

    def evidence_waiting(self) -> int:
        """Consent evidence (signatures, photographed forms) only on this device so far."""
        return len(evidence_on_device(self.ws, self.consents))

    def consent_lines(self) -> list[ConsentLine]:
        names = {p.id: p.name for p in self.members}
        today = self.ws.today()
        lines = []
        for state in fold(self.consents):
            granted = state.status(today) == ConsentStatus.GRANTED
            cats = (
                "、".join(label(c, self.lang) for c in state.grant.data_categories)
                if granted and state.grant is not None
                else ""
            )
            lines.append(
                ConsentLine(
                    person_id=state.person_id,
                    person=names.get(state.person_id, ""),
                    recipient=state.recipient,
                    purpose=state.purpose,
                    granted=granted,
                    state=consent_status_text(state, today, self.lang),
                    categories=cats,
                    events=len(state.history),
                )
            )
        return lines

    @property
    def has_open_wish(self) -> bool:
        return any(w.state in OPEN_STATES and w.state != WishState.COLLECTED for w in self.wishes)
