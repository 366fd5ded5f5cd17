"""What a household's visits lead to: needs (敲门问需求), micro-wishes (微心愿), consent to
share (信息共享同意) and referrals to charities (双向转介).

Needs are raised on 敲门 visits and the older they are the further they have come (most
reasonable ones fulfilled). A need matched to a charity is referred only with the person's
consent, recorded on the visit that raised it (by the guardian for a child under 14).
Some consents are withdrawn later and some granted again. Each household has at most one
open wish; older wishes are fulfilled, rejected or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from app.demo import texts
from app.demo.charities import Answer, Charity, CharityChooser
from app.demo.families import Family
from app.demo.randomness import DemoRandom, Weighted
from app.demo.workers import DemoWorker, VillageTeam
from app.domain.codes import (
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    NeedStatus,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
    SharePurpose,
    VisitKind,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.records import ConsentEvent, Household, Need, Person, Referral, Visit, Wish

A, S, W = NeedArea, NeedStatus, WishState

_AREAS: dict[str, Weighted[NeedArea]] = {
    "elderly": Weighted({A.CARE: 30, A.MEDICAL: 25, A.LIVING: 25, A.HOUSING: 15}),
    "child": Weighted(
        {A.EDUCATION: 35, A.LIVING: 25, A.MEDICAL: 10, A.HOUSING: 10, A.CARE: 10, A.EMPLOYMENT: 10}
    ),
    "disability": Weighted(
        {A.MEDICAL: 30, A.CARE: 25, A.LIVING: 20, A.HOUSING: 10, A.EMPLOYMENT: 15}
    ),
    "family": Weighted(
        {A.LIVING: 25, A.EMPLOYMENT: 25, A.MEDICAL: 20, A.EDUCATION: 15, A.HOUSING: 15}
    ),
}
_NEEDS_PER_KNOCK = Weighted({0: 45, 1: 40, 2: 13, 3: 2})

# How far a need has come, by how many days ago it was raised.
_STATUS_BY_AGE: tuple[tuple[int, Weighted[NeedStatus]], ...] = (
    (7, Weighted({S.RAISED: 45, S.REASONABLE: 20, S.UNREASONABLE: 8, S.MATCHED: 15,
                  S.REFERRED: 7, S.FULFILLED: 5})),
    (30, Weighted({S.RAISED: 10, S.REASONABLE: 20, S.UNREASONABLE: 10, S.MATCHED: 20,
                   S.REFERRED: 15, S.FULFILLED: 20, S.CLOSED: 5})),
    (90, Weighted({S.RAISED: 2, S.REASONABLE: 8, S.UNREASONABLE: 10, S.MATCHED: 10,
                   S.REFERRED: 10, S.FULFILLED: 52, S.CLOSED: 8})),
    (100_000, Weighted({S.REASONABLE: 3, S.UNREASONABLE: 10, S.MATCHED: 3, S.REFERRED: 4,
                        S.FULFILLED: 72, S.CLOSED: 8})),
)  # fmt: skip

D = DataCategory
_BASE_SHARING = (D.IDENTITY, D.CONTACT, D.NEEDS)
# What a referral to a charity needs consent for, by need area: charity help in general
# (对接慈善帮扶资源, which also lets a project the need is matched to see the person), with
# the data the area needs.
_SHARING: dict[NeedArea, tuple[str, tuple[DataCategory, ...]]] = {
    A.LIVING: (SharePurpose.CHARITY_HELP, (*_BASE_SHARING, D.ASSISTANCE)),
    A.EDUCATION: (SharePurpose.CHARITY_HELP, (*_BASE_SHARING, D.ASSISTANCE)),
    A.MEDICAL: (SharePurpose.CHARITY_HELP, (*_BASE_SHARING, D.HEALTH)),
    A.HOUSING: (SharePurpose.CHARITY_HELP, (*_BASE_SHARING, D.ASSISTANCE)),
    A.EMPLOYMENT: (SharePurpose.CHARITY_HELP, _BASE_SHARING),
    A.CARE: (SharePurpose.CHARITY_HELP, (*_BASE_SHARING, D.HEALTH)),
}
_METHODS = Weighted(
    {ConsentMethod.SIGNATURE: 55, ConsentMethod.PAPER: 25, ConsentMethod.VERBAL: 20}
)
_VALID_YEARS = Weighted({1: 60, 2: 25, 0: 15})  # 0: until withdrawn
_WITHDRAW_SHARE = 0.15
_REGRANT_SHARE = 0.45

_WISH_STATES = Weighted(
    {W.COLLECTED: 12, W.APPROVED: 10, W.PUBLISHED: 12, W.CLAIMED: 8,
     W.REJECTED: 10, W.FULFILLED: 38, W.CANCELLED: 10}
)  # fmt: skip
_CLOSED_WISH_STATES = Weighted({W.FULFILLED: 70, W.REJECTED: 15, W.CANCELLED: 15})
# Days before today a wish in each state was collected.
_WISH_AGE = {
    W.COLLECTED: (0, 12),
    W.APPROVED: (6, 30),
    W.PUBLISHED: (12, 60),
    W.CLAIMED: (15, 60),
    W.REJECTED: (8, 330),
    W.FULFILLED: (30, 340),
    W.CANCELLED: (10, 330),
}
_WISH_NEED_STATUS = {
    W.COLLECTED: S.RAISED,
    W.APPROVED: S.REASONABLE,
    W.REJECTED: S.UNREASONABLE,
    W.PUBLISHED: S.MATCHED,
    W.CLAIMED: S.MATCHED,
    W.FULFILLED: S.FULFILLED,
    W.CANCELLED: S.CLOSED,
}


@dataclass
class WishPlan:
    """A wish decided before the visits, so that a 敲门 visit is there to collect it."""

    item: texts.WishItem
    value: int
    beneficiary: int  # index into the family's members
    state: WishState
    collected_on: date
    reviewed_on: date | None = None
    claimed_on: date | None = None
    fulfilled_on: date | None = None
    claimed_by: str = ""
    reject_reason: str = ""
    cancel_reason: str = ""
    fulfilment_note: str = ""


@dataclass
class Place:
    """The names that fill `{county}` and `{township}` in the wording."""

    county: str
    township: str

    def fill(self, text: str) -> str:
        return text.replace("{county}", self.county).replace("{township}", self.township)


@dataclass
class Help:
    """Everything assistance produced for one household."""

    needs: list[Need] = field(default_factory=list)
    consents: list[ConsentEvent] = field(default_factory=list)
    wishes: list[Wish] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)


class WishPlanner:
    """Decides a household's wishes: at most one open, older ones closed."""

    def __init__(self, rng: DemoRandom, today: date, cap: int) -> None:
        self.rng = rng
        self.today = today
        self.cap = cap

    def plan(self, family: Family, place: Place, first: date, last: date) -> list[WishPlan]:
        """Wishes collected between `first` and `last` (the days a 敲门 visit can happen)."""
        rng = self.rng
        share = 0.32 if family.context(self.today) in ("child", "elderly") else 0.2
        if not rng.chance(share):
            return []
        plans: list[WishPlan] = []
        latest = self._plan(family, place, _WISH_STATES.pick(rng), first, last)
        if latest is not None:
            plans.append(latest)
            if rng.chance(0.2):
                older_last = latest.collected_on - timedelta(days=60)
                older = self._plan(family, place, _CLOSED_WISH_STATES.pick(rng), first, older_last)
                if older is not None:
                    plans.insert(0, older)
        return plans

    def _plan(
        self, family: Family, place: Place, state: WishState, first: date, last: date
    ) -> WishPlan | None:
        rng, today = self.rng, self.today
        lo, hi = _WISH_AGE[state]
        collected = today - timedelta(days=rng.randint(lo, hi))
        if collected > last:
            collected = today - timedelta(days=rng.randint(lo, hi))
        if not first <= collected <= last:
            return None
        over_cap = (state == W.REJECTED and rng.chance(0.5)) or (
            state == W.COLLECTED and rng.chance(0.1)
        )
        choice = self._item(family, texts.OVER_CAP_WISHES if over_cap else texts.WISHES)
        if choice is None:
            return None
        item, beneficiary = choice
        value = max(10, round(rng.randint(*item.value), -1))
        if not over_cap:
            value = min(value, self.cap)
        plan = WishPlan(item, value, beneficiary, state, collected)
        if state == W.COLLECTED:
            return plan
        plan.reviewed_on = min(today, collected + timedelta(days=rng.randint(1, 5)))
        if state == W.REJECTED:
            reason = "over_cap" if value > self.cap else "government"
            plan.reject_reason = texts.WISH_REJECTIONS[reason]
        elif state == W.CANCELLED:
            plan.cancel_reason = rng.choice(texts.WISH_CANCELLATIONS)
            if rng.chance(0.5):
                plan.reviewed_on = None
        elif state in (W.CLAIMED, W.FULFILLED):
            plan.claimed_by = place.fill(rng.choice(texts.DONORS))
            if state == W.CLAIMED:
                # Most claims are fresh; a few passed the contact deadline and await release.
                ago = rng.randint(0, 6) if rng.chance(0.85) else rng.randint(8, 14)
                claimed = max(plan.reviewed_on + timedelta(days=1), today - timedelta(days=ago))
                plan.claimed_on = min(today, claimed)
            else:
                claimed = plan.reviewed_on + timedelta(days=rng.randint(2, 20))
                plan.claimed_on = min(today, claimed)
                plan.fulfilled_on = min(today, claimed + timedelta(days=rng.randint(2, 12)))
                plan.fulfilment_note = rng.choice(texts.WISH_FULFILMENTS)
        return plan

    def _item(
        self, family: Family, items: tuple[texts.WishItem, ...]
    ) -> tuple[texts.WishItem, int] | None:
        ages = [m.age(self.today) for m in family.members]
        fits = {
            "child": [i for i, a in enumerate(ages) if a < 18],
            "elderly": [i for i, a in enumerate(ages) if a >= 60],
            "adult": [i for i, a in enumerate(ages) if a >= 18],
        }
        possible = [item for item in items if fits[item.beneficiary]]
        if not possible:
            return None
        item = self.rng.choice(possible)
        return item, self.rng.choice(fits[item.beneficiary])


