"""Needs (需求) and micro-wishes (微心愿) of my areas, newest first, by status.

Both lists search as the household list does (the head's name, its pinyin or initials,
the village) and also the need's or wish's own words; needs also filter by area.

A coordinator assesses needs (合理 or not, with a reason), matches or refers them and
closes them, and reviews collected wishes; anyone records a fulfilment (兑现 / 圆梦):
what was done and when, and for a wish an optional photo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.codes import NeedArea, NeedStatus, WishState
from app.domain.identity import mask_phone
from app.domain.records import Delivery, Need, Referral, Wish
from app.domain.wishes import (
    OPEN_STATES,
    STORY_MAX_CHARS,
    review_problems,
    story_problems,
    transition,
)
from app.services.photos import Photo
from app.store.search import fold
from app.ui.catalogue import label, message, text
from app.ui.viewmodels.errors import UserError, user_message
from app.ui.viewmodels.referral import ReferralLine, referral_lines
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
        self.referrals: dict[str, list[Referral]] = {}
        for r in self.ws.referrals.all():
            if r.need_id:
                self.referrals.setdefault(r.need_id, []).append(r)
        self.organisations = self.ws.referrals.organisations()

    def project_lines(self, need_id: str) -> tuple[str, list[tuple[str, str]]]:
        """匹配项目: the project the need is matched to ("" if none) and the projects it may
        be matched to now, as (project id, "name（organisation）") — coordinators only."""
        need = self.needs[need_id]
        book = self.ws.help.book()
        matched = book.project(need.project_id)
        name = f"{matched.name}（{matched.organisation_name}）" if matched else ""
        if need.status not in OPEN_NEEDS or not self.ws.profile.is_coordinator:
            return name, []
        choices = [
            (p.id, f"{p.name}（{p.organisation_name}）")
            for p in book.for_need(need.area, need.area_code, self.ws.today())
            if p.id != need.project_id
        ]
        return name, choices

    def match(self, need_id: str, project_id: str) -> bool:
        """Match the need to a project (offline; synced); False (and `message`) if refused."""
        self.message = ""
        try:
            if not self.ws.profile.is_coordinator:
                raise UserError(text("needs.coordinator_only", self.lang))
            self.needs[need_id] = self.ws.help.match(
                self.needs[need_id], project_id, self.ws.today()
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        return True

    def record_delivery(self, need_id: str, service: str, value: str) -> bool:
        """A delivery of the need's matched project to its household today, answering the
        need (synced); False (and `message`) if refused."""
        self.message = ""
        try:
            need = self.needs[need_id]
            amount = value.strip() or "0"
            if not amount.isdigit():
                raise UserError(text("form.not_number", self.lang))
            self.ws.help.record_delivery(
                Delivery(
                    household_id=need.household_id,
                    area_code=need.area_code,
                    project_id=need.project_id or "",
                    need_id=need.id,
                    area=need.area,
                    delivered_on=self.ws.today(),
                    service=service,
                    value_yuan=int(amount),
                )
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        return True

    def referral_lines(self, need_id: str) -> list[ReferralLine]:
        """The need's referrals to charities, with their answer and outcome."""
        found = self.referrals.get(need_id, [])
        return referral_lines(self.ws, found, {}, self.organisations, self.lang) if found else []

    def may_refer(self, need_id: str) -> bool:
        """An open need may be referred to an organisation (转介)."""
        return self.needs[need_id].status in OPEN_NEEDS

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
class DonorLine:
    """The donor of a claimed wish as a coordinator sees it: the phone masked until a tap."""

    name: str
    phone_masked: str
    delivery: str
    organisation: str


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
    board: str = ""  # 待发布 (asked, not yet published by the server) or 已发布
    public: str = ""  # what the board shows beside the title: need area and story
    refusal: str = ""  # why the server refused to publish it, in one sentence
    donor: DonorLine | None = None
    follow_up: tuple[str, ...] = ()  # "publish", "contact", "handover"


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
        self.desk = self.ws.wishes.desk()

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
        # The donor's own line says who claimed it, where this device holds the donor.
        if wish.claimed_by and not self._donor_shown(wish):
            detail = text("wishes.claimed_by", self.lang, who=wish.claimed_by) + (
                f" · {detail}" if detail else ""
            )
        if wish.fulfilled_on:
            detail = f"{wish.fulfilled_on.isoformat()} {detail}"
        steps = [
            text(f"wishes.{name}_on", self.lang, on=day.isoformat())
            for name, day in (
                ("contacted", wish.contacted_on),
                ("handed_over", wish.handed_over_on),
            )
            if day is not None and wish.state in (WishState.CLAIMED, WishState.FULFILLED)
        ]
        if wish.delivery_team and wish.state == WishState.CLAIMED:
            steps.append(text("wishes.delivery_team", self.lang, team=wish.delivery_team))
        detail = " · ".join([*steps, *([detail] if detail else [])])
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
            **self._board(wish),
        )

    def _board(self, wish: Wish) -> dict[str, Any]:
        """Where the wish stands with the board: asked (待发布) or published, what the
        board shows, the server's refusal, the donor and the follow-ups open to me."""
        coordinator = self.ws.profile.is_coordinator
        out: dict[str, Any] = {}
        pending = wish.id in self.desk.pending
        if wish.state == WishState.PUBLISHED:
            out["board"] = text(
                "wishes.board_pending" if pending else "wishes.board_published", self.lang
            )
        if wish.state in (WishState.PUBLISHED, WishState.CLAIMED, WishState.FULFILLED) and (
            wish.story or wish.need_area != NeedArea.WISH
        ):
            out["public"] = text(
                "wishes.public", self.lang, area=label(wish.need_area, self.lang), story=wish.story
            ).rstrip(" ·")
        refusal = self.desk.refusals.get(wish.id)
        if refusal is not None and wish.state == WishState.APPROVED and not pending:
            out["refusal"] = (
                message(refusal.reason, self.lang) if refusal.reason else refusal.server_said
            )
        donor = self.desk.donors.get(wish.id)
        if donor is not None and self._donor_shown(wish):
            out["donor"] = DonorLine(
                donor.name, mask_phone(donor.phone), donor.delivery, donor.organisation
            )
        follow_up: list[str] = []
        if wish.state == WishState.APPROVED and coordinator:
            follow_up.append("publish")
        if wish.state == WishState.CLAIMED:
            if wish.contacted_on is None:
                follow_up.append("contact")
            if wish.handed_over_on is None:
                follow_up.append("handover")
        out["follow_up"] = tuple(follow_up)
        return out

    def _donor_shown(self, wish: Wish) -> bool:
        return (
            wish.state == WishState.CLAIMED
            and wish.id in self.desk.donors
            and self.ws.profile.is_coordinator
        )

    def need_areas(self) -> list[tuple[str, str]]:
        return [(a.value, label(a, self.lang)) for a in NeedArea]

    def publish_defaults(self, wish_id: str) -> tuple[NeedArea, str]:
        """What the publish form starts from: the wish's need area, and the story the
        server last refused (to edit), else its story, else its description."""
        wish = self.wishes[wish_id]
        refusal = self.desk.refusals.get(wish_id)
        story = (refusal.story if refusal else "") or wish.story or wish.description
        return wish.need_area, story[:STORY_MAX_CHARS]

    def story_problem(self, wish_id: str, story: str) -> str:
        """Why the story may not be published as it is (checked here as on the server)."""
        wish = self.wishes[wish_id]
        personal = self.ws.wishes.personal_values(wish.household_id)
        problems = story_problems(f"{wish.title}\n{story.strip()}", personal)
        return message(problems[0], self.lang) if problems else ""

    def publish(
        self, wish_id: str, need_area: str, story: str, publicity_consent: bool = False
    ) -> bool:
        """Ask for an approved wish to be published (queued; 待发布 until the server has
        published it); False (and `message`) if refused here."""
        self.message = ""
        try:
            if not self.ws.profile.is_coordinator:
                raise UserError(text("wishes.publish_coordinator_only", self.lang))
            self.wishes[wish_id] = self.ws.wishes.ask_to_publish(
                wish_id,
                need_area=NeedArea(need_area),
                story=story,
                publicity_consent=publicity_consent,
                on=self.ws.today(),
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.desk = self.ws.wishes.desk()
        return True

    def record_contact(self, wish_id: str) -> bool:
        """The donor reached the household today."""
        return self._follow(lambda: self.ws.wishes.record_contact(wish_id, self.ws.today()))

    def record_handover(self, wish_id: str, note: str = "") -> bool:
        """The donor handed the gift over today."""
        return self._follow(
            lambda: self.ws.wishes.record_handover(wish_id, self.ws.today(), note.strip())
        )

    def _follow(self, write: Callable[[], Wish]) -> bool:
        self.message = ""
        try:
            saved = write()
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.wishes[saved.id] = saved
        self.desk = self.ws.wishes.desk()
        return True

    def donor_phone(self, wish_id: str) -> str:
        """The donor's phone in full (logged as shown)."""
        return self.ws.wishes.reveal_donor_phone(wish_id)

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
