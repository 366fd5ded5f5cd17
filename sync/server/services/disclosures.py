"""The disclosure log (披露记录, GB/T 35273 §9.2): every time a charity's console user saw or
exported a person's data — the organisation, the user, the purpose, the categories shown,
the person, when. Written in the transaction of the read it logs; never changed.

Read back four ways: a household's share log (the console's household page), all
disclosures by organisation (supervisors), one organisation's own, and the log of a
device's scope, incrementally on its pull (`shares_update`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.domain.codes import DataCategory
from app.ui.catalogue import label, purpose_label
from sync.protocol import SHARES_MAX, SHARES_PAGE, ShareEntry, ShareInfo, ShareList
from sync.server.auth import Caller
from sync.server.context import ServerContext
from sync.server.scope import area_filter
from sync.server.tables import ConsoleUser, DisclosureEntry, Organisation

if TYPE_CHECKING:
    from app.domain.records import Need, Referral
    from sync.server.services.referrals import Reader

ACTIONS = {"viewed": "查看", "exported": "导出"}


def log(
    session: Session,
    reader: Reader,
    referral: Referral,
    categories: tuple[DataCategory, ...],
    action: str,
) -> None:
    """Log one disclosure inside the caller's transaction."""
    session.add(
        DisclosureEntry(
            at=datetime.now(UTC),
            organisation_id=reader.organisation_id,
            user_id=reader.user_id,
            action=action,
            referral_id=referral.id,
            household_id=referral.household_id,
            person_id=referral.person_id,
            area_code=referral.area_code,
            purpose=referral.purpose,
            categories=[c.value for c in categories],
        )
    )


def log_match(
    session: Session,
    reader: Reader,
    need: Need,
    person_id: str,
    purpose: str,
    categories: tuple[DataCategory, ...],
) -> None:
    """Log that a charity's user saw a person whose need was matched to one of its projects
    (匹配项目), inside the caller's transaction; `referral_id` holds the matched need's id."""
    session.add(
        DisclosureEntry(
            at=datetime.now(UTC),
            organisation_id=reader.organisation_id,
            user_id=reader.user_id,
            action="viewed",
            referral_id=need.id,
            household_id=need.household_id,
            person_id=person_id,
            area_code=need.area_code,
            purpose=purpose,
            categories=[c.value for c in categories],
        )
    )


@dataclass(frozen=True)
class DisclosureLine:
    """A disclosure as the console lists it."""

    at: datetime
    organisation: str
    user: str
    action: str
    purpose: str
    categories: str
    referral_id: str
    household_id: str
    person_id: str
    code: str = ""  # the action's code (viewed | exported)
    purpose_code: str = ""  # the purpose as logged (a listed purpose's code, or words)
    category_codes: tuple[str, ...] = ()
    id: int = 0  # the log's own number: its order
    area_code: str = ""


def _lines(s: Session, query: object) -> list[DisclosureLine]:
    rows = s.exec(query).all()  # type: ignore[call-overload]
    org_ids = {r.organisation_id for r in rows}
    user_ids = {r.user_id for r in rows}
    orgs = {
        o.id: o.name for o in s.exec(select(Organisation).where(col(Organisation.id).in_(org_ids)))
    }
    users = {
        u.id: u.name for u in s.exec(select(ConsoleUser).where(col(ConsoleUser.id).in_(user_ids)))
    }
    return [
        DisclosureLine(
            at=r.at,
            organisation=orgs.get(r.organisation_id, r.organisation_id),
            user=users.get(r.user_id, r.user_id),
            action=ACTIONS.get(r.action, r.action),
            purpose=purpose_label(r.purpose, typed=False),
            categories="、".join(label(DataCategory(c)) for c in r.categories),
            referral_id=r.referral_id,
            household_id=r.household_id,
            person_id=r.person_id,
            code=r.action,
            purpose_code=r.purpose,
            category_codes=tuple(r.categories),
            id=r.id or 0,
            area_code=r.area_code,
        )
        for r in rows
    ]


def for_household(ctx: ServerContext, household_id: str, limit: int = 200) -> list[DisclosureLine]:
    """A household's share log, newest first."""
    with ctx.db.reading() as s:
        return _lines(
            s,
            select(DisclosureEntry)
            .where(col(DisclosureEntry.household_id) == household_id)
            .order_by(col(DisclosureEntry.id).desc())
            .limit(limit),
        )


