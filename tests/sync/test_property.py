"""Property: a server and three devices, random offline edits, random sync order and random
network faults. Afterwards every device holds exactly the server's records for its
scope, no acknowledged change is lost, nothing is duplicated, consent and wish rules hold.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import date

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.domain.codes import ConsentAction, WishState
from app.domain.consent import fold
from app.domain.records import RECORD_TYPES, ConsentEvent, Household, Wish
from app.domain.wishes import TRANSITIONS, check_transition, transition
from sync.client import SyncClient
from sync.errors import SyncError
from sync.server.tables import Conflict, MutationLog, RecordRow
from tests.sync.conftest import new_device
from tests.sync.records import consent, household, person, visit, wish

VILLAGES = itertools.count(201)
FIELDS = ("address", "notes")
DEVICE_TARGETS = (WishState.APPROVED, WishState.REJECTED, WishState.CANCELLED, WishState.FULFILLED)


class FaultyTransport(httpx.HTTPTransport):
    """Consumes one planned fault per request: lose the request, lose the answer after
    the server acted on it, or deliver the request twice."""

    def __init__(self, plan: list[str]) -> None:
        super().__init__()
        self.plan = list(plan)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan.pop(0) if self.plan else "ok"
        if fault == "drop_request":
            raise httpx.ConnectError("lost on the way", request=request)
        response = super().handle_request(request)
        response.read()
        if fault == "drop_response":
            raise httpx.ReadError("lost on the way back", request=request)
        if fault == "duplicate":
            twin = super().handle_request(request)
            twin.read()
        return response


@dataclass
class Edit:
    field: str
    before: object
    value: str
    hlc: str


@dataclass
class World:
    devices: list
    households: list[str]
    persons: dict[str, str]  # person id -> household id
    wishes: list[str]
    visits: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    edits: dict[tuple[str, str], list[Edit]] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=itertools.count)


operation = st.one_of(
    st.tuples(st.just("visit"), st.integers(0, 2), st.integers(0, 1)),
    # One household and two fields: edits from different devices often collide.
    st.tuples(st.just("edit"), st.integers(0, 2), st.just(0), st.sampled_from(FIELDS)),
    st.tuples(st.just("edit"), st.integers(0, 2), st.just(0), st.sampled_from(FIELDS)),
    st.tuples(st.just("consent"), st.integers(0, 2), st.integers(0, 1), st.booleans()),
    st.tuples(
        st.just("wish"), st.integers(0, 2), st.integers(0, 1), st.sampled_from(DEVICE_TARGETS)
    ),
    st.tuples(
        st.just("sync"),
        st.integers(0, 2),
        st.lists(st.sampled_from(["ok", "drop_request", "drop_response", "duplicate"]), max_size=5),
    ),
)


def setup_world(ctx, server, tmp_path) -> World:  # type: ignore[no-untyped-def]
    village = f"330702102{next(VILLAGES):03d}"
    devices = [
        new_device(ctx, server.url, tmp_path / f"{village}-{i}", areas=[village]) for i in range(3)
    ]
    households, persons, wishes = [], {}, []
    records = []
    for n in range(2):
        h = household(village, f"{n}号")
        p = person(h, f"成员{n}")
        w = wish(h)
        records += [h, p, w]
        households.append(h.id)
        persons[p.id] = h.id
        wishes.append(w.id)
    devices[0].store.add_many(records)
    for d in devices:
        d.sync()
    return World(devices, households, persons, wishes)


def apply(world: World, op: tuple) -> None:  # type: ignore[type-arg]
    kind, index = op[0], op[1]
    device = world.devices[index]
    store = device.store
    if kind == "visit":
        h = store.get(Household, world.households[op[2]])
        world.visits.append(store.add(visit(h, device.worker_id, f"v{next(world.counter)}")).id)
    elif kind == "edit":
        h = store.get(Household, world.households[op[2]])
        value = f"{op[3]}-{index}-{next(world.counter)}"
        saved = store.update(h.model_copy(update={op[3]: value}))
        world.edits.setdefault((h.id, op[3]), []).append(
            Edit(op[3], getattr(h, op[3]), value, saved.updated_hlc)
        )
    elif kind == "consent":
        person_id = list(world.persons)[op[2]]
        h = store.get(Household, world.persons[person_id])
        p = next(x for x in store.load_all(RECORD_TYPES["person"]) if x.id == person_id)
        seen = [e.id for e in store.load_all(ConsentEvent) if e.person_id == person_id]
        action = ConsentAction.GRANT if op[3] else ConsentAction.WITHDRAW
        world.consents.append(store.add(consent(h, p, action, seen=seen, by=device.worker_id)).id)
    elif kind == "wish":
        current = store.get(Wish, world.wishes[op[2]])
        target = op[3]
        if check_transition(current.state, target, on_server=False).ok:
            extra = {"reject_reason": "超出上限"} if target == WishState.REJECTED else {}
            extra |= {"cancel_reason": "已搬走"} if target == WishState.CANCELLED else {}
            store.update(transition(current, target, on=date(2026, 3, 2), **extra))
    else:
        client = SyncClient(
            store, device.url, transport=FaultyTransport(op[2]), attempts=4, backoff_s=0.001
        )
        with contextlib.suppress(SyncError):  # the network gave up; all stays queued
            client.sync()


def server_records(ctx, village: str) -> dict[str, dict]:  # type: ignore[type-arg]
    with ctx.db.reading() as s:
        rows = s.execute(
            select(RecordRow.type, RecordRow.data).where(RecordRow.area_code == village)
        ).all()
    return {json.loads(d)["id"]: RECORD_TYPES[t].model_validate_json(d).model_dump(mode="json")
            for t, d in rows}  # fmt: skip


def device_records(device) -> dict[str, dict]:  # type: ignore[type-arg, no-untyped-def]
    out = {}
    for model in RECORD_TYPES.values():
        for record in device.store.load_all(model):
            out[record.id] = record.model_dump(mode="json")
    return out


def check(ctx, world: World) -> None:  # type: ignore[no-untyped-def]
    village = world.devices[0].worker_area
    for _ in range(2):
        for device in world.devices:
            device.sync()
    on_server = server_records(ctx, village)
    for device in world.devices:
        assert device.store.pending() == []
        assert device_records(device) == on_server  # same records, same content
        for dead in device.store.dead_letters():  # only wish transitions may be refused
            assert dead.kind == "transition" and dead.reason
    # Nothing lost, nothing twice: every visit and consent event exactly once.
    assert sorted(i for i, r in on_server.items() if "visited_at" in r) == sorted(world.visits)
    events = [ConsentEvent.model_validate(r) for r in on_server.values() if "action" in r]
    assert sorted(e.id for e in events) == sorted(world.consents)
    # Per-field LWW: the latest stamp wins; every other value was seen and replaced, or
    # is kept as a conflict for a coordinator.
    with ctx.db.reading() as s:
        lost = {
            (c.record_id, c.field, json.loads(c.lost)) for c in s.exec(select(Conflict)).scalars()
        }  # type: ignore[call-overload]
    for (record_id, name), edits in world.edits.items():
        final = on_server[record_id][name]
        assert final == max(edits, key=lambda e: e.hlc).value
        replaced = {e.before for e in edits}
        for e in edits:
            assert e.value == final or e.value in replaced or (record_id, name, e.value) in lost
    # Consent: withdrawal wins unless a later grant saw it, on every holder alike.
    for state in fold(events):
        withdrawals = {e.id for e in state.history if e.action == ConsentAction.WITHDRAW}
        regrants = [
            e for e in state.history
            if e.action == ConsentAction.GRANT and withdrawals <= set(e.seen)
        ]  # fmt: skip
        assert state.granted == bool(regrants)
    # Wishes: the transitions the server accepted form one legal chain to the final state.
    with ctx.db.reading() as s:
        for wish_id in world.wishes:
            logs = s.exec(
                select(MutationLog)
                .where(MutationLog.record_id == wish_id, MutationLog.kind == "transition")
                .order_by(MutationLog.server_seq)
            ).scalars()  # type: ignore[call-overload]
            state = WishState.COLLECTED
            for log in logs:
                if log.status == "rejected":
                    continue
                nxt = _target_of(world, log)
                assert nxt in TRANSITIONS[state]
                state = nxt
            assert on_server[wish_id]["state"] == state.value


def _target_of(world: World, log) -> WishState:  # type: ignore[no-untyped-def]
    for device in world.devices:
        if device.store.device_id == log.device_id:
            return WishState(device.sent[log.seq])
    raise AssertionError("unknown device")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=3, max_size=16))
@example(  # two devices edit one field offline, then sync; the losing value is a conflict
    ops=[("edit", 0, 0, "notes"), ("edit", 1, 0, "notes"), ("sync", 1, []), ("sync", 0, [])]
)
@example(  # concurrent wish decisions: one applies, the other is a dead letter
    ops=[("wish", 0, 0, WishState.APPROVED), ("wish", 1, 0, WishState.REJECTED),
         ("sync", 0, ["drop_response"]), ("sync", 1, ["duplicate", "drop_request"])]
)  # fmt: skip
@example(  # a grant and a concurrent withdrawal: the withdrawal wins everywhere
    ops=[("consent", 0, 0, True), ("sync", 0, []), ("sync", 1, []), ("consent", 2, 0, True),
         ("consent", 1, 0, False), ("sync", 2, ["drop_response"]), ("sync", 1, [])]
)  # fmt: skip
def test_devices_converge_with_the_server(ctx, server, tmp_path, ops):
    world = setup_world(ctx, server, tmp_path)
    for device in world.devices:
        device.worker_area = device.client().worker.areas[0]
        device.sent = {}
    for op in ops:
        before = {d.store.device_id: {m.seq for m in d.store.pending()} for d in world.devices}
        apply(world, op)
        for device in world.devices:
            for m in device.store.pending():
                if m.seq not in before[device.store.device_id] and m.kind == "transition":
                    device.sent[m.seq] = m.payload["to"]
    for device in world.devices:
        for m in device.store.pending():
            if m.kind == "transition":
                device.sent[m.seq] = m.payload["to"]
    check(ctx, world)
    for device in world.devices:
        device.store.close()
