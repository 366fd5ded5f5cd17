"""/console/campaigns (节日走访): supervisors and coordinators see the festival lists of
their areas with the device's counts by village and the households still to visit — the
head's name masked, the village and the worker — and nothing of another county's list;
charity staff and admins are refused (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from app.domain.campaigns import select_households
from app.domain.codes import CampaignGroup, Festival
from app.domain.records import Campaign, CampaignAssignment, Household, Person, Visit
from app.reports.masking import mask_name
from sync.server.services.exchange import load_records
from sync.server.services.reports.read_model import head_names
from sync.server.services.staff import read_staff
from sync.server.tables import AuditEntry, RecordRow
from tests.console.conftest import OTHER_TOWNSHIP, TOWNSHIP, csrf_of


def _festival_list(  # type: ignore[no-untyped-def]
    ctx, township: str, name: str, *, closed_on: date | None = None, removed: bool = False
) -> tuple[list[CampaignAssignment], dict]:
    """A 重阳节 2026 list over the township's households: the first visited with what was
    delivered (its latest visit), the others waiting — the last removed when `removed`."""
    with ctx.db.reading() as s:
        rows = s.execute(
            select(RecordRow.type, RecordRow.data).where(
                RecordRow.type.in_(("household", "visit")), RecordRow.area_code.startswith(township)
            )
        ).all()
        staff = read_staff(s)
    households = sorted(
        (Household.from_stored(json.loads(d)) for t, d in rows if t == "household"),
        key=lambda h: h.id,
    )[:4]
    visits = [Visit.from_stored(json.loads(d)) for t, d in rows if t == "visit"]
    worker = next(m for m in staff.members if any(a.startswith(TOWNSHIP) for a in m.areas))
    campaign = Campaign(
        area_code=township + "000",
        author_worker_id=worker.id,
        festival=Festival.DOUBLE_NINTH,
        year=2026,
        name=name,
        groups=[CampaignGroup.ELDERLY],
        created_by=worker.id,
        created_on=date(2026, 10, 1),
        closed_on=closed_on,
    )
    places = []
    for i, h in enumerate(households):
        place = CampaignAssignment(
            area_code=h.area_code,
            household_id=h.id,
            campaign_id=campaign.id,
            worker_id=worker.id,
            groups=[CampaignGroup.ELDERLY],
        )
        done = [v for v in visits if v.household_id == h.id]
        if i == 0 and done:
            place = place.model_copy(
                update={
                    "visit_id": done[-1].id,
                    "visited_on": done[-1].visited_at.date(),
                    "delivered": ["重阳糕"],
                    "delivered_value_yuan": 120,
                }
            )
        places.append(place)
    if removed:
        places[-1] = places[-1].model_copy(
            update={"removed_on": date(2026, 10, 10), "removed_reason": "已迁往外地"}
        )
    load_records(ctx, [campaign, *places])
    return places, {"worker": worker.name}


def test_the_campaigns_page_shows_my_lists_and_who_is_still_to_visit(
    ctx, county, signed_in
) -> None:  # type: ignore[no-untyped-def]
    ours, facts = _festival_list(ctx, TOWNSHIP, "2026年重阳节安地镇走访")
    _festival_list(ctx, OTHER_TOWNSHIP, "2026年重阳节孝顺镇走访")
    waiting = [p for p in ours if p.visit_id is None]
    visited = len(ours) - len(waiting)
    assert visited == 1 and len(waiting) == 3
    with ctx.db.reading() as s:
        heads = head_names(s, [p.household_id for p in ours])
    for role in ("supervisor", "coordinator"):
        page = signed_in[role].get("/console/campaigns")
        assert page.status_code == 200, page.text
        html = page.text
        assert "2026年重阳节安地镇走访" in html and "重阳节 2026-10-18" in html
        assert "孝顺镇" not in html  # another county's list
        assert f'<span class="big">{len(ours)}</span><span>走访对象（户）</span>' in html
        assert f'<span class="big">{visited}</span><span>已走访（户）</span>' in html
        assert "<span>待走访（户）</span>" in html and facts["worker"] in html
        for p in waiting:
            assert f'/console/households/{p.household_id}"' in html
            if p.household_id in heads:
                assert mask_name(heads[p.household_id]) in html
        for name in heads.values():
            assert name not in html  # names only masked
        visited_ids = [p.household_id for p in ours if p.visit_id]
        for hid in visited_ids:
            assert f"/console/households/{hid}" not in html
        if visited:
            assert '<span class="big">120</span><span>送达物资价值（元）</span>' in html
    for role in ("charity", "admin"):
        assert signed_in[role].get("/console/campaigns").status_code == 403
    assert signed_in["anonymous"].get("/console/campaigns").status_code == 303


def test_no_lists_is_said(signed_in) -> None:  # type: ignore[no-untyped-def]
    page = signed_in["coordinator"].get("/console/campaigns")
    assert page.status_code == 200 and "尚无节日走访清单" in page.text


def test_a_closed_list_says_so_and_a_removed_household_is_not_waiting(
    ctx, county, signed_in
) -> None:  # type: ignore[no-untyped-def]
    ours, _ = _festival_list(
        ctx, TOWNSHIP, "2026年重阳节安地镇走访", closed_on=date(2026, 10, 31), removed=True
    )
    html = signed_in["supervisor"].get("/console/campaigns").text
    assert "已结束（2026-10-31）" in html and "未走访家庭（清单已结束）" in html
    assert f"/console/households/{ours[-1].household_id}" not in html  # removed
    waiting = [p for p in ours[:-1] if p.visit_id is None]
    assert waiting and all(f"/console/households/{p.household_id}" in html for p in waiting)


def _register(ctx, township: str) -> tuple[list[Household], dict[str, list[Person]]]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        rows = s.execute(
            select(RecordRow.type, RecordRow.data).where(
                RecordRow.type.in_(("household", "person")),
                RecordRow.area_code.startswith(township),
            )
        ).all()
    households = [Household.from_stored(json.loads(d)) for t, d in rows if t == "household"]
    members: dict[str, list[Person]] = {}
    for t, d in rows:
        if t == "person":
            p = Person.from_stored(json.loads(d))
            members.setdefault(p.household_id, []).append(p)
    return households, members


def _stored(ctx, record_type: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        found = s.execute(select(RecordRow.data).where(RecordRow.type == record_type)).scalars()
        return [json.loads(d) for d in found]


def _new_list(client, **changes: object):  # type: ignore[no-untyped-def]
    form = client.get("/console/campaigns/new")
    assert form.status_code == 200, form.text
    values: dict[str, object] = {
        "csrf": csrf_of(form.text),
        "festival": "double_ninth",
        "year": "2026",
        "area_code": TOWNSHIP + "000",
        "groups": ["elderly", "disabled"],
        "elderly_age": "80",
        "name": "",
    }
    values.update(changes)
    return client.post("/console/campaigns", data=values)


def test_a_coordinator_makes_a_list_for_their_township_with_the_devices_rule(
    ctx, county, signed_in
) -> None:  # type: ignore[no-untyped-def]
    coordinator = signed_in["coordinator"]
    form = coordinator.get("/console/campaigns/new").text
    assert f'value="{TOWNSHIP}000"' in form and OTHER_TOWNSHIP not in form  # my areas only
    assert (
        'name="csrf"' in form and "新建节日走访清单" in coordinator.get("/console/campaigns").text
    )
    # Each wrong value refused alone, with its sentence, and nothing written.
    for changes, sentence in (
        ({"area_code": OTHER_TOWNSHIP + "000"}, "请选择本辖区内的乡镇（街道）或村（社区）。"),
        ({"area_code": "330702000000"}, "请选择本辖区内的乡镇（街道）或村（社区）。"),
        ({"groups": []}, "请至少选择一类对象（老、幼、残）"),
        ({"groups": ["elderly", "rich"]}, "对象只能是老、幼、残。"),
        ({"elderly_age": "40"}, "老年人年龄应在 50 至 120 岁之间"),
        ({"year": "2031"}, "请选择今年或明年。"),
        ({"festival": "labour_day"}, "请选择节日。"),
        ({"name": "名" * 51}, "清单名称最多 50 个字"),
    ):
        answer = _new_list(coordinator, **changes)
        assert answer.status_code == 422, changes
        assert sentence in answer.text, changes
    assert _stored(ctx, "campaign") == []
    # Without the session's CSRF token: refused before anything is read.
    assert _new_list(coordinator, csrf="forged").status_code == 403

    made = _new_list(coordinator)
    assert made.status_code == 303, made.text
    (campaign,) = [Campaign.from_stored(d) for d in _stored(ctx, "campaign")]
    assert (campaign.name, campaign.area_code, campaign.groups, campaign.elderly_age) == (
        "2026年重阳节走访慰问",
        TOWNSHIP + "000",
        [CampaignGroup.ELDERLY, CampaignGroup.DISABLED],
        80,
    )
    assert campaign.created_by.startswith("console:") and campaign.closed_on is None
    # The households are those the device's own rule picks on the register, each to its
    # village's 责任人.
    households, members = _register(ctx, TOWNSHIP)
    picked = select_households(campaign.rule(), campaign.area_code, [], households, members)
    with ctx.db.reading() as s:
        staff = read_staff(s)
    places = [CampaignAssignment.from_stored(d) for d in _stored(ctx, "campaign_assignment")]
    assert picked and {p.household_id for p in places} == {
        p.household_id for p in picked if staff.responsible(p.area_code)
    }
    for place in places:
        assert place.worker_id == staff.responsible(place.area_code)
        assert place.campaign_id == campaign.id
    page = coordinator.get(made.headers["location"]).text
    assert f"已建立清单「2026年重阳节走访慰问」，共 {len(places)} 户" in page
    assert f'<span class="big">{len(places)}</span><span>走访对象（户）</span>' in page
    # Sent twice (a second click), the same open list is not made again.
    again = _new_list(coordinator)
    assert again.status_code == 422 and "本范围已有相同的节日走访清单" in again.text
    assert len(_stored(ctx, "campaign")) == 1
    with ctx.db.reading() as s:
        (entry,) = s.execute(
            select(AuditEntry).where(col(AuditEntry.action) == "campaign_created")
        ).scalars()
    assert entry.detail["campaign"] == campaign.id and entry.detail["households"] == len(places)


def test_a_supervisor_makes_a_village_list_and_charity_and_admin_cannot(
    ctx, county, signed_in
) -> None:  # type: ignore[no-untyped-def]
    households, _ = _register(ctx, TOWNSHIP)
    village = sorted(h.area_code for h in households)[0]
    made = _new_list(
        signed_in["supervisor"], area_code=village, groups=["elderly"], elderly_age="60"
    )
    assert made.status_code == 303, made.text
    (campaign,) = [Campaign.from_stored(d) for d in _stored(ctx, "campaign")]
    assert campaign.area_code == village and campaign.elderly_age == 60
    places = [CampaignAssignment.from_stored(d) for d in _stored(ctx, "campaign_assignment")]
    assert places and {p.area_code for p in places} == {village}
    for role in ("charity", "admin"):
        assert signed_in[role].get("/console/campaigns/new").status_code == 403
        assert signed_in[role].post("/console/campaigns", data={}).status_code == 403
    assert signed_in["anonymous"].get("/console/campaigns/new").status_code == 303


def test_the_same_list_sent_at_once_by_two_people_is_made_once(ctx, county, signed_in) -> None:  # type: ignore[no-untyped-def]
    """A coordinator and a supervisor send the same list at the same moment: the write
    lock is taken before the check for an open list, so one is made and the other told."""
    senders = [signed_in["coordinator"], signed_in["supervisor"]]
    tokens = [csrf_of(c.get("/console/campaigns/new").text) for c in senders]
    start = threading.Barrier(len(senders))

    def send(i: int, groups: list[str]) -> tuple[int, str]:
        start.wait()
        answer = senders[i].post(
            "/console/campaigns",
            data={
                "csrf": tokens[i],
                "festival": "double_ninth",
                "year": "2026",
                "area_code": TOWNSHIP + "000",
                "groups": groups,
                "elderly_age": "80",
                "name": "",
            },
        )
        return answer.status_code, answer.text

    rounds = (["elderly"], ["elderly", "disabled"], ["elderly", "child"])  # three lists
    for made, groups in enumerate(rounds, 1):
        with ThreadPoolExecutor(len(senders)) as pool:
            answers = sorted(pool.map(send, range(len(senders)), [groups] * len(senders)))
        assert [status for status, _ in answers] == [303, 422], (
            groups,
            re.findall(r"class=\"(?:error|notice)[^>]*>([^<]*)", answers[0][1]),
        )
        assert "本范围已有相同的节日走访清单" in answers[1][1]
        assert len(_stored(ctx, "campaign")) == made
