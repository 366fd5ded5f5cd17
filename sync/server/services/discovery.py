"""主动发现 on the county server: the coordinators' queue, their decisions, and what a
decision sets off (`app.domain.discovery` has the rules).

- `queue`: the reported households awaiting a decision in an account's areas, with who
  found them (a worker, or a charity through 反向转介), when and why;
- `decide`: a decision made on the server (the console, or a device over HTTP);
- `settle`: after any decision is stored (pushed by a device or made here), the server
  matches the household against the register by ID number itself: a match merges it (its
  members, visits, needs, consents, wishes and referrals re-pointed to the registered
  household, as new changes every device pulls), none puts it on the register; a charity's
  referral of it is answered (accepted for assessment, or not eligible);
- `merge_found_on_roster`: the roster import merges the reported households whose members'
  ID numbers the roster lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.domain import discovery as rules
from app.domain.codes import DiscoveryReview, ReferralDirection, ReferralStatus, RegisterStatus
from app.domain.records import Household, InvalidRecord, head_of
from app.domain.records import Person as PersonRecord
from app.domain.summaries import on_register
from app.ui.catalogue import message
from sync import merge
from sync.server.context import ServerContext, set_meta
from sync.server.errors import BadRequest, NotFound
from sync.server.errors import Conflict as ConflictError
from sync.server.scope import area_filter, in_scope
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.tables import JsonText, Organisation, RecordRow, RosterKey, Worker

# The household's register status, a report column the database keeps from `data`.
_STATUS = RecordRow.__table__.c.household_status  # type: ignore[attr-defined]
_REVIEW = JsonText(col(RecordRow.data), "review_status")
_MERGED = f'"register_status":"{RegisterStatus.MERGED.value}"'  # as the feed dumps it

# A referral's answer to the charity that made it, by the household's review.
REFERRAL_ANSWER = {
    DiscoveryReview.APPLYING.value: ReferralStatus.ACCEPTED,
    DiscoveryReview.CONFIRMED.value: ReferralStatus.ACCEPTED,
    DiscoveryReview.DISMISSED.value: ReferralStatus.DECLINED,
}


@dataclass(frozen=True)
class Found:
    """One reported household of the queue, as a coordinator reads it."""

    household_id: str
    area_code: str
    address: str
    head: str  # the head's name (户主), or empty
    found_by: str  # the worker's name, or the charity's
    by_charity: bool
    found_on: date | None
    why: str
    review: str  # "" (awaiting) or applying
    match: str | None  # the registered household its ID numbers point to, if any


def queue(ctx: ServerContext, areas: tuple[str, ...], limit: int = 500) -> list[Found]:
    """The reported households awaiting a decision in `areas`, oldest first."""
    with ctx.db.reading() as s:
        rows = list(
            s.exec(
                select(RecordRow)
                .where(
                    col(RecordRow.type) == "household",
                    RegisterStatus.REPORTED.value == _STATUS,
                    area_filter(col(RecordRow.area_code), areas),
                    func.coalesce(_REVIEW, "").in_(("", DiscoveryReview.APPLYING.value)),
                )
                .order_by(col(RecordRow.seq))
                .limit(limit)
            )
        )
        households = (Household.from_stored(row.data) for row in rows)
        return [_found(s, h) for h in households if rules.is_pending(h)]


def _found(s: Session, household: Household) -> Found:
    members = _members(s, household.id)
    head = head_of(members)
    charity = _charity_referral(s, household.id)
    if charity is not None:
        org = s.get(Organisation, str(charity.get("recipient", "")))
        by = org.name if org is not None else "慈善组织"
    else:
        worker = s.get(Worker, household.author_worker_id) if household.author_worker_id else None
        by = worker.name if worker is not None else household.author_worker_id
    return Found(
        household.id,
        household.area_code,
        household.address,
        head.name if head is not None else "",
        by,
        charity is not None,
        rules.found_on(household),
        household.notes,
        household.review_status.value if household.review_status else "",
        _register_match(s, household.id, members),
    )


def _members(s: Session, household_id: str) -> list[PersonRecord]:
    rows = s.exec(
        select(RecordRow).where(
            col(RecordRow.household_id) == household_id, col(RecordRow.type) == "person"
        )
    )
    return [PersonRecord.from_stored(r.data) for r in rows]


def _charity_referral(s: Session, household_id: str) -> dict[str, Any] | None:
    """The referral back from a charity that reported this household (反向转介), if any."""
    rows = s.exec(
        select(RecordRow).where(
            col(RecordRow.household_id) == household_id, col(RecordRow.type) == "referral"
        )
    )
    for row in rows:
        data: dict[str, Any] = json.loads(row.data)
        if data.get("direction") == ReferralDirection.TO_CIVIL_AFFAIRS.value:
            return data
    return None


def _register_match(s: Session, household_id: str, members: list[PersonRecord]) -> str | None:
    """The registered household (on the register today) one of `members` belongs to on the
    roster, found by ID number (the roster's person keys)."""
    registered: dict[str, str] = {}
    for person in members:
        if not person.id_number:
            continue
        link = s.get(RosterKey, ("person", person.id_number))
        row = s.get(RecordRow, link.record_id) if link is not None else None
        if row is None or row.household_id is None or row.household_id == household_id:
            continue
        home = s.get(RecordRow, row.household_id)
        if home is not None and on_register(Household.from_stored(home.data), date.today()):
            registered[person.id_number] = home.id
    return rules.register_match(
        household_id,
        (rules.Member(p.household_id, p.id_number) for p in members),
        registered,
    )


def decide(
    ctx: ServerContext,
    actor: str,
    household_id: str,
    review: DiscoveryReview,
    *,
    reason: str = "",
    areas: tuple[str, ...],
) -> dict[str, Any]:
    """A coordinator's decision made on the server; returns the household as stored.
    NotFound for a household outside `areas` or not reported; Conflict if decided."""
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = feed.get(household_id[:64])
        if row is None or row.type != "household" or not in_scope(row.area_code, areas):
            raise NotFound(message(rules.NotPending("discovery.not_found")))
        before = json.loads(row.data)
        household = Household.from_stored(before)
        if household.register_status != RegisterStatus.REPORTED:
            raise NotFound(message(rules.NotPending("discovery.not_found")))
        try:
            decided = rules.decide(household, review, on=date.today(), by=actor[:40], reason=reason)
        except rules.NotPending as exc:
            raise ConflictError(message(exc)) from None
        except InvalidRecord as exc:
            raise BadRequest(message(exc)) from None
        _write(ctx, feed, row, _delta(before, decided.content()))
        settle(ctx, s, feed, row, before)
        feed.close()
        audit.record(s, "discovery_decided", actor=actor, household=row.id, review=review.value)
        set_meta(s, "hlc", ctx.clock.last)
        return dict(json.loads(row.data))


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in after.items() if before.get(k) != v}


