"""The reports' read model: what coverage and the indicators read of `records`, lean.

Households, persons and visits are read from the report columns of `records` (fields of
the record's JSON that the database generates, see `tables.REPORT_COLUMNS`) through
covering indexes, straight from the driver, and turned into light rows and `VisitFact`s,
never pydantic records. Visits that reached someone can also be read as the domain's
`VisitDigest` per household and mode (the months and ISO weeks holding one, as SQL bit
masks whose arithmetic differs between SQLite and PostgreSQL, and the latest day).
Corrections (修正) are applied in SQL: an amended visit is never read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, exists, false, func, literal_column, or_, select, text, true
from sqlalchemy.orm import Session
from sqlmodel import col

from app.domain.codes import (
    CONTACT_OUTCOMES,
    Category,
    NeedStatus,
    PersonFlag,
    ReferralStatus,
    RegisterStatus,
    VisitMode,
    WishState,
)
from app.domain.coverage import REGISTERED_ONLY, VisitDigest, VisitFact
from app.domain.indicators import Source, TargetList
from app.domain.records import Delivery, Need, Person, Referral, Wish, head_of
from app.domain.summaries import MemberSummary, on_register
from app.reports import household_heads
from sync.server.tables import PERSON_FACTS_WHERE, Area, IndicatorValue, JsonText, RecordRow

RECORDS = RecordRow.__table__  # type: ignore[attr-defined]
CHUNK = 1000  # ids per IN (...) list


class HouseholdFacts:
    """What coverage and the warnings read of a household (户, a `HouseholdLike`), built
    from report columns without pydantic (the income only for the warnings)."""

    __slots__ = (
        "annual_income_yuan",
        "area_code",
        "categories",
        "exited_on",
        "id",
        "left_on",
        "register_status",
        "registered_on",
        "rejected_on",
        "temporary_aid_on",
    )

    def __init__(
        self,
        id: str,
        area_code: str,
        categories: list[Category],
        register_status: RegisterStatus,
        registered_on: date | None,
        left_on: date | None,
        exited_on: date | None = None,
        rejected_on: date | None = None,
        temporary_aid_on: date | None = None,
        annual_income_yuan: int | None = None,
    ) -> None:
        self.id = id
        self.area_code = area_code
        self.categories = categories
        self.register_status = register_status
        self.registered_on = registered_on
        self.left_on = left_on
        self.exited_on = exited_on
        self.rejected_on = rejected_on
        self.temporary_aid_on = temporary_aid_on
        self.annual_income_yuan = annual_income_yuan

    def on_register(self, on: date) -> bool:
        return on_register(self, on)


class PersonFacts:
    """What coverage, 重大变故响应率 and the warnings read of a household member (a
    `MemberLike`): the flags, what derives 高龄独居 (birth date, living alone), the day the
    member left the household (they no longer count after it) and a major event's days."""

    __slots__ = (
        "birth_date",
        "flags",
        "household_id",
        "id",
        "left_on",
        "lives_alone",
        "major_event_date",
        "major_event_recorded_on",
    )

    def __init__(
        self,
        household_id: str,
        flags: list[PersonFlag],
        left_on: date | None = None,
        *,
        id: str = "",
        birth_date: date | None = None,
        lives_alone: bool = False,
        major_event_date: date | None = None,
        major_event_recorded_on: date | None = None,
    ) -> None:
        self.id = id
        self.household_id = household_id
        self.flags = flags
        self.left_on = left_on
        self.birth_date = birth_date
        self.lives_alone = lives_alone
        self.major_event_date = major_event_date
        self.major_event_recorded_on = major_event_recorded_on


def area_names(session: Session) -> dict[str, str]:
    """Every area's name by its code."""
    return {code: name for code, name in session.execute(select(col(Area.code), col(Area.name)))}


def _of_type(type_name: str) -> Any:
    # A literal, not a bound parameter: PostgreSQL matches it to the partial indexes.
    if not type_name.isalpha():
        raise ValueError(type_name)
    return text(f"records.type = '{type_name}'")


def _in_scope(areas: Sequence[str] | None) -> Any:
    """SQL: the record's area lies in one of `areas` (None: anywhere) — its code starts
    with one of them, said as a range too, so the planner reads the areas' part of an
    index led by `area_code` whatever the database's collation."""
    if areas is None:
        return text("1 = 1")
    c = RECORDS.c
    return or_(
        *(
            and_(c.area_code >= code, c.area_code < code_after(code), c.area_code.like(f"{code}%"))
            for code in areas
            if code.isdigit()
        ),
        false(),
    )


