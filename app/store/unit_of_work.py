"""A unit of work: one transaction on the store and the repositories that write in it.

    with store.unit_of_work() as uow:
        visit = uow.records.add(visit.model_copy(update={"photo_id": uow.photos.attach(...)}))
        uow.drafts.discard(form, household_id)
        uow.commit()

Everything written through `uow` is kept by `commit()` and only then; leaving the block
without it (an error, a crash, a killed process) keeps none of it. The store's clock (HLC)
is persisted with each commit. A unit of work that only reads needs no commit.
"""

from __future__ import annotations

from sqlalchemy import Connection, RootTransaction

from app.store.repositories.context import StoreContext
from app.store.repositories.county_shares import CountyShareRepository
from app.store.repositories.donors import DonorRepository
from app.store.repositories.drafts import DraftRepository
from app.store.repositories.logs import LogRepository
from app.store.repositories.organisations import OrganisationRepository
from app.store.repositories.photos import PhotoRepository
from app.store.repositories.projects import ProjectBookRepository
from app.store.repositories.records import RecordRepository
from app.store.repositories.replication import ReplicationRepository
from app.store.repositories.settings import SettingsRepository
from app.store.repositories.staff import StaffRepository
from app.store.repositories.sync_state import SyncStateRepository

HLC_META = "hlc"  # meta key: the clock's last stamp, persisted with every commit


class UnitOfWork:
    """The repositories of one transaction (`Store.unit_of_work()` opens it).

    `connection` is for repositories of app/store (and tests that forge damage); nothing
    outside app/store writes SQL.
    """

    def __init__(self, store: StoreContext, connection: Connection, transaction: RootTransaction):
        self.connection = connection
        self._store = store
        self._transaction = transaction
        self.committed = False
        self.logs = LogRepository(connection, store)
        self.records = RecordRepository(connection, store, self.logs)
        self.photos = PhotoRepository(connection)
        self.settings = SettingsRepository(connection)
        self.staff = StaffRepository(self.settings)
        self.organisations = OrganisationRepository(self.settings)
        self.donors = DonorRepository(self.settings)
        self.projects = ProjectBookRepository(self.settings)
        self.county_shares = CountyShareRepository(connection, self.settings)
        self.drafts = DraftRepository(connection)
        self.sync_state = SyncStateRepository(self.settings)
        self.replication = ReplicationRepository(connection, store)

    def commit(self) -> None:
        """Keep everything written so far, with the clock; the unit of work is then done."""
        self.settings.set_meta(HLC_META, self._store.clock.last)
        self._transaction.commit()
        self.committed = True

    def rollback(self) -> None:
        """Drop everything written so far; the unit of work is then done."""
        if self._transaction.is_active:
            self._transaction.rollback()
