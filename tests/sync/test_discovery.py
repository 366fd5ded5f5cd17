"""主动发现 confirmed (issue 12 item 3): a coordinator's decision syncs; a reported household
that the register holds (by ID number) merges into the registered one, keeping its visits,
needs and consents (re-pointed, not copied), and coverage counts the household once, on
the device and on the server; a worker's device cannot decide (refused at push); a
dismissal needs a reason; the roster import merges by ID number too."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from app.assets import load_visit_policy
from app.domain.calendar import Period
from app.domain.codes import (
    ConsentAction,
    DiscoveryReview,
    NeedArea,
    RegisterStatus,
    Team,
)
from app.domain.coverage import Caseload, coverage_by
from app.domain.ids import new_id
from app.domain.records import Household, Need, Person, Visit
from app.domain.staff import responsible_for
from app.services.discoveries import Discoveries
from sync.server.services import charity_reports, reports, roster
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.tables import Area, RecordRow
from tests.said import refused
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, signed
from tests.sync.forge import forge
from tests.sync.records import consent

ID_NUMBER = "330702195503120021"  # 王秀英, on the roster below
OTHER_ID = "330702201506010037"
KEY = "330702102201-0001"


def write_roster(path: Path, *people: tuple[str, str]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(roster.COLUMNS)
        for name, number in people:
            out.writerow(
                (KEY, VILLAGE_A, "岩头村3组12号", "", "特困", "2023-05-01", "", name, number,
                 "户主" if number == ID_NUMBER else "孙子", "", "", "否")
            )  # fmt: skip
    return path


def server_records(ctx, record_type: str) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    with ctx.db.reading() as s:
        rows = s.execute(select(RecordRow.data).where(RecordRow.type == record_type)).scalars()
        return {d["id"]: d for d in (json.loads(r) for r in rows)}


def report(device, *, id_number: str = ID_NUMBER):  # type: ignore[no-untyped-def]
    """A worker's 主动发现: the household, its head, a visit in March 2026, a need, a consent."""
    h = Household(
        area_code=VILLAGE_A,
        address="岩头村3组12号（老屋）",
        register_status=RegisterStatus.REPORTED,
        notes="网格巡查发现：独居老人，收入来源不明",
    )
    head = Person(area_code=VILLAGE_A, household_id=h.id, name="王秀英", id_number=id_number)
    v = Visit(
        area_code=VILLAGE_A,
        household_id=h.id,
        visited_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
        worker_id=device.worker_id,
        team=Team.GRID_WORKER,
        observations="主动发现当天上门",
    )
    n = Need(
        area_code=VILLAGE_A,
        household_id=h.id,
        person_id=head.id,
        area=NeedArea.LIVING,
        description="冬季取暖",
        raised_on=date(2026, 3, 10),
    )
    c = consent(h, head, ConsentAction.GRANT, by=device.worker_id)
    device.store.add_many([h, head, v, n, c])
    return h, head, v, n, c


def server_coverage(ctx, period: str = "2026-03"):  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        (r,) = reports.coverage_reports(s, Period.parse(period), [None]).reports
    return r.overall.total, r.overall.count


def device_coverage(store, period: str = "2026-03"):  # type: ignore[no-untyped-def]
    households = store.load_all(Household)
    caseload = Caseload(
        households,
        store.load_all(Person),
        store.visit_facts(),
        responsible=responsible_for(households, store.staff()),
    )
    (r,) = coverage_by(caseload, Period.parse(period), [None], policy=load_visit_policy())
    return r.overall.total, r.overall.count


