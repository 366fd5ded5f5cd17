"""What the device's reports read (the caseload's visits, needs, wishes, referrals and
deliveries, the staff and the project book), when the data was last synced, and the access log entry of an export."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.coverage import VisitFact
from app.domain.projects import ProjectBook
from app.domain.records import Delivery, Need, Person, Referral, Wish
from app.domain.staff import Staff
from app.store.store import Store

EXPORT_ACTION = "export_report"  # the access log's action for a report exported to a file


@dataclass(frozen=True)
class CaseRecords:
    """The records of a set of households that the reports count, and the staff."""

    staff: Staff
    visits: list[VisitFact]
    needs: list[Need]
    wishes: list[Wish]
    referrals: list[Referral]
    deliveries: list[Delivery]
    # The service projects and organisations of the worker's scope; None until the server
    # has sent them (the project counts are then unknown, not 0).
    book: ProjectBook | None


class Reports:
    """The report inputs of one unlocked store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def case_records(self, household_ids: set[str]) -> CaseRecords:
        """The readable records of these households (damaged ones are left out)."""
        visits = self._store.visit_facts(household_ids)
        with self._store.unit_of_work() as uow:
            r = uow.records
            return CaseRecords(
                staff=uow.staff.get(),
                visits=visits,
                needs=[
                    n
                    for n in r.load_all(Need, skip_damaged=True)
                    if n.household_id in household_ids
                ],
                wishes=[
                    w
                    for w in r.load_all(Wish, skip_damaged=True)
                    if w.household_id in household_ids
                ],
                referrals=[
                    x
                    for x in r.load_all(Referral, skip_damaged=True)
                    if x.household_id in household_ids
                ],
                deliveries=[
                    d
                    for d in r.load_all(Delivery, skip_damaged=True)
                    if d.household_id in household_ids
                ],
                book=uow.projects.get() if uow.projects.digest() else None,
            )

    def persons(self, household_ids: set[str]) -> list[Person]:
        """The readable persons of these households, in full (for the overdue list)."""
        with self._store.unit_of_work() as uow:
            persons = uow.records.load_all(Person, skip_damaged=True)
        return [p for p in persons if p.household_id in household_ids]

    def last_sync(self) -> str | None:
        """When the last complete sync ended (ISO local time), if ever."""
        with self._store.unit_of_work() as uow:
            return uow.sync_state.last_sync()

    def log_export(self) -> None:
        """An export carries personal data (masked): the access log records it."""
        with self._store.unit_of_work() as uow:
            uow.logs.log_access(EXPORT_ACTION)
            uow.commit()
