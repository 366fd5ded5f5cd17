"""Festival lists (节日走访清单) end to end on a real server over loopback (SQLite and
PostgreSQL): a township coordinator makes a 重阳节 list offline and assigns its households;
each village worker receives the list and only their village's households on it; a worker
of another township receives nothing; the delivery a worker records with a visit reaches
the coordinator, whose list then shows who is still to visit. The server rejects, alone and
with the reason, a list or a place on it that a device may not write."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.domain.campaigns import CampaignError, progress
from app.domain.codes import Festival, PersonFlag, Team, VisitOutcome
from app.domain.errors import DoorstepError
from app.domain.ids import new_id
from app.domain.records import Campaign, CampaignAssignment, Person, Visit
from app.services.campaigns import Campaigns, Delivered
from app.services.visits import Visits
from app.store.errors import IllegalEdit
from app.ui.catalogue import message
from sync.server.console.accounts import Account, ConsoleRole
from sync.server.console.campaigns import CampaignInput, create_list, made_by
from sync.server.services import admin
from sync.server.services.staff import read_staff
from sync.server.tables import RecordRow
from tests.sync.conftest import (
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE_A,
    VILLAGE_B,
    push_payload,
    signed,
)
from tests.sync.forge import forge
from tests.sync.records import household, on_roster, registered
from tests.sync.records import visit as visit_of

ANDI = TOWNSHIP + "000"


def said(code: str) -> str:
    return message(DoorstepError(code))


def outcomes(answers: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(a["status"], a.get("reason") or "") for a in answers]


def elder(h, born: date = date(1940, 5, 1), *flags: PersonFlag) -> Person:  # type: ignore[no-untyped-def]
    return Person(
        area_code=h.area_code, household_id=h.id, name="王秀英", birth_date=born, flags=list(flags)
    )


def double_ninth(by: str, area: str = ANDI, **changes: object) -> Campaign:
    return Campaign(
        **{  # type: ignore[arg-type]
            "area_code": area,
            "festival": Festival.DOUBLE_NINTH,
            "year": 2026,
            "name": "2026年重阳节走访慰问",
            "groups": ["elderly", "disabled"],
            "created_by": by,
            "created_on": date(2026, 10, 1),
            **changes,
        }
    )


def test_a_township_list_reaches_its_villages_workers_and_their_deliveries_come_back(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator", name="李协理")
    worker_a = make_device(areas=[VILLAGE_A], name="王网格")
    worker_b = make_device(areas=[VILLAGE_B], name="赵网格")
    stranger = make_device(areas=[OTHER_VILLAGE], name="钱网格")
    a_id, b_id = worker_a.store.worker_id, worker_b.store.worker_id

    old_a, old_b, young = registered(VILLAGE_A), registered(VILLAGE_B), registered(VILLAGE_A)
    members = [
        elder(old_a),
        elder(old_b, date(1980, 1, 1), PersonFlag.SEVERE_DISABILITY),
        elder(young, date(1990, 1, 1)),
    ]
    on_roster(ctx, old_a, old_b, young, *members)
    lead.sync()  # the roster's households and the township's staff come down
    campaign = double_ninth(lead.store.worker_id)
    service = Campaigns(lead.store)
    picked = service.select(
        campaign,
        [old_a, old_b, young],
        {m.household_id: [m] for m in members},
    )
    assert [(s.household_id, s.groups) for s in picked] == [
        (old_a.id, ("elderly",)),
        (old_b.id, ("disabled",)),
    ]
    # The device refuses a worker who does not serve the household before anything is queued.
    with pytest.raises(CampaignError) as refused:
        service.create(campaign, picked, {old_a.id: b_id, old_b.id: b_id})
    assert refused.value.code == "campaign.worker_not_there"
    assert lead.store.pending() == []
    service.create(campaign, picked, {old_a.id: a_id, old_b.id: b_id})
    report = lead.sync()
    assert report.rejected == 0 and lead.store.pending() == []

    for device, mine in ((worker_a, old_a.id), (worker_b, old_b.id)):
        device.sync()
        lists = Campaigns(device.store).lists()
        assert [c.id for c in lists] == [campaign.id]
        assert [a.household_id for a in Campaigns(device.store).assignments()] == [mine]
    stranger.sync()
    assert Campaigns(stranger.store).lists() == []
    assert Campaigns(stranger.store).assignments() == []

    # A worker cannot hand their household to someone else: a coordinator's change.
    place = Campaigns(worker_a.store).of_household(old_a.id)[0]
    with pytest.raises(IllegalEdit) as refused_edit:
        worker_a.store.update(place.model_copy(update={"worker_id": b_id}))
    assert refused_edit.value.code == "campaign.coordinator_only"

    visit = Visit(
        area_code=old_a.area_code,
        household_id=old_a.id,
        visited_at=datetime(2026, 10, 17, 2, 0, tzinfo=UTC),
        worker_id=a_id,
        team=Team.GRID_WORKER,
        outcome=VisitOutcome.MET,
    )
    Visits(worker_a.store).save(
        visit, [], None, "visit", Delivered(place.id, ("重阳糕一盒", "棉被𠮷一条"), 260)
    )
    assert worker_a.sync().rejected == 0
    lead.sync()
    places = Campaigns(lead.store).assignments()
    done = next(p for p in places if p.household_id == old_a.id)
    assert (done.visit_id, done.visited_on, done.delivered, done.delivered_value_yuan) == (
        visit.id,
        date(2026, 10, 17),
        ["重阳糕一盒", "棉被𠮷一条"],
        260,
    )
    found = progress(places)
    assert (found.assigned, found.visited, found.remaining) == (2, 1, 1)
    assert found.by_worker == {a_id: (1, 1), b_id: (1, 0)}

    # The coordinator hands the household still to visit to another worker of the township.
    waiting = next(p for p in places if p.household_id == old_b.id)
    with pytest.raises(CampaignError):
        Campaigns(lead.store).reassign(waiting.id, a_id)  # 王网格 serves 岩头村 only
    Campaigns(lead.store).reassign(waiting.id, lead.store.worker_id)
    assert lead.sync().rejected == 0
    worker_b.sync()
    assert Campaigns(worker_b.store).assignments()[0].worker_id == lead.store.worker_id


def test_the_server_rejects_what_a_device_may_not_write_alone_with_the_reason(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator")
    worker = make_device(areas=[VILLAGE_A])
    far_lead = make_device(areas=["330703101"], role="coordinator")
    h, h2, young = registered(VILLAGE_A), registered(VILLAGE_A), registered(VILLAGE_A)
    on_roster(ctx, h, h2, young, elder(h), elder(h2), elder(young, date(1990, 1, 1)))
    far = household(OTHER_VILLAGE)
    far_lead.store.add_many([far])
    assert lead.sync().rejected == 0 and far_lead.sync().rejected == 0

    # A field worker's device may not make a list, even of its own village.
    worker.store.add_many([double_ninth(worker.store.worker_id, VILLAGE_A)])
    answers = signed(worker, "POST", "/v1/push", push_payload(worker)).json()["answers"]
    assert outcomes(answers) == [("rejected", said("campaign.coordinator_only"))]

    # Another township's coordinator can neither list 安地镇 nor put its household on a list.
    own = double_ninth(far_lead.store.worker_id, "330703101000")
    theirs = double_ninth(far_lead.store.worker_id)
    intruder = CampaignAssignment(
        area_code=h.area_code,
        household_id=h.id,
        campaign_id=own.id,
        worker_id=far_lead.store.worker_id,
        groups=["elderly"],
    )
    far_lead.store.add_many([own, theirs, intruder])
    answers = signed(far_lead, "POST", "/v1/push", push_payload(far_lead)).json()["answers"]
    assert outcomes(answers) == [
        ("applied", ""),
        ("rejected", said("push.out_of_scope")),
        ("rejected", said("push.out_of_scope")),
    ]

    # The township's own coordinator: written straight into the store, past the service.
    campaign = double_ninth(lead.store.worker_id, villages=[VILLAGE_B])
    base = dict(
        area_code=h.area_code,
        household_id=h.id,
        campaign_id=campaign.id,
        worker_id=worker.store.worker_id,
        groups=["elderly"],
    )
    whole = double_ninth(lead.store.worker_id)
    good = CampaignAssignment(**{**base, "campaign_id": whole.id})
    bad = [
        CampaignAssignment(**base),  # 岩头村 is not among the list's villages
        CampaignAssignment(**{**base, "campaign_id": h.id}),  # not a list
        CampaignAssignment(**{**base, "campaign_id": whole.id}),  # listed twice
        CampaignAssignment(  # 孝顺镇's coordinator does not serve 岩头村
            **{
                **base,
                "household_id": h2.id,
                "campaign_id": whole.id,
                "worker_id": far_lead.store.worker_id,
            }
        ),
        # The list's rule does not pick a household of 36 on the register, nor h2 for 残.
        CampaignAssignment(**{**base, "household_id": young.id, "campaign_id": whole.id}),
        CampaignAssignment(
            **{**base, "household_id": h2.id, "campaign_id": whole.id, "groups": ["disabled"]}
        ),
    ]
    lead.store.add_many([campaign, whole, good, *bad])
    answers = signed(lead, "POST", "/v1/push", push_payload(lead)).json()["answers"]
    assert outcomes(answers) == [
        ("applied", ""),
        ("applied", ""),
        ("applied", ""),
        ("rejected", "该家庭不在清单覆盖的区域内"),
        ("rejected", "节日走访清单不存在"),
        ("rejected", "该家庭已在此清单中"),
        ("rejected", "被指派的工作人员不负责此家庭所在的区域"),
        ("rejected", "该家庭不符合此清单的条件"),
        ("rejected", "该家庭不符合此清单的条件"),
    ]
    with ctx.db.reading() as s:
        kept = s.execute(
            select(RecordRow.data).where(RecordRow.type == "campaign_assignment")
        ).scalars()
        assert [json.loads(d)["id"] for d in kept] == [good.id]

    # The worker's device, forged past its own checks: it may record its visit's delivery,
    # not hand the household to someone else, nor name another household's visit.
    lead.store.add_many([visit_of(h2, lead.store.worker_id)])
    lead.sync()  # (the places refused above are answered again, from the log)
    worker.sync()
    with ctx.db.reading() as s:
        other_visit = s.execute(
            select(RecordRow.id).where(RecordRow.type == "visit", RecordRow.household_id == h2.id)
        ).scalar_one()
    forge(worker.store, "campaign_assignment", good.id, "update", {"fields": {"worker_id": "x"}})
    forge(
        worker.store,
        "campaign_assignment",
        good.id,
        "update",
        {"fields": {"visit_id": other_visit, "visited_on": "2026-10-17", "delivered": ["米"]}},
    )
    answers = signed(worker, "POST", "/v1/push", push_payload(worker)).json()["answers"]
    assert outcomes(answers) == [
        ("rejected", said("campaign.coordinator_only")),
        ("rejected", "送达记录所属的探访不存在或不是此家庭的"),
    ]


def test_a_worker_moved_keeps_the_township_list_only_while_a_village_of_it_is_theirs(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator")
    worker = make_device(areas=[VILLAGE_A])
    h = registered(VILLAGE_A)
    on_roster(ctx, h, elder(h))
    lead.sync()
    campaign = double_ninth(lead.store.worker_id)
    service = Campaigns(lead.store)
    picked = service.select(campaign, [h], {h.id: [elder(h)]})
    service.create(campaign, picked, {h.id: worker.store.worker_id})
    assert lead.sync().rejected == 0
    worker.sync()
    assert len(Campaigns(worker.store).lists()) == 1
    assert Campaigns(worker.store).waiting_for(worker.store.worker_id) == 1

    # Moved to the township's other village: the list stays, 岩头村's household goes.
    admin.set_areas(ctx, worker.store.worker_id, [VILLAGE_B])
    worker.sync()
    assert [c.id for c in Campaigns(worker.store).lists()] == [campaign.id]
    assert Campaigns(worker.store).assignments() == []
    # Moved to another township: the list goes too.
    admin.set_areas(ctx, worker.store.worker_id, [OTHER_VILLAGE])
    worker.sync()
    assert Campaigns(worker.store).lists() == []


def test_households_that_now_qualify_join_the_list_from_the_coordinator_only(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator")
    worker = make_device(areas=[VILLAGE_A])
    first = registered(VILLAGE_A)
    on_roster(ctx, first, elder(first))
    lead.sync()
    campaign = double_ninth(lead.store.worker_id)
    service = Campaigns(lead.store)
    service.create(
        campaign,
        service.select(campaign, [first], {first.id: [elder(first)]}),
        {first.id: worker.store.worker_id},
    )
    assert lead.sync().rejected == 0
    # The register changes: a household of 岩头村 with a member of 86 arrives on the roster.
    second = registered(VILLAGE_A)
    members = {first.id: [elder(first)], second.id: [elder(second)]}
    on_roster(ctx, second, *members[second.id])
    lead.sync()
    found = service.newly_qualifying(campaign, [first, second], members)
    assert [s.household_id for s in found] == [second.id]
    # A field worker's device, forged past the service, may not add a household to a list.
    worker.sync()
    worker.store.add_many(
        [
            CampaignAssignment(
                area_code=second.area_code,
                household_id=second.id,
                campaign_id=campaign.id,
                worker_id=worker.store.worker_id,
                groups=["elderly"],
            )
        ]
    )
    answers = signed(worker, "POST", "/v1/push", push_payload(worker)).json()["answers"]
    assert outcomes(answers) == [("rejected", said("campaign.coordinator_only"))]
    # The coordinator's does; the worker's device then has both households to visit.
    with pytest.raises(CampaignError):
        service.add(campaign, service.select(campaign, [first], members), {})  # listed already
    service.add(campaign, found, {second.id: worker.store.worker_id})
    assert lead.sync().rejected == 0
    assert service.newly_qualifying(campaign, [first, second], members) == []
    worker.sync()
    assert Campaigns(worker.store).waiting_for(worker.store.worker_id) == 2


def test_removing_renaming_and_closing_are_a_coordinators_and_reach_the_workers(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator")
    worker = make_device(areas=[VILLAGE_A])
    me = worker.store.worker_id
    homes = [registered(VILLAGE_A) for _ in range(4)]
    members = {h.id: [elder(h)] for h in homes}
    on_roster(ctx, *homes, *(m for ms in members.values() for m in ms))
    lead.sync()
    campaign = double_ninth(lead.store.worker_id)
    lists = Campaigns(lead.store)
    lists.create(campaign, lists.select(campaign, homes, members), {h.id: me for h in homes})
    assert lead.sync().rejected == 0
    worker.sync()
    place = {p.household_id: p for p in Campaigns(worker.store).assignments()}
    today = date.today()

    def delivered(h) -> None:  # type: ignore[no-untyped-def]
        visit = Visit(
            area_code=h.area_code,
            household_id=h.id,
            visited_at=datetime.now(UTC),
            worker_id=me,
            team=Team.GRID_WORKER,
            outcome=VisitOutcome.MET,
        )
        Visits(worker.store).save(visit, [], None, "visit", Delivered(place[h.id].id, ("米",)))

    # A worker's device, forged past its own checks, cannot remove, rename or close (the
    # township's list is not even theirs to change); the delivery in the same push is
    # applied.
    forge(
        worker.store,
        "campaign_assignment",
        place[homes[0].id].id,
        "update",
        {"fields": {"removed_on": today.isoformat(), "removed_reason": "不需要"}},
    )
    forge(worker.store, "campaign", campaign.id, "update", {"fields": {"name": "改名"}})
    forge(worker.store, "campaign", campaign.id, "update", {"fields": {"closed_on": str(today)}})
    delivered(homes[0])
    answers = signed(worker, "POST", "/v1/push", push_payload(worker)).json()["answers"]
    assert outcomes(answers) == [
        ("rejected", said("campaign.coordinator_only")),
        ("rejected", said("push.not_there")),
        ("rejected", said("push.not_there")),
        ("applied", ""),
        ("applied", ""),
    ]
    worker.sync()

    # Offline, the worker delivers to the second household while the coordinator takes it
    # off the list: the removal synced first stands, the late delivery alone is refused.
    lead.sync()
    lists.remove(place[homes[1].id].id, "已随子女迁往杭州", today)
    # A visited household cannot be taken off, on the device or forged at the server.
    with pytest.raises(DoorstepError):
        lists.remove(place[homes[0].id].id, "重复", today)
    forge(
        lead.store,
        "campaign_assignment",
        place[homes[0].id].id,
        "update",
        {"fields": {"removed_on": str(today), "removed_reason": "重复"}},
        base_seq=10**6,
    )
    lists.rename(campaign.id, "重阳节慰问（岩头村）")
    answers = signed(lead, "POST", "/v1/push", push_payload(lead)).json()["answers"]
    assert outcomes(answers) == [
        ("applied", ""),
        ("rejected", said("campaign.remove_visited")),
        ("applied", ""),
    ]
    delivered(homes[1])
    delivered(homes[2])  # visited on the day the list closes, synced after: still counts
    lead.sync()
    lists.close(campaign.id, today)
    assert lead.sync().rejected == 0
    report = worker.sync()
    assert report.rejected == 1
    assert worker.store.dead_letters()[-1].reason_code == "campaign.removed"

    # Closed: nothing more, even forged from the coordinator's own device.
    fresh = registered(VILLAGE_A)
    on_roster(ctx, fresh, elder(fresh))
    lead.sync()
    with pytest.raises(CampaignError):
        lists.add(campaign.model_copy(update={"closed_on": today}), [], {})
    late = CampaignAssignment(
        area_code=fresh.area_code,
        household_id=fresh.id,
        campaign_id=campaign.id,
        worker_id=me,
        groups=["elderly"],
    )
    lead.store.add_many([late])
    forge(
        lead.store,
        "campaign_assignment",
        place[homes[3].id].id,
        "update",
        {"fields": {"worker_id": lead.store.worker_id}},
        base_seq=10**6,
    )
    forge(
        lead.store, "campaign", campaign.id, "update", {"fields": {"name": "再改"}}, base_seq=10**6
    )
    answers = signed(lead, "POST", "/v1/push", push_payload(lead)).json()["answers"]
    assert outcomes(answers) == [("rejected", said("campaign.closed"))] * 3

    # The worker's device has the list as the coordinator left it: renamed, closed, the
    # household taken off kept with its reason, its final progress, nothing waiting.
    worker.sync()
    (held,) = Campaigns(worker.store).lists()
    assert (held.name, held.closed_on) == ("重阳节慰问（岩头村）", today)
    places = {p.household_id: p for p in Campaigns(worker.store).assignments()}
    gone = places[homes[1].id]
    assert (gone.removed_on, gone.removed_reason, gone.visit_id) == (
        today,
        "已随子女迁往杭州",
        None,
    )
    found = progress(places.values())
    assert (found.assigned, found.visited, found.remaining) == (3, 2, 1)
    assert Campaigns(worker.store).waiting_for(me) == 0


def test_a_list_closed_by_mistake_is_reopened_by_a_coordinator_of_its_scope_alone(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator", name="李协理")
    worker = make_device(areas=[VILLAGE_A])
    village_lead = make_device(areas=[VILLAGE_A], role="coordinator")
    far_lead = make_device(areas=["330703101"], role="coordinator")
    h = registered(VILLAGE_A)
    on_roster(ctx, h, elder(h))
    lead.sync()
    campaign = double_ninth(lead.store.worker_id, VILLAGE_A)
    lists = Campaigns(lead.store)
    picked = lists.select(campaign, [h], {h.id: [elder(h)]})
    lists.create(campaign, picked, {h.id: lead.store.worker_id})
    lists.close(campaign.id, date.today())
    assert lead.sync().rejected == 0
    for device in (worker, village_lead, far_lead):
        device.sync()

    # Forged past each device's own checks, each alone with its reason: a field worker's
    # device (the list is of their village), another township's coordinator, and the
    # list's own coordinator reopening and renaming in one change.
    reopen = {"fields": {"closed_on": None}}
    forge(worker.store, "campaign", campaign.id, "update", reopen)
    forge(far_lead.store, "campaign", campaign.id, "update", reopen)
    forge(
        lead.store,
        "campaign",
        campaign.id,
        "update",
        {"fields": {"closed_on": None, "name": "改名"}},
        base_seq=10**6,
    )
    for device, reason in (
        (worker, said("campaign.coordinator_only")),
        (far_lead, said("push.not_there")),
        (lead, said("campaign.closed")),
    ):
        answers = signed(device, "POST", "/v1/push", push_payload(device)).json()["answers"]
        assert outcomes(answers) == [("rejected", reason)]
    with ctx.db.reading() as s:
        row = s.get(RecordRow, campaign.id)
        assert row is not None and json.loads(row.data)["closed_on"] == str(date.today())

    # The village's own coordinator reopens it (in scope, a coordinator): any time.
    Campaigns(village_lead.store).reopen(campaign.id)
    with pytest.raises(CampaignError) as twice:
        Campaigns(village_lead.store).reopen(campaign.id)
    assert twice.value.code == "campaign.not_closed"
    assert village_lead.sync().rejected == 0
    worker.sync()
    (held,) = Campaigns(worker.store).lists()
    assert held.closed_on is None and Campaigns(worker.store).waiting_for(lead.store.worker_id) == 1
    lead.sync()  # (its forged change is answered again, refused)
    assert Campaigns(lead.store).get(campaign.id).closed_on is None
    # Open again, it takes a removal as any open list.
    place = Campaigns(lead.store).places_on(campaign.id)[0]
    Campaigns(lead.store).remove(place.id, "已随子女迁往杭州", date.today())
    assert lead.sync().rejected == 0


def test_a_household_taken_off_is_put_back_with_its_history_and_forgeries_are_rejected(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator", name="李协理")
    worker = make_device(areas=[VILLAGE_A], name="王网格")
    far_lead = make_device(areas=["330703101"], role="coordinator")
    homes = [registered(VILLAGE_A) for _ in range(3)]
    members = {h.id: [elder(h)] for h in homes}
    on_roster(ctx, *homes, *(m for ms in members.values() for m in ms))
    lead.sync()
    me, them = lead.store.worker_id, worker.store.worker_id
    campaign = double_ninth(me)
    lists = Campaigns(lead.store)
    lists.create(campaign, lists.select(campaign, homes, members), {h.id: them for h in homes})
    assert lead.sync().rejected == 0
    place = {p.household_id: p for p in lists.places_on(campaign.id)}
    today = date.today()
    first, second, third = (place[h.id] for h in homes)
    lists.remove(first.id, "重复登记", today)
    lists.remove(second.id, "外出务工", today)
    # A removal in another worker's name is refused, alone.
    forge(
        lead.store,
        "campaign_assignment",
        third.id,
        "update",
        {"fields": {"removed_on": str(today), "removed_reason": "x", "removed_by": them}},
    )
    answers = signed(lead, "POST", "/v1/push", push_payload(lead)).json()["answers"]
    assert outcomes(answers) == [
        ("applied", ""),
        ("applied", ""),
        ("rejected", said("campaign.removed_by_other")),
    ]
    lead.sync()
    with ctx.db.reading() as s:
        gone = CampaignAssignment.from_stored(s.get(RecordRow, first.id).data)  # type: ignore[union-attr]
    assert (gone.removed_on, gone.removed_reason, gone.removed_by) == (today, "重复登记", me)

    # Put back through the service: a new place naming the one taken off, which stays.
    picked = lists.select(campaign, [homes[0]], members)
    back = lists.restore(first.id, picked, them, today)
    assert (back.restores, back.restored_on, back.household_id) == (first.id, today, homes[0].id)
    with pytest.raises(CampaignError) as twice:
        lists.restore(first.id, picked, them, today)
    assert twice.value.code == "campaign.already_listed"
    with pytest.raises(CampaignError) as not_picked:
        lists.restore(second.id, [], them, today)  # the rule does not pick it (here: none)
    assert not_picked.value.code == "campaign.not_qualifying"
    assert lead.sync().rejected == 0

    # Forged past the service, each alone with its reason.
    def again(removed: CampaignAssignment, **changes: object) -> CampaignAssignment:
        return CampaignAssignment(
            **{
                "area_code": removed.area_code,
                "household_id": removed.household_id,
                "campaign_id": removed.campaign_id,
                "worker_id": them,
                "groups": ["elderly"],
                "restores": removed.id,
                "restored_on": today,
                **changes,
            }
        )

    worker.sync()
    worker.store.add_many([again(second)])
    answers = signed(worker, "POST", "/v1/push", push_payload(worker)).json()["answers"]
    assert outcomes(answers) == [("rejected", said("campaign.coordinator_only"))]
    far_lead.store.add_many([again(second, worker_id=far_lead.store.worker_id)])
    answers = signed(far_lead, "POST", "/v1/push", push_payload(far_lead)).json()["answers"]
    assert outcomes(answers) == [("rejected", said("push.out_of_scope"))]
    lead.store.add_many(
        [
            again(first),  # put back already
            again(second, restores=third.id),  # another household's place
            again(second, household_id=homes[2].id, restores=third.id),  # not taken off
            again(second, groups=["disabled"]),  # the rule does not pick it for 残
            again(second, worker_id=far_lead.store.worker_id),  # does not serve 岩头村
            again(second),  # the one that holds
        ]
    )
    forge(
        lead.store,
        "campaign_assignment",
        again(second).id,
        "create",
        again(second, restored_on=str(date(today.year + 1, 1, 1))).model_dump(mode="json"),
    )
    answers = signed(lead, "POST", "/v1/push", push_payload(lead)).json()["answers"]
    assert outcomes(answers) == [
        ("rejected", said("campaign.already_listed")),
        ("rejected", said("campaign.restore_mismatch")),
        ("rejected", said("campaign.not_removed")),
        ("rejected", said("campaign.not_qualifying")),
        ("rejected", said("campaign.worker_not_there")),
        ("applied", ""),
        ("rejected", said("campaign.in_future")),
    ]
    lead.sync()

    # The worker's device has both households back to visit, and the history of each.
    worker.sync()
    places = Campaigns(worker.store).places_on(campaign.id)
    assert len(places) == 5
    found = progress(places)
    assert (found.assigned, found.visited, found.remaining) == (3, 0, 3)
    assert Campaigns(worker.store).waiting_for(them) == 3
    restored = [p for p in places if p.restores]
    assert {(p.restores, p.author_worker_id) for p in restored} == {
        (first.id, me),
        (second.id, me),
    }
    assert {p.removed_by for p in places if p.removed_on} == {me}

    # A closed list puts nothing back, even forged from the coordinator's own device.
    third_now = next(p for p in lists.places_on(campaign.id) if p.id == third.id)
    lists.remove(third_now.id, "已故", today)
    lists.close(campaign.id, today)
    assert lead.sync().rejected == 0
    with pytest.raises(CampaignError) as closed:
        lists.restore(third.id, lists.select(campaign, [homes[2]], members), them, today)
    assert closed.value.code == "campaign.closed"
    lead.store.add_many([again(third)])
    answers = signed(lead, "POST", "/v1/push", push_payload(lead)).json()["answers"]
    assert outcomes(answers) == [("rejected", said("campaign.closed"))]


def test_a_list_made_in_the_console_reaches_the_devices_in_scope_by_sync(  # type: ignore[no-untyped-def]
    ctx, make_device
) -> None:
    lead = make_device(areas=[TOWNSHIP], role="coordinator")
    worker = make_device(areas=[VILLAGE_A], name="王网格")
    stranger = make_device(areas=[OTHER_VILLAGE])
    h, young = registered(VILLAGE_A), registered(VILLAGE_A)
    on_roster(ctx, h, young, elder(h), elder(young, date(1990, 1, 1)))
    account = Account(
        new_id(), "demo", "演示协调员", ConsoleRole.COORDINATOR, (TOWNSHIP,), None, False
    )
    entered = CampaignInput("double_ninth", str(date.today().year), ANDI, ("elderly",), "80", "")
    made = create_list(ctx, account, entered, date.today())
    assert (made.listed, made.unassigned) == (1, 0)
    with ctx.db.reading() as s:
        responsible = read_staff(s).responsible(VILLAGE_A)
    assert responsible is not None

    worker.sync()
    (held,) = Campaigns(worker.store).lists()
    assert (held.id, held.area_code, held.created_by) == (
        made.campaign.id,
        ANDI,
        made_by(account),
    )
    assert made_by(account) == "console:" + account.id.replace("-", "")
    (place,) = Campaigns(worker.store).assignments()
    assert (place.household_id, place.worker_id) == (h.id, responsible)
    stranger.sync()
    assert Campaigns(stranger.store).lists() == []
    # The township's coordinator changes it from the device like a list made there.
    lead.sync()
    lists = Campaigns(lead.store)
    lists.remove(place.id, "已随子女迁往杭州", date.today())
    lists.close(made.campaign.id, date.today())
    lists.reopen(made.campaign.id)
    assert lead.sync().rejected == 0
    worker.sync()
    assert Campaigns(worker.store).assignments()[0].removed_reason == "已随子女迁往杭州"
