"""`doorstep demo` registers service projects with deliveries, so the project indicators of
the target list are not empty, and some household shows help from two sources in one
month (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from app.demo.launch import DEMO_TOWNSHIP, demo_charities, demo_console_accounts, demo_library
from app.domain.help import help_received, overlaps
from app.domain.records import Delivery
from sync.server.services import exchange
from sync.server.services.projects import list_projects, project_book
from sync.server.services.reports.indicators import indicator_results
from sync.server.tables import RecordRow

TODAY = date(2026, 11, 20)


def test_demo_projects_fill_the_project_indicators(ctx) -> None:  # type: ignore[no-untyped-def]
    charities = demo_charities(ctx)
    exchange.load_demo(ctx, 80, seed=2, today=TODAY, scope=[DEMO_TOWNSHIP], charities=charities)
    demo_console_accounts(ctx, charities)
    made, delivered = demo_library(ctx, charities[0].id, TODAY)
    assert made == 5 and delivered > 20
    assert {p.funding.value for p in list_projects(ctx)} == {
        "fundraising", "venture", "trust", "purchased_service", "special_fund",
    }  # fmt: skip
    with ctx.db.reading() as s:
        got = {
            r.spec.code: r.value for r in indicator_results(s, 2026, areas=["330702"], as_of=TODAY)
        }
        book = project_book(s, ["330702"])
        rows = s.execute(select(RecordRow.data).where(RecordRow.type == "delivery")).scalars()
        deliveries = [Delivery.from_stored(json.loads(d)) for d in rows]
    assert got["service_projects"] == 5
    assert got["charity_resource_projects"] == 3  # 慈善募捐, 慈善信托, 专项基金
    assert got["venture_philanthropy_projects"] == 1
    assert got["charities"] == 1  # the demo charity (the others are another kind)
    coverage = got["service_project_coverage"]
    assert coverage is not None and 10 < coverage < 90
    assert all(d.delivered_on <= TODAY and d.delivered_on.year == 2026 for d in deliveries)
    # Some household got help in one need area from two projects in the same month.
    by_household = defaultdict(list)
    for d in deliveries:
        by_household[d.household_id].append(d)
    flagged = [
        h for h, ds in by_household.items() if overlaps(help_received(deliveries=ds, book=book))
    ]
    assert flagged


def test_the_demo_charity_sees_the_needs_matched_to_its_projects(ctx) -> None:  # type: ignore[no-untyped-def]
    from sync.server.services.deliveries import matches

    charities = demo_charities(ctx)
    exchange.load_demo(ctx, 80, seed=2, today=TODAY, scope=[DEMO_TOWNSHIP], charities=charities)
    demo_library(ctx, charities[0].id, TODAY)
    own = list_projects(ctx, organisation_id=charities[0].id)
    found = [matches(ctx, charities[0].id, p.id, TODAY) for p in own]
    assert sum(f.total for f in found) >= 3