def code_after(code: str) -> str:
    """The first code after every code starting with `code` (digits): 330702 → 330703."""
    return str(int(code) + 1).zfill(len(code))


def _rows(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """All rows of a large read as plain tuples, straight from the driver's fetchall."""
    connection = session.connection()
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return cast(list[tuple[Any, ...]], cursor.fetchall())
    finally:
        cursor.close()


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _day(text_value: str | None) -> date | None:
    return date.fromisoformat(text_value[:10]) if text_value else None


def read_households(
    session: Session,
    areas: Sequence[str] | None,
    classes: Collection[Any] | None = REGISTERED_ONLY,
    *,
    income: bool = False,
) -> list[HouseholdFacts]:
    """Households in scope holding a category of `classes` (None: every household), as
    light rows; `income` reads the recorded yearly income too (from the record's JSON)."""
    c = RECORDS.c
    columns = [
        c.id,
        c.area_code,
        c.household_categories,
        c.household_status,
        c.household_registered_on,
        c.household_left_on,
        c.household_exited_on,
        c.household_rejected_on,
        c.household_temporary_aid_on,
    ]
    if income:
        columns.append(JsonText(c.data, "annual_income_yuan"))
    query = select(*columns).where(_of_type("household"), _in_scope(areas))
    if classes is not None:
        # A prefilter on the JSON text; the categories parsed below decide.
        held_codes = [code for code in Category if code.served_class in classes]
        query = query.where(
            or_(*(c.household_categories.like(f'%"{code.value}"%') for code in held_codes))
        )
    served: dict[str | None, list[Category] | None] = {}  # categories text -> list, if served
    statuses = {s.value: s for s in RegisterStatus}
    days: dict[str | None, date | None] = {None: None}  # few distinct register dates
    out: list[HouseholdFacts] = []
    for hid, area, categories, status, *dated in _rows(session, query):
        if categories not in served:
            held = [Category(code) for code in json.loads(categories or "[]")]
            keep = classes is None or any(c.served_class in classes for c in held)
            served[categories] = held if keep else None
        kept = served[categories]
        if kept is None:
            continue
        for value in dated[:5]:
            if value not in days:
                days[value] = _day(value)
        registered_on, left_on, exited, rejected, temporary = (days[v] for v in dated[:5])
        yuan = int(dated[5]) if income and dated[5] is not None else None
        out.append(
            HouseholdFacts(
                hid,
                area,
                kept,
                statuses[status],
                registered_on,
                left_on,
                exited,
                rejected,
                temporary,
                yuan,
            )
        )
    return out


def read_persons(
    session: Session,
    areas: Sequence[str] | None,
    households: Collection[str],
    *,
    everyone: bool = False,
) -> list[PersonFacts]:
    """Members of the given households whose facts can change a visit rule or count as a
    重大变故 (a flag, living alone, an event's date; `everyone`: all members), with the
    day they left the household if they did."""
    c = RECORDS.c
    query = select(
        c.household_id,
        c.person_flags,
        c.person_left_on,
        c.id,
        c.person_birth_date,
        c.person_lives_alone,
        c.person_event_date,
        c.person_event_recorded_on,
    ).where(_of_type("person"), _in_scope(areas))
    if not everyone:
        query = query.where(text(PERSON_FACTS_WHERE.removeprefix("type = 'person' AND ")))
    parsed: dict[str, list[PersonFlag]] = {}
    out: list[PersonFacts] = []
    for hid, flags, left_on, pid, birth, alone, event, recorded in _rows(session, query):
        if hid not in households:
            continue
        held = parsed.get(flags)
        if held is None:
            held = parsed[flags] = [PersonFlag(code) for code in json.loads(flags or "[]")]
        out.append(
            PersonFacts(
                hid,
                held,
                _day(left_on),
                id=pid,
                birth_date=_day(birth),
                lives_alone=alone in ("true", "1"),
                major_event_date=_day(event),
                major_event_recorded_on=_day(recorded),
            )
        )
    return out


_VISIT_COLUMNS = (
    RECORDS.c.household_id,
    RECORDS.c.visit_at,
    RECORDS.c.visit_mode,
    RECORDS.c.visit_outcome,
    RECORDS.c.visit_worker,
    RECORDS.c.visit_team,
    RECORDS.c.id,
    RECORDS.c.visit_amends,
)
_LEAN_COLUMNS = _VISIT_COLUMNS[:4]
CONTACT_CODES = sorted(o.value for o in CONTACT_OUTCOMES)  # in SQL: the visits that count


def _not_amended() -> Any:
    """SQL: the visit is not replaced by a correction (修正) of its household."""
    fix = RECORDS.alias("fix")
    c = RECORDS.c
    # IS NOT NULL lets PostgreSQL see how few corrections there are (a tiny hash).
    return ~exists().where(
        fix.c.visit_amends.is_not(None),
        fix.c.visit_amends == c.id,
        fix.c.household_id == c.household_id,
    )


def _uncorrected(session: Session, areas: Sequence[str] | None) -> Any:
    """`_not_amended()`, or nothing to check when the scope holds no correction at all."""
    c = RECORDS.c
    query = select(c.id).where(c.visit_amends.is_not(None), _in_scope(areas)).limit(1)
    return _not_amended() if session.execute(query).first() else true()


def _facts(rows: Iterable[Any], keep: Callable[[str], bool], who: bool) -> list[VisitFact]:
    of, parse = VisitFact.of, datetime.fromisoformat
    if who:
        return [
            of(hid, parse(at), mode, outcome, worker or "", team or "", vid, amends)
            for hid, at, mode, outcome, worker, team, vid, amends in rows
            if keep(hid)
        ]
    return [
        of(hid, parse(at), mode, outcome, "", "") for hid, at, mode, outcome in rows if keep(hid)
    ]


def read_visits(
    session: Session,
    areas: Sequence[str] | None,
    households: Collection[str],
    first: date | None = None,
    last: date | None = None,
    *,
    who: bool = True,
) -> list[VisitFact]:
    """Visits of `households` dated `first`..`last` (either open), corrections applied.

    `who=False` reads only the visits that reached someone, without worker, team and ids:
    all that coverage reads of a household whose responsible worker is known (its last
    visitor is never asked for), and much faster.
    """
    c = RECORDS.c
    columns = _VISIT_COLUMNS if who else _LEAN_COLUMNS
    query = select(*columns).where(
        _of_type("visit"), _in_scope(areas), _uncorrected(session, areas)
    )
    if not who:
        query = query.where(c.visit_outcome.in_(CONTACT_CODES))
    if first is not None:
        query = query.where(c.visit_at >= first.isoformat())
    if last is not None:
        query = query.where(c.visit_at < (last + timedelta(days=1)).isoformat())
    return _facts(_rows(session, query), households.__contains__, who)


def visits_of(session: Session, households: Sequence[str]) -> list[VisitFact]:
    """Every visit of the given households, corrections applied."""
    facts: list[VisitFact] = []
    for chunk in _chunks(households):
        query = select(*_VISIT_COLUMNS).where(
            _of_type("visit"), RECORDS.c.household_id.in_(chunk), _not_amended()
        )
        facts += _facts(session.execute(query), lambda _: True, True)
    return facts


def latest_contacts(session: Session, households: Sequence[str], before: date) -> list[VisitFact]:
    """Per household and mode, the latest visit before `before` that reached someone.

    Enough for the last qualifying visit of a household none of whose windows in the
    period holds one: whatever modes count for it, the latest of these in those modes is it.
    """
    c = RECORDS.c
    rank = (
        func.row_number()
        .over(
            partition_by=(c.household_id, c.visit_mode),
            order_by=(c.visit_at.desc(), c.id.desc()),
        )
        .label("rank")
    )
    ranked = select(*_LEAN_COLUMNS, rank).where(
        _of_type("visit"),
        c.visit_at < before.isoformat(),
        c.visit_outcome.in_(CONTACT_CODES),
        _not_amended(),
    )
    facts: list[VisitFact] = []
    for chunk in _chunks(households):
        inner = ranked.where(c.household_id.in_(chunk)).subquery()
        query = select(*(inner.c[column.name] for column in _LEAN_COLUMNS)).where(inner.c.rank == 1)
        facts += _facts(session.execute(query), lambda _: True, False)
    return facts


EPOCH_MONDAY = date(2000, 1, 3)  # week numbers count from this Monday


def visit_digests(
    session: Session,
    areas: Sequence[str] | None,
    households: Collection[str],
    weekly: Collection[str],
    first: date,
    until: date,
) -> dict[str, VisitDigest]:
    """The `VisitDigest` of each of `households` for the visits that reached someone from
    `first` to `until`, corrections applied: one SQL row per household (per mode, the
    months holding one as a bit mask, and the latest day), not one per visit; the ISO weeks
    only for the `weekly` households, in a second read of theirs alone.
    """
    c = RECORDS.c
    postgres = session.get_bind().dialect.name == "postgresql"
    base_month = first.year * 12 + first.month - 1
    base_week = (first - EPOCH_MONDAY).days // 7
    base_monday = EPOCH_MONDAY + timedelta(weeks=base_week)
    month = (
        "(CAST(substr(records.visit_at, 1, 4) AS INTEGER) * 12 "
        f"+ CAST(substr(records.visit_at, 6, 2) AS INTEGER) - 1 - {base_month})"
    )
    day = (
        f"(CAST(substr(records.visit_at, 1, 10) AS DATE) - DATE '{EPOCH_MONDAY.isoformat()}')"
        if postgres
        else f"CAST(julianday(substr(records.visit_at, 1, 10)) - "
        f"julianday('{EPOCH_MONDAY.isoformat()}') AS INTEGER)"
    )
    week = f"({day} / 7 - {base_week})"
    modes = list(VisitMode)

    def bits(index: str, mode: VisitMode) -> Any:  # OR of 1 << index over the mode's visits
        where = f"FILTER (WHERE records.visit_mode = '{mode.value}')"
        if postgres:
            return literal_column(f"bit_or(CAST(1 AS BIGINT) << {index}) {where}")
        return literal_column(f"sum(DISTINCT 1 << {index}) {where}")

    def latest(mode: VisitMode) -> Any:
        return literal_column(
            f"max(records.visit_at) FILTER (WHERE records.visit_mode = '{mode.value}')"
        )

    def visits(*columns: Any) -> Any:
        return (
            select(c.household_id, *columns)
            .where(
                _of_type("visit"),
                _in_scope(areas),
                _uncorrected(session, areas),
                c.visit_outcome.in_(CONTACT_CODES),
                c.visit_at >= first.isoformat(),
                c.visit_at < (until + timedelta(days=1)).isoformat(),
            )
            .group_by(c.household_id)
        )

    decoded: dict[tuple[bool, int], frozenset[date]] = {}

    def days_of(mask: int, by_week: bool) -> frozenset[date]:
        key = (by_week, mask)
        if key not in decoded:
            ones = [i for i in range(mask.bit_length()) if mask >> i & 1]
            if by_week:
                days = [base_monday + timedelta(weeks=i) for i in ones]
            else:
                days = [date((base_month + i) // 12, (base_month + i) % 12 + 1, 1) for i in ones]
            decoded[key] = frozenset(days)
        return decoded[key]

    by_month: dict[str, dict[VisitMode, frozenset[date]]] = {}
    last: dict[str, dict[VisitMode, date]] = {}
    query = visits(*(col for m in modes for col in (bits(month, m), latest(m))))
    for hid, *values in _rows(session, query):
        if hid not in households:
            continue
        months, days = by_month[hid], last[hid] = {}, {}
        for i, mode in enumerate(modes):
            mask, at = values[2 * i], values[2 * i + 1]
            if at is not None:
                months[mode] = days_of(int(mask), False)
                days[mode] = date.fromisoformat(at[:10])
    by_week: dict[str, dict[VisitMode, frozenset[date]]] = {}
    wanted = sorted(h for h in weekly if h in by_month)
    for chunk in _chunks(wanted):
        query = visits(*(bits(week, m) for m in modes)).where(c.household_id.in_(chunk))
        for hid, *masks in _rows(session, query):
            by_week[hid] = {
                mode: days_of(int(mask), True)
                for mode, mask in zip(modes, masks, strict=True)
                if mask is not None
            }
    return {hid: VisitDigest(by_week.get(hid, {}), by_month[hid], last[hid]) for hid in by_month}


def overdue_heads(session: Session, households: Sequence[str]) -> dict[str, Person]:
    """The heads (户主) of the given households, for the masked overdue list."""
    c = RECORDS.c
    persons: list[Person] = []
    for chunk in _chunks(households):
        query = select(c.data).where(_of_type("person"), c.household_id.in_(chunk))
        for (data,) in session.execute(query):
            fields = json.loads(data)
            persons.append(
                Person.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
                    # every field with a default factory given: pydantic inspects the
                    # factory's signature on each call otherwise (most of the page's time)
                    id=fields.get("id", ""),
                    flags=[],
                    household_id=fields.get("household_id", ""),
                    name=fields.get("name", ""),
                    id_number=fields.get("id_number"),
                    relation=fields.get("relation", ""),
                )
            )
    return household_heads(persons)


def head_names(session: Session, households: Sequence[str]) -> dict[str, str]:
    """The names of the given households' heads (户主), as `head_of` picks them, read as
    three fields of each member (no pydantic: a page's overdue list reads hundreds)."""
    c = RECORDS.c
    members: dict[str, list[MemberSummary]] = defaultdict(list)
    for chunk in _chunks(households):
        query = select(
            c.household_id, JsonText(c.data, "name"), JsonText(c.data, "relation"), c.person_left_on
        ).where(_of_type("person"), c.household_id.in_(chunk))
        for hid, name, relation, left_on in _rows(session, query):
            members[hid].append(
                MemberSummary("", "", hid, name or "", relation or "", *_NO_FACTS, _day(left_on))
            )
    return {hid: head.name for hid, people in members.items() if (head := head_of(people))}


_NO_FACTS = (None, None, (), None, None, False)  # a MemberSummary's birth date … lives alone


def read_needs(session: Session, areas: Sequence[str] | None) -> list[Need]:
    """Needs in scope, with only the fields the indicators read."""
    c = RECORDS.c
    query = select(
        c.id,
        c.household_id,
        c.area_code,
        JsonText(c.data, "status"),
        JsonText(c.data, "raised_on"),
        JsonText(c.data, "fulfilled_on"),
    ).where(_of_type("need"), _in_scope(areas))
    return [
        Need.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            id=need_id,
            household_id=hid,
            area_code=area,
            status=NeedStatus(status),
            raised_on=_day(raised),  # type: ignore[arg-type]
            fulfilled_on=_day(fulfilled),
        )
        for need_id, hid, area, status, raised, fulfilled in session.execute(query)
    ]


def read_wishes(session: Session, areas: Sequence[str] | None) -> list[Wish]:
    """Wishes in scope, with only the fields the indicators read."""
    c = RECORDS.c
    query = select(
        c.household_id, c.area_code, JsonText(c.data, "state"), JsonText(c.data, "fulfilled_on")
    ).where(_of_type("wish"), _in_scope(areas))
    return [
        Wish.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            household_id=hid, area_code=area, state=WishState(state), fulfilled_on=_day(fulfilled)
        )
        for hid, area, state, fulfilled in session.execute(query)
    ]


