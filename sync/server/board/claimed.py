"""Claimed wishes as a coordinator follows them up on the console, between the claim and
圆梦: who claimed each (the donor's phone masked), whether the donor made contact and handed
the gift over (recorded on the devices), and the 小特帮扶服务队 assigned to deliver it.

Assigning a team is a server change of the wish (`delivery_team`, `delivery_team_id`) that
devices receive at their next pull; the team is an active organisation of the kind
`delivery_team` serving the wish's area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from app.domain.codes import WishState
from app.domain.identity import mask_phone
from app.domain.organisations import OrganisationKind
from app.domain.records import Wish
from app.domain.wishes import IllegalTransition, assign_delivery_team
from app.ui.catalogue import message
from sync.server.context import ServerContext, set_meta
from sync.server.errors import Conflict, NotFound
from sync.server.scope import area_filter, in_scope
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.services.review import wish_row, write_wish
from sync.server.tables import (
    JsonText,
    Organisation,
    OrganisationArea,
    RecordRow,
    WishClaim,
)


@dataclass(frozen=True)
class ClaimedWish:
    """One claimed wish as the follow-up page lists it."""

    wish_id: str
    title: str
    value_yuan: int
    area_code: str
    claimed_by: str
    claimed_on: date | None
    donor_phone: str  # masked
    delivery: str
    contacted_on: date | None
    handed_over_on: date | None
    delivery_team: str


@dataclass(frozen=True)
class Team:
    """A 小特帮扶服务队 that may be assigned a wish."""

    id: str
    name: str


def claimed_wishes(
    ctx: ServerContext, areas: tuple[str, ...], limit: int = 500
) -> list[ClaimedWish]:
    """The claimed wishes in `areas`, oldest claim first, with their donors (phones masked)."""
    with ctx.db.reading() as s:
        rows = s.execute(
            select(RecordRow, WishClaim)
            .outerjoin(WishClaim, col(WishClaim.holding) == col(RecordRow.id))
            .where(
                col(RecordRow.type) == "wish",
                JsonText(col(RecordRow.data), "state") == WishState.CLAIMED.value,
                area_filter(col(RecordRow.area_code), areas),
            )
            .order_by(col(RecordRow.seq))
            .limit(limit)
        ).all()
    found = []
    for row, claim in rows:
        wish = Wish.from_stored(row.data)
        found.append(
            ClaimedWish(
                wish_id=wish.id,
                title=wish.title,
                value_yuan=wish.value_yuan,
                area_code=row.area_code,
                claimed_by=wish.claimed_by,
                claimed_on=wish.claimed_on,
                donor_phone=mask_phone(claim.donor_phone) if claim is not None else "",
                delivery=claim.delivery if claim is not None else "",
                contacted_on=wish.contacted_on,
                handed_over_on=wish.handed_over_on,
                delivery_team=wish.delivery_team,
            )
        )
    return found


def teams_for(ctx: ServerContext, area_code: str) -> list[Team]:
    """The active 小特帮扶服务队 serving `area_code` (an area of theirs contains it), by name."""
    with ctx.db.reading() as s:
        rows = s.execute(
            select(Organisation.id, Organisation.name, OrganisationArea.code)
            .join(OrganisationArea, col(OrganisationArea.organisation_id) == col(Organisation.id))
            .where(
                col(Organisation.kind) == OrganisationKind.DELIVERY_TEAM.value,
                col(Organisation.active).is_(True),
            )
        ).all()
    teams = {Team(i, n) for i, n, code in rows if in_scope(area_code, (code,))}
    return sorted(teams, key=lambda t: (t.name, t.id))


def assign(
    ctx: ServerContext, actor: str, wish_id: str, team_id: str, *, areas: tuple[str, ...]
) -> Wish:
    """Give the claimed wish `wish_id` (in `areas`) to the team `team_id` to deliver.
    `NotFound` for a wish outside `areas` or a team that does not serve its area;
    `Conflict` when the wish is no longer claimed."""
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = wish_row(feed, wish_id, areas)
        team = s.get(Organisation, team_id[:64])
        served = (
            [
                a.code
                for a in s.exec(
                    select(OrganisationArea).where(OrganisationArea.organisation_id == team.id)
                )
            ]
            if team is not None
            else []
        )
        if (
            team is None
            or team.kind != OrganisationKind.DELIVERY_TEAM.value
            or not team.active
            or not in_scope(row.area_code, tuple(served))
        ):
            raise NotFound("找不到服务该地区的小特帮扶服务队。")
        try:
            assigned = assign_delivery_team(Wish.from_stored(row.data), team.id, team.name)
        except IllegalTransition as exc:
            raise Conflict(message(exc)) from None
        write_wish(ctx, feed, row, assigned)
        feed.close()
        audit.record(s, "wish_team_assigned", actor=actor, wish=row.id, organisation_id=team.id)
        set_meta(s, "hlc", ctx.clock.last)
        return assigned
