"""The console's tests run against the same real servers as sync's (SQLite and
PostgreSQL): demo households in two townships, one organisation, and an account of every
role, signed in through the real login form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from sync.server.console import accounts
from sync.server.context import ServerContext
from sync.server.services import exchange
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.projects import ProjectInput
from sync.server.settings import Settings
from tests.sync.conftest import ThreadServer, db_url, server

__all__ = ["db_url", "server"]

PASSWORD = "correct horse 42"
TOWNSHIP = "330702102"  # 安地镇 (婺城区)
OTHER_TOWNSHIP = "330703101"  # 孝顺镇 (金东区)
TODAY = date(2026, 11, 20)
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[ServerContext]:
    """The server's context with a cheap argon2 cost (the default costs ~0.6 s a hash on
    the test machine; `test_passwords_are_argon2id_at_the_default_cost` checks it) and its
    key in a file of the test's own (PostgreSQL has no database file to keep it beside)."""
    context = ServerContext.open(
        Settings(
            database_url=db_url,
            password_memory_kib=1024,
            password_time_cost=1,
            secret_key_file=str(tmp_path / "server.key"),
            summary_refresh_s=0,  # the desk pages compute their summaries as they are read
        )
    )
    yield context
    context.db.dispose()


@dataclass(frozen=True)
class Accounts:
    """One account of each role (by role code) and the demo organisation's id."""

    usernames: dict[str, str]
    organisation_id: str


def make_accounts(ctx: ServerContext) -> Accounts:
    org = add_organisation(
        ctx,
        OrganisationInput(
            "婺城区慈善总会", "charity", "91350100M000100Y43", ["330702"], ["living"]
        ),
    )
    made = {
        "admin": dict(areas=["330702"]),
        "supervisor": dict(areas=["330702"]),
        "coordinator": dict(areas=[TOWNSHIP]),
        "charity": dict(organisation=org.id),
    }
    for role, extra in made.items():
        accounts.add_account(
            ctx, username=f"demo-{role}", name=f"演示{role}", role=role, password=PASSWORD, **extra
        )  # type: ignore[arg-type]
    return Accounts({role: f"demo-{role}" for role in made}, org.id)


@pytest.fixture
def county(ctx: ServerContext) -> Accounts:
    """Demo households in two townships of two counties, and an account of every role."""
    exchange.load_demo(ctx, 24, seed=3, today=TODAY, scope=[TOWNSHIP, OTHER_TOWNSHIP])
    return make_accounts(ctx)


def project_input(organisation_id: str, **changes: object) -> ProjectInput:
    """A valid service project of `organisation_id`, with `changes`."""
    values: dict[str, object] = dict(
        name="安地镇困难老人助餐服务",
        organisation_id=organisation_id,
        need_areas=["living", "care"],
        areas=[TOWNSHIP],
        starts_on="2026-01-01",
        ends_on="2026-12-31",
        funding="fundraising",
        budget_yuan="200000",
        capacity="120",
        brand=True,
    )
    values.update(changes)
    return ProjectInput(**values)  # type: ignore[arg-type]


def browser(srv: ThreadServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, timeout=20, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form, as a browser does: the login page, then its POST."""
    page = client.get("/console/login")
    assert page.status_code == 200
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
    )


@pytest.fixture
def signed_in(server: ThreadServer, county: Accounts) -> Iterator[dict[str, httpx.Client]]:
    """A signed-in client per role, and an anonymous one (key "anonymous")."""
    clients: dict[str, httpx.Client] = {"anonymous": browser(server)}
    for role, username in county.usernames.items():
        client = browser(server)
        answer = log_in(client, username)
        assert answer.status_code == 303, answer.text
        clients[role] = client
    yield clients
    for client in clients.values():
        client.close()


def charity_reports_of(ctx: ServerContext, organisation_id: str) -> dict[str, str]:
    """One report back to civil affairs (反向转介) by the demo charity (keyed by its id) and
    one by another charity serving the other county (key "other")."""
    from sync.server.services import charity_reports

    other = add_organisation(
        ctx,
        OrganisationInput(
            "金东区爱心联合会", "volunteer", "91330703MA2H7Q8R0R", ["330702"], ["care"]
        ),
    )
    made = {}
    for org, village, number in (
        (organisation_id, charity_reports.villages_served(ctx, organisation_id)[0][0],
         "330702195503120021"),
        (other.id, charity_reports.villages_served(ctx, other.id)[0][0], "330702201506010037"),
    ):  # fmt: skip
        form = charity_reports.ReportForm(
            "王秀英", number, "13905791234", village, "独居，行动不便", ["living"]
        )
        made[org] = charity_reports.submit(ctx, org, "test", form)
    return {organisation_id: made[organisation_id], "other": made[other.id]}
