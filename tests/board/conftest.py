"""The board's tests run against real servers on 127.0.0.1 over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sync.server.context import ServerContext
from sync.server.settings import Settings
from tests.sync.conftest import ThreadServer, db_url, server

__all__ = ["db_url", "server"]


@pytest.fixture
def ctx(db_url: str) -> Iterator[ServerContext]:
    """The limits per address and per phone are lifted here (every test client is
    127.0.0.1); `test_rate_limits` sets its own."""
    context = ServerContext.open(
        Settings(
            database_url=db_url,
            board_claims_per_address_hour=100_000,
            board_claims_per_phone_hour=100_000,
        )
    )
    yield context
    context.db.dispose()


@pytest.fixture
def browser(server: ThreadServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