def _write(ctx: ServerContext, feed: Feed, row: RecordRow, fields: dict[str, Any]) -> None:
    if not fields:
        return
    outcome = merge.server_write(
        row.type, json.loads(row.data), row.stamps, fields, hlc=ctx.clock.now(), seq=feed.last + 1
    )
    feed.replace(row, outcome.data, outcome.stamps)


def settle(
    ctx: ServerContext, s: Session, feed: Feed, row: RecordRow, before: dict[str, Any]
) -> None:
    """What a stored decision on the household `row` sets off (see the module): the
    register match (merge or register) when it was confirmed, the charity's answer."""
    data = json.loads(row.data)
    review = data.get("review_status")
    if review is None or review == before.get("review_status"):
        return
    if review == DiscoveryReview.CONFIRMED.value:
        match = _register_match(s, row.id, _members(s, row.id))
        if match is not None:
            target = feed.get(match)
            assert target is not None
            _write(
                ctx,
                feed,
                row,
                _delta(
                    data,
                    {
                        "register_status": RegisterStatus.MERGED.value,
                        "merged_into": match,
                        "registered_on": None,
                    },
                ),
            )
            repoint(feed, row, target)
        elif data.get("register_status") == RegisterStatus.MERGED.value:
            # The device merged into a household the register does not hold: register it.
            _write(
                ctx,
                feed,
                row,
                {
                    "register_status": RegisterStatus.REGISTERED.value,
                    "merged_into": None,
                    "registered_on": data.get("reviewed_on"),
                },
            )
    _answer_charity(ctx, s, feed, row.id if review != "confirmed" else _home_of(row), review)


