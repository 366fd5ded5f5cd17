"""Engines, transactions and schema migrations (Alembic, configured in code).

Engines hide statement parameters from their errors: a failed write must not carry a
record's personal values into a log (see `errors.log_failure`).

Writers serialise: on PostgreSQL a push locks the ``counters`` row (so server sequences
commit in the order they were handed out and a pull never skips one); on SQLite the same
holds through ``BEGIN IMMEDIATE`` and one in-process lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col

from sync.server.tables import Counter

MIGRATIONS = Path(__file__).parent / "migrations"
SEQ = "seq"
# What says that the database refuses a value, not that it is away or busy: PostgreSQL's
# SQLSTATE classes data exception, integrity constraint violation and program limit
# exceeded (a btree row too large); SQLite's generic error (malformed JSON), constraint,
# too big and datatype mismatch.
REFUSING_SQLSTATES = ("22", "23", "54")
REFUSING_SQLITE_CODES = frozenset(
    {
        sqlite3.SQLITE_ERROR,
        sqlite3.SQLITE_CONSTRAINT,
        sqlite3.SQLITE_TOOBIG,
        sqlite3.SQLITE_MISMATCH,
    }
)


class Database:
    """One database: its engine, the writer lock, and migrations."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self._write_lock = threading.Lock()
        if self.is_sqlite:
            self.engine = _sqlite_engine(self.url)
            # Readers need no write lock: WAL lets them run beside the one writer.
            self.read_engine = _sqlite_engine(self.url, immediate=False)
        else:
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                hide_parameters=True,
            )
            self.read_engine = self.engine

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction that holds the sequence lock until it commits."""
        with self._write_lock if self.is_sqlite else _nolock(), self.session() as session:
            if not self.is_sqlite:
                session.execute(
                    select(col(Counter.value)).where(col(Counter.name) == SEQ).with_for_update()
                )
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def small_write(self) -> Iterator[Session]:
        """A short write that does not touch the change feed (nonces, audit, admin)."""
        with self._write_lock if self.is_sqlite else _nolock(), self.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


@contextmanager
def _nolock() -> Iterator[None]:
    yield


def normalise_url(url: str) -> str:
    """psycopg 3 for PostgreSQL URLs given without a driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str, *, immediate: bool = True) -> Engine:
    engine = create_engine(
        url, poolclass=NullPool, connect_args={"check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def alembic_config(conn: Connection | None = None) -> Config:
    """The alembic.ini of the server, in code: migrations live beside this module."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def next_seqs(session: Session, count: int) -> int:
    """Reserve `count` sequence numbers; returns the first. Call inside `writing()`."""
    value = session.execute(
        update(Counter)
        .where(col(Counter.name) == SEQ)
        .values(value=col(Counter.value) + count)
        .returning(col(Counter.value))
    ).scalar_one()
    return int(value) - count + 1


def current_seq(session: Session) -> int:
    return int(
        session.execute(select(col(Counter.value)).where(col(Counter.name) == SEQ)).scalar_one()
    )


def error_code(exc: DBAPIError) -> str:
    """The driver's error class and code (SQLSTATE, SQLite result code): what a log may
    say about a database error, never its statement or parameters."""
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None) or ""
    return f"{type(orig).__name__} {code}".strip()


def refused_by_database(exc: DBAPIError) -> bool:
    """True when the database refused the values of a statement (a constraint, a value
    it cannot parse or index), so that the change carrying them is what fails; False when
    the database is away, busy or broken, which fails the whole request."""
    if exc.connection_invalidated:
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in REFUSING_SQLSTATES
    code = getattr(orig, "sqlite_errorcode", None)  # an extended code: the low byte is primary
    return isinstance(code, int) and code & 0xFF in REFUSING_SQLITE_CODES
