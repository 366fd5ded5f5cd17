"""Festival lists (节日走访清单) on the device: a coordinator makes a list and assigns its
households, anyone sees the lists of their scope and their own households on them, and a
visit to such a household records what was delivered (`app.domain.campaigns`).

Everything works offline and is queued for sync; the county server checks again at push
(a coordinator's device, the scope, the worker assigned).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from app.domain.areas import in_scope
from app.domain.campaigns import (
    CampaignError,
    Selected,
    check_name,
    check_place_change,
    check_removal,
    check_reopen,
    check_restore,
    newly_qualifying,
    select_households,
)
from app.domain.records import Campaign, CampaignAssignment, Writer
from app.domain.staff import Staff
from app.domain.summaries import HouseholdLike, MemberLike
from app.store.store import Store

REVIEWER = Writer(reviewer=True)


@dataclass(frozen=True)
class Delivered:
    """What a visit to a household of a list delivered: the household's place on the list
    (`CampaignAssignment.id`), the items and their value in 元 (None: not given)."""

    assignment_id: str
    items: tuple[str, ...]
    value_yuan: int | None = None


def serves(staff: Staff, worker_id: str, area_code: str) -> bool:
    """The worker is active on the staff list and their areas hold `area_code` (what the
    county server checks at push)."""
    return any(
        m.id == worker_id and m.active and in_scope(area_code, m.areas) for m in staff.members
    )


class Campaigns:
    """The festival lists of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def lists(self) -> list[Campaign]:
        """The lists of this device's scope, newest festival first."""
        with self._store.unit_of_work() as uow:
            found = uow.records.load_all(Campaign, skip_damaged=True)
        return sorted(found, key=lambda c: (c.days.day, c.created_hlc), reverse=True)

    def get(self, campaign_id: str) -> Campaign:
        with self._store.unit_of_work() as uow:
            return uow.records.get(Campaign, campaign_id)

    def assignments(self) -> list[CampaignAssignment]:
        """Every household's place on a list held here (the households of this scope)."""
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(CampaignAssignment, skip_damaged=True)

    def waiting_for(self, worker_id: str) -> int:
        """How many households on open lists held here this worker still has to visit
        (not removed; a closed list's are no longer waiting)."""
        with self._store.unit_of_work() as uow:
            closed = [
                c.id for c in uow.records.load_all(Campaign, skip_damaged=True) if c.closed_on
            ]
            return uow.records.count_where(
                CampaignAssignment.type_name,
                excluding={"campaign_id": closed},
                worker_id=worker_id,
                visit_id=None,
                removed_on=None,
            )

    def of_household(self, household_id: str) -> list[CampaignAssignment]:
        with self._store.unit_of_work() as uow:
            return uow.records.load_all(
                CampaignAssignment, household_id=household_id, skip_damaged=True
            )

    @staticmethod
    def select(
        campaign: Campaign,
        households: Iterable[HouseholdLike],
        members: Mapping[str, Sequence[MemberLike]],
    ) -> list[Selected]:
        """The households the list's rule picks among those given (the roster)."""
        return select_households(
            campaign.rule(), campaign.area_code, campaign.villages, households, members
        )

    def places_on(self, campaign_id: str) -> list[CampaignAssignment]:
        """The households' places on one list held here (removed ones included)."""
        return [p for p in self.assignments() if p.campaign_id == campaign_id]

    def newly_qualifying(
        self,
        campaign: Campaign,
        households: Iterable[HouseholdLike],
        members: Mapping[str, Sequence[MemberLike]],
    ) -> list[Selected]:
        """新符合条件: the households the list's rule picks on today's register that are not
        on the list (`app.domain.campaigns.newly_qualifying`)."""
        listed = (p.household_id for p in self.places_on(campaign.id))
        return newly_qualifying(self.select(campaign, households, members), listed)

    def _places(
        self, campaign: Campaign, picked: Sequence[Selected], workers: Mapping[str, str]
    ) -> list[CampaignAssignment]:
        staff = self._store.staff()
        if staff.members:
            for s in picked:
                if not serves(staff, workers[s.household_id], s.area_code):
                    raise CampaignError("campaign.worker_not_there")
        return [
            CampaignAssignment(
                area_code=s.area_code,
                household_id=s.household_id,
                campaign_id=campaign.id,
                worker_id=workers[s.household_id],
                groups=list(s.groups),
            )
            for s in picked
        ]

    def create(
        self, campaign: Campaign, picked: Sequence[Selected], workers: Mapping[str, str]
    ) -> Campaign:
        """The list and one assignment per picked household (to `workers[household id]`),
        in one unit of work: all of it is queued, or none."""
        assignments = self._places(campaign, picked, workers)
        with self._store.unit_of_work() as uow:
            saved = uow.records.add_many([campaign, *assignments])
            uow.commit()
        first = saved[0]
        assert isinstance(first, Campaign)
        return first

    def add(
        self, campaign: Campaign, picked: Sequence[Selected], workers: Mapping[str, str]
    ) -> list[CampaignAssignment]:
        """补充: households that now qualify join the list (to `workers[household id]`), in
        one unit of work; one already on it is refused (the server rejects it too)."""
        check_place_change(campaign.closed_on, new=True)
        listed = {p.household_id for p in self.places_on(campaign.id)}
        if any(s.household_id in listed for s in picked):
            raise CampaignError("campaign.already_listed")
        if not campaign.covers_all(s.area_code for s in picked):
            raise CampaignError("campaign.not_covered")
        assignments = self._places(campaign, picked, workers)
        with self._store.unit_of_work() as uow:
            saved = uow.records.add_many(assignments)
            uow.commit()
        return [p for p in saved if isinstance(p, CampaignAssignment)]

    def reassign(self, assignment_id: str, worker_id: str) -> CampaignAssignment:
        """Another worker visits this household (a coordinator's change)."""
        staff = self._store.staff()
        with self._store.unit_of_work() as uow:
            current = uow.records.get(CampaignAssignment, assignment_id)
            check_place_change(
                uow.records.get(Campaign, current.campaign_id).closed_on, reassigned=True
            )
            if staff.members and not serves(staff, worker_id, current.area_code):
                raise CampaignError("campaign.worker_not_there")
            saved = uow.records.update(
                current.model_copy(update={"worker_id": worker_id}), REVIEWER
            )
            uow.commit()
        return saved

    def remove(self, assignment_id: str, reason: str, today: date) -> CampaignAssignment:
        """A coordinator takes a household not yet visited off the list, with the reason:
        kept in the list's history, no longer counted or waiting."""
        why = check_removal(reason)
        with self._store.unit_of_work() as uow:
            current = uow.records.get(CampaignAssignment, assignment_id)
            check_place_change(
                uow.records.get(Campaign, current.campaign_id).closed_on, removed=True
            )
            if current.visit_id is not None:
                raise CampaignError("campaign.remove_visited")
            if current.removed_on is not None:
                raise CampaignError("campaign.removed")
            removal = {"removed_on": today, "removed_reason": why}
            saved = uow.records.update(
                current.model_copy(update=removal | {"removed_by": self._store.worker_id}),
                REVIEWER,
            )
            uow.commit()
        return saved

    def restore(
        self,
        assignment_id: str,
        picked: Sequence[Selected],
        worker_id: str,
        today: date,
    ) -> CampaignAssignment:
        """放回: a household taken off an open list is put back, to `worker_id`, when the
        list's rule still picks it (`picked`: `select` over the household, as for 补充):
        a new place naming the one taken off, which stays as it was (the list's
        history). The server checks the same at push."""
        with self._store.unit_of_work() as uow:
            removed = uow.records.get(CampaignAssignment, assignment_id)
            campaign = uow.records.get(Campaign, removed.campaign_id)
            check_place_change(campaign.closed_on, new=True)
            others = uow.records.load_all(
                CampaignAssignment, household_id=removed.household_id, skip_damaged=True
            )
        held = any(p.campaign_id == campaign.id and p.removed_on is None for p in others)
        check_restore(removed.removed_on is not None, held=held)
        now = [s for s in picked if s.household_id == removed.household_id]
        if not now:
            raise CampaignError("campaign.not_qualifying")
        if not campaign.covers(now[0].area_code):
            raise CampaignError("campaign.not_covered")
        (place,) = self._places(campaign, now[:1], {removed.household_id: worker_id})
        back = CampaignAssignment(
            **(place.model_dump() | {"restores": removed.id, "restored_on": today})
        )
        with self._store.unit_of_work() as uow:
            (saved,) = uow.records.add_many([back])
            uow.commit()
        assert isinstance(saved, CampaignAssignment)
        return saved

    def rename(self, campaign_id: str, name: str) -> Campaign:
        """A coordinator renames an open list."""
        return self._change(campaign_id, {"name": check_name(name)})

    def close(self, campaign_id: str, today: date) -> Campaign:
        """已结束: a coordinator closes a list; it changes no more and keeps its progress."""
        return self._change(campaign_id, {"closed_on": today})

    def reopen(self, campaign_id: str) -> Campaign:
        """A coordinator reopens a closed list, at any time (one closed by mistake, a late
        visit to record): it takes changes and visits again."""
        with self._store.unit_of_work() as uow:
            current = uow.records.get(Campaign, campaign_id)
            check_reopen(current.closed_on)
            saved = uow.records.update(current.model_copy(update={"closed_on": None}), REVIEWER)
            uow.commit()
        return saved

    def _change(self, campaign_id: str, update: dict[str, object]) -> Campaign:
        with self._store.unit_of_work() as uow:
            current = uow.records.get(Campaign, campaign_id)
            if current.closed_on is not None:
                raise CampaignError("campaign.closed")
            saved = uow.records.update(current.model_copy(update=update), REVIEWER)
            uow.commit()
        return saved