def read_referrals(session: Session, areas: Sequence[str] | None) -> list[Referral]:
    """Referrals in scope, with only the fields the indicators read."""
    c = RECORDS.c
    query = select(
        c.household_id,
        c.area_code,
        JsonText(c.data, "status"),
        JsonText(c.data, "completed_on"),
        JsonText(c.data, "need_id"),
    ).where(_of_type("referral"), _in_scope(areas))
    return [
        Referral.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            household_id=hid,
            area_code=area,
            status=ReferralStatus(status),
            completed_on=_day(completed),
            need_id=need_id,
        )
        for hid, area, status, completed, need_id in session.execute(query)
    ]


def read_deliveries(session: Session, areas: Sequence[str] | None) -> list[Delivery]:
    """Service-project deliveries in scope, with only the fields the indicators read."""
    c = RECORDS.c
    query = select(
        c.household_id,
        c.area_code,
        JsonText(c.data, "delivered_on"),
        JsonText(c.data, "need_id"),
    ).where(_of_type("delivery"), _in_scope(areas))
    return [
        Delivery.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what reports read
            household_id=hid,
            area_code=area,
            delivered_on=_day(day),  # type: ignore[arg-type]
            need_id=need_id,
        )
        for hid, area, day, need_id in session.execute(query)
    ]


def entered_values(session: Session, year: int, targets: TargetList) -> dict[str, float | None]:
    """The bureau's values for `year`, for the indicators the current list has it enter."""
    entered = {s.code for s in targets.indicators if s.source == Source.ENTERED}
    rows = session.execute(
        select(col(IndicatorValue.code), col(IndicatorValue.value)).where(
            col(IndicatorValue.year) == year
        )
    )
    return {code: value for code, value in rows if code in entered}
