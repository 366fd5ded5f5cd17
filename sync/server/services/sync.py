"""Push and pull (同步): the server half of the protocol in `sync.protocol`.

A push is one transaction: each mutation is merged by `sync.merge` (a rule it breaks,
or a value the database refuses, rejects it alone: see `push`), its answer and digest
stored under (device, seq) and the device's watermark raised, so a batch sent again is
answered from the log and changes nothing, and a reused seq with other content is told
apart (``renumber``). A pull reads the feed after a cursor, in scope.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from app.domain.areas import in_scope
from app.domain.clock import Stamp, clamp
from app.domain.codes import RegisterStatus, WishState
from app.domain.discovery import is_reviewer
from app.domain.ids import new_id
from app.domain.records import (
    MAX_RECORD_BYTES,
    RECORD_TYPES,
    InvalidRecord,
    Person,
    Wish,
    check_unique_id_number,
    record_bytes,
)
from app.ui.catalogue import message
from sync import merge
from sync.protocol import (
    ConflictInfo,
    MutationAnswer,
    MutationIn,
    PushRequest,
    PushResponse,
)
from sync.server.auth import Caller
from sync.server.board import publishing
from sync.server.context import ServerContext, set_meta, wall_ms
from sync.server.db import current_seq, error_code, refused_by_database
from sync.server.errors import Forbidden
from sync.server.scope import area_filter
from sync.server.services import audit, disclosures, discovery
from sync.server.services import campaigns as campaign_checks
from sync.server.services.feed import Feed, dumps
from sync.server.services.organisations import organisations_update, recipient_of
from sync.server.services.projects import book_update
from sync.server.services.staff import staff_update
from sync.server.tables import (
    Conflict,
    Device,
    Move,
    MutationLog,
    RecordRow,
    ServiceProjectRow,
)

log = logging.getLogger("doorstep.server")

RENUMBER = "此序号在服务器上已用于另一项变更（设备数据可能来自备份或复制），请重新编号后发送。"
REFUSED_BY_DATABASE = "服务器无法保存此变更中的某个值，已拒绝此项变更，其他变更不受影响。"


def push(ctx: ServerContext, caller: Caller, request: PushRequest) -> PushResponse:
    """Apply a batch exactly once; one answer per mutation, in the order sent.

    Seqs at or below the device's watermark are answered from the log when their content
    matches it; from the first that does not, the rest is answered ``renumber``."""
    if request.client_hlc:
        with contextlib.suppress(ValueError):  # a malformed stamp only misses this hint
            ctx.clock.observe(clamp(request.client_hlc, wall_ms(), ctx.settings.max_drift_ms))
    with ctx.db.writing() as s:
        device = s.get(Device, caller.device_id)
        assert device is not None  # authenticated just before
        watermark = device.last_seq
        logged = _logged(
            s, caller.device_id, [m.seq for m in request.mutations if m.seq <= watermark]
        )
        # The whole batch in one savepoint first: a savepoint per mutation costs a flush
        # each. Only if the database refuses a value is the batch applied again, each
        # mutation in its own savepoint, so that the one it refuses is rejected alone.
        try:
            with s.begin_nested():
                answers, entries = _apply_batch(ctx, s, caller, request, watermark, logged)
        except DBAPIError as exc:
            if not refused_by_database(exc):
                raise
            answers, entries = _apply_batch(
                ctx, s, caller, request, watermark, logged, one_by_one=True
            )
        if entries:
            s.execute(insert(MutationLog), entries)
            device.last_seq = max(entry["seq"] for entry in entries)
            s.add(device)
        set_meta(s, "hlc", ctx.clock.last)
    return PushResponse(answers=answers, server_hlc=ctx.clock.now(), watermark=device.last_seq)


def _apply_batch(
    ctx: ServerContext,
    s: Session,
    caller: Caller,
    request: PushRequest,
    watermark: int,
    logged: dict[int, MutationLog],
    *,
    one_by_one: bool = False,
) -> tuple[list[MutationAnswer], list[dict[str, Any]]]:
    """The answers to a batch, and the log entries of the mutations applied (or rejected)
    now; `one_by_one` puts each mutation in a savepoint of its own."""
    feed = Feed(s)
    feed.preload(_touched(request))
    answers: list[MutationAnswer] = []
    entries: list[dict[str, Any]] = []
    by_seq: dict[int, MutationAnswer] = {}
    reused = False
    for mutation in sorted(request.mutations, key=lambda m: m.seq):
        if mutation.seq in by_seq:
            answers.append(by_seq[mutation.seq].model_copy(update={"duplicate": True}))
            continue
        entry = logged.get(mutation.seq)
        if not reused and mutation.seq <= watermark:
            reused = entry is None or not _same_mutation(entry, mutation)
        if reused:
            answer = MutationAnswer(seq=mutation.seq, status="renumber", reason=RENUMBER)
        elif entry is not None:
            answer = _logged_answer(entry)
            _attach_record(answer, feed.get(mutation.record_id), caller)
        else:
            answer = _apply(ctx, s, feed, caller, mutation, alone=one_by_one)
            entries.append(_log_entry(caller.device_id, mutation, answer))
        by_seq[mutation.seq] = answer
        answers.append(answer)
    feed.close()
    return answers, entries


def _touched(request: PushRequest) -> set[str]:
    ids: set[str] = set()
    for m in request.mutations:
        ids.add(m.record_id)
        for key in ("household_id", "person_id"):
            value = m.payload.get(key)
            if isinstance(value, str):
                ids.add(value)
    return ids


def _logged(s: Session, device_id: str, seqs: list[int]) -> dict[int, MutationLog]:
    """The log entries of seqs this device has sent before (a retry, or a reused seq)."""
    if not seqs:
        return {}
    rows = s.exec(
        sm_select(MutationLog).where(
            MutationLog.device_id == device_id, col(MutationLog.seq).in_(sorted(set(seqs)))
        )
    )
    return {log.seq: log for log in rows}


def _digest(m: MutationIn) -> str:
    """What a mutation says, apart from its seq: equal for a retry, different for new work."""
    content = m.model_dump(exclude={"seq"})
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _same_mutation(entry: MutationLog, m: MutationIn) -> bool:
    if entry.digest is None:  # logged before digests were kept: the device's own ids tell
        return (entry.mutation_id, entry.record_id, entry.kind) == (
            m.mutation_id,
            m.record_id,
            m.kind,
        )
    return entry.digest == _digest(m)


def _log_entry(device_id: str, m: MutationIn, answer: MutationAnswer) -> dict[str, Any]:
    """A `MutationLog` row, as a Core insert takes it (no ORM object per mutation)."""
    return {
        "device_id": device_id,
        "seq": m.seq,
        "mutation_id": m.mutation_id,
        "record_type": m.record_type,
        "record_id": m.record_id,
        "kind": m.kind,
        "status": answer.status,
        "reason": answer.reason,
        "server_seq": answer.server_seq,
        "conflicts": [c.model_dump(mode="json") for c in answer.conflicts],
        "received_at": datetime.now(UTC),
        "digest": _digest(m),
    }


def _logged_answer(entry: MutationLog) -> MutationAnswer:
    """The stored answer of a mutation sent again (a retried or duplicated batch)."""
    return MutationAnswer(
        seq=entry.seq,
        status=entry.status,  # type: ignore[arg-type]
        reason=entry.reason,
        server_seq=entry.server_seq,
        duplicate=True,
        conflicts=[ConflictInfo.model_validate(c) for c in entry.conflicts],
    )


def _apply(
    ctx: ServerContext, s: Session, feed: Feed, caller: Caller, m: MutationIn, *, alone: bool
) -> MutationAnswer:
    """Merge one mutation; a rule it breaks rejects it (before it writes anything). When
    `alone`, in its own savepoint: a value the database refuses undoes this mutation only
    and rejects it; the batch goes on."""
    existing = feed.get(m.record_id)
    try:
        with feed.savepoint() if alone else contextlib.nullcontext():
            answer = _merge(ctx, s, feed, caller, m, existing)
    except merge.Rejected as exc:
        answer = MutationAnswer(
            seq=m.seq,
            status="rejected",
            reason=message(exc),
            code=exc.code,
            params=exc.wire_params(),
        )
    except DBAPIError as exc:
        if not alone or not refused_by_database(exc):
            raise
        log.warning(
            "push: the database refused a %s of %s %s (%s)",
            m.kind,
            m.record_type,
            m.record_id,
            error_code(exc),
        )
        answer = MutationAnswer(seq=m.seq, status="rejected", reason=REFUSED_BY_DATABASE)
    _attach_record(answer, existing, caller)
    return answer


def _attach_record(answer: MutationAnswer, row: RecordRow | None, caller: Caller) -> None:
    """Whenever a device's change did not win outright, it gets the server's copy back,
    so its own row converges even if the feed has nothing newer for it."""
    if answer.status != "applied" and row is not None and in_scope(row.area_code, caller.areas):
        answer.record = json.loads(row.data)
        answer.server_seq = row.seq


def _stamp(ctx: ServerContext, caller: Caller, m: MutationIn) -> str:
    try:
        stamp = Stamp.parse(m.hlc)
    except ValueError:
        raise merge.Rejected("push.bad_stamp") from None
    if stamp.node != caller.device_id:
        raise merge.Rejected("push.foreign_stamp")
    clamped = clamp(m.hlc, wall_ms(), ctx.settings.max_drift_ms)
    ctx.clock.observe(clamped)
    return clamped


def _merge(
    ctx: ServerContext,
    s: Session,
    feed: Feed,
    caller: Caller,
    m: MutationIn,
    existing: RecordRow | None,
) -> MutationAnswer:
    if m.record_type not in RECORD_TYPES:
        raise merge.Rejected("push.unknown_type", type=m.record_type[:32])
    _check_size(m.payload)  # before the merge reads it: a huge list costs to validate
    hlc = _stamp(ctx, caller, m)
    latest = datetime.fromtimestamp((wall_ms() + ctx.settings.max_drift_ms) / 1000, UTC)
    if m.kind == "create":
        return _create(s, feed, caller, m, existing, hlc, latest)
    # Scope before existence: a record of another scope reads as no record at all.
    if (
        existing is None
        or not in_scope(existing.area_code, caller.areas)
        or existing.type != m.record_type
    ):
        raise merge.Rejected("push.not_there")
    data = json.loads(existing.data)
    if m.kind == "transition":
        if m.record_type != "wish":
            raise merge.Rejected("push.transition_not_wish")
        outcome = merge.transition(
            data,
            existing.stamps,
            m.payload,
            hlc=hlc,
            seq=feed.last + 1,
            device_id=caller.device_id,
            latest=latest,
        )
    else:
        fields = m.payload.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise merge.Rejected("push.empty_update")
        outcome = merge.update(
            m.record_type,
            data,
            existing.stamps,
            fields,
            hlc=hlc,
            base_seq=m.base_seq,
            seq=feed.last + 1,
            device_id=caller.device_id,
            reviewer=is_reviewer(caller.worker.role),
            latest=latest,
            worker_id=caller.worker_id,
        )
        if m.record_type == "person" and "id_number" in fields:
            _check_id_number(s, outcome.data)
    if outcome.changed:
        _check_links(feed, m.record_type, outcome.data, before=data)
    if m.record_type in PROJECT_LINKED and outcome.changed:
        _check_project(s, m.record_type, outcome.data)
    if m.record_type == "campaign_assignment" and outcome.changed:
        campaign_checks.check_assignment(
            s, feed, outcome.data, new=False, before=data, worker_id=caller.worker_id
        )
    published = _publish_request(s, caller, data, outcome.data) if m.record_type == "wish" else None
    if outcome.data["area_code"] != existing.area_code and not in_scope(
        outcome.data["area_code"], caller.areas
    ):
        raise merge.Rejected("push.move_out_of_scope")
    _check_size(outcome.data)
    if outcome.changed or outcome.stamps != existing.stamps:
        feed.replace(existing, outcome.data, outcome.stamps)
        _log_share(s, caller, existing, outcome.data, data)
        if m.record_type == "household":
            discovery.settle(ctx, s, feed, existing, data)
    if published is not None:
        publishing.list_on_board(s, existing.area_code, published, caller.worker_id)
    conflicts = _log_conflicts(s, m.record_type, existing, outcome.overwrites)
    return MutationAnswer(
        seq=m.seq,
        status=outcome.status,
        server_seq=existing.seq,
        conflicts=conflicts,  # type: ignore[arg-type]
    )


def _publish_request(
    s: Session, caller: Caller, before: dict[str, Any], after: dict[str, Any]
) -> Wish | None:
    """A device's request to publish a wish (approved → published, merged as `after`):
    only a coordinator's, and only with a story the screening lets through
    (`publishing.screen`, refused with its first reason). None for any other change."""
    published = WishState.PUBLISHED.value
    if before["state"] == published or after["state"] != published:
        return None
    if not is_reviewer(caller.worker.role):
        raise merge.Rejected("wish.publish_coordinator")
    wish = Wish.from_stored(after)
    problems = publishing.screen(s, wish)
    if problems:
        raise merge.Rejected(problems[0].code, **problems[0].params)
    return wish


def _create(
    s: Session,
    feed: Feed,
    caller: Caller,
    m: MutationIn,
    existing: RecordRow | None,
    hlc: str,
    latest: datetime,
) -> MutationAnswer:
    outcome = merge.create(
        m.record_type,
        m.record_id,
        m.payload,
        hlc=hlc,
        seq=feed.last + 1,
        device_id=caller.device_id,
        worker_id=caller.worker_id,
        latest=latest,
    )
    data = outcome.data
    if existing is not None:
        # Whatever the id's record is and wherever it lies, one answer (nothing leaks).
        mine = existing.type == m.record_type and in_scope(existing.area_code, caller.areas)
        if mine and merge.same_content(json.loads(existing.data), data):
            return MutationAnswer(seq=m.seq, status="applied", server_seq=existing.seq)
        raise merge.Rejected("push.id_taken")
    _check_size(data)
    if not in_scope(data["area_code"], caller.areas):
        raise merge.Rejected("push.out_of_scope")
    if m.record_type in campaign_checks.COORDINATED and not is_reviewer(caller.worker.role):
        raise merge.Rejected("campaign.coordinator_only")
    if m.record_type == "campaign":
        pass  # a list hangs off no household: its area is in scope, its rules are checked
    elif m.record_type != "household":
        parent = feed.get(data["household_id"])
        if parent is None or parent.type != "household":
            raise merge.Rejected("push.no_household")
        merge.check_household(data, parent.area_code)
        person_id = data.get("person_id")
        if person_id:
            person = feed.get(person_id)
            if person is None or person.type != "person" or person.household_id != parent.id:
                raise merge.Rejected("push.no_person")
        _check_links(feed, m.record_type, data)
        if m.record_type == "referral":
            birth = json.loads(person.data).get("birth_date") if person_id and person else None
            merge.check_referral(
                data,
                _consents(s, data["person_id"]),
                date.today(),
                recipient=recipient_of(s, str(data.get("recipient") or "")),
                birth_date=date.fromisoformat(birth) if birth else None,
            )
        if m.record_type == "person" and json.loads(parent.data).get("register_status") != (
            RegisterStatus.REPORTED
        ):
            _check_id_number(s, data)
        if m.record_type in PROJECT_LINKED:
            _check_project(s, m.record_type, data)
        if m.record_type == "campaign_assignment":
            campaign_checks.check_assignment(s, feed, data, new=True, worker_id=caller.worker_id)
    row = feed.insert(m.record_type, data, outcome.stamps)
    _log_share(s, caller, row, data)
    if m.record_type != "household":
        discovery.follow_merge(feed, row)
    return MutationAnswer(seq=m.seq, status="applied", server_seq=row.seq)


def _check_id_number(s: Session, data: dict[str, Any]) -> None:
    """Rejected when the member's ID number is held by another live member of the county
    (`app.domain.records.check_unique_id_number`, as the device checked its own store).
    The head of a household reported by 主动发现 may be known already: the confirm queue
    matches it against the register by ID number, so it is not refused here."""
    number = data.get("id_number")
    if not number or data.get("left_on"):
        return
    county = str(data["area_code"])[:6]
    rows = s.execute(
        select(col(RecordRow.data)).where(
            col(RecordRow.type) == "person",
            col(RecordRow.area_code).startswith(county),
            col(RecordRow.data).contains(number),
        )
    ).scalars()
    try:
        check_unique_id_number(
            Person.from_stored(data), (Person.from_stored(json.loads(r)) for r in rows)
        )
    except InvalidRecord as exc:
        raise merge.Rejected.like(exc) from None


# What a record names besides its household and member: a record of that type in the same
# household. (A festival list's place names its visit too: `campaigns.check_assignment`.)
LINKS: dict[str, str] = {
    "visit_id": "visit",  # the visit a need was raised on
    "amends_visit_id": "visit",  # the visit a correction replaces
    "need_id": "need",  # a referral's or a delivery's need
}


def _check_links(
    feed: Feed, record_type: str, data: dict[str, Any], before: dict[str, Any] | None = None
) -> None:
    """Rejected unless each record `data` names (`LINKS`; on an edit, those it changes) is
    of its household: a correction replaces a visit of its own household only (the
    reports drop the visit it names), a need is raised on a visit there."""
    if record_type in ("household", "campaign", "campaign_assignment"):
        return
    for name, kind in LINKS.items():
        linked = data.get(name)
        if not linked or (before is not None and before.get(name) == linked):
            continue
        row = feed.get(str(linked))
        if row is None or row.type != kind or row.household_id != data["household_id"]:
            if kind == "visit":
                raise merge.Rejected("push.no_visit")
            raise merge.Rejected("push.no_need")


# The record types that name a service project (a need matched to one, a delivery).
PROJECT_LINKED = frozenset({"need", "delivery"})


def _check_project(s: Session, record_type: str, data: dict[str, Any]) -> None:
    """A need or delivery names a project that exists; a delivery's project is active, helps
    in the delivery's need area and serves the household's area; a delivery's need (if
    named) is a need of the same household."""
    project_id = data.get("project_id")
    if not project_id:
        return
    project = s.get(ServiceProjectRow, str(project_id)[:64])
    if project is None:
        raise merge.Rejected("push.no_project")
    if record_type == "delivery":
        area = data["area_code"]
        if (
            not project.active
            or data.get("area") not in project.need_areas
            or not any(area.startswith(code) for code in project.areas)
        ):
            raise merge.Rejected("push.no_project")
        need_id = data.get("need_id")
        if need_id:
            need = s.get(RecordRow, str(need_id)[:64])
            if need is None or need.type != "need" or need.household_id != data["household_id"]:
                raise merge.Rejected("push.no_need")


def _check_size(data: dict[str, Any]) -> None:
    """A record (or a change) over `MAX_RECORD_BYTES` is rejected: every device in scope
    would pull it."""
    if record_bytes(data) > MAX_RECORD_BYTES:
        raise merge.Rejected("push.too_large", limit_kb=MAX_RECORD_BYTES // 1024)


def _log_share(
    s: Session,
    caller: Caller,
    row: RecordRow,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    """A referral to a charity applied (or changed what it discloses): the audit log's share."""
    if row.type == "referral":
        audit.log_disclosure(
            s, row.id, after, before, actor=caller.worker_id, device_id=caller.device_id
        )


