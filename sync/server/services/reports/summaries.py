"""Reports kept per area (区划汇总): the console's desk pages add up areas' figures, each
computed once by the report service and kept until the area's records change.

Design, in one sentence: every figure the desk pages show is a sum over areas — the exact
`area_code` of the records, a village as a rule — so each area's figures are computed by
the report service's own functions (`coverage_reports`, `warnings_on`, the domain's
`activity_reports`) for the areas that need it and kept in `area_summaries` stamped with
the area's change-feed head (the highest `seq` of its records and of the moves out of
it), and a page reads the heads of its areas (one index probe each), recomputes only the
areas whose head moved since (a visit synced, a household moved away) and adds the rest
up, so county → township → village → household adds up by construction.

A summary is keyed by report, period and the day counted to (a period in progress is
counted to today, so the first read of a day computes its areas again); `VERSION` and the
visit policy's digest are stored with it, so a new server or policy never reads old ones.
The head is read before the records a summary is computed from: a change landing during
the computation leaves an older head stored, and the next read computes that area again.
A summary also keeps the head of the record types its report reads (`READS`): when an
area's head moved through records of other types only (a wish released, a referral
answered), the summary is restamped with the new head instead of computed again.

A new day makes every area's summary counted to today missing at once: computing them is
the report over the whole scope (about 17 s for a county of 100,000 households, most of
it reading and assessing the visits). A desk page does not wait for that: when no area of
its scope has today's summary yet and an earlier day's are kept, it is given those — and
told which day they are counted to and when they were computed (`Earlier`), which the page
shows with "正在更新" — while today's are computed in the background, once. Exports, the
API and the CLI always wait for today's figures.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from app.assets import load_visit_policy
from app.domain.calendar import Period
from app.domain.coverage import Breakdown, Caseload, Tally
from app.domain.indicators import activity_reports
from app.domain.warnings import WarningKind
from app.reports.masking import mask_name
from sync.server.context import ServerContext
from sync.server.services.reports.coverage import coverage_reports
from sync.server.services.reports.events import warnings_on
from sync.server.services.reports.read_model import (
    head_names,
    read_deliveries,
    read_households,
    read_needs,
    read_referrals,
    read_wishes,
)
from sync.server.services.reports.request import as_of_for
from sync.server.tables import AreaSummary, Move, RecordRow

log = logging.getLogger("doorstep.server")

VERSION = "3"  # raise it when what a summary holds, or how it is computed, changes
WHOLE_SCOPE_SHARE = 0.5  # past this share of stale areas, one read of the scope computes all
CHUNK = 200  # areas per computation of a list of areas
SCOPE_DIGITS = (6, 9, 12)  # a county, a township, a village: the scopes summaries add up to

COVERAGE = "coverage"
WARNINGS = "warnings"
ACTIVITY = "indicators"
# The record types each report reads: a change of another type leaves its figures true.
READS: dict[str, tuple[str, ...]] = {
    COVERAGE: ("household", "person", "visit"),
    WARNINGS: ("household", "person", "visit", "need"),
    ACTIVITY: ("household", "need", "wish", "referral", "delivery"),
}


@cache
def _policy_digest() -> str:
    return hashlib.sha256(load_visit_policy().model_dump_json().encode()).hexdigest()[:16]


def summary_version() -> str:
    """What a kept summary must have been computed by: this server's and policy's."""
    return f"{VERSION}:{_policy_digest()}"


def _upper(scope: str) -> str:
    """The first code after every code starting with `scope` (a string of digits)."""
    return str(int(scope) + 1).zfill(len(scope))


# One index probe per area on ix_records_area_seq (area_code, seq): the next area code
# after the one found, then each area's highest sequence number.
_HEADS_SQL = text(
    """
    WITH RECURSIVE found(code) AS (
        SELECT min(area_code) FROM records WHERE area_code >= :low AND area_code < :high
        UNION ALL
        SELECT (SELECT min(r.area_code) FROM records r
                WHERE r.area_code > found.code AND r.area_code < :high)
        FROM found WHERE found.code IS NOT NULL
    )
    SELECT code, (SELECT max(r.seq) FROM records r WHERE r.area_code = found.code)
    FROM found WHERE code IS NOT NULL
    """
)


def county_scopes(session: Session) -> list[str] | None:
    """The counties (6 digits) holding records, one index probe each on ix_records_area_seq:
    the scopes of a report over every area; None if a record's area code is not a village's
    12 digits (such a report cannot be added up from the areas' summaries)."""
    found: list[str] = []
    low = ""
    while True:
        code = session.execute(
            select(func.min(col(RecordRow.area_code))).where(col(RecordRow.area_code) >= low)
        ).scalar()
        if code is None:
            return found
        if len(code) != 12 or not code.isdigit():
            return None
        found.append(code[:6])
        low = _upper(code[:6])
        if len(low) > 6:
            return found


def area_heads(session: Session, scope: str) -> dict[str, int]:
    """Each area code under `scope` (6, 9 or 12 digits) that holds records or that records
    moved out of, with its change-feed head: the highest `seq` of either."""
    if not scope.isdigit():
        raise ValueError(scope)
    bounds = {"low": scope, "high": _upper(scope)}
    heads = {code: int(seq) for code, seq in session.execute(_HEADS_SQL, bounds)}
    moved = session.execute(
        select(col(Move.from_area), col(Move.seq))
        .where(col(Move.from_area) >= scope, col(Move.from_area) < bounds["high"])
        .order_by(col(Move.seq))
    )
    for code, seq in moved:
        heads[code] = max(heads.get(code, 0), int(seq))
    return heads


Compute = Callable[[Session, Sequence[str]], Mapping[str, Any]]
_computing: dict[tuple[str, ...], threading.Lock] = {}
_computing_lock = threading.Lock()


def _one_at_a_time(*key: str) -> threading.Lock:
    """The lock under which this process reads and computes one report's summaries for a
    period and day: a page arriving while they are computed (by another page, or ahead by
    the keeper) waits and reads them, instead of computing them a second time."""
    with _computing_lock:
        return _computing.setdefault(key, threading.Lock())


@dataclass(frozen=True)
class Earlier:
    """Figures of an earlier day, given while today's are computed in the background: the
    day they are counted to, and when the oldest of them was computed (UTC)."""

    day: date
    computed_at: datetime


def kept(
    ctx: ServerContext,
    report: str,
    period: str,
    as_of: date | None,
    scope: str,
    compute: Compute,
    empty: Any,
    heads: Mapping[str, int] | None = None,
    earlier: list[Earlier] | None = None,
) -> dict[str, Any]:
    """The bodies of `report` for every area under `scope`, those whose head moved since
    they were kept (or never kept) computed again by `compute(session, areas)` — areas
    it returns nothing for get `empty` — and kept. `heads`: the scope's `area_heads`, if
    the caller read them already (for several reports of one page).

    `earlier` (a page's list, for figures counted to a day): when no area of the scope has
    that day's summary yet and an earlier day's are kept, those are returned at once and
    `Earlier` appended to the list, and the day's are computed in the background."""
    day = as_of.isoformat() if as_of else ""
    lock = _one_at_a_time(ctx.db.url, report, period, day)
    may_show_earlier = earlier is not None and as_of is not None
    if not lock.acquire(blocking=not may_show_earlier):  # being computed (ahead or behind)
        shown = _earlier_if_new_day(ctx, report, period, day, scope)
        if shown is not None and earlier is not None:
            earlier.append(shown[1])
            return shown[0]
        lock.acquire()
    try:
        if may_show_earlier and earlier is not None and as_of is not None:
            shown = _earlier_if_new_day(ctx, report, period, day, scope)
            if shown is not None:
                _in_background(ctx, report, period, as_of, scope, compute, empty)
                earlier.append(shown[1])
                return shown[0]
        return _kept(ctx, report, period, day, scope, compute, empty, heads)
    finally:
        lock.release()


def _earlier_if_new_day(
    ctx: ServerContext, report: str, period: str, day: str, scope: str
) -> tuple[dict[str, Any], Earlier] | None:
    """If no area under `scope` has `report`'s summary for `period` counted to `day`, the
    latest earlier day's summaries of the scope, by area, and that day; else None."""
    version = summary_version()
    of_scope = and_(
        col(AreaSummary.report) == report,
        col(AreaSummary.period) == period,
        col(AreaSummary.version) == version,
        col(AreaSummary.area_code) >= scope,
        col(AreaSummary.area_code) < _upper(scope),
    )
    with ctx.db.reading() as s:
        today = s.execute(
            select(col(AreaSummary.area_code)).where(of_scope, col(AreaSummary.as_of) == day)
        ).first()
        if today is not None:
            return None
        last = s.execute(
            select(func.max(col(AreaSummary.as_of))).where(
                of_scope, col(AreaSummary.as_of) < day, col(AreaSummary.as_of) != ""
            )
        ).scalar()
        if not last:
            return None
        rows = s.execute(
            select(
                col(AreaSummary.area_code), col(AreaSummary.body), col(AreaSummary.computed_at)
            ).where(of_scope, col(AreaSummary.as_of) == last)
        ).all()
    if not rows:
        return None
    oldest = min(at for _, _, at in rows)
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    bodies = {code: json.loads(body) for code, body, _ in rows}
    return bodies, Earlier(date.fromisoformat(last), oldest)


_building: set[tuple[str, ...]] = set()


def _in_background(
    ctx: ServerContext,
    report: str,
    period: str,
    as_of: date,
    scope: str,
    compute: Compute,
    empty: Any,
) -> None:
    """Compute and keep the scope's summaries counted to `as_of` in a thread of their own,
    unless that is under way already."""
    key = (ctx.db.url, report, period, as_of.isoformat(), scope)
    with _computing_lock:
        if key in _building:
            return
        _building.add(key)

    def build() -> None:
        try:
            kept(ctx, report, period, as_of, scope, compute, empty)
        except Exception as exc:  # the next page asks again
            log.warning(
                "computing the %s summaries of %s in the background: %s", report, scope, exc
            )
        finally:
            with _computing_lock:
                _building.discard(key)

    threading.Thread(target=build, name=f"summaries-{report}-{scope}", daemon=True).start()


def _kept(
    ctx: ServerContext,
    report: str,
    period: str,
    day: str,
    scope: str,
    compute: Compute,
    empty: Any,
    known: Mapping[str, int] | None,
) -> dict[str, Any]:
    version = summary_version()
    types = READS[report]
    key = and_(
        col(AreaSummary.report) == report,
        col(AreaSummary.period) == period,
        col(AreaSummary.as_of) == day,
    )
    with ctx.db.reading() as s:
        heads = dict(known) if known is not None else area_heads(s, scope)
        stored = s.execute(
            select(
                col(AreaSummary.area_code),
                col(AreaSummary.head),
                col(AreaSummary.source_head),
                col(AreaSummary.version),
                col(AreaSummary.body),
            ).where(
                key,
                col(AreaSummary.area_code) >= scope,
                col(AreaSummary.area_code) < _upper(scope),
            )
        ).all()
        bodies: dict[str, Any] = {}
        moved: dict[str, tuple[int | None, str]] = {}  # head moved: was it another type?
        for code, head, source, kept_by, body in stored:
            if code not in heads or kept_by != version:
                continue
            if heads[code] == head:
                bodies[code] = json.loads(body)
            else:
                moved[code] = (source, body)
        sources = source_heads(s, sorted(moved), types)
        restamp = [code for code, (source, _) in moved.items() if source == sources[code]]
        for code in restamp:
            bodies[code] = json.loads(moved[code][1])
        stale = sorted(code for code in heads if code not in bodies)
        sources.update(source_heads(s, stale, types))  # read before the records computed from
        computed: dict[str, Any] = {}
        if stale and len(stale) > WHOLE_SCOPE_SHARE * len(heads):
            computed.update(compute(s, [scope]))
        else:
            for start in range(0, len(stale), CHUNK):
                computed.update(compute(s, stale[start : start + CHUNK]))
    if not stale and not restamp:
        return bodies
    now = datetime.now(UTC)
    fresh = {code: computed.get(code, empty) for code in stale}
    try:
        with ctx.db.small_write() as s:
            for code in restamp:  # only records of other types changed: still true
                s.execute(
                    update(AreaSummary)
                    .where(key, col(AreaSummary.area_code) == code)
                    .values(head=heads[code])
                )
            for start in range(0, len(stale), CHUNK):
                chunk = stale[start : start + CHUNK]
                s.execute(delete(AreaSummary).where(key, col(AreaSummary.area_code).in_(chunk)))
            if stale:
                s.execute(
                    insert(AreaSummary),
                    [
                        {
                            "report": report,
                            "period": period,
                            "as_of": day,
                            "area_code": code,
                            "head": heads[code],
                            "source_head": sources[code],
                            "version": version,
                            "body": json.dumps(fresh[code], separators=(",", ":")),
                            "computed_at": now,
                        }
                        for code in stale
                    ],
                )
    except IntegrityError:
        pass  # another process kept the same areas at the same time: theirs stand
    return {**bodies, **fresh}


def source_heads(session: Session, areas: Sequence[str], types: Sequence[str]) -> dict[str, int]:
    """Each area's highest `seq` among records of `types` and their moves out of it (0:
    none): one backward probe of ix_records_area_seq an area, stopping at the first record
    of those types (the latest records of an area are mostly visits)."""
    if not areas:
        return {}
    kinds = ", ".join(f"'{t}'" for t in types if t.isalpha())
    probe = text(f"SELECT max(seq) FROM records WHERE area_code = :code AND type IN ({kinds})")
    out: dict[str, int] = {}
    for code in areas:
        out[code] = int(session.execute(probe, {"code": code}).scalar() or 0)
    moved = session.execute(
        select(col(Move.from_area), func.max(col(Move.seq)))
        .where(col(Move.from_area).in_(list(areas)), col(Move.record_type).in_(list(types)))
        .group_by(col(Move.from_area))
    )
    for code, seq in moved:
        out[code] = max(out[code], int(seq))
    return out


@dataclass(frozen=True)
class AreaCoverage:
    """An area's coverage for a period: due and covered households, and its overdue ones
    as (household id, last qualifying visit or None, the head's name masked or "") in the
    overdue list's order."""

    tally: Tally
    overdue: tuple[tuple[str, str | None, str], ...]


def coverage_by_area(
    ctx: ServerContext,
    scope: str,
    period: Period,
    as_of: date | None,
    heads: Mapping[str, int] | None = None,
    earlier: list[Earlier] | None = None,
) -> dict[str, AreaCoverage]:
    """在册对象探访关爱率 of every area under `scope`, counted to `as_of`, as kept (or an
    earlier day's on a new day, see `kept`, if the caller passes `earlier`)."""

    def compute(session: Session, areas: Sequence[str]) -> dict[str, Any]:
        data = coverage_reports(session, period, [Breakdown.VILLAGE], areas=areas, as_of=as_of)
        report = data.reports[0]
        out: dict[str, Any] = {
            row.key: {"due": row.tally.total, "covered": row.tally.count, "overdue": []}
            for row in report.rows
        }
        overdue = report.overdue or ()
        heads = head_names(session, [item.household_id for item in overdue])
        for item in overdue:
            last = item.last_visit.isoformat() if item.last_visit else None
            head = mask_name(heads[item.household_id]) if item.household_id in heads else ""
            out[item.area_code]["overdue"].append([item.household_id, last, head])
        return out

    empty = {"due": 0, "covered": 0, "overdue": []}
    bodies = kept(ctx, COVERAGE, period.label, as_of, scope, compute, empty, heads, earlier)
    return {
        code: AreaCoverage(
            Tally(body["covered"], body["due"]),
            tuple((hid, last, head) for hid, last, head in body["overdue"]),
        )
        for code, body in bodies.items()
    }


def add_up(tallies: Iterable[Tally]) -> Tally:
    """The sum of tallies with totals (a rate's numerators and denominators)."""
    count = total = 0
    for tally in tallies:
        count += tally.count
        total += tally.total or 0
    return Tally(count, total)


def overdue_key(item: tuple[str, str, str | None, str]) -> tuple[bool, str, str, str]:
    """(area, household, last visit, head) in the overdue list's order (`overdue_order`):
    never visited first, then the longest ago, by area and household."""
    area, hid, last, _ = item
    return (last is not None, last or "", area, hid)


def warnings_by_area(
    ctx: ServerContext,
    scope: str,
    today: date,
    heads: Mapping[str, int] | None = None,
    earlier: list[Earlier] | None = None,
) -> dict[str, Counter[str]]:
    """The warnings (预警) of every area under `scope` on `today`, counted by kind, as kept
    (or an earlier day's on a new day, see `kept`, if the caller passes `earlier`)."""

    def compute(session: Session, areas: Sequence[str]) -> dict[str, Any]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for item in warnings_on(session, today, areas=areas).warnings:
            counts[item.area_code][item.kind.value] += 1
        return {code: dict(found) for code, found in counts.items()}

    bodies = kept(ctx, WARNINGS, "", today, scope, compute, {}, heads, earlier)
    known = {kind.value for kind in WarningKind}
    return {
        code: Counter({k: n for k, n in body.items() if k in known})
        for code, body in bodies.items()
    }


def activity_by_area(ctx: ServerContext, scope: str, period: Period) -> dict[str, dict[str, Tally]]:
    """The measured indicators other than coverage (`activity_reports`) of every area
    under `scope` for `period`, by indicator code, as kept."""

    def compute(session: Session, areas: Sequence[str]) -> dict[str, Any]:
        households = read_households(session, areas)
        caseload = Caseload(
            households,
            needs=read_needs(session, areas),
            wishes=read_wishes(session, areas),
            referrals=read_referrals(session, areas),
            deliveries=read_deliveries(session, areas),
        )
        out: dict[str, dict[str, list[int | None]]] = defaultdict(dict)
        for code, report in activity_reports(caseload, period, by=Breakdown.VILLAGE).items():
            for row in report.rows:
                out[row.key][code] = [row.tally.count, row.tally.total]
        return out

    bodies = kept(ctx, ACTIVITY, period.label, None, scope, compute, {})
    return {
        area: {code: Tally(count, total) for code, (count, total) in body.items()}
        for area, body in bodies.items()
    }


def outermost(areas: Iterable[str]) -> list[str]:
    """The scope codes of `areas` that no other of them holds (a county and one of its
    townships: the county), so that no area is counted twice."""
    kept_codes: list[str] = []
    for code in sorted(set(areas), key=lambda c: (len(c), c)):
        if not any(code.startswith(held) for held in kept_codes):
            kept_codes.append(code)
    return kept_codes


def keep_ahead(ctx: ServerContext, scopes: Iterable[str], today: date | None = None) -> None:
    """Compute ahead, for the areas under `scopes`, what the desk pages read first: the
    quarter's coverage counted to today, today's warnings, and the year's coverage and
    activity (the target list) — each only for the areas whose records changed since, or
    all of them on a new day."""
    today = today or date.today()
    quarter = Period.parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    year = Period.of_year(today.year)
    for scope in outermost(scopes):
        coverage_by_area(ctx, scope, quarter, as_of_for(quarter, None, today))
        warnings_by_area(ctx, scope, today)
        coverage_by_area(ctx, scope, year, as_of_for(year, None, today))
        activity_by_area(ctx, scope, year)
