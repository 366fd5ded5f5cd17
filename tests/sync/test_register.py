"""Register edits (编辑家庭) across devices and the county server, on SQLite and PostgreSQL:
the same member field edited on two devices ends as one value with one visible conflict,
and both devices' register changes reach everyone; the server checks again what the device
checked (an ID number another live member of the county holds, a date ahead)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.domain.codes import LeaveReason, RegisterField, RegisterStatus, SchoolStage
from app.domain.identity import make_id_number
from app.domain.records import Person, RegisterChange
from app.services.register import Register
from app.services.sync import SyncState
from sync.server.services import exchange
from tests.sync.conftest import VILLAGE_A, VILLAGE_B
from tests.sync.forge import forge
from tests.sync.records import household

CHILD_ID = make_id_number("330702", date(2015, 6, 1), 457)
AT = datetime(2026, 5, 20, 10, 30)


def child(area: str, household_id: str, id_number: str | None = CHILD_ID) -> Person:
    return Person(
        area_code=area,
        household_id=household_id,
        name="欧阳小明",
        id_number=id_number,
        relation="孙子",
    )


def test_one_member_field_edited_on_two_devices_gives_one_value_and_one_conflict(
    make_device,  # type: ignore[no-untyped-def]
) -> None:
    a, b = make_device(), make_device()
    lead = make_device(role="coordinator")
    h = household(VILLAGE_A)
    kid = child(VILLAGE_A, h.id)
    a.store.add_many([h, kid])
    a.sync(), b.sync()

    def school(device, stage: SchoolStage) -> None:  # type: ignore[no-untyped-def]
        edited = device.store.get(Person, kid.id).model_copy(update={"school_stage": stage})
        Register(device.store).edit(edited, at=AT)

    school(a, SchoolStage.PRIMARY)
    school(b, SchoolStage.JUNIOR)
    assert a.sync().conflicts == 0
    assert b.sync().conflicts == 1  # B's stamp is later: B's value wins, A's is logged
    a.sync(), lead.sync()
    values = {d.store.get(Person, kid.id).school_stage for d in (a, b, lead)}
    assert values == {SchoolStage.JUNIOR}
    conflicts = lead.client().conflicts()
    assert [(c.field, c.kept, c.lost) for c in conflicts] == [("school_stage", "junior", "primary")]
    assert [c["details"]["field"] for c in SyncState(b.store).conflicts()] == ["school_stage"]
    # Both edits stay in the history on every device: who changed it, from what to what.
    for device in (a, b, lead):
        changes = Register(device.store).history(h.id).changes
        assert sorted((c.worker_id, c.field, c.before, c.after) for c in changes) == sorted(
            [
                (a.worker_id, RegisterField.SCHOOL_STAGE, "", "primary"),
                (b.worker_id, RegisterField.SCHOOL_STAGE, "", "junior"),
            ]
        )


def test_the_server_refuses_a_newborn_whose_id_number_a_live_member_of_the_county_holds(
    ctx,  # type: ignore[no-untyped-def]
    make_device,  # type: ignore[no-untyped-def]
) -> None:
    """Device A (岩头村) cannot see 后溪村, where the ID number is held: the server can."""
    a, b = make_device(areas=[VILLAGE_A]), make_device(areas=[VILLAGE_B])
    there = household(VILLAGE_B, "后溪村2号")
    b.store.add_many([there, child(VILLAGE_B, there.id)])
    b.sync()
    # A household on the register (the roster's), where a newborn is checked county-wide.
    here = household(VILLAGE_A).model_copy(update={"register_status": RegisterStatus.REGISTERED})
    exchange.load_records(ctx, [here])
    a.sync()
    newborn = Register(a.store).add_member(child(VILLAGE_A, here.id), at=AT)
    report = a.sync()
    # The member is refused, and with it the register change that names it.
    assert report.rejected == 2
    dead, its_change = a.store.dead_letters()
    assert dead.record_id == newborn.id and dead.reason_code == "person.id_number_taken"
    assert dead.reason == "该身份证号已属于本辖区的另一位在册成员，请核对"
    assert (its_change.record_type, its_change.reason_code) == ("register_change", "push.no_person")
    # Once the member over there has left (moved here), the same number is accepted.
    moved = b.store.get(Person, b.store.load_all(Person)[0].id)
    Register(b.store).edit(
        moved.model_copy(
            update={"left_on": date(2026, 5, 1), "left_reason": LeaveReason.MOVED_OUT}
        ),
        at=AT,
    )
    b.sync()
    again = Register(a.store).add_member(
        child(VILLAGE_A, here.id).model_copy(update={"name": "欧阳小明"}), at=AT
    )
    assert a.sync().rejected == 0
    assert a.store.pending() == [] and a.store.get(Person, again.id).id_number == CHILD_ID


def test_the_server_refuses_a_leave_or_event_dated_ahead_from_a_tampered_app(
    make_device,  # type: ignore[no-untyped-def]
) -> None:
    device = make_device()
    h = household(VILLAGE_A)
    kid = child(VILLAGE_A, h.id)
    device.store.add_many([h, kid])
    device.sync()
    ahead = (date.today() + timedelta(days=3)).isoformat()
    forge(device.store, "person", kid.id, "update",
          {"fields": {"left_on": ahead, "left_reason": "died"}}, base_seq=0)  # fmt: skip
    born = Person(
        area_code=VILLAGE_A, household_id=h.id, name="欧阳小红", birth_date=date(2020, 1, 1)
    )
    forge(device.store, "person", born.id, "create",
          born.content() | {"major_event_date": ahead})  # fmt: skip
    forge(device.store, "person", kid.id, "update",
          {"fields": {"left_on": "2010-01-01", "left_reason": "died"}})  # fmt: skip
    report = device.sync()
    assert report.rejected == 3
    assert [m.reason_code for m in device.store.dead_letters()] == [
        "person.left_in_future",
        "person.major_event_in_future",
        "record.invalid",  # died before birth: the record's own rule, named by the server
    ]
    assert device.store.get(Person, kid.id).left_on is None


def test_register_changes_are_refused_for_another_worker_or_dated_ahead(
    make_device,  # type: ignore[no-untyped-def]
) -> None:
    device = make_device()
    h = household(VILLAGE_A)
    device.store.add(h)
    device.sync()

    def change(**fields: object) -> RegisterChange:
        base = {
            "area_code": VILLAGE_A,
            "household_id": h.id,
            "field": "address",
            "before": "旧",
            "after": "新",
            "changed_at": AT,
            "worker_id": device.worker_id,
        }
        return RegisterChange.model_validate(base | fields)

    other, ahead = change(worker_id="someone-else"), change(changed_at=datetime(2099, 1, 1))
    forge(device.store, "register_change", other.id, "create", other.content())
    forge(device.store, "register_change", ahead.id, "create", ahead.content())
    report = device.sync()
    assert report.rejected == 2
    assert [m.reason_code for m in device.store.dead_letters()] == [
        "register_change.other_worker",
        "register_change.in_future",
    ]