def _consents(s: Session, person_id: str) -> list[dict[str, Any]]:
    rows = s.execute(
        select(col(RecordRow.data)).where(
            col(RecordRow.type) == "consent", col(RecordRow.data).contains(person_id)
        )
    ).scalars()
    return [d for d in (json.loads(r) for r in rows) if d.get("person_id") == person_id]


def _log_conflicts(
    s: Session, record_type: str, row: RecordRow, overwrites: list[merge.Overwrite]
) -> list[ConflictInfo]:
    out = []
    for o in overwrites:
        conflict = Conflict(
            id=new_id(),
            record_type=record_type,
            record_id=row.id,
            area_code=row.area_code,
            field=o.field,
            kept=dumps(o.kept),
            lost=dumps(o.lost),
            kept_hlc=o.kept_hlc,
            lost_hlc=o.lost_hlc,
            kept_device=o.kept_device,
            lost_device=o.lost_device,
            created_at=datetime.now(UTC),
        )
        s.add(conflict)
        out.append(
            ConflictInfo(
                id=conflict.id,
                field=o.field,
                kept=o.kept,
                lost=o.lost,
                kept_hlc=o.kept_hlc,
                lost_hlc=o.lost_hlc,
            )
        )
    return out


def pull(
    ctx: ServerContext,
    caller: Caller,
    *,
    after: int,
    limit: int,
    areas: list[str] | None = None,
    until: int | None = None,
    staff_digest: str = "",
    organisations_digest: str = "",
    projects_digest: str | None = None,
    shares: tuple[int, int] | None = None,
) -> bytes:
    """One page of the feed as JSON bytes (a `PullPage`), built without re-parsing records.

    The last page of the steady feed also carries the staff of the caller's scope when
    they differ from those of `staff_digest` (see services.staff), and the organisations
    serving it when they differ from those of `organisations_digest` (services.organisations);
    to a device that sends its `shares` (cursor, entries held), the share log logged since
    (services.disclosures.shares_update)."""
    requested = tuple(areas) if areas else caller.areas
    for code in requested:
        if not in_scope(code, caller.areas):
            raise Forbidden(f"区划 {code} 不在您的负责范围内。")
    with ctx.db.reading() as s:
        head = current_seq(s)
        bound = head if until is None else min(until, head)
        rows = s.execute(
            select(col(RecordRow.seq), col(RecordRow.type), col(RecordRow.data))
            .where(
                col(RecordRow.seq) > after,
                col(RecordRow.seq) <= bound,
                campaign_checks.feed_filter(requested),
            )
            .order_by(col(RecordRow.seq))
            .limit(limit)
        ).all()
        moves = s.execute(
            select(
                col(Move.seq), col(Move.record_type), col(Move.record_id), col(RecordRow.area_code)
            )
            .join(RecordRow, col(RecordRow.id) == col(Move.record_id))
            .where(
                col(Move.seq) > after,
                col(Move.seq) <= bound,
                area_filter(col(Move.from_area), requested),
            )
            .order_by(col(Move.seq))
            .limit(limit)
        ).all()
        full = len(rows) == limit or len(moves) == limit
        last = not full and until is None and not areas
        staff = staff_update(s, caller.areas, staff_digest) if last else {}
        if last:
            staff |= organisations_update(s, caller.areas, organisations_digest)
        if last and projects_digest is not None:
            staff |= book_update(s, caller.areas, projects_digest)
        if last and shares is not None:
            staff |= disclosures.shares_update(s, caller.areas, *shares)
    items: list[tuple[int, str, Any]] = [(r[0], "c", r) for r in rows]
    items += [(m[0], "e", m) for m in moves]
    items.sort(key=lambda item: item[0])
    items = items[:limit]
    cursor = items[-1][0] if full and items else max(bound, after)
    changes = [f'{{"t":"{r[1]}","s":{r[0]},"r":{r[2]}}}' for _, kind, r in items if kind == "c"]
    evictions = [
        {"t": m[1], "id": m[2], "s": m[0]}
        for _, kind, m in items
        if kind == "e" and not in_scope(m[3], caller.areas)
    ]
    if changes:
        with ctx.db.small_write() as s:
            audit.record(
                s,
                "records_read",
                actor=caller.worker_id,
                device_id=caller.device_id,
                count=len(changes),
                after=after,
                cursor=cursor,
            )
    tail = json.dumps(
        {
            "evictions": evictions,
            "cursor": cursor,
            "more": bool(full),
            "server_hlc": ctx.clock.now(),
            "scope": list(caller.areas),
            **staff,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return ('{"changes":[' + ",".join(changes) + "]," + tail[1:]).encode()
