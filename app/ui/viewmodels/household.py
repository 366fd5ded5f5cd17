"""Household (家庭详情): members, categories and flags, address, the visit timeline, open
needs, wishes and the consent state per recipient.

ID numbers are masked; one is shown in full only after a deliberate tap, which the store
logs (who, which person, when). The log entry is written before the number is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain import identity
from app.domain.codes import (
    DataCategory,
    NeedArea,
    NeedStatus,
    PersonFlag,
    RegisterStatus,
    WishState,
)
from app.domain.consent import ConsentStatus, fold
from app.domain.help import Sector
from app.domain.policy import Urgency, member_on, visit_status
from app.domain.records import (
    HEAD_RELATION,
    head_of,
)
from app.domain.wishes import OPEN_STATES
from app.store.errors import NotFound
from app.ui.catalogue import label, purpose_label, text
from app.ui.viewmodels.campaigns import place_status
from app.ui.viewmodels.consent import consent_status_text, evidence_on_device
from app.ui.viewmodels.recipients import recipient_name
from app.ui.viewmodels.referral import ReferralLine, referral_lines
from app.ui.viewmodels.register import HistoryLine, history_lines
from app.ui.viewmodels.today import due_words, warning_words
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
class HelpLine:
    """One piece of help received (已获帮扶), flagged when its need area had help from
    another source in the same month."""

    record_id: str
    on: str
    sector: str
    kind: str
    area: str
    source: str
    what: str
    value: str
    flagged: bool
    government: bool


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


SHARE_ACTIONS = frozenset({"viewed", "exported"})
CATEGORY_CODES = frozenset(c.value for c in DataCategory)


@dataclass(frozen=True)
class ShareLine:
    """One disclosure to a charity of a member's data, as the household screen lists it."""

    day: str
    person: str
    organisation: str
    action: str  # 查看 / 导出
    purpose: str
    categories: str


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

    def warning_lines(self) -> list[str]:
        """This household's warnings (预警) today, in words, most pressing first: the same
        ones Today lists, from the same rules."""
        today = self.ws.today()
        mine = [w for w in self.ws.warnings() if w.household_id == self.household_id]
        return [
            warning_words(self.ws, w, today, self.lang)
            for w in sorted(mine, key=lambda w: w.sort_key)
        ]

    def campaign_lines(self) -> list[str]:
        """节日走访: the festival lists this household is on, each with its status (待走访,
        or 已走访 with what was delivered)."""
        out = []
        for place in self.ws.campaigns.of_household(self.household_id):
            try:
                campaign = self.ws.campaigns.get(place.campaign_id)
            except NotFound:  # the list has not arrived here yet
                continue
            name = campaign.name
            status = place_status(place, self.lang, closed=campaign.closed_on is not None)
            out.append(text("household.campaign", self.lang, name=name, status=status))
        return out

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
        organisations = self.ws.referrals.organisations()
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
                    recipient=recipient_name(state.recipient, organisations, self.lang),
                    purpose=purpose_label(state.purpose, self.lang),
                    granted=granted,
                    state=consent_status_text(state, today, self.lang),
                    categories=cats,
                    events=len(state.history),
                )
            )
        return lines

    def referral_lines(self) -> list[ReferralLine]:
        """The household's referrals to charities with their answer and outcome (as the
        last sync brought them), newest first; overdue ones flagged for coordinators."""
        return referral_lines(
            self.ws,
            self.ws.referrals.of_household(self.household_id),
            {p.id: p.name for p in self.members},
            self.ws.referrals.organisations(),
            self.lang,
        )

    def help_received(self) -> tuple[list[HelpLine], list[str], str]:
        """The household's help, newest first (government and charity: project services,
        wishes, referrals, needs met), the warnings for need areas helped by several sources
        in one month (防止重复救助和过度帮扶), and the total."""
        found = self.ws.help.received(self.household_id)
        flagged = found.overlaps
        lines = [
            HelpLine(
                record_id=i.record_id,
                on=i.on.isoformat(),
                sector=label(i.sector, self.lang),
                kind=label(i.kind, self.lang),
                area=label(i.area, self.lang) if i.area else "",
                source=i.source,
                what=i.what,
                value=text("household.help_value", self.lang, yuan=f"{i.value_yuan:,}")
                if i.value_yuan
                else "",
                flagged=i.area is not None and (i.area.value, i.month) in flagged,
                government=i.sector == Sector.GOVERNMENT,
            )
            for i in found.items
        ]
        warnings = [
            text(
                "household.help_overlap",
                self.lang,
                area=label(NeedArea(area), self.lang),
                month=f"{year}-{month:02d}",
            )
            for area, (year, month) in sorted(flagged, key=lambda f: (f[1], f[0]), reverse=True)
        ]
        total = (
            text("household.help_total", self.lang, n=len(lines), yuan=f"{found.total_yuan:,}")
            if lines
            else ""
        )
        return lines, warnings, total

    def share_lines(self, limit: int | None = None) -> list[ShareLine]:
        """共享记录: each time a charity's console user saw or exported a member's data, as
        the county logged it and the syncs brought it, newest first: the first `limit`
        (the screen shows a page at a time), or all of them."""
        names = {p.id: p.name for p in self.members}
        return [
            ShareLine(
                day=s.at[:10],
                person=names.get(s.person_id, ""),
                organisation=s.organisation,
                action=text(f"share.{s.action}", self.lang) if s.action in SHARE_ACTIONS else "",
                purpose=purpose_label(s.purpose, self.lang, typed=False),
                categories="、".join(
                    label(DataCategory(c), self.lang)
                    for c in s.data_categories
                    if c in CATEGORY_CODES
                ),
            )
            for s in self.ws.households.county_shares(self.household_id, limit)
        ]

    def share_count(self) -> int:
        """How many entries the household's share log holds."""
        return self.ws.households.county_share_count(self.household_id)

    def history(self) -> list[HistoryLine]:
        """The household's register changes (登记变更), newest first, personal values masked."""
        return history_lines(self.ws, self.household_id, self.members, self.lang)

    @property
    def has_open_wish(self) -> bool:
        return any(w.state in OPEN_STATES and w.state != WishState.COLLECTED for w in self.wishes)