def test_a_reported_household_on_the_register_merges_keeping_its_records(
    ctx, make_device, tmp_path
):
    roster.import_roster(ctx, write_roster(tmp_path / "r.csv", ("王秀英", ID_NUMBER)))
    worker = make_device(areas=[VILLAGE_A])
    worker.sync()
    h, head, v, n, c = report(worker)
    worker.sync()
    # Before any decision: the registered household is due and not covered; the reported
    # one is not counted at all.
    assert server_coverage(ctx) == (1, 0)

    coordinator = make_device(areas=[TOWNSHIP], role="coordinator")
    coordinator.sync()
    queue = Discoveries(coordinator.store).queue()
    assert [f.household.id for f in queue] == [h.id]
    (registered_id,) = [
        d["id"] for d in server_records(ctx, "household").values() if d["id"] != h.id
    ]
    assert queue[0].match == registered_id
    assert queue[0].found_by == coordinator.store.staff().names[worker.worker_id]
    Discoveries(coordinator.store).decide(
        h.id, DiscoveryReview.CONFIRMED, on=date(2026, 3, 12), by=coordinator.worker_id
    )
    coordinator.sync()
    assert coordinator.store.dead_letters() == []

    held = server_records(ctx, "household")
    assert held[h.id]["register_status"] == "merged"
    assert held[h.id]["merged_into"] == registered_id
    # Re-pointed, not copied: the same visit, need and consent, now on the registered household.
    assert server_records(ctx, "visit")[v.id]["household_id"] == registered_id
    assert len(server_records(ctx, "visit")) == 1
    need = server_records(ctx, "need")[n.id]
    roster_head = next(
        p for p in server_records(ctx, "person").values() if p["household_id"] == registered_id
    )
    assert (need["household_id"], need["person_id"]) == (registered_id, roster_head["id"])
    assert server_records(ctx, "consent")[c.id]["person_id"] == roster_head["id"]
    # The duplicate head stays with the merged household; nobody is copied.
    assert server_records(ctx, "person")[head.id]["household_id"] == h.id
    assert server_coverage(ctx) == (1, 1)

    for device in (worker, coordinator):
        device.sync()
        assert device.store.get(Visit, v.id).household_id == registered_id
        assert device.store.get(Need, n.id).household_id == registered_id
        assert device_coverage(device.store) == (1, 1)
    assert Discoveries(coordinator.store).queue() == []


def test_a_confirmed_household_not_on_the_register_goes_on_it(ctx, make_device):
    worker = make_device(areas=[VILLAGE_A])
    h, *_ = report(worker, id_number=OTHER_ID)
    worker.sync()
    coordinator = make_device(areas=[VILLAGE_A], role="coordinator")
    coordinator.sync()
    assert Discoveries(coordinator.store).queue()[0].match is None
    Discoveries(coordinator.store).decide(
        h.id, DiscoveryReview.CONFIRMED, on=date(2026, 3, 12), by=coordinator.worker_id
    )
    coordinator.sync()
    stored = server_records(ctx, "household")[h.id]
    assert (stored["register_status"], stored["registered_on"]) == ("registered", "2026-03-12")
    assert stored["review_status"] == "confirmed"


def test_a_worker_device_cannot_decide_refused_at_push(ctx, make_device):
    worker = make_device(areas=[VILLAGE_A])
    h, *_ = report(worker)
    worker.sync()
    # The app refuses before queuing…
    with refused(Exception, "只有协理员"):
        Discoveries(worker.store)._store.update(
            h.model_copy(update={"register_status": RegisterStatus.REGISTERED})
        )
    # …and a tampered app's change is refused by the server, whole, with the reason.
    forge(worker.store, "household", h.id, "update",
          {"fields": {"register_status": "registered", "registered_on": "2026-03-12"}})  # fmt: skip
    forge(worker.store, "household", h.id, "update",
          {"fields": {"review_status": "confirmed", "reviewed_on": "2026-03-12",
                      "register_status": "registered"}})  # fmt: skip
    worker.sync()
    dead = worker.store.dead_letters()
    assert len(dead) == 2
    assert all(d.reason_code == "discovery.reviewer_only" for d in dead)
    assert server_records(ctx, "household")[h.id]["register_status"] == "reported"
    # Over HTTP too: the queue and the decisions are a reviewer's.
    assert signed(worker, "GET", "/v1/discoveries").status_code == 403
    answer = signed(worker, "POST", f"/v1/discoveries/{h.id}", {"review": "confirmed"})
    assert answer.status_code == 403


