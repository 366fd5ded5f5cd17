"""Needs (需求) and micro-wishes (微心愿) of my areas, newest first, by status.

Both lists search as the household list does (the head's name, its pinyin or initials,
the village) and also the need's or wish's own words; needs also filter by area.

A coordinator assesses needs (合理 or not, with a reason), matches or refers them and
closes them, and reviews collected wishes; anyone records a fulfilment (兑现 / 圆梦):
what was done and when, and for a wish an optional photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.codes import NeedArea, NeedStatus, WishState
from app.domain.records import Need, Wish
from app.domain.wishes import OPEN_STATES, review_problems, transition
from app.services.photos import Photo
from app.store.search import fold
from app.ui.catalogue import label, message, text
from app.ui.viewmodels.errors import UserError, user_message
from app.ui.viewmodels.workspace import Workspace

S = NeedStatus
OPEN_NEEDS = (S.RAISED, S.REASONABLE, S.MATCHED, S.REFERRED)
# Where a need may go next; "raised" waits for a coordinator's assessment.
NEED_NEXT: dict[NeedStatus, tuple[NeedStatus, ...]] = {
    S.RAISED: (S.REASONABLE, S.UNREASONABLE),
    S.REASONABLE: (S.MATCHED, S.REFERRED, S.FULFILLED, S.CLOSED),
    S.MATCHED: (S.REFERRED, S.FULFILLED, S.CLOSED),
    S.REFERRED: (S.FULFILLED, S.CLOSED),
    S.UNREASONABLE: (),
    S.FULFILLED: (),
    S.CLOSED: (),
}
COORDINATOR_ONLY = frozenset({S.REASONABLE, S.UNREASONABLE, S.MATCHED, S.REFERRED, S.CLOSED})


class Search:
    """A query over my households' needs or wishes: a household whose head's name (or a
    member's, by pinyin or initials) or village matches, or a record whose words do."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace
        self.query = ""
        self._folded = ""
        self._households: set[str] = set()

    def set(self, query: str) -> None:
        self.query = query
        self._folded = fold(query)
        self._households = (
            {h.household_id for h in self.ws.search_index().search(query, limit=500)}
            if self._folded
            else set()
        )

    def matches(self, household_id: str, *words: str) -> bool:
        if not self._folded or household_id in self._households:
            return True
        household = self.ws.roster.households[household_id]
        village = self.ws.area_name(household.area_code)
        return any(self._folded in fold(w) for w in (*words, village) if w)


@dataclass(frozen=True)
class NeedItem:
    need_id: str
    household_id: str
    household: str
    village: str
    area: str
    description: str
    status: NeedStatus
    status_label: str
    raised_on: date
    detail: str  # reason, resource or fulfilment
    actions: tuple[NeedStatus, ...]


class NeedsVM:
    """Needs of my households, one status (or all open ones) at a time."""

    def __init__(self, workspace: Workspace, lang: str = "zh") -> None:
        self.ws = workspace
        self.lang = lang
        self.filter: str = "open"
        self.area: NeedArea | None = None
        self.search = Search(workspace)
        self.message = ""
        self.load()

    def load(self) -> None:
        households = self.ws.roster.households
        self.needs = {n.id: n for n in self.ws.casework.needs() if n.household_id in households}

    def filters(self) -> list[tuple[str, str]]:
        counts = self.counts()
        out = [("open", text("needs.open", self.lang, n=sum(counts[s] for s in OPEN_NEEDS)))]
        out += [(s.value, f"{label(s, self.lang)} {counts[s]}") for s in NeedStatus]
        return out

    def counts(self) -> dict[NeedStatus, int]:
        counts = {s: 0 for s in NeedStatus}
        for need in self.needs.values():
            counts[need.status] += 1
        return counts

    def set_filter(self, value: str) -> None:
        self.filter = value

    def set_area(self, code: str | None) -> None:
        self.area = NeedArea(code) if code else None

    def set_query(self, query: str) -> None:
        self.search.set(query)

    def area_choices(self) -> list[tuple[str, str]]:
        return [(a.value, label(a, self.lang)) for a in NeedArea]

    def items(self) -> list[NeedItem]:
        """The needs in the chosen status and area that match the query, newest first."""
        wanted = set(OPEN_NEEDS) if self.filter == "open" else {NeedStatus(self.filter)}
        needs = sorted(
            (
                n
                for n in self.needs.values()
                if n.status in wanted
                and (self.area is None or n.area == self.area)
                and self.search.matches(n.household_id, n.description)
            ),
            key=lambda n: (n.raised_on, n.created_hlc),
            reverse=True,
        )
        return [self._item(n) for n in needs]

    def _item(self, need: Need) -> NeedItem:
        household = self.ws.roster.households[need.household_id]
        detail = (
            need.fulfilment_note or need.closed_reason or need.assessment_reason or need.resource
        )
        if need.fulfilled_on:
            detail = f"{need.fulfilled_on.isoformat()} {detail}"
        actions = tuple(
            s
            for s in NEED_NEXT[need.status]
            if self.ws.profile.is_coordinator or s not in COORDINATOR_ONLY
        )
        return NeedItem(
            need_id=need.id,
            household_id=need.household_id,
            household=self.ws.household_title(need.household_id),
            village=self.ws.area_name(household.area_code),
            area=label(need.area, self.lang),
            description=need.description,
            status=need.status,
            status_label=label(need.status, self.lang),
            raised_on=need.raised_on,
            detail=detail,
            actions=actions,
        )

    def action_label(self, status: NeedStatus) -> str:
        return text(f"needs.to.{status.value}", self.lang)

    def needs_note(self, status: NeedStatus) -> bool:
        """Whether the move asks for a note (reason, resource or what was done)."""
        return status in (S.UNREASONABLE, S.MATCHED, S.REFERRED, S.FULFILLED, S.CLOSED)

    def move(
        self,
        need_id: str,
        target: str,
        note: str = "",
        on: date | None = None,
        photo: tuple[bytes, str] | None = None,
    ) -> bool:
        """Assess, match, refer, fulfil (with an optional photo) or close a need; False (and
        `message`) if refused."""
        self.message = ""
        try:
            need = self.needs[need_id]
            status = NeedStatus(target)
            if status not in NEED_NEXT[need.status]:
                raise UserError(text("needs.illegal", self.lang))
            if status in COORDINATOR_ONLY and not self.ws.profile.is_coordinator:
                raise UserError(text("needs.coordinator_only", self.lang))
            if self.needs_note(status) and not note.strip():
                raise UserError(text("needs.note_required", self.lang))
            updates: dict[str, object] = {"status": status}
            if status == S.UNREASONABLE or status == S.REASONABLE:
                updates["assessment_reason"] = note
            elif status in (S.MATCHED, S.REFERRED):
                updates["resource"] = note
            elif status == S.FULFILLED:
                updates["fulfilment_note"] = note
                updates["fulfilled_on"] = on or self.ws.today()
            elif status == S.CLOSED:
                updates["closed_reason"] = note
            changed = Need.edited({**need.model_dump(), **updates}, updates)
            fulfilment = Photo(*photo) if photo is not None and status == S.FULFILLED else None
            self.needs[need_id] = self.ws.casework.move(changed, fulfilment, "fulfilment_photo_id")
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        return True


@dataclass(frozen=True)
class WishItem:
    wish_id: str
    household_id: str
    household: str
    village: str
    title: str
    description: str
    value_yuan: int
    state: WishState
    state_label: str
    collected_on: date
    problems: tuple[str, ...]  # why a reviewer should hesitate
    detail: str
    actions: tuple[WishState, ...]


class WishesVM:
    """Micro-wishes of my households by state; review, fulfil (圆梦) or cancel them."""

    def __init__(self, workspace: Workspace, lang: str = "zh") -> None:
        self.ws = workspace
        self.lang = lang
        self.filter = WishState.COLLECTED
        self.search = Search(workspace)
        self.message = ""
        self.load()

    def load(self) -> None:
        households = self.ws.roster.households
        self.wishes = {w.id: w for w in self.ws.casework.wishes() if w.household_id in households}

    def counts(self) -> dict[WishState, int]:
        counts = {s: 0 for s in WishState}
        for wish in self.wishes.values():
            counts[wish.state] += 1
        return counts

    def filters(self) -> list[tuple[str, str]]:
        counts = self.counts()
        return [(s.value, f"{label(s, self.lang)} {counts[s]}") for s in WishState]

    def set_filter(self, value: str) -> None:
        self.filter = WishState(value)

    def set_query(self, query: str) -> None:
        self.search.set(query)

    def items(self) -> list[WishItem]:
        """The wishes in the chosen state that match the query, newest first."""
        wishes = sorted(
            (
                w
                for w in self.wishes.values()
                if w.state == self.filter
                and self.search.matches(w.household_id, w.title, w.description)
            ),
            key=lambda w: (w.collected_on, w.created_hlc),
            reverse=True,
        )
        others = list(self.wishes.values())
        return [self._item(w, others) for w in wishes]

    def _actions(self, wish: Wish) -> tuple[WishState, ...]:
        coordinator = self.ws.profile.is_coordinator
        if wish.state == WishState.COLLECTED and coordinator:
            return (WishState.APPROVED, WishState.REJECTED, WishState.CANCELLED)
        if wish.state == WishState.CLAIMED:
            return (
                (WishState.FULFILLED, WishState.CANCELLED)
                if coordinator
                else (WishState.FULFILLED,)
            )
        if wish.state in OPEN_STATES and coordinator:
            return (WishState.CANCELLED,)
        return ()

    def _item(self, wish: Wish, others: list[Wish]) -> WishItem:
        household = self.ws.roster.households[wish.household_id]
        problems = (
            tuple(message(p, self.lang) for p in review_problems(wish, others, self.ws.policy))
            if wish.state == WishState.COLLECTED
            else ()
        )
        detail = wish.reject_reason or wish.cancel_reason or wish.fulfilment_note
        if wish.claimed_by:
            detail = text("wishes.claimed_by", self.lang, who=wish.claimed_by) + (
                f" · {detail}" if detail else ""
            )
        if wish.fulfilled_on:
            detail = f"{wish.fulfilled_on.isoformat()} {detail}"
        return WishItem(
            wish_id=wish.id,
            household_id=wish.household_id,
            household=self.ws.household_title(wish.household_id),
            village=self.ws.area_name(household.area_code),
            title=wish.title,
            description=wish.description,
            value_yuan=wish.value_yuan,
            state=wish.state,
            state_label=label(wish.state, self.lang),
            collected_on=wish.collected_on,
            problems=problems,
            detail=detail,
            actions=self._actions(wish),
        )

    def action_label(self, state: WishState) -> str:
        return text(f"wishes.to.{state.value}", self.lang)

    def needs_note(self, state: WishState) -> bool:
        return state in (WishState.REJECTED, WishState.FULFILLED, WishState.CANCELLED)

    def move(
        self,
        wish_id: str,
        target: str,
        note: str = "",
        on: date | None = None,
        photo: tuple[bytes, str] | None = None,
    ) -> bool:
        """Review, fulfil or cancel a wish; False (and `message`) if the move is refused."""
        self.message = ""
        try:
            wish = self.wishes[wish_id]
            state = WishState(target)
            if state not in self._actions(wish):
                raise UserError(text("wishes.illegal", self.lang))
            if self.needs_note(state) and not note.strip():
                raise UserError(text("needs.note_required", self.lang))
            fields: dict[str, Any] = {}
            if state == WishState.REJECTED:
                fields["reject_reason"] = note
            elif state == WishState.CANCELLED:
                fields["cancel_reason"] = note
            elif state == WishState.FULFILLED:
                fields["fulfilment_note"] = note
                fields["fulfilled_on"] = on or self.ws.today()
            changed = transition(wish, state, on=self.ws.today(), **fields)
            fulfilment = (
                Photo(*photo) if photo is not None and state == WishState.FULFILLED else None
            )
            self.wishes[wish_id] = self.ws.casework.move(changed, fulfilment, "photo_id")
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        return True
