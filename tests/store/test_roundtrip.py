"""Export → import round trips through real encrypted stores, with hypothesis-built records.

Records are valid by construction; each example writes them as JSON Lines, imports them
into a fresh sandbox, exports that and imports it again, and checks that nothing is lost,
that a second import changes nothing, and that an edited line is exactly one update.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from app.domain.areas import COUNTIES
from app.domain.codes import (
    CareKind,
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
    Team,
    VisitKind,
    VisitMode,
    VisitOutcome,
)
from app.domain.identity import make_id_number
from app.domain.records import (
    ConsentEvent,
    GeoPoint,
    Household,
    Need,
    Person,
    Record,
    Referral,
    Visit,
    Wish,
)
from app.domain.wishes import DEVICE_CREATE_STATES
from app.reports.masking import looks_masked
from app.store.records import TYPE_ORDER
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store
from app.store.transfer import MaskedImport, export_records, import_records, record_line

STORE_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies: every record valid by construction -------------------------------------

IDS = st.uuids().map(str)
AREAS = st.sampled_from(
    ["330702102201", "330702001003", "330703101205", "330782100001", "330783123310"]
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"
GIVEN = "秀英桂兰建国志强丽华明芳伟军敏静磊洋勇艳杰娟涛超霞平刚"
NAMES = st.builds(
    lambda s, g: s + g, st.sampled_from(SURNAMES), st.text(alphabet=GIVEN, min_size=1, max_size=2)
)
# Any text a worker might type or paste: CJK, emoji, quotes, backslashes, line breaks of
# every kind (\n, \u2028, \x85), controls; half the time nothing at all.
CHARS = st.sampled_from("岩头村\n\r\t\u2028\u2029\x85\x00\\\"'😀 \u3000") | st.characters(
    exclude_categories=("Cs",)
)
TEXT = st.just("") | st.text(CHARS, max_size=20)
SHORT = st.text(CHARS, max_size=12)
NONEMPTY = SHORT.filter(lambda s: s.strip() != "")
# Days already past: a device refuses a need, wish or referral dated after its today.
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 11, 30))
# Up to yesterday: a device refuses a visit dated ahead of its clock.
TIMES = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime.combine(date.today() - timedelta(days=1), datetime.min.time()),
    timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))]),
)
GPS = st.none() | st.builds(
    GeoPoint,
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
    accuracy_m=st.none() | st.floats(min_value=0, max_value=5000, allow_nan=False),
)
MOBILES = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
LANDLINES = st.from_regex(r"0579-?[2-8]\d{7}", fullmatch=True)
PHONES = st.just("") | MOBILES | LANDLINES


def lists_of(codes: Any, max_size: int = 4) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(list(codes)), max_size=max_size, unique=True)


@st.composite
def households(draw: st.DrawFn) -> Household:
    # What a device may create (and so import): a household reported (主动发现), undecided
    # and off the register — the roster's households, and a decision on one, arrive by
    # sync — as wishes only in device states.
    return Household(
        id=draw(IDS),
        area_code=draw(AREAS),
        address=draw(SHORT),
        phone=draw(PHONES),
        categories=draw(lists_of(Category)),
        register_status=RegisterStatus.REPORTED,
        annual_income_yuan=draw(st.none() | st.integers(min_value=0, max_value=10**7)),
        notes=draw(TEXT),
        gps=draw(GPS),
    )


@st.composite
def persons(draw: st.DrawFn, hh: Household) -> Person:
    flags = draw(lists_of(PersonFlag))
    id_number = None
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        birth = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2025, 12, 31)))
        county = draw(st.sampled_from(sorted(COUNTIES)))
        id_number = make_id_number(county, birth, draw(st.integers(0, 999)))
    else:
        fields["birth_date"] = draw(st.none() | DAYS)
        fields["gender"] = draw(st.sampled_from([None, "M", "F"]))
    if PersonFlag.MAJOR_EVENT in flags:
        # Never after the importing device's today (a 重大变故 is not recorded ahead).
        fields["major_event_date"] = draw(
            st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31))
        )
        fields["major_event_recorded_on"] = draw(st.none() | DAYS)
        fields["major_event_note"] = draw(TEXT)
    return Person(
        id=draw(IDS),
        area_code=hh.area_code,
        household_id=hh.id,
        name=draw(NAMES),
        id_number=id_number,
        phone=draw(st.just("") | MOBILES),
        relation=draw(st.sampled_from(["户主", "配偶", "子女", "孙子女", "其他"])),
        flags=flags,
        lives_alone=draw(st.booleans()),
        health_note=draw(TEXT),
        **fields,
    )


@st.composite
def visits(draw: st.DrawFn, hh: Household) -> Visit:
    return Visit(
        id=draw(IDS),
        area_code=hh.area_code,
        household_id=hh.id,
        kind=draw(st.sampled_from(list(VisitKind))),
        visited_at=draw(TIMES),
        worker_id=draw(st.sampled_from(["w-001", "w-002"])),
        team=draw(st.sampled_from(list(Team))),
        companions=draw(st.lists(NAMES, max_size=2)),
        mode=draw(st.sampled_from(list(VisitMode))),
        outcome=draw(st.sampled_from(list(VisitOutcome))),
        care=draw(lists_of(CareKind)),
        observations=draw(TEXT),
        gps=draw(GPS),
        photo_id=draw(st.none() | IDS),
    )


@st.composite
def needs(draw: st.DrawFn, hh: Household, people: list[Person], trips: list[Visit]) -> Need:
    status = draw(st.sampled_from(list(NeedStatus)))
    return Need(
        id=draw(IDS),
        area_code=hh.area_code,
        household_id=hh.id,
        person_id=draw(st.sampled_from([None, *(p.id for p in people)])),
        visit_id=draw(st.sampled_from([None, *(v.id for v in trips)])),
        area=draw(st.sampled_from(list(NeedArea))),
        description=draw(TEXT),
        raised_on=draw(DAYS),
        status=status,
        assessment_reason=draw(NONEMPTY if status == NeedStatus.UNREASONABLE else TEXT),
        resource=draw(SHORT),
        fulfilled_on=draw(DAYS if status == NeedStatus.FULFILLED else st.none() | DAYS),
        fulfilment_note=draw(TEXT),
        closed_reason=draw(TEXT),
    )


@st.composite
def consents(draw: st.DrawFn, hh: Household, who: Person, earlier: list[str]) -> ConsentEvent:
    action = draw(st.sampled_from(list(ConsentAction)))
    method = draw(st.sampled_from(list(ConsentMethod)))
    grant = action == ConsentAction.GRANT
    return ConsentEvent(
        id=draw(IDS),
        area_code=hh.area_code,
        household_id=hh.id,
        person_id=who.id,
        action=action,
        recipient=draw(st.sampled_from(["金华市慈善总会", "助联体成员慈善组织"])),
        purpose=draw(st.sampled_from(["charity_help", "wish", "对接慈善帮扶资源"])),
        data_categories=draw(
            st.lists(st.sampled_from(list(DataCategory)), min_size=int(grant), unique=True)
        ),
        valid_until=draw(st.none() | DAYS),
        method=method,
        witness=draw(NAMES if grant and method == ConsentMethod.VERBAL else st.just("") | NAMES),
        guardian_name=draw(st.just("") | NAMES),
        occurred_at=draw(TIMES),
        recorded_by="w-001",
        seen=draw(st.lists(st.sampled_from(earlier), unique=True) if earlier else st.just([])),
    )


@st.composite
def wishes(draw: st.DrawFn, hh: Household, people: list[Person]) -> Wish:
    return Wish(
        id=draw(IDS),
        area_code=hh.area_code,
        household_id=hh.id,
        person_id=draw(st.sampled_from([None, *(p.id for p in people)])),
        title=draw(SHORT),
        description=draw(TEXT),
        value_yuan=draw(st.integers(min_value=0, max_value=2000)),
        # A device creates a wish only in the states it reaches on its own, unclaimed.
        state=draw(st.sampled_from(sorted(DEVICE_CREATE_STATES))),
        collected_on=draw(DAYS),
        reviewed_on=draw(st.none() | DAYS),
        reject_reason=draw(TEXT),
        fulfilled_on=draw(st.none() | DAYS),
        fulfilment_note=draw(TEXT),
    )


@st.composite
def referrals(draw: st.DrawFn, hh: Household, who: Person) -> Referral:
    direction = draw(st.sampled_from(list(ReferralDirection)))
    # A device sends a referral to a charity as "sent"; the charity's answer is the server's.
    statuses = (
        [ReferralStatus.SENT] if direction == ReferralDirection.TO_CHARITY else list(ReferralStatus)
    )
    return Referral(
        id=draw(IDS),
        area_code=hh.area_code,
        household_id=hh.id,
        person_id=who.id,
        direction=direction,
        recipient=draw(NONEMPTY),
        purpose=draw(SHORT),
        data_categories=draw(lists_of(DataCategory)),
        status=draw(st.sampled_from(statuses)),
        referred_on=draw(DAYS),
        note=draw(TEXT),
    )


@st.composite
def datasets(draw: st.DrawFn) -> list[Record]:
    """A few households, each with members and the records that hang off them."""
    out: list[Record] = []
    consent_ids: list[str] = []
    for hh in draw(st.lists(households(), min_size=1, max_size=3, unique_by=lambda h: h.id)):
        out.append(hh)
        people = draw(st.lists(persons(hh), max_size=3))
        trips = draw(st.lists(visits(hh), max_size=3))
        out += people + trips
        out += draw(st.lists(needs(hh, people, trips), max_size=2))
        out += draw(st.lists(wishes(hh, people), max_size=2))
        if people:
            for _ in range(draw(st.integers(0, 3))):
                event = draw(consents(hh, draw(st.sampled_from(people)), consent_ids))
                consent_ids.append(event.id)
                out.append(event)
            out += draw(st.lists(referrals(hh, draw(st.sampled_from(people))), max_size=1))
    ids = [r.id for r in out]
    if len(set(ids)) != len(ids):  # uuids collide only when hypothesis forces it
        reject()
    if any(looks_masked(json.loads(record_line(r))) for r in out):
        reject()  # an address of "***" or a name like 张*: the importer refuses it as masked
    return out


# --- helpers ------------------------------------------------------------------------------


@contextmanager
def fresh_store(root: Path, name: str) -> Iterator[Store]:
    sandbox, key = Sandbox.create(root / name, name, "123456", scrypt_n=2**10)
    store = open_store(sandbox, key)
    try:
        yield store
    finally:
        store.close()


def write_lines(path: Path, records: list[Record]) -> None:
    ordered = sorted(records, key=lambda r: TYPE_ORDER.index(r.type_name))
    path.write_text("".join(record_line(r) + "\n" for r in ordered), encoding="utf-8")


def assert_holds(store: Store, records: list[Record]) -> None:
    for record in records:
        stored = store.get(type(record), record.id)
        assert stored.content() == record.content(), record.type_name
    expected = {name: 0 for name in TYPE_ORDER}
    for record in records:
        expected[record.type_name] += 1
    assert store.counts() == expected


def test_every_record_is_one_line_to_any_reader() -> None:
    # Editors and str.splitlines() also break lines at U+2028, U+2029 and U+0085.
    hh = Household(
        area_code="330702102201",
        address="岩头村\u2028东区",
        notes="第一行\n第二行\x85第三行\u2029第四行\r",
    )
    line = record_line(hh)
    assert line.splitlines() == [line]
    assert json.loads(line)["notes"] == hh.notes
    assert json.loads(line)["address"] == hh.address


# --- properties ---------------------------------------------------------------------------


@STORE_SETTINGS
@given(datasets())
def test_export_then_import_gives_back_every_record(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_store(Path(tmp), "甲") as first:
        root = Path(tmp)
        write_lines(root / "in.jsonl", records)
        report = import_records(first, root / "in.jsonl")
        assert (report.created, report.updated, report.unchanged) == (len(records), 0, 0)
        assert_holds(first, records)
        assert len(first.pending(limit=10_000)) == len(records)

        exported = export_records(first, root / "out.jsonl", mask=False)
        assert exported.written == len(records) and not exported.damaged
        with fresh_store(root, "乙") as second:
            report = import_records(second, root / "out.jsonl")
            assert report.created == len(records)
            assert_holds(second, records)
            assert {m.record_id for m in second.pending(limit=10_000)} == {r.id for r in records}


@STORE_SETTINGS
@given(datasets())
def test_importing_the_same_file_again_changes_nothing(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_store(Path(tmp), "甲") as store:
        source, path = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        write_lines(source, records)
        import_records(store, source)
        export_records(store, path, mask=False)  # now with the store's own stamps
        queued = store.pending(limit=10_000)
        report = import_records(store, path)
        assert (report.created, report.updated, report.unchanged) == (0, 0, len(records))
        assert store.pending(limit=10_000) == queued
        assert_holds(store, records)


@STORE_SETTINGS
@given(datasets())
def test_a_masked_export_is_refused_whole_and_line_by_line(records: list[Record]) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_store(Path(tmp), "甲") as store:
        root = Path(tmp)
        write_lines(root / "in.jsonl", records)
        import_records(store, root / "in.jsonl")
        export_records(store, root / "full.jsonl", mask=False)
        export_records(store, root / "masked.jsonl")  # masked unless asked otherwise
        queued = store.pending(limit=10_000)
        full = [json.loads(x) for x in (root / "full.jsonl").read_text("utf-8").splitlines()]
        masked = [json.loads(x) for x in (root / "masked.jsonl").read_text("utf-8").splitlines()]
        assert all(list(line)[:3] == ["type", "id", "masked"] for line in masked)

        with pytest.raises(MaskedImport) as whole:
            import_records(store, root / "masked.jsonl")
        assert whole.value.lines == list(range(1, len(masked) + 1))

        # Without the marker, every line that masking changed still reads as masked.
        for line in masked:
            del line["masked"]
        changed = [
            number
            for number, (a, b) in enumerate(zip(full, masked, strict=True), start=1)
            if {**a, "gps": None} != {**b, "gps": None}
        ]
        unmarked = root / "unmarked.jsonl"
        unmarked.write_text("".join(json.dumps(x) + "\n" for x in masked), encoding="utf-8")
        if changed:
            with pytest.raises(MaskedImport) as lines:
                import_records(store, unmarked)
            assert lines.value.lines == changed
        assert store.pending(limit=10_000) == queued
        assert_holds(store, records)


EDITABLE = {
    "household": "address",
    "person": "name",
    "need": "description",
    "wish": "title",
    "referral": "note",
}


@STORE_SETTINGS
@given(datasets(), st.data())
def test_an_edited_line_updates_that_record_and_queues_one_update(
    records: list[Record], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from([r for r in records if r.type_name in EDITABLE]))
    field = EDITABLE[target.type_name]
    new_value = data.draw(NAMES if field == "name" else NONEMPTY)
    new_value = new_value.strip()
    if new_value == getattr(target, field):
        new_value += "（改）"
    assume(not looks_masked({field: new_value}))

    with tempfile.TemporaryDirectory() as tmp, fresh_store(Path(tmp), "甲") as store:
        source, path = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        write_lines(source, records)
        import_records(store, source)
        export_records(store, path, mask=False)
        queued = store.pending(limit=10_000)

        lines = path.read_text(encoding="utf-8").splitlines()
        edited_lines = []
        for line in lines:
            body: dict[str, Any] = json.loads(line)
            if body["id"] == target.id:
                body[field] = new_value
            edited_lines.append(json.dumps(body, ensure_ascii=False))
        path.write_text("\n".join(edited_lines) + "\n", encoding="utf-8")

        report = import_records(store, path)
        assert (report.created, report.updated, report.unchanged) == (0, 1, len(records) - 1)
        after = store.pending(limit=10_000)
        assert after[: len(queued)] == queued
        assert len(after) == len(queued) + 1
        update = after[-1]
        assert (update.record_type, update.record_id, update.kind) == (
            target.type_name,
            target.id,
            "update",
        )
        assert update.payload == {"fields": {field: new_value}}
        edited = target.model_copy(update={field: new_value})
        assert_holds(store, [edited if r.id == target.id else r for r in records])
