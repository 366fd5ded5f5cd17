"""Festival lists (节日走访清单) at push and pull: what the server checks beyond the record
rules (`app.domain.records.Campaign`, `CampaignAssignment`) and which lists a scope sees.

- Only a coordinator (or above) makes a list or puts households on it; the list's area and
  each household lie in the device's scope (the push's ordinary scope check).
- A household joins a list that exists, whose area covers it and whose rule picks it on the
  county's register (for the groups the place names), once; the worker assigned
  serves its area; a delivery names a visit of the same household.
- A closed list (已结束) takes no household, no removal, no change of who visits; a visit
  made on or before the day it closed is still recorded (`campaigns.check_place_change`).
  A coordinator's device reopens a list of its scope at any time (`Campaign.check_edit`).
- A household taken off a list (移出) is taken off in the name of the device's worker; one
  is put back (放回) by a new place naming the place taken off (`restores`): of the same
  household and list, removed, the household holding no other place on the list still,
  checked as 补充 (covered, qualifying on the county's register, the worker serving it).
- A township's lists reach the devices of its villages (`app.domain.campaigns.visible_in`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from app.domain.areas import in_scope
from app.domain.campaigns import (
    CampaignError,
    check_place_change,
    check_restore,
    household_groups,
    township_lists_of,
)
from app.domain.records import Campaign, Household, Person
from sync import merge
from sync.server.scope import area_filter
from sync.server.services.feed import Feed
from sync.server.tables import RecordRow, Worker, WorkerArea

# The record types only a coordinator's device creates.
COORDINATED = frozenset({"campaign", "campaign_assignment"})


def feed_filter(scope: Sequence[str]) -> Any:
    """SQL: the feed's records a device of `scope` receives — those in its areas, and the
    lists of the townships its villages lie in."""
    own = area_filter(col(RecordRow.area_code), scope)
    townships = township_lists_of(scope)
    if not townships:
        return own
    return or_(
        own,
        and_(col(RecordRow.type) == "campaign", col(RecordRow.area_code).in_(townships)),
    )


def check_assignment(
    s: Session,
    feed: Feed,
    data: dict[str, Any],
    *,
    new: bool,
    before: dict[str, Any] | None = None,
    worker_id: str = "",
) -> None:
    """Rejected unless a household's place on a list holds (see the module's rules); on an
    edit, only what changed is checked again. `worker_id`: the pushing device's worker."""
    row = feed.get(str(data["campaign_id"]))
    if row is None or row.type != "campaign":
        raise merge.Rejected("campaign.no_campaign")
    campaign = Campaign.from_stored(json.loads(row.data))
    if new:
        if not campaign.covers(data["area_code"]):
            raise merge.Rejected("campaign.not_covered")
        _check_once(s, data)
        _check_qualifies(s, feed, campaign, data)
    old = before or {}
    removed_by = data.get("removed_by") or ""
    if removed_by and removed_by != old.get("removed_by") and removed_by != worker_id:
        raise merge.Rejected("campaign.removed_by_other")
    visited = data.get("visited_on") if data.get("visit_id") != old.get("visit_id") else None
    try:
        check_place_change(
            campaign.closed_on,
            new=new,
            reassigned=not new and old.get("worker_id") != data["worker_id"],
            removed=not new and bool(data.get("removed_on")) and not old.get("removed_on"),
            visited_on=date.fromisoformat(str(visited)) if visited else None,
        )
    except CampaignError as exc:
        raise merge.Rejected.like(exc) from None
    if new or (before is not None and before.get("worker_id") != data["worker_id"]):
        _check_worker(s, str(data["worker_id"]), data["area_code"])
    visit_id = data.get("visit_id")
    if visit_id and (new or (before is not None and before.get("visit_id") != visit_id)):
        visit = feed.get(str(visit_id))
        if visit is None or visit.type != "visit" or visit.household_id != data["household_id"]:
            raise merge.Rejected("campaign.no_visit")


def _check_qualifies(s: Session, feed: Feed, campaign: Campaign, data: dict[str, Any]) -> None:
    """Rejected unless the list's rule picks the household on the county's register, for
    the groups the place names (`app.domain.campaigns.household_groups`, as the device
    selected it): a coordinator's device cannot put just any household on a list."""
    row = feed.get(str(data["household_id"]))
    if row is None or row.type != "household":
        raise merge.Rejected("push.no_household")
    members = [
        Person.from_stored(d)
        for d in s.execute(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "person",
                col(RecordRow.household_id) == row.id,
            )
        ).scalars()
    ]
    found = household_groups(campaign.rule(), Household.from_stored(row.data), members)
    if not found or not set(data["groups"]) <= set(found):
        raise merge.Rejected("campaign.not_qualifying")


def _check_once(s: Session, data: dict[str, Any]) -> None:
    """Rejected unless the household is not on the list yet, or — a place put back
    (`restores`) — the place it names is the household's on this list, taken off, and the
    household holds no other place on the list still."""
    rows = s.execute(
        select(col(RecordRow.id), col(RecordRow.data)).where(
            col(RecordRow.type) == "campaign_assignment",
            col(RecordRow.household_id) == data["household_id"],
        )
    ).all()
    places = {i: json.loads(d) for i, d in rows}
    listed = {i: p for i, p in places.items() if p.get("campaign_id") == data["campaign_id"]}
    restores = data.get("restores")
    if restores is None:
        if listed:
            raise merge.Rejected("campaign.already_listed")
        return
    if restores not in listed:
        raise merge.Rejected("campaign.restore_mismatch")
    try:
        check_restore(
            bool(listed[restores].get("removed_on")),
            held=any(not p.get("removed_on") for p in listed.values()),
        )
    except CampaignError as exc:
        raise merge.Rejected.like(exc) from None


def _check_worker(s: Session, worker_id: str, area_code: str) -> None:
    worker = s.get(Worker, worker_id[:64])
    if worker is None or worker.status != "active":
        raise merge.Rejected("campaign.worker_not_there")
    codes = s.execute(
        select(col(WorkerArea.code)).where(col(WorkerArea.worker_id) == worker.id)
    ).scalars()
    if not in_scope(area_code, tuple(codes)):
        raise merge.Rejected("campaign.worker_not_there")
