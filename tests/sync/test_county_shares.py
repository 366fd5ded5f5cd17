"""The county's share log reaches devices on the pull (issue 13): a disclosure logged on the
server rides on the last pull page of the next sync, an unchanged log is not sent again
(a quiet sync stays one round trip), the log is not capped (sent incrementally, a page of
`SHARES_PAGE` at a time) and a household's whole log is on its screen, newest first, a page
at a time. A device whose log is not its scope's (a new scope, an entry that committed
behind its cursor) is sent the log again from its start.

On SQLite and PostgreSQL, over a real server on loopback and real encrypted stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from app.domain.records import Household, Person
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.workspace import Workspace
from sync.client import SyncClient
from sync.protocol import SHARES_PAGE, PullPage, ShareList
from sync.server.services import admin
from sync.server.tables import DisclosureEntry
from sync.transport import read_answer, send
from tests.sync.conftest import OTHER_VILLAGE, VILLAGE_A, Device
from tests.sync.records import household, organisation, person

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _log(ctx, h: Household, p: Person, org_id: str, n: int = 1, *, first_id: int | None = None):  # type: ignore[no-untyped-def]
    """`n` disclosures of `p` to the organisation, one a minute from START (as the console
    writes them: `services.disclosures.log`); `first_id` numbers them from there."""
    rows: list[dict[str, Any]] = [
        {
            "at": START + timedelta(minutes=i),
            "organisation_id": org_id,
            "user_id": "charity-user",
            "action": "exported" if i % 2 else "viewed",
            "referral_id": "0192a000-0000-7000-8000-0000000000aa",
            "household_id": h.id,
            "person_id": p.id,
            "area_code": h.area_code,
            "purpose": "微心愿对接",
            "categories": ["identity", "needs"],
            **({} if first_id is None else {"id": first_id + i}),
        }
        for i in range(n)
    ]
    with ctx.db.small_write() as s:
        s.execute(insert(DisclosureEntry), rows)


def _watched(device: Device) -> tuple[SyncClient, list[PullPage]]:
    """A sync client of `device` that keeps every pull page it reads."""
    client = device.client(attempts=3, backoff_s=0.05)
    pages: list[PullPage] = []
    read = client._page

    def page(http, target):  # type: ignore[no-untyped-def]
        got = read(http, target)
        pages.append(got)
        return got

    client._page = page  # type: ignore[method-assign]
    return client, pages


def _held(device: Device) -> tuple[int, int]:
    with device.store.unit_of_work() as uow:
        return uow.county_shares.held()


def _family(device: Device) -> tuple[Household, Person]:
    h = household(VILLAGE_A)
    p = person(h, "欧阳春花")
    device.store.add_many([h, p])
    return h, p


def test_a_new_disclosure_rides_on_the_next_pull_and_an_unchanged_log_is_not_resent(
    ctx, make_device
) -> None:
    charity = organisation(ctx)
    device = make_device(areas=[VILLAGE_A])
    h, p = _family(device)
    device.sync()
    assert _held(device) == (0, 0)

    _log(ctx, h, p, charity.id)
    client, pages = _watched(device)
    report = client.sync()
    assert report.round_trips == 1  # nothing to push: one pull page, the log on it
    [line] = HouseholdVM(Workspace(device.sandbox, device.store), h.id).share_lines()
    assert (line.day, line.organisation, line.person) == ("2026-03-01", "金华市慈善总会", p.name)
    assert pages[-1].shares is not None and len(pages[-1].shares) == 1

    client, pages = _watched(device)
    quiet = client.sync()
    assert quiet.round_trips == 1
    assert [page.shares for page in pages] == [None]  # nothing logged since: nothing sent
    assert pages[0].shares_cursor == _held(device)[0] > 0

    _log(ctx, h, p, charity.id, 2)
    client, pages = _watched(device)
    assert client.sync().round_trips == 1
    assert [len(page.shares or ()) for page in pages] == [2]  # the new ones only
    assert _held(device)[1] == 3


def test_more_than_a_thousand_entries_reach_the_device_and_the_screen_pages_them(
    ctx, make_device
) -> None:
    charity = organisation(ctx)
    device = make_device(areas=[VILLAGE_A])
    h, p = _family(device)
    other = household(VILLAGE_A, "岩头村2号")
    device.store.add_many([other, person(other, "李四")])
    device.sync()
    total = 2 * SHARES_PAGE + 205
    _log(ctx, h, p, charity.id, total - 3)
    _log(ctx, other, p, charity.id, 3)

    client, pages = _watched(device)
    report = client.sync()
    assert report.round_trips == 3  # three pull pages: the log's, 500 at most on each
    assert [len(page.shares or ()) for page in pages] == [SHARES_PAGE, SHARES_PAGE, 205]
    assert _held(device)[1] == total > 1000

    vm = HouseholdVM(Workspace(device.sandbox, device.store), h.id)
    assert vm.share_count() == total - 3
    first = vm.share_lines(10)
    assert len(first) == 10
    newest = START + timedelta(minutes=total - 4)
    assert first[0].day == newest.date().isoformat()
    every = vm.share_lines()
    assert len(every) == total - 3
    # Newest first: the last logged (the 1,202nd, an export), then the one before it.
    assert [line.action for line in every[:2]] == ["导出", "查看"]
    assert device.client(attempts=3, backoff_s=0.05).sync().round_trips == 1


def test_a_device_whose_log_is_not_its_scopes_is_sent_it_again(ctx, make_device) -> None:
    charity = organisation(ctx)
    device = make_device(areas=[VILLAGE_A])
    h, p = _family(device)
    device.sync()
    _log(ctx, h, p, charity.id, 3, first_id=100)
    device.sync()
    assert _held(device) == (102, 3)

    # An entry that committed behind the cursor (a slower transaction) is not lost.
    _log(ctx, h, p, charity.id, first_id=50)
    client, pages = _watched(device)
    client.sync()
    assert pages[-1].shares_reset and _held(device) == (102, 4)

    # A new scope: the old scope's log leaves the device, the new one's comes.
    elsewhere = household(OTHER_VILLAGE)
    _log(ctx, elsewhere, person(elsewhere), charity.id, 2, first_id=200)
    admin.set_areas(ctx, device.worker_id, [OTHER_VILLAGE])
    device.sync()
    with device.store.unit_of_work() as uow:
        assert {s.household_id for s in uow.county_shares.all()} == {elsewhere.id}
    assert _held(device) == (201, 2)


def test_a_device_that_does_not_ask_is_sent_no_log_on_the_pull(ctx, make_device) -> None:
    """An older device reads the log from GET /v1/shares and would refuse unknown fields."""
    charity = organisation(ctx)
    device = make_device(areas=[VILLAGE_A])
    h, p = _family(device)
    device.sync()
    _log(ctx, h, p, charity.id, 2)
    with device.client(attempts=3, backoff_s=0.05)._connected() as http:
        page = send(http, "GET", "/v1/pull?after=0&limit=100").json()
        assert not [key for key in page if key.startswith("shares")]
        whole = read_answer(send(http, "GET", "/v1/shares"), ShareList)
    assert [s.household_id for s in whole.shares] == [h.id, h.id]
