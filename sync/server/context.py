"""What every request handler shares: the database, the settings and the server clock."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.domain.clock import HybridClock
from sync.server.db import Database
from sync.server.sealing import seal_plain_totp_secrets
from sync.server.settings import Settings
from sync.server.tables import ServerMeta

SERVER_NODE = "server"


class ServerClock:
    """The server's HLC, shared by threads; persisted in `server_meta` by each push."""

    def __init__(self, last: str = "") -> None:
        self._clock = HybridClock(SERVER_NODE, last)
        self._lock = threading.Lock()

    def now(self) -> str:
        with self._lock:
            return self._clock.now()

    def observe(self, stamp: str) -> None:
        with self._lock:
            self._clock.observe(stamp)

    @property
    def last(self) -> str:
        with self._lock:
            return self._clock.last


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class ServerContext:
    db: Database
    settings: Settings
    clock: ServerClock = field(default_factory=ServerClock)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> ServerContext:
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        if migrate:
            db.upgrade()
            seal_plain_totp_secrets(db, settings)
        with db.reading() as session:
            last = get_meta(session, "hlc") or ""
        return cls(db, settings, ServerClock(last))


def get_meta(session: Session, key: str) -> str | None:
    row = session.exec(select(ServerMeta).where(ServerMeta.key == key)).first()
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(ServerMeta, key)
    if row is None:
        session.add(ServerMeta(key=key, value=value))
    else:
        row.value = value
        session.add(row)