def _home_of(row: RecordRow) -> str:
    """Where the household's records are now: the registered household it was merged into."""
    merged_into = json.loads(row.data).get("merged_into")
    return str(merged_into) if merged_into else row.id


def _answer_charity(
    ctx: ServerContext, s: Session, feed: Feed, household_id: str, review: str
) -> None:
    answer = REFERRAL_ANSWER.get(review)
    if answer is None:
        return
    s.flush()
    rows = s.exec(
        select(RecordRow).where(
            col(RecordRow.household_id) == household_id, col(RecordRow.type) == "referral"
        )
    )
    for ref in list(rows):
        data = json.loads(ref.data)
        if data.get("direction") != ReferralDirection.TO_CIVIL_AFFAIRS.value:
            continue
        if data.get("status") in (answer.value, ReferralStatus.COMPLETED.value):
            continue
        _write(ctx, feed, ref, {"status": answer.value, "answered_on": date.today().isoformat()})


def repoint(feed: Feed, shell: RecordRow, target: RecordRow) -> None:
    """Re-point what hangs off the reported household `shell` to the registered household
    `target`: a member who is on `target` already (same ID number) stays with the shell and
    the records naming them name the registered member instead; every other member and
    record moves to `target` (and its area). Each is a new change in the feed; nothing is
    copied."""
    s = feed.session
    s.flush()
    children = list(
        s.exec(
            select(RecordRow).where(
                col(RecordRow.household_id) == shell.id, col(RecordRow.type) != "household"
            )
        )
    )
    on_target = {
        p.id_number: p.id for p in _members(s, target.id) if p.id_number and p.left_on is None
    }
    same: dict[str, str] = {}
    for child in children:
        if child.type == "person":
            number = json.loads(child.data).get("id_number")
            if number and number in on_target:
                same[child.id] = on_target[number]
    for child in children:
        if child.id in same:
            continue
        data = json.loads(child.data)
        data["household_id"] = target.id
        data["area_code"] = target.area_code
        if data.get("person_id") in same:
            data["person_id"] = same[data["person_id"]]
        feed.repoint(child, data)


def follow_merge(feed: Feed, row: RecordRow) -> None:
    """A record created (offline, say) on a household merged since goes where the others
    went: to the registered household (a member the same way as `repoint`)."""
    parent = feed.get(row.household_id or "")
    if parent is None or parent.type != "household" or _MERGED not in parent.data:
        return
    merged_into = json.loads(parent.data).get("merged_into")
    target = feed.get(merged_into) if merged_into else None
    if target is not None:
        repoint(feed, parent, target)


def merge_found_on_roster(ctx: ServerContext, s: Session, feed: Feed) -> int:
    """Merge every reported household awaiting a decision whose member's ID number the
    register now holds (after a roster import); returns how many were merged."""
    s.flush()
    rows = list(
        s.exec(
            select(RecordRow).where(
                col(RecordRow.type) == "household",
                RegisterStatus.REPORTED.value == _STATUS,
            )
        )
    )
    merged = 0
    today = date.today()
    for row in rows:
        household = Household.from_stored(row.data)
        if not rules.is_pending(household):
            continue
        match = _register_match(s, row.id, _members(s, row.id))
        if match is None:
            continue
        before = json.loads(row.data)
        decided = rules.decide(
            household, DiscoveryReview.CONFIRMED, on=today, by="roster", merged_into=match
        )
        _write(ctx, feed, row, _delta(before, decided.content()))
        settle(ctx, s, feed, row, before)
        merged += 1
    return merged
