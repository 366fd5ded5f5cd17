"""The unlocked worker's workspace (工作台): store, policy, profile and the roster in memory.

Everything here lives only while the sandbox is unlocked: `lock()` closes the store (which
forgets the data key) and drops the roster and the search index with it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from app.assets import load_visit_policy
from app.domain.areas import COUNTIES, in_scope
from app.domain.codes import (
    COORDINATING_ROLES,
    Role,
    Team,
    VisitMode,
)
from app.domain.coverage import VisitFact
from app.domain.policy import VisitLike, VisitPolicy, VisitStatus, visit_status
from app.domain.records import Household, Need, Person, Visit, head_of
from app.domain.summaries import HouseholdSummary, MemberSummary
from app.domain.warnings import AttemptLike, HouseholdWarning, warnings_of
from app.memory import collector_paused
from app.services.campaigns import Campaigns
from app.services.casework import Casework
from app.services.consents import Consents
from app.services.discoveries import Discoveries
from app.services.drafts import Drafts
from app.services.help import ProjectHelp
from app.services.households import Households
from app.services.referrals import Referrals
from app.services.register import Register
from app.services.reports import Reports
from app.services.sync import SyncState
from app.services.visits import Visits
from app.services.wishes import Wishes
from app.store import facts
from app.store.errors import IntegrityError, StoreError
from app.store.repositories.sync_state import EnrolledWorker
from app.store.sandbox import Sandbox
from app.store.search import SearchIndex
from app.store.store import Store


@dataclass(frozen=True)
class Profile:
    """Who is working: identity, team and role, and the areas they serve (my areas)."""

    worker_id: str
    name: str
    team: Team
    role: Role
    scopes: tuple[str, ...]

    @property
    def is_coordinator(self) -> bool:
        """Coordinators (and above) assess needs, review wishes and resolve sync problems."""
        return self.role in COORDINATING_ROLES

    @classmethod
    def of(cls, sandbox: Sandbox, store: Store) -> Profile:
        """From the enrolment the sync client sealed in the store (role, team, areas), with
        the scope the server last sent; a standalone sandbox uses its meta or defaults."""
        try:
            with store.unit_of_work() as uow:
                enrolment = uow.sync_state.enrolment()
                pulled = uow.sync_state.pull_state().scope
        except IntegrityError:
            enrolment, pulled = None, None
        worker = enrolment.worker if enrolment is not None else EnrolledWorker("")
        team = worker.team or store.meta("team") or Team.GRID_WORKER.value
        role = worker.role or store.meta("role") or Role.WORKER.value
        scopes = list(pulled or worker.areas) or (store.meta("scope") or "").split(",")
        return cls(
            worker_id=store.worker_id,
            name=worker.name or sandbox.worker_name,
            team=Team(team) if team in Team._value2member_map_ else Team.GRID_WORKER,
            role=Role(role) if role in Role._value2member_map_ else Role.WORKER,
            scopes=tuple(str(s).strip() for s in scopes if str(s).strip()),
        )


RECENT_VISITS = 20  # more than any policy's "nobody home" attempts, with corrections


def _by_time(fact: VisitFact) -> tuple[datetime, str]:
    return (fact.visited_at, fact.id)


class Roster:
    """The households of my areas, held in memory for the Today and household lists (花名册).

    Households and members here are summaries (`HouseholdSummary`, `MemberSummary`: no
    phone, ID number or notes), read fast from the store's snapshots; visits carry
    household, time, mode and whether someone was reached, and only the latest visit of
    each mode and outcome is kept per household (all the visit rules need). Screens that
    show or edit a household read its records in full.
    """

    def __init__(self) -> None:
        self.households: dict[str, HouseholdSummary] = {}
        self.members: dict[str, list[MemberSummary]] = {}
        self.visits: dict[str, list[VisitLike]] = {}
        # The latest visits of each household whatever their outcome, corrections applied,
        # as many as the warnings' "nobody home in a row" reads.
        self.recent: dict[str, list[VisitFact]] = {}
        self.damaged: list[str] = []
        self.version = 0  # counts the local changes put in since it was loaded
        self.touched: set[str] = set()  # households changed here whose status is stale

    @classmethod
    def load(cls, store: Store, scopes: tuple[str, ...]) -> Roster:
        # Tens of thousands of long-lived objects and no cycles among them: the cyclic
        # collector would scan them over and over as they are made and afterwards, so it
        # pauses, and they are then frozen out of its way until the workspace locks.
        with collector_paused():
            roster = cls._load(store, scopes)
            gc.freeze()
            return roster

    @classmethod
    def _load(cls, store: Store, scopes: tuple[str, ...]) -> Roster:
        roster = cls()
        for household in store.summaries(facts.HOUSEHOLDS, roster.damaged):
            if not scopes or in_scope(household.area_code, scopes):
                roster.households[household.id] = household
        for person in store.summaries(facts.PERSONS, roster.damaged):
            if person.household_id in roster.households:
                roster.members.setdefault(person.household_id, []).append(person)
        # Only the latest visit of each mode, reached or not, can change a visit status
        # (the rules look at the last qualifying visit and at any home contact since an
        # event), so that is all the roster keeps; tests check it against every visit.
        # A visit replaced by a correction (修正) is left out, as coverage leaves it out.
        latest: dict[tuple[str, VisitMode, bool], VisitFact] = {}
        visit_facts = store.visit_facts(set(roster.households), roster.damaged)
        amended = {f.amends_visit_id for f in visit_facts if f.amends_visit_id is not None}
        recent: dict[str, list[VisitFact]] = {}
        for fact in visit_facts:
            if amended and fact.id in amended:
                continue
            key = (fact.household_id, fact.mode, fact.is_contact)
            held = latest.get(key)
            if held is None or fact.visited_at > held.visited_at:
                latest[key] = fact
            recent.setdefault(fact.household_id, []).append(fact)
        for fact in latest.values():
            roster.visits.setdefault(fact.household_id, []).append(fact)
        for hid, visits in recent.items():
            visits.sort(key=_by_time)
            roster.recent[hid] = visits[-RECENT_VISITS:]
        return roster

    # --- keeping it current after a local change ---------------------------------------

    def put_household(self, household: Household) -> None:
        self.households[household.id] = household.summary()
        self.version += 1
        self.touched.add(household.id)

    def put_person(self, person: Person) -> None:
        self.version += 1
        self.touched.add(person.household_id)
        people = self.members.setdefault(person.household_id, [])
        people[:] = [p for p in people if p.id != person.id] + [person.summary()]

    def add_visit(self, visit: Visit) -> None:
        self.version += 1
        self.touched.add(visit.household_id)
        self.visits.setdefault(visit.household_id, []).append(visit)
        recent = self.recent.setdefault(visit.household_id, [])
        recent.append(
            VisitFact.of(
                visit.household_id,
                visit.visited_at,
                visit.mode.value,
                visit.outcome.value,
                visit.worker_id,
                visit.team.value,
                visit.id,
                visit.amends_visit_id,
            )
        )
        recent.sort(key=_by_time)
        del recent[:-RECENT_VISITS]

    def head(self, household_id: str) -> MemberSummary | None:
        """The head of household (户主) as `head_of` picks it."""
        return head_of(self.members.get(household_id, []))


class Workspace:
    """One unlocked worker: store, policy, profile, roster, name search and idle timer."""

    def __init__(
        self,
        sandbox: Sandbox,
        store: Store,
        *,
        policy: VisitPolicy | None = None,
        lock_minutes: int | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.sandbox = sandbox
        self.store = store
        # The use cases (app/services) the view-models call; none of them reads the store.
        self.households = Households(store)
        self.help = ProjectHelp(store)
        self.register = Register(store)
        self.visits = Visits(store)
        self.casework = Casework(store)
        self.discoveries = Discoveries(store)
        self.campaigns = Campaigns(store)
        self.wishes = Wishes(store)
        self.consents = Consents(store)
        self.referrals = Referrals(store)
        self.drafts = Drafts(store)
        self.reports = Reports(store)
        self.sync = SyncState(store)
        self.policy = policy or load_visit_policy()
        self.profile = Profile.of(sandbox, store)
        self.lock_minutes = lock_minutes or self.policy.idle_lock_minutes
        self.clock = clock
        self.roster = Roster.load(store, self.profile.scopes)
        self._statuses: dict[str, VisitStatus | None] = {}
        self._warnings: list[HouseholdWarning] | None = None
        self._warnings_stamp: tuple[int, int, date] | None = None
        self.warned_needs: dict[str, Need] = {}  # the needs the warnings name, by id
        self._search: SearchIndex | None = None
        self._search_lock = threading.Lock()
        # Persons saved here while the name index is still being built (`reindex`).
        self._unindexed: list[Person] = []
        self._unindexed_lock = threading.Lock()
        self._area_names = self._load_area_names()
        self.last_activity = clock()
        self.locked = False

    # --- time and idle lock ------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()

    def touch(self) -> None:
        """Someone used the app: the idle timer starts again."""
        self.last_activity = self.clock()

    def idle_expired(self) -> bool:
        return (self.clock() - self.last_activity).total_seconds() >= self.lock_minutes * 60

    def lock(self) -> None:
        """Forget the key, the roster and the index; the sandbox must be unlocked again."""
        if not self.locked:
            gc.unfreeze()
            self.store.close()
            self.roster = Roster()
            self._search = None
            self._statuses.clear()
            self._warnings = None
            self.locked = True

    def reload(self) -> None:
        """Re-read the roster after a sync brought other workers' changes (and scope)."""
        self.profile = Profile.of(self.sandbox, self.store)
        roster = Roster.load(self.store, self.profile.scopes)
        search = SearchIndex.build(self.store)
        with self._search_lock:
            self.roster, self._search = roster, search
        self._statuses.clear()
        self._warnings = None
        self._area_names = self._load_area_names()

    @property
    def never_synced(self) -> bool:
        """Enrolled with a county server and no sync has completed yet: the households of
        my areas have not been downloaded."""
        try:
            with self.store.unit_of_work() as uow:
                return uow.sync_state.enrolment() is not None and uow.sync_state.last_sync() is None
        except StoreError:
            return False

    # --- look-ups --------------------------------------------------------------------

    def search_index(self) -> SearchIndex:
        """The name index, built on first use (or by `warm_up` in the background)."""
        with self._search_lock:
            if self._search is None:
                built = SearchIndex.build(self.store)
                with self._unindexed_lock:
                    for person in self._unindexed:
                        built.upsert(person)
                    self._unindexed.clear()
                    self._search = built
            return self._search

    def reindex(self, person: Person) -> None:
        """Keep the name index current after a local edit without waiting for it to be
        built (it is built in the background after the unlock): a person saved meanwhile
        is indexed as soon as it is."""
        with self._unindexed_lock:
            if self._search is not None:
                self._search.upsert(person)
            else:
                self._unindexed.append(person)

    def warm_up(self) -> None:
        """Build the search index now, so the first search is instant."""
        self.search_index()

    def status(self, household_id: str) -> VisitStatus | None:
        """When the household's next visit is due, under the policy, today (a household
        changed here since — a member's 重大变故 recorded, say — is computed again)."""
        if self.roster.touched:
            for changed in self.roster.touched:
                self._statuses.pop(changed, None)
            self.roster.touched.clear()
        if household_id not in self._statuses:
            household = self.roster.households.get(household_id)
            self._statuses[household_id] = (
                None
                if household is None
                else visit_status(
                    self.policy,
                    household,
                    self.roster.members.get(household_id, []),
                    self.roster.visits.get(household_id, []),
                    self.today(),
                )
            )
        return self._statuses[household_id]

    def forget_status(self, household_id: str) -> None:
        self._statuses.pop(household_id, None)
        self._warnings = None

    def warnings(self) -> list[HouseholdWarning]:
        """The warnings (预警) of my households today, computed from the roster and the
        needs awaiting action, kept until a change or a reload (`forget_status`)."""
        today = self.today()
        stamp = (id(self.roster), self.roster.version, today)
        if self._warnings is None or self._warnings_stamp != stamp:
            self._warnings_stamp = stamp
            needs: dict[str, list[Need]] = {}
            for need in self.casework.reasonable_needs():
                if need.household_id in self.roster.households:
                    needs.setdefault(need.household_id, []).append(need)
            self.warned_needs = {n.id: n for group in needs.values() for n in group}
            roster = self.roster
            visits: dict[str, list[AttemptLike]] = {}
            for hid, recent in roster.recent.items():
                if len(recent) < RECENT_VISITS:
                    visits[hid] = list(recent)  # every visit of the household
                    continue
                seen = {v.id for v in recent}
                # Visits saved here are `Visit` records: they have an outcome too.
                older = (v for v in roster.visits.get(hid, ()) if v.id not in seen)
                visits[hid] = [*recent, *cast(Iterator[AttemptLike], older)]
            self._warnings = warnings_of(
                self.policy, roster.households.values(), roster.members, visits, needs, today
            )
        return self._warnings

    def _load_area_names(self) -> dict[str, str]:
        with self.store.unit_of_work() as uow:
            return uow.sync_state.area_names()

    def area_name(self, code: str) -> str:
        """The area's name as the county sent it (village, township or county), else the
        county's name with the code."""
        if code in self._area_names:
            return self._area_names[code]
        county = COUNTIES.get(code[:6])
        if county and len(code) == 6:
            return county
        return f"{county} {code}" if county else code

    def villages(self) -> list[tuple[str, str]]:
        """(code, name) of the villages my households live in, by code."""
        codes = sorted({h.area_code for h in self.roster.households.values()})
        return [(c, self.area_name(c)) for c in codes]

    def household_title(self, household_id: str) -> str:
        head = self.roster.head(household_id)
        return head.name if head is not None else self.roster.households[household_id].address