def test_dismissal_needs_a_reason(ctx, make_device):
    worker = make_device(areas=[VILLAGE_A])
    h, *_ = report(worker)
    worker.sync()
    coordinator = make_device(areas=[VILLAGE_A], role="coordinator")
    coordinator.sync()
    with refused(Exception, "排除主动发现的家庭需要填写理由"):
        Discoveries(coordinator.store).decide(
            h.id,
            DiscoveryReview.DISMISSED,
            on=date(2026, 3, 12),
            by=coordinator.worker_id,
            reason="  ",
        )
    answer = signed(coordinator, "POST", f"/v1/discoveries/{h.id}", {"review": "dismissed"})
    assert answer.status_code == 400 and "理由" in answer.json()["message"]
    listed = signed(coordinator, "GET", "/v1/discoveries").json()
    assert [f["household_id"] for f in listed] == [h.id]
    assert listed[0]["why"] == "网格巡查发现：独居老人，收入来源不明"
    answer = signed(
        coordinator,
        "POST",
        f"/v1/discoveries/{h.id}",
        {"review": "dismissed", "reason": "经核查家庭收入超过低保标准"},
    )
    assert answer.status_code == 200, answer.text
    stored = server_records(ctx, "household")[h.id]
    assert (stored["review_status"], stored["register_status"]) == ("dismissed", "reported")
    assert stored["review_reason"] == "经核查家庭收入超过低保标准"
    assert signed(coordinator, "GET", "/v1/discoveries").json() == []
    # Decided once: a second decision is refused.
    again = signed(coordinator, "POST", f"/v1/discoveries/{h.id}", {"review": "confirmed"})
    assert again.status_code == 409


def test_an_application_started_stays_in_the_queue(ctx, make_device):
    worker = make_device(areas=[VILLAGE_A])
    h, *_ = report(worker, id_number=OTHER_ID)
    worker.sync()
    coordinator = make_device(areas=[VILLAGE_A], role="coordinator")
    coordinator.sync()
    Discoveries(coordinator.store).decide(
        h.id, DiscoveryReview.APPLYING, on=date(2026, 3, 12), by=coordinator.worker_id
    )
    coordinator.sync()
    assert server_records(ctx, "household")[h.id]["review_status"] == "applying"
    assert [f.household.id for f in Discoveries(coordinator.store).queue()] == [h.id]


def test_the_roster_import_merges_reported_households_by_id_number(ctx, make_device, tmp_path):
    worker = make_device(areas=[VILLAGE_A])
    h, _head, v, _need, _consent = report(worker)
    worker.sync()
    result = roster.import_roster(ctx, write_roster(tmp_path / "r.csv", ("王秀英", ID_NUMBER)))
    assert result.reported_merged == 1
    assert "主动发现并入在册 1 户" in result.one_line()
    held = server_records(ctx, "household")
    stored = held[h.id]
    registered_id = stored["merged_into"]
    assert stored["register_status"] == "merged" and held[registered_id]["register_status"] == (
        "registered"
    )
    assert server_records(ctx, "visit")[v.id]["household_id"] == registered_id
    assert server_coverage(ctx) == (1, 1)
    # Importing again changes nothing more.
    again = roster.import_roster(ctx, write_roster(tmp_path / "r.csv", ("王秀英", ID_NUMBER)))
    assert again.reported_merged == 0
    worker.sync()
    assert worker.store.get(Visit, v.id).household_id == registered_id
    assert device_coverage(worker.store) == (1, 1)


def test_a_charitys_referral_back_reaches_the_device_queue_and_the_answer_goes_back(
    ctx, make_device
):
    """反向转介: a charity's report is a 主动发现 household in the coordinator's device queue;
    starting an application there answers the charity "accepted for assessment", and the
    charity reads what it sent and that answer, nothing of the household's later records."""
    org = add_organisation(
        ctx,
        OrganisationInput(
            "婺城区慈善总会", "charity", "91350100M000100Y43", [TOWNSHIP], ["living"]
        ),
    )
    with ctx.db.small_write() as s:
        s.add(Area(code=VILLAGE_A, name="岩头村"))
    form = charity_reports.ReportForm(
        "欧阳䶮", OTHER_ID, "13905791234", VILLAGE_A, "独居老人，<b>冬季</b>取暖困难", ["living"]
    )
    report_id = charity_reports.submit(ctx, org.id, "charity-user", form)
    coordinator = make_device(areas=[TOWNSHIP], role="coordinator")
    coordinator.sync()
    (found,) = Discoveries(coordinator.store).queue()
    assert found.by_charity and found.head is not None and found.head.name == "欧阳䶮"
    assert "独居老人" in found.household.notes
    Discoveries(coordinator.store).decide(
        found.household.id,
        DiscoveryReview.APPLYING,
        on=date(2026, 3, 12),
        by=coordinator.worker_id,
    )
    # A visit recorded afterwards is the government's, not the charity's to read.
    coordinator.store.add(
        Visit(
            area_code=VILLAGE_A,
            household_id=found.household.id,
            visited_at=datetime(2026, 3, 12, 2, 0, tzinfo=UTC),
            worker_id=coordinator.worker_id,
            team=Team.GRID_WORKER,
            observations="核实：子女在外地务工",
        )
    )
    coordinator.sync()
    assert coordinator.store.dead_letters() == []
    sent = charity_reports.sent_report(ctx, org.id, report_id)
    assert sent is not None
    assert (sent.status, sent.outcome) == ("accepted", "已接收，进入救助评估")
    assert sent.id_number == "330702********0037"
    assert "核实" not in repr(sent) and sent.situation == "独居老人，<b>冬季</b>取暖困难"
    assert charity_reports.sent_report(ctx, "another-organisation", report_id) is None


