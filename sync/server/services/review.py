"""Coordinator review: conflicts to revert, and the wish changes only the server makes
(publish to donors, record a claim and the donor's contact, release a claim with no contact
within the policy's days)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlmodel import col, select

from app.assets import load_visit_policy
from app.domain.codes import WishState
from app.domain.policy import VisitPolicy
from app.domain.records import Wish
from app.domain.wishes import IllegalTransition, claim_expired, record_contact, release_claim
from app.domain.wishes import transition as wish_transition
from app.ui.catalogue import message
from sync import merge
from sync.protocol import ConflictOut, DonorInfo, DonorList
from sync.server.auth import Caller
from sync.server.context import ServerContext, set_meta
from sync.server.errors import Conflict as ConflictError
from sync.server.errors import NotFound
from sync.server.scope import area_filter, in_scope
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.tables import Conflict, JsonText, Organisation, RecordRow, WishClaim

S_CLAIMED = WishState.CLAIMED.value


def conflicts(ctx: ServerContext, caller: Caller, state: str = "open") -> list[ConflictOut]:
    """Conflicts on records that lie in the caller's scope now, newest first.

    The record's current area decides, not the area it had when the conflict was logged:
    a household that moved away takes its conflicts to its new coordinator."""
    with ctx.db.reading() as s:
        rows = s.exec(
            select(Conflict, RecordRow.area_code)
            .join(RecordRow, col(RecordRow.id) == col(Conflict.record_id))
            .where(Conflict.state == state, area_filter(col(RecordRow.area_code), caller.areas))
            .order_by(col(Conflict.created_at).desc())
            .limit(1000)
        )
        return [
            ConflictOut(
                id=c.id,
                record_type=c.record_type,
                record_id=c.record_id,
                field=c.field,
                kept=json.loads(c.kept),
                lost=json.loads(c.lost),
                kept_hlc=c.kept_hlc,
                lost_hlc=c.lost_hlc,
                kept_device=c.kept_device,
                lost_device=c.lost_device,
                state=c.state,
                area_code=area_code,
            )
            for c, area_code in rows
        ]


def revert(ctx: ServerContext, caller: Caller, conflict_id: str) -> int:
    """Write the value that lost back as a new server change; returns its sequence.

    Only a conflict whose record lies in the caller's scope now; any other is not found."""
    with ctx.db.writing() as s:
        conflict = s.get(Conflict, conflict_id)
        feed = Feed(s)
        row = feed.get(conflict.record_id) if conflict is not None else None
        if conflict is None or row is None or not in_scope(row.area_code, caller.areas):
            raise NotFound("找不到此冲突记录。")
        if conflict.state != "open":
            raise ConflictError("此冲突已处理。")
        hlc = ctx.clock.now()
        try:
            outcome = merge.server_write(
                row.type,
                json.loads(row.data),
                row.stamps,
                {conflict.field: json.loads(conflict.lost)},
                hlc=hlc,
                seq=feed.last + 1,
            )
        except merge.Rejected as exc:
            raise ConflictError(message(exc)) from None
        before = json.loads(row.data)
        feed.replace(row, outcome.data, outcome.stamps)
        feed.close()
        if row.type == "referral":
            audit.log_disclosure(s, row.id, outcome.data, before, actor=caller.worker_id)
        conflict.state = "reverted"
        conflict.resolved_by = caller.worker_id
        conflict.resolved_at = datetime.now(UTC)
        s.add(conflict)
        audit.record(
            s, "conflict_reverted", actor=caller.worker_id, conflict=conflict_id, record=row.id
        )
        set_meta(s, "hlc", ctx.clock.last)
        return row.seq


def _change_wish(
    ctx: ServerContext,
    actor: str,
    wish_id: str,
    change: Callable[[Wish], Wish],
    action: str,
    *,
    areas: tuple[str, ...] | None,
) -> dict[str, object]:
    """Apply a server-made change to one wish as a new change every device receives."""
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = wish_row(feed, wish_id, areas)
        try:
            changed = change(Wish.from_stored(row.data))
        except IllegalTransition as exc:
            raise ConflictError(message(exc)) from None
        data = write_wish(ctx, feed, row, changed)
        feed.close()
        audit.record(s, action, actor=actor, wish=wish_id)
        set_meta(s, "hlc", ctx.clock.last)
        return data