class AssistanceWriter:
    """Writes one household's needs, wishes, consents and referrals after its visits."""

    def __init__(
        self, rng: DemoRandom, today: date, charities: CharityChooser | None = None
    ) -> None:
        self.rng = rng
        self.today = today
        self.charities = charities or CharityChooser((), 0)

    def write(
        self,
        household: Household,
        family: Family,
        persons: list[Person],
        visits: list[Visit],
        wishes: list[WishPlan],
        team: VillageTeam,
        place: Place,
    ) -> Help:
        self._hh, self._family, self._persons = household, family, persons
        self._team, self._place = team, place
        self._out = Help()
        self._grants: dict[tuple[str, str, str], ConsentEvent] = {}
        self._busy: dict[tuple[str, str, str], date | None] = {}  # None: sharing still open
        context = family.context(self.today)
        for visit in visits:
            if visit.outcome != VisitOutcome.MET:
                continue
            if visit.kind == VisitKind.KNOCK:
                count = _NEEDS_PER_KNOCK.pick(self.rng)
                if household.register_status == RegisterStatus.REPORTED:
                    count = max(count, 1)
            elif visit.mode == VisitMode.HOME:
                count = 1 if self.rng.chance(0.015) else 0
            else:
                continue
            areas: list[NeedArea] = []
            for _ in range(count):
                area = _AREAS[context].pick(self.rng)
                if area not in areas:
                    areas.append(area)
                    self._need(visit, area)
        knocks = {v.visited_at.date(): v for v in reversed(visits) if v.kind == VisitKind.KNOCK}
        for plan in wishes:
            self._wish(plan, knocks.get(plan.collected_on))
        self._withdrawals()
        if household.register_status == RegisterStatus.REPORTED and self.rng.chance(0.5):
            self._back_referral(
                visits[0].visited_at.date() if visits else self.today, reported=True
            )
        elif family.profile in ("rejected", "temporary_aid") and self.rng.chance(0.08):
            self._back_referral(
                self.today - timedelta(days=self.rng.randint(20, 300)), reported=False
            )
        return self._out

    # -- needs ----------------------------------------------------------------------------

    def _subject(self, area: NeedArea) -> int:
        """Whose need it is: the child for schooling, the oldest for care, else the head."""
        today, members = self.today, self._family.members
        ages = [m.age(today) for m in members]
        if area == A.EDUCATION and min(ages) < 25:
            return ages.index(min(ages))
        if area in (A.CARE, A.MEDICAL):
            flagged = [i for i, m in enumerate(members) if m.flags or m.health_note]
            return flagged[0] if flagged else ages.index(max(ages))
        if area == A.EMPLOYMENT:
            working = [i for i, a in enumerate(ages) if 18 <= a < 60]
            return working[0] if working else 0
        return 0

    def _need(self, visit: Visit, area: NeedArea) -> None:
        rng, today = self.rng, self.today
        raised = visit.visited_at.date()
        age = (today - raised).days
        status = next(w for limit, w in _STATUS_BY_AGE if age < limit).pick(rng)
        wording = rng.choice(texts.NEEDS[area])
        charities = [r for r in wording.resources if r.charity]
        if status == S.MATCHED and charities and self.charities.refers_matched():
            status = S.REFERRED  # the demo charities' inboxes: more open referrals
        if status == S.REFERRED and not charities:
            status = S.MATCHED
        reason = wording.unreasonable if status == S.UNREASONABLE else ""
        if status in (S.REASONABLE, S.MATCHED, S.REFERRED, S.FULFILLED):
            reason = wording.reasonable
        resource: texts.Resource | None = None
        fulfilled_on, closed_reason = None, ""
        if status == S.MATCHED:
            resource = rng.choice(wording.resources)
        elif status == S.REFERRED:
            resource = rng.choice(charities)
        elif status == S.FULFILLED:
            use_charity = charities and rng.chance(0.35)
            resource = rng.choice(charities if use_charity else wording.resources)
            fulfilled_on = raised + timedelta(days=rng.randint(min(3, age), min(60, age)))
        elif status == S.CLOSED:
            if charities and rng.chance(0.4):
                resource = rng.choice(charities)
                closed_reason = texts.CLOSED_REASONS[-1]
            else:
                closed_reason = rng.choice(texts.CLOSED_REASONS[:-1])
        referral_day = None
        if resource is not None and resource.charity and status != S.MATCHED:
            referral_day = min(today, raised + timedelta(days=rng.randint(1, 7)))
            if fulfilled_on is not None:
                fulfilled_on = max(fulfilled_on, referral_day)
        subject = self._subject(area)
        recipient = self._place.fill(resource.name) if resource else ""
        charity: Charity | None = None
        if referral_day is not None and self.charities:
            charity = self.charities.pick(area)
            recipient = charity.name
        need = Need(
            id=rng.record_id(visit.visited_at),
            area_code=self._hh.area_code,
            author_worker_id=visit.worker_id,
            household_id=self._hh.id,
            person_id=self._persons[subject].id,
            visit_id=visit.id,
            area=area,
            description=wording.description,
            raised_on=raised,
            status=status,
            assessment_reason=reason,
            resource=recipient,
            fulfilled_on=fulfilled_on,
            fulfilment_note=wording.fulfilment if fulfilled_on else "",
            closed_reason=closed_reason,
        )
        self._out.needs.append(need)
        if referral_day is not None:
            purpose, categories = _SHARING[area]
            consent_to = self.charities.consent_ref(charity) if charity else recipient
            grant = self._grant_on(subject, visit, consent_to, purpose, categories)
            self._referral(need, subject, grant, referral_day, charity)

    # -- consent and referral -------------------------------------------------------------

    def _grant_on(
        self,
        subject: int,
        visit: Visit,
        recipient: str,
        purpose: str,
        categories: tuple[DataCategory, ...],
    ) -> ConsentEvent:
        """The person's grant for this recipient and purpose; a new one is signed on `visit`."""
        key = (self._persons[subject].id, recipient, purpose)
        if key in self._grants:
            return self._grants[key]
        at = visit.visited_at + timedelta(minutes=self.rng.randint(5, 40))
        worker = self._worker(visit.worker_id)
        return self._grant(subject, at, worker, recipient, purpose, categories, [])

    def _grant(
        self,
        subject: int,
        at: datetime,
        worker: DemoWorker,
        recipient: str,
        purpose: str,
        categories: tuple[DataCategory, ...],
        seen: list[str],
    ) -> ConsentEvent:
        rng = self.rng
        person = self._persons[subject]
        key = (person.id, recipient, purpose)
        method = _METHODS.pick(rng)
        valid_years = _VALID_YEARS.pick(rng)
        event = ConsentEvent(
            id=rng.record_id(at),
            area_code=self._hh.area_code,
            author_worker_id=worker.id,
            household_id=self._hh.id,
            person_id=person.id,
            action=ConsentAction.GRANT,
            recipient=recipient,
            purpose=purpose,
            data_categories=list(categories),
            valid_until=at.date() + timedelta(days=365 * valid_years) if valid_years else None,
            method=method,
            witness=self._witness(method, worker),
            guardian_name=self._guardian(subject, at.date()),
            occurred_at=at,
            recorded_by=worker.id,
            seen=seen,
        )
        self._out.consents.append(event)
        self._grants[key] = event
        self._busy.setdefault(key, at.date())
        return event

    def _worker(self, worker_id: str) -> DemoWorker:
        return next(w for w in self._team.everyone if w.id == worker_id)

    def _witness(self, method: ConsentMethod, worker: DemoWorker) -> str:
        if method != ConsentMethod.VERBAL:
            return ""
        return self._team.someone_else(self.rng, worker).name

    def _guardian(self, subject: int, on: date) -> str:
        """For a child under 14 the guardian consents (PIPL art. 31): the oldest adult at home."""
        if self._family.members[subject].age(on) >= 14:
            return ""
        return self._family.oldest_adult(on).name

    def _referral(
        self, need: Need, subject: int, grant: ConsentEvent, day: date, charity: Charity | None
    ) -> None:
        rng = self.rng
        if need.status == S.FULFILLED:
            status, completed = ReferralStatus.COMPLETED, need.fulfilled_on
        elif need.status == S.CLOSED:
            status, completed = ReferralStatus.DECLINED, None
        elif (self.today - day).days < 5 or rng.chance(0.4):
            status, completed = ReferralStatus.SENT, None
        else:
            status, completed = ReferralStatus.ACCEPTED, None
        categories = [c for c in grant.data_categories if c != D.CONTACT or rng.chance(0.7)]
        answer = Answer()
        if charity is not None:
            answer = self.charities.answer(
                charity, need.area, status, day, completed, need.fulfilment_note, self.today
            )
        referral = Referral(
            id=rng.record_id(datetime.combine(day, grant.occurred_at.time())),
            area_code=self._hh.area_code,
            author_worker_id=self._team.coordinator.id,
            household_id=self._hh.id,
            person_id=self._persons[subject].id,
            direction=ReferralDirection.TO_CHARITY,
            recipient=charity.id if charity else grant.recipient,
            purpose=grant.purpose,
            data_categories=categories,
            need_id=need.id,
            status=status,
            referred_on=day,
            completed_on=completed,
            note=texts.REFERRAL_NOTES[status],
            answered_on=answer.answered_on,
            answered_by=answer.answered_by,
            decline_reason=answer.decline_reason,
            service=answer.service,
            service_on=answer.service_on,
            value_yuan=answer.value_yuan,
        )
        self._out.referrals.append(referral)
        key = (grant.person_id, grant.recipient, grant.purpose)
        open_share = status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)
        previous = self._busy.get(key)
        self._busy[key] = (
            None if open_share or previous is None else max(previous, completed or day)
        )

    def _withdrawals(self) -> None:
        """Some people withdraw once nothing is being shared; some grant again later."""
        rng, today = self.rng, self.today
        for key, grant in list(self._grants.items()):
            last_use = self._busy.get(key)
            if last_use is None or not rng.chance(_WITHDRAW_SHARE):
                continue
            day = last_use + timedelta(days=rng.randint(3, 60))
            if day > today:
                continue
            at = rng.moment(day)
            worker = self._worker(grant.recorded_by)
            method = _METHODS.pick(rng)
            withdrawal = ConsentEvent(
                id=rng.record_id(at),
                area_code=self._hh.area_code,
                author_worker_id=worker.id,
                household_id=self._hh.id,
                person_id=grant.person_id,
                action=ConsentAction.WITHDRAW,
                recipient=grant.recipient,
                purpose=grant.purpose,
                method=method,
                witness=self._witness(method, worker),
                guardian_name=grant.guardian_name,
                occurred_at=at,
                recorded_by=worker.id,
                seen=[grant.id],
            )
            self._out.consents.append(withdrawal)
            again = day + timedelta(days=rng.randint(2, 45))
            if again <= today and rng.chance(_REGRANT_SHARE):
                subject = next(i for i, p in enumerate(self._persons) if p.id == grant.person_id)
                categories = tuple(grant.data_categories)
                seen = [grant.id, withdrawal.id]
                at_again = rng.moment(again)
                self._grant(subject, at_again, worker, key[1], key[2], categories, seen)

    def _back_referral(self, day: date, *, reported: bool) -> None:
        """A charity refers the household back to civil affairs (may qualify for assistance)."""
        rng = self.rng
        day = max(self.today - timedelta(days=364), day - timedelta(days=rng.randint(1, 5)))
        charity = self._place.fill(rng.choice(texts.BACK_REFERRALS))
        if reported:
            status = ReferralStatus.ACCEPTED if rng.chance(0.5) else ReferralStatus.SENT
        else:
            status = ReferralStatus.COMPLETED if rng.chance(0.6) else ReferralStatus.DECLINED
        completed = None
        if status == ReferralStatus.COMPLETED:
            completed = min(self.today, day + timedelta(days=rng.randint(5, 30)))
        referral = Referral(
            id=rng.record_id(datetime.combine(day, time(9))),
            area_code=self._hh.area_code,
            author_worker_id=self._team.civil.id,
            household_id=self._hh.id,
            person_id=self._persons[0].id,
            direction=ReferralDirection.TO_CIVIL_AFFAIRS,
            recipient=f"{self._place.township}社会事务办",
            purpose=texts.BACK_REFERRAL_PURPOSE,
            data_categories=[D.IDENTITY, D.CONTACT, D.NEEDS],
            status=status,
            referred_on=day,
            completed_on=completed,
            note=f"由{charity}转介",
        )
        self._out.referrals.append(referral)

    # -- wishes ---------------------------------------------------------------------------

    def _wish(self, plan: WishPlan, visit: Visit | None) -> None:
        rng = self.rng
        person = self._persons[plan.beneficiary]
        worker = self._worker(visit.worker_id) if visit else self._team.coordinator
        at = visit.visited_at if visit else rng.moment(plan.collected_on)
        wish = Wish(
            id=rng.record_id(at),
            area_code=self._hh.area_code,
            author_worker_id=worker.id,
            household_id=self._hh.id,
            person_id=person.id,
            title=plan.item.title,
            description=plan.item.description,
            value_yuan=plan.value,
            state=plan.state,
            collected_on=plan.collected_on,
            reviewed_on=plan.reviewed_on,
            reject_reason=plan.reject_reason,
            claimed_by=plan.claimed_by,
            claimed_on=plan.claimed_on,
            fulfilled_on=plan.fulfilled_on,
            fulfilment_note=plan.fulfilment_note,
            cancel_reason=plan.cancel_reason,
        )
        self._out.wishes.append(wish)
        status = _WISH_NEED_STATUS[plan.state]
        reason = ""
        if status == S.UNREASONABLE:
            reason = plan.reject_reason
        elif status != S.RAISED and plan.reviewed_on is not None:
            reason = "价值在上限以内，符合微心愿条件"
        shared = plan.state in (W.PUBLISHED, W.CLAIMED, W.FULFILLED)
        fulfilled = status == S.FULFILLED
        self._out.needs.append(
            Need(
                id=rng.record_id(at),
                area_code=self._hh.area_code,
                author_worker_id=worker.id,
                household_id=self._hh.id,
                person_id=person.id,
                visit_id=visit.id if visit else None,
                area=A.WISH,
                description=f"微心愿：{plan.item.title}",
                raised_on=plan.collected_on,
                status=status,
                assessment_reason=reason,
                resource=(plan.claimed_by or "微心愿平台") if shared else "",
                fulfilled_on=plan.fulfilled_on if fulfilled else None,
                fulfilment_note=f"{plan.claimed_by}认领，{plan.fulfilment_note}"
                if fulfilled
                else "",
                closed_reason=plan.cancel_reason if status == S.CLOSED else "",
            )
        )
        if plan.state in (W.PUBLISHED, W.CLAIMED, W.FULFILLED) and visit is not None:
            sharing = texts.WISH_SHARING
            categories = tuple(DataCategory(c) for c in sharing.categories)
            self._grant_on(plan.beneficiary, visit, sharing.recipient, sharing.purpose, categories)
            key = (person.id, sharing.recipient, sharing.purpose)
            self._busy[key] = plan.fulfilled_on  # published or claimed: still shared
