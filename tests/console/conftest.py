"""The console's tests run against the same real servers as sync's (SQLite and PostgreSQL)."""

from __future__ import annotations

from tests.sync.conftest import ctx, db_url, server

__all__ = ["ctx", "db_url", "server"]