def test_only_the_roster_or_a_confirmation_puts_a_household_on_the_register(
    ctx, make_device, tmp_path
):
    """A tampered app holding an enrolled device's own key: creating a household on the
    register (the field left out defaults to it), or changing a household's place on it by
    any other way than a coordinator's confirmation, is refused mutation by mutation with
    the reason; the rest of the same push is applied."""
    roster.import_roster(ctx, write_roster(tmp_path / "r.csv", ("王秀英", ID_NUMBER)))
    worker = make_device(areas=[VILLAGE_A])
    coordinator = make_device(areas=[VILLAGE_A], role="coordinator")
    worker.sync()
    [on_roster] = [h for h in worker.store.load_all(Household) if h.address == "岩头村3组12号"]
    reported, *_ = report(worker, id_number=OTHER_ID)  # not on the roster
    worker.sync()
    coordinator.sync()

    registered = Household(area_code=VILLAGE_A, address="岩头村9组1号")
    as_registered = registered.content()
    silent = {k: v for k, v in as_registered.items() if k != "register_status"}  # the default
    dated = Household(
        area_code=VILLAGE_A, address="岩头村9组2号", register_status=RegisterStatus.REPORTED,
        registered_on=date(2026, 1, 1),
    )  # fmt: skip
    ids = [registered.id, new_id(), dated.id]
    for device in (worker, coordinator):
        creates = [as_registered, silent, dated.content()]
        for record_id, payload in zip(ids, creates, strict=True):
            forge(device.store, "household", record_id if device is worker else new_id(), "create",
                  payload)  # fmt: skip
    forge(worker.store, "household", on_roster.id, "update",
          {"fields": {"register_status": "left", "left_on": "2026-03-01"}})  # fmt: skip
    forge(coordinator.store, "household", on_roster.id, "update",
          {"fields": {"registered_on": "2020-01-01"}})  # fmt: skip
    # A coordinator's bare change of status, without the confirmation that decides it.
    forge(coordinator.store, "household", reported.id, "update",
          {"fields": {"register_status": "registered", "registered_on": "2026-03-12"}})  # fmt: skip
    # In the same push, a legitimate change: applied.
    forge(worker.store, "household", reported.id, "update", {"fields": {"phone": "13900000001"}})
    worker.sync()
    coordinator.sync()
    refusals = sorted(
        (d.reason_code, d.reason or "")
        for device in (worker, coordinator)
        for d in device.store.dead_letters()
    )
    codes = [code for code, _ in refusals]
    assert codes == sorted(
        ["discovery.create_registered"] * 6
        + ["discovery.roster_only"] * 2
        + ["discovery.register_unconfirmed"]
    ), refusals
    sentences = dict(refusals)
    assert "只能作为主动发现（待确认）上报" in sentences["discovery.create_registered"]
    assert "以县里的花名册为准" in sentences["discovery.roster_only"]
    assert "经协理员确认" in sentences["discovery.register_unconfirmed"]
    stored = server_records(ctx, "household")
    assert registered.id not in stored and dated.id not in stored
    assert stored[on_roster.id]["register_status"] == "registered"
    assert stored[on_roster.id]["registered_on"] == "2023-05-01"
    assert stored[reported.id]["register_status"] == "reported"
    assert stored[reported.id]["phone"] == "13900000001"
    # The confirmation itself still puts it on the register.
    Discoveries(coordinator.store).decide(
        reported.id, DiscoveryReview.CONFIRMED, on=date(2026, 3, 12), by=coordinator.worker_id
    )
    coordinator.sync()
    assert server_records(ctx, "household")[reported.id]["register_status"] == "registered"
