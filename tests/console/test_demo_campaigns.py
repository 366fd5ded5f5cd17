"""`doorstep demo` makes the township's last 重阳节 list (节日走访清单) of its 老 households,
each assigned to a worker serving its village, most visited around the festival with what
was delivered, a few still to visit by the demo device's coordinator (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from app.demo.launch import DEMO_TOWNSHIP, DEMO_WORKER, demo_charities, demo_festival_list
from app.domain.campaigns import festival_days, progress
from app.domain.codes import CampaignGroup, Festival
from app.domain.records import Campaign, CampaignAssignment, Visit
from app.services.campaigns import serves
from sync.server.services import admin, exchange
from sync.server.services.staff import read_staff
from sync.server.tables import RecordRow

TODAY = date(2026, 11, 20)


def test_demo_festival_list(ctx) -> None:  # type: ignore[no-untyped-def]
    charities = demo_charities(ctx)
    exchange.load_demo(ctx, 120, seed=2, today=TODAY, scope=[DEMO_TOWNSHIP], charities=charities)
    me = admin.create_worker(ctx, DEMO_WORKER, "coordinator", "coordinator", [DEMO_TOWNSHIP])
    listed, visited = demo_festival_list(ctx, me.id, TODAY)
    with ctx.db.reading() as s:
        rows = s.execute(
            select(RecordRow.type, RecordRow.data).where(
                RecordRow.type.in_(("campaign", "campaign_assignment", "visit"))
            )
        ).all()
        staff = read_staff(s)
    lists = [Campaign.from_stored(json.loads(d)) for t, d in rows if t == "campaign"]
    places = [
        CampaignAssignment.from_stored(json.loads(d)) for t, d in rows if t == "campaign_assignment"
    ]
    visits = {v.id: v for v in (Visit.from_stored(json.loads(d)) for t, d in rows if t == "visit")}
    assert len(lists) == 1
    (campaign,) = lists
    assert campaign.festival == Festival.DOUBLE_NINTH and campaign.year == 2026
    assert campaign.area_code == DEMO_TOWNSHIP + "000" and campaign.groups == [
        CampaignGroup.ELDERLY
    ]
    assert campaign.created_by == me.id
    got = progress(places)
    assert (got.assigned, got.visited) == (listed, visited)
    assert listed >= 10 and 0 < visited < listed
    day = festival_days(Festival.DOUBLE_NINTH, 2026).day
    for a in places:
        assert a.campaign_id == campaign.id and campaign.covers(a.area_code)
        assert serves(staff, a.worker_id, a.area_code)
        if a.visit_id:
            visit = visits[a.visit_id]
            assert visit.household_id == a.household_id and visit.is_contact
            assert a.visited_on == visit.visited_at.date() and abs((a.visited_on - day).days) <= 5
            assert a.delivered and (a.delivered_value_yuan or 0) > 0
    mine = [a for a in places if a.worker_id == me.id]
    assert mine and all(a.visit_id is None for a in mine)
    assert {a.worker_id for a in places} - {me.id}  # the villages' own workers too
    # A second start makes nothing twice.
    demo_festival_list(ctx, me.id, TODAY)
    with ctx.db.reading() as s:
        again = s.execute(select(RecordRow.id).where(RecordRow.type == "campaign")).all()
    assert len(again) == 1