def wish_row(feed: Feed, wish_id: str, areas: tuple[str, ...] | None) -> RecordRow:
    """The stored wish `wish_id` within `areas` (None: anywhere); `NotFound` otherwise, the
    same answer for a wish outside the scope as for one that does not exist."""
    row = feed.get(wish_id)
    if (
        row is None
        or row.type != "wish"
        or (areas is not None and not in_scope(row.area_code, areas))
    ):
        raise NotFound("找不到此心愿。")
    return row


def write_wish(ctx: ServerContext, feed: Feed, row: RecordRow, changed: Wish) -> dict[str, object]:
    """Write the fields that differ from the stored wish (merge.server_write, next sequence)."""
    before = json.loads(row.data)
    after = changed.content()
    delta = {k: v for k, v in after.items() if before.get(k) != v}
    outcome = merge.server_write(
        "wish", before, row.stamps, delta, hlc=ctx.clock.now(), seq=feed.last + 1
    )
    feed.replace(row, outcome.data, outcome.stamps)
    return outcome.data


def wish_action(
    ctx: ServerContext,
    actor: str,
    wish_id: str,
    target: WishState,
    *,
    areas: tuple[str, ...] | None,
    **fields: object,
) -> dict[str, object]:
    """Publish or record a claim (server-only transitions); returns the wish as stored."""
    return _change_wish(
        ctx,
        actor,
        wish_id,
        lambda wish: wish_transition(wish, target, on=date.today(), on_server=True, **fields),
        f"wish_{target.value}",
        areas=areas,
    )


def wish_contact(
    ctx: ServerContext, actor: str, wish_id: str, *, areas: tuple[str, ...] | None
) -> dict[str, object]:
    """The donor of a claimed wish made contact: the claim is kept past the contact days."""
    return _change_wish(
        ctx,
        actor,
        wish_id,
        lambda wish: record_contact(wish, date.today()),
        "wish_contacted",
        areas=areas,
    )


def donors(ctx: ServerContext, caller: Caller) -> DonorList:
    """The donors of the wishes claimed from the board in the caller's scope: whose claim
    holds a wish still claimed. Audited (a donor's contact is personal data)."""
    with ctx.db.reading() as s:
        rows = s.execute(
            select(WishClaim, Organisation.name)
            .join(RecordRow, col(RecordRow.id) == col(WishClaim.holding))
            .outerjoin(Organisation, col(Organisation.id) == col(WishClaim.organisation_id))
            .where(
                JsonText(col(RecordRow.data), "state") == S_CLAIMED,
                area_filter(col(RecordRow.area_code), caller.areas),
            )
            .order_by(col(WishClaim.created_at))
        ).all()
    found = [
        DonorInfo(
            wish_id=claim.wish_id,
            name=claim.donor_name,
            phone=claim.donor_phone,
            delivery=claim.delivery,
            organisation=organisation or "",
        )
        for claim, organisation in rows
    ]
    if found:
        with ctx.db.small_write() as s:
            audit.record(
                s,
                "donors_read",
                actor=caller.worker_id,
                device_id=caller.device_id,
                count=len(found),
            )
    return DonorList(donors=found)


def release_stale_claims(
    ctx: ServerContext, today: date | None = None, *, policy: VisitPolicy | None = None
) -> list[str]:
    """Release every claim with no contact within the policy's days back to published.

    One write transaction; each released wish is a new change devices receive at their
    next pull, with an audit entry. Running it again on the same day releases nothing.
    Returns the ids of the wishes released.
    """
    today = today or date.today()
    policy = policy or load_visit_policy()
    released: list[str] = []
    with ctx.db.writing() as s:
        feed = Feed(s)
        rows = s.exec(
            select(RecordRow).where(
                RecordRow.type == "wish", JsonText(col(RecordRow.data), "state") == S_CLAIMED
            )
        )
        for row in list(rows):
            wish = Wish.from_stored(row.data)
            if not claim_expired(wish, policy, today):
                continue
            write_wish(ctx, feed, row, release_claim(wish, policy, today))
            audit.record(
                s,
                "wish_released",
                actor="server",
                wish=row.id,
                claimed_by=wish.claimed_by,
                claimed_on=str(wish.claimed_on),
            )
            released.append(row.id)
        feed.close()
        if released:
            set_meta(s, "hlc", ctx.clock.last)
    return released
