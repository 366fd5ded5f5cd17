"""重大变故响应率 and the warnings (预警) on the county server, from the read model.

The figures come from the functions the device uses — `app.domain.coverage.
major_event_response` and `app.domain.warnings.warnings_of` — over the same facts the
device holds: households of every class (their monitored categories' days and, for the
warnings, their income), their members (birth date, living alone, a major event's days),
their visits with corrections applied and their outcome, and the needs assessed
reasonable. Only the households with a major event are read further for the response
rate; the warnings read every household of the scope and all its visits (a county's, in
one pass).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assets import load_visit_policy
from app.domain.calendar import Period
from app.domain.codes import NeedStatus
from app.domain.coverage import Breakdown, Caseload, Report, major_event_response
from app.domain.policy import VisitPolicy
from app.domain.records import Need
from app.domain.staff import Staff, responsible_for
from app.domain.summaries import MemberLike
from app.domain.warnings import AttemptLike, HouseholdWarning, NeedLike, warnings_of
from app.ui.catalogue import code_names
from sync.server.services.reports.read_model import (
    RECORDS,
    _day,
    _in_scope,
    _of_type,
    _rows,
    area_names,
    read_households,
    read_persons,
    read_visits,
    visits_of,
)
from sync.server.services.staff import read_staff
from sync.server.tables import JsonText


def response_reports(
    session: Session,
    period: Period,
    breakdowns: Sequence[Breakdown | None],
    *,
    areas: Sequence[str] | None = None,
    policy: VisitPolicy | None = None,
) -> tuple[list[Report], dict[str, str]]:
    """重大变故响应率 for `period`, one report per breakdown, over `areas` (None: all), with
    the names of areas, workers, teams and categories its rows use."""
    policy = policy or load_visit_policy()
    workers = any(b in (Breakdown.WORKER, Breakdown.TEAM) for b in breakdowns)
    staff = read_staff(session) if workers else Staff()
    names = {**area_names(session), **staff.names, **code_names()}
    households = read_households(session, areas, None)
    persons = read_persons(session, areas, {h.id for h in households})
    with_events = {p.household_id for p in persons if p.major_event_date is not None}
    kept = [h for h in households if h.id in with_events]
    caseload = Caseload(
        kept,
        [p for p in persons if p.household_id in with_events],
        visits_of(session, sorted(with_events)),
        responsible=responsible_for(kept, staff) if workers else {},
        worker_teams=staff.teams,
    )
    reports = [
        major_event_response(caseload, period, policy=policy, by=by, names=names)
        for by in breakdowns
    ]
    return reports, names


def read_reasonable_needs(session: Session, areas: Sequence[str] | None) -> list[Need]:
    """The needs in scope assessed reasonable and not acted on since, with what the
    warnings read of them."""
    c = RECORDS.c
    status = JsonText(c.data, "status")
    query = select(c.id, c.household_id, c.area_code, JsonText(c.data, "raised_on")).where(
        _of_type("need"), _in_scope(areas), status == NeedStatus.REASONABLE.value
    )
    return [
        Need.model_construct(  # type: ignore[call-arg]  # partial on purpose: only what warnings read
            id=nid,
            household_id=hid,
            area_code=area,
            status=NeedStatus.REASONABLE,
            raised_on=_day(raised),  # type: ignore[arg-type]
        )
        for nid, hid, area, raised in _rows(session, query)
    ]


@dataclass(frozen=True)
class WarningsData:
    """The warnings of a scope on a day, with the names of its areas."""

    today: date
    warnings: list[HouseholdWarning]
    names: dict[str, str]


def warnings_on(
    session: Session,
    today: date,
    *,
    areas: Sequence[str] | None = None,
    policy: VisitPolicy | None = None,
) -> WarningsData:
    """Every warning of the households in `areas` (None: all) on `today`."""
    policy = policy or load_visit_policy()
    households = read_households(session, areas, None, income=True)
    ids = {h.id for h in households}
    members: dict[str, list[MemberLike]] = defaultdict(list)
    for person in read_persons(session, areas, ids, everyone=True):
        members[person.household_id].append(person)
    visits: dict[str, list[AttemptLike]] = defaultdict(list)
    for fact in read_visits(session, areas, ids):
        visits[fact.household_id].append(fact)
    needs: dict[str, list[NeedLike]] = defaultdict(list)
    for need in read_reasonable_needs(session, areas):
        needs[need.household_id].append(need)
    found = warnings_of(policy, households, members, visits, needs, today)
    return WarningsData(today, found, area_names(session))
