"""Service projects on the device: matching a need to a project (匹配项目), recording a
project's delivery to a household, and all the help a household has received (已获帮扶).

The projects are the book the server last sent (`uow.projects`); everything here works
offline, and what it writes is queued for sync like any other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.calendar import Window
from app.domain.codes import NeedStatus
from app.domain.help import HelpItem, help_received, overlaps
from app.domain.projects import InvalidProject, ProjectBook, ServiceProject
from app.domain.records import Delivery, Household, Need, Referral, Wish
from app.store.store import Store

# A need still open can be matched (匹配); one fulfilled or closed keeps its story.
MATCHABLE = frozenset(
    {NeedStatus.RAISED, NeedStatus.REASONABLE, NeedStatus.MATCHED, NeedStatus.REFERRED}
)


@dataclass(frozen=True)
class HelpReceived:
    """A household's help, newest first, and the (need area, month) pairs helped by more
    than one source."""

    items: list[HelpItem]
    overlaps: set[tuple[str, tuple[int, int]]]

    @property
    def total_yuan(self) -> int:
        return sum(i.value_yuan or 0 for i in self.items)


class ProjectHelp:
    """Service projects and help received, in one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def book(self) -> ProjectBook:
        with self._store.unit_of_work() as uow:
            return uow.projects.get()

    def projects_for(self, need: Need, on: date) -> list[ServiceProject]:
        """The projects this need may be matched to on day `on` (the need's area, the
        household's area, running that day)."""
        return self.book().for_need(need.area, need.area_code, on)

    def match(self, need: Need, project_id: str, on: date) -> Need:
        """The need matched to a project (its `project_id`, the project's name as its
        resource, and matched unless already referred), queued for sync."""
        project = self._usable(project_id, need.area, need.area_code, on)
        status = need.status if need.status == NeedStatus.REFERRED else NeedStatus.MATCHED
        changed = need.model_copy(
            update={"project_id": project.id, "resource": project.name[:100], "status": status}
        )
        changed = Need.model_validate(changed.model_dump())
        with self._store.unit_of_work() as uow:
            saved = uow.records.update(changed)
            uow.commit()
        return saved

    def record_delivery(self, delivery: Delivery) -> Delivery:
        """A project's delivery to a household, queued for sync: the project must be one
        the device knows, helping in the delivery's need area and serving the household."""
        self._usable(delivery.project_id, delivery.area, delivery.area_code, delivery.delivered_on)
        with self._store.unit_of_work() as uow:
            saved = uow.records.add(delivery)
            uow.commit()
        return saved

    def _usable(self, project_id: str, area: object, area_code: str, on: date) -> ServiceProject:
        book = self.book()
        project = book.project(project_id)
        if project is None or not project.active or not project.serves(area_code):
            raise InvalidProject("project.unknown")
        if area not in project.need_areas:
            raise InvalidProject("project.not_for_area")
        if not project.running_in(Window(on, on)):
            raise InvalidProject("project.not_running", day=on.isoformat())
        return project

    def received(self, household_id: str) -> HelpReceived:
        """All the help the household has received, government and charity."""
        with self._store.unit_of_work() as uow:
            r = uow.records
            r.get(Household, household_id)  # NotFound for a household not here
            items = help_received(
                needs=r.load_all(Need, household_id=household_id, skip_damaged=True),
                wishes=r.load_all(Wish, household_id=household_id, skip_damaged=True),
                referrals=r.load_all(Referral, household_id=household_id, skip_damaged=True),
                deliveries=r.load_all(Delivery, household_id=household_id, skip_damaged=True),
                book=uow.projects.get(),
            )
        return HelpReceived(items, {(a.value, m) for a, m in overlaps(items)})
