"""The county's share log of this device's scope (`app.domain.shares.CountyShare`), one row
per entry, sealed: the pull brings the entries logged since the cursor held
(`sync.client`), so the log is never sent whole again, and a household's is read a page at
a time, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, func, insert, select

from app.domain.shares import CountyShare
from app.store.columns import Damaged
from app.store.errors import IntegrityError
from app.store.repositories.settings import SettingsRepository
from app.store.tables import CountyShareRow

SHARES = CountyShareRow.__table__  # type: ignore[attr-defined]
CURSOR_META = "county_shares.cursor"  # meta key: the server's number of the last entry kept


class CountyShareRepository:
    """The county's share log as the server sent it, and where it stands (`held`)."""

    def __init__(self, conn: Connection, settings: SettingsRepository) -> None:
        self._conn = conn
        self._settings = settings

    def held(self) -> tuple[int, int]:
        """The cursor (the server's number of the last entry kept; 0 before any) and how
        many entries are kept: what the pull sends, so the server resends only what is new."""
        cursor = int(self._settings.meta(CURSOR_META) or 0)
        count = self._conn.execute(select(func.count()).select_from(SHARES)).scalar_one()
        return cursor, int(count)

    def keep(self, shares: Iterable[CountyShare], cursor: int, *, reset: bool = False) -> None:
        """Add `shares` (each by the server's number: one sent again replaces its copy) and
        the cursor they reach; `reset` drops every entry held first."""
        if reset:
            self._conn.execute(delete(SHARES))
        rows = [
            {"id": s.id, "household_id": s.household_id, "details": s.to_json()} for s in shares
        ]
        if rows:
            self._conn.execute(delete(SHARES).where(SHARES.c.id.in_([r["id"] for r in rows])))
            self._conn.execute(insert(SHARES), rows)
        self._settings.set_meta(CURSOR_META, str(cursor))

    def for_household(
        self, household_id: str, limit: int | None = None, offset: int = 0
    ) -> list[CountyShare]:
        """The household's shares, newest first (`limit` of them from `offset`, or all);
        IntegrityError if one is unreadable."""
        query = (
            select(SHARES.c.id, SHARES.c.details)
            .where(SHARES.c.household_id == household_id)
            .order_by(SHARES.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [self._share(r.id, r.details) for r in self._conn.execute(query)]

    def count(self, household_id: str) -> int:
        """How many shares of the household are kept."""
        query = select(func.count()).where(SHARES.c.household_id == household_id)
        return int(self._conn.execute(query).scalar_one())

    def all(self) -> list[CountyShare]:
        """Every share kept, newest first."""
        query = select(SHARES.c.id, SHARES.c.details).order_by(SHARES.c.id.desc())
        return [self._share(r.id, r.details) for r in self._conn.execute(query)]

    @staticmethod
    def _share(share_id: int, details: object) -> CountyShare:
        if isinstance(details, Damaged) or not isinstance(details, dict):
            raise IntegrityError("county_shares", str(share_id), "details")
        try:
            return CountyShare.from_json({**details, "id": share_id})
        except (ValueError, TypeError, KeyError):
            raise IntegrityError("county_shares", str(share_id), "details") from None