def for_organisation(
    ctx: ServerContext, organisation_id: str, areas: tuple[str, ...], limit: int = 500
) -> list[DisclosureLine]:
    """An organisation's disclosures of people in `areas`, newest first."""
    with ctx.db.reading() as s:
        return _lines(
            s,
            select(DisclosureEntry)
            .where(
                col(DisclosureEntry.organisation_id) == organisation_id,
                area_filter(col(DisclosureEntry.area_code), areas),
            )
            .order_by(col(DisclosureEntry.id).desc())
            .limit(limit),
        )


def for_devices(ctx: ServerContext, caller: Caller) -> ShareList:
    """The share log of the households in a device's scope, newest first (`SHARES_MAX`):
    ids, codes and organisations' names, nothing else personal. For devices that do not
    ask for it on the pull (`shares_update`)."""
    with ctx.db.reading() as s:
        lines = _lines(
            s,
            select(DisclosureEntry)
            .where(area_filter(col(DisclosureEntry.area_code), caller.areas))
            .order_by(col(DisclosureEntry.id).desc())
            .limit(SHARES_MAX),
        )
    return ShareList(
        shares=[
            ShareInfo(
                at=line.at.isoformat(timespec="seconds"),
                organisation=line.organisation,
                action=line.code,
                purpose=line.purpose,
                data_categories=list(line.category_codes),
                household_id=line.household_id,
                person_id=line.person_id,
            )
            for line in lines
        ]
    )


def shares_update(
    session: Session, scope: tuple[str, ...], cursor: int, held: int
) -> dict[str, object]:
    """For the last page of a pull: the entries of the scope's share log after `cursor`
    (oldest first, at most `SHARES_PAGE`) and the cursor to send next; none when nothing
    was logged since. `held` is how many entries the device holds: unless the scope has
    as many up to `cursor`, the device's log is not this scope's (its scope changed, or an
    entry committed behind the cursor) and the log is sent again from its start, with
    ``shares_reset``. Ids, codes and organisations' names, nothing else personal."""
    in_scope = area_filter(col(DisclosureEntry.area_code), scope)
    upto, last = session.execute(
        select(
            func.count(case((col(DisclosureEntry.id) <= cursor, 1))),
            func.max(col(DisclosureEntry.id)),
        ).where(in_scope)
    ).one()
    reset = int(upto) != held
    after = 0 if reset else cursor
    if not reset and (last is None or last <= cursor):
        return {"shares_cursor": cursor}
    lines = _lines(
        session,
        select(DisclosureEntry)
        .where(in_scope, col(DisclosureEntry.id) > after)
        .order_by(col(DisclosureEntry.id))
        .limit(SHARES_PAGE + 1),
    )
    page = lines[:SHARES_PAGE]
    entries = [
        ShareEntry(
            id=line.id,
            area_code=line.area_code,
            at=line.at.isoformat(timespec="seconds"),
            organisation=line.organisation,
            action=line.code,
            purpose=line.purpose_code,
            data_categories=list(line.category_codes),
            household_id=line.household_id,
            person_id=line.person_id,
        ).model_dump()
        for line in page
    ]
    return {
        "shares_cursor": page[-1].id if page else after,
        "shares": entries,
        "shares_more": len(lines) > SHARES_PAGE,
        "shares_reset": reset,
    }


@dataclass(frozen=True)
class OrganisationTally:
    """How many disclosures an organisation had, of how many people, and the last."""

    organisation_id: str
    organisation: str
    count: int
    people: int
    last: datetime | None


def by_organisation(ctx: ServerContext, areas: tuple[str, ...]) -> list[OrganisationTally]:
    """Every organisation with disclosures of people in `areas`, by name."""
    with ctx.db.reading() as s:
        rows = s.execute(
            select(
                col(DisclosureEntry.organisation_id),
                func.count(),
                func.count(func.distinct(col(DisclosureEntry.person_id))),
                func.max(col(DisclosureEntry.at)),
            )
            .where(area_filter(col(DisclosureEntry.area_code), areas))
            .group_by(col(DisclosureEntry.organisation_id))
        ).all()
        names = {
            o.id: o.name
            for o in s.exec(
                select(Organisation).where(col(Organisation.id).in_([r[0] for r in rows]))
            )
        }
    tallies = [
        OrganisationTally(r[0], names.get(r[0], r[0]), int(r[1]), int(r[2]), r[3]) for r in rows
    ]
    return sorted(tallies, key=lambda t: (t.organisation, t.organisation_id))
