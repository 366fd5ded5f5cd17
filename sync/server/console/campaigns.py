"""节日走访 on the console (supervisors and coordinators, their areas): each festival list
with its progress by village (`sync.server.services.reports.campaigns`, the device's own
counts) and the households still to visit — the head's name masked as on the coverage
page, the village and the worker assigned; nothing else of the household.

A coordinator or supervisor also makes a list here, for a township or village of their
areas, with the device's own rule (`app.domain.campaigns`): written as the server's
change, the way the console records a project's delivery (`services.deliveries`), so the
devices in scope pull it at their next sync."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.assets import load_visit_policy
from app.domain.campaigns import (
    CHILD_AGE,
    ELDERLY_AGE_MAX,
    ELDERLY_AGE_MIN,
    FIRST_YEAR,
    LAST_YEAR,
    CampaignError,
    Selected,
    SelectionRule,
    check_name,
    festival_days,
    next_festival,
    select_households,
)
from app.domain.codes import CampaignGroup, Festival
from app.domain.records import (
    WORKER_ID_MAX_CHARS,
    Campaign,
    CampaignAssignment,
    Household,
    Person,
    problem,
)
from app.reports.masking import mask_name
from app.ui.catalogue import label, message, text
from sync import merge
from sync.server.console.accounts import CONSOLE_ACTOR, Account
from sync.server.context import ServerContext, set_meta
from sync.server.errors import BadRequest
from sync.server.scope import within
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.services.reports.campaigns import ListProgress, campaign_progress
from sync.server.services.reports.read_model import area_names, head_names
from sync.server.services.staff import read_staff
from sync.server.tables import RecordRow

WAITING_SHOWN = 200  # households still to visit shown per list; the report counts them all


@dataclass(frozen=True)
class WaitingRow:
    household_id: str
    head: str  # masked
    area_name: str
    worker: str


@dataclass(frozen=True)
class ListPage:
    progress: ListProgress
    waiting: tuple[WaitingRow, ...]

    @property
    def festival(self) -> str:
        return label(self.progress.campaign.festival)

    @property
    def more(self) -> int:
        return self.progress.progress.remaining - len(self.waiting)


def campaign_pages(ctx: ServerContext, areas: Sequence[str], *, actor: str) -> list[ListPage]:
    """The lists of `areas` with their households still to visit (at most
    `WAITING_SHOWN` each); the read is audited."""
    with ctx.db.reading() as s:
        lists = campaign_progress(s, areas)
        shown = {i.campaign.id: i.waiting[:WAITING_SHOWN] for i in lists}
        heads = head_names(s, sorted({p.household_id for w in shown.values() for p in w}))
        staff = read_staff(s).names
    pages = []
    for item in lists:
        villages = {v.code: v.name for v in item.villages}
        pages.append(
            ListPage(
                item,
                tuple(
                    WaitingRow(
                        p.household_id,
                        mask_name(heads[p.household_id])
                        if p.household_id in heads
                        else "（无户主）",
                        villages.get(p.area_code, p.area_code),
                        staff.get(p.worker_id, "（已离开）"),
                    )
                    for p in shown[item.campaign.id]
                ),
            )
        )
    with ctx.db.small_write() as s:
        audit.record(s, "report_read", actor=actor, report="campaigns_console", areas=list(areas))
    return pages


# --- a new list from the console ---------------------------------------------------------


class CampaignRefused(BadRequest):
    """A list the form cannot make; the message says why, in one sentence."""

    code = "invalid_campaign"


@dataclass(frozen=True)
class CampaignInput:
    """The new-list form as typed (strings, as the browser sends them)."""

    festival: str = ""
    year: str = ""
    area_code: str = ""
    groups: tuple[str, ...] = ()
    elderly_age: str = ""
    name: str = ""


@dataclass(frozen=True)
class Created:
    """A list made from the console: the households put on it, and those the rule picked
    whose village has no 责任人 yet (left for a coordinator's device to 补充)."""

    campaign: Campaign
    listed: int
    unassigned: int


def form_defaults(today: date) -> CampaignInput:
    """The form as it opens: the next festival, all three groups, the policy's age."""
    upcoming = next_festival(today)
    return CampaignInput(
        upcoming.festival.value,
        str(upcoming.year),
        "",
        tuple(g.value for g in CampaignGroup),
        str(load_visit_policy().elderly_age),
        "",
    )


def years(today: date) -> list[int]:
    """The years a list may be made for (this one and the next, as on the device)."""
    return [y for y in (today.year, today.year + 1) if FIRST_YEAR <= y <= LAST_YEAR]


def area_choices(ctx: ServerContext, areas: Sequence[str]) -> list[tuple[str, str]]:
    """(code, name) of the townships (…000) and villages of `areas` a list may cover."""
    with ctx.db.reading() as s:
        names = area_names(s)
    out: list[tuple[str, str]] = []
    for code, name in sorted(names.items()):
        if len(code) == 9 and within(code + "000", areas):
            out.append((code + "000", name))
        elif len(code) == 12 and code[9:] != "000" and within(code, areas):
            out.append((code, f"{names.get(code[:9], code[:9])} {name}"))
    return out


def _campaign(entered: CampaignInput, areas: Sequence[str], by: str, today: date) -> Campaign:
    """The list as typed, or CampaignRefused saying what is wrong."""
    try:
        festival = Festival(entered.festival)
    except ValueError:
        raise CampaignRefused("请选择节日。") from None
    if entered.year.strip() not in {str(y) for y in years(today)}:
        raise CampaignRefused("请选择今年或明年。")
    area = entered.area_code.strip()
    if not (len(area) == 12 and area.isdigit() and within(area, areas)):
        raise CampaignRefused("请选择本辖区内的乡镇（街道）或村（社区）。")
    try:
        groups = [CampaignGroup(g) for g in dict.fromkeys(entered.groups)]
    except ValueError:
        raise CampaignRefused("对象只能是老、幼、残。") from None
    age = entered.elderly_age.strip() or str(load_visit_policy().elderly_age)
    year = int(entered.year)
    try:
        if not age.isascii() or not age.isdigit() or len(age) > 3:
            raise CampaignError("campaign.elderly_age", low=ELDERLY_AGE_MIN, high=ELDERLY_AGE_MAX)
        default = text("campaigns.default_name", "zh", year=year, festival=label(festival, "zh"))
        day = festival_days(festival, year).day
        SelectionRule(frozenset(groups), day, int(age), CHILD_AGE)  # its bounds, its words
        return Campaign(
            area_code=area,
            festival=festival,
            year=year,
            name=check_name(entered.name or default),
            groups=[g for g in CampaignGroup if g in groups],
            elderly_age=int(age),
            child_age=CHILD_AGE,
            created_by=by,
            created_on=today,
        )
    except CampaignError as exc:
        raise CampaignRefused(message(exc)) from None
    except ValidationError as exc:
        raise CampaignRefused(message(problem(exc))) from None


def _same(a: Campaign, b: Campaign) -> bool:
    return (a.festival, a.year, a.area_code, a.villages, a.groups, a.elderly_age) == (
        b.festival,
        b.year,
        b.area_code,
        b.villages,
        b.groups,
        b.elderly_age,
    )


def made_by(account: Account) -> str:
    """Who made a list in the console, as a list's `created_by` (a worker id's 40
    characters): console: and the account's id without its hyphens."""
    return (CONSOLE_ACTOR + account.id.replace("-", ""))[:WORKER_ID_MAX_CHARS]


def create_list(
    ctx: ServerContext, account: Account, entered: CampaignInput, today: date
) -> Created:
    """A coordinator's or supervisor's new list over an area of theirs, as a coordinator's
    device makes one: the households the rule picks on the county's register, each to its
    village's 责任人 (a household whose village has none is left for 补充 on a device).
    Written as the server's change, so the devices in scope pull the list and its places
    like any other; audited. CampaignRefused when a value is wrong, the rule picks no
    household, or the same list is open already (a form sent twice)."""
    campaign = _campaign(entered, account.areas, made_by(account), today)
    with ctx.db.writing() as s:
        for data in s.execute(
            select(col(RecordRow.data)).where(
                col(RecordRow.type) == "campaign", col(RecordRow.area_code) == campaign.area_code
            )
        ).scalars():
            held = Campaign.from_stored(data)
            if held.closed_on is None and _same(held, campaign):
                raise CampaignRefused(
                    f"本范围已有相同的节日走访清单「{held.name}」，无需重复建立。"
                )
        picked = _picked(s, campaign)
        if not picked:
            raise CampaignRefused(text("campaigns.none_picked", "zh"))
        staff = read_staff(s)
        workers = {p.household_id: staff.responsible(p.area_code) for p in picked}
        places = [
            CampaignAssignment(
                area_code=p.area_code,
                household_id=p.household_id,
                campaign_id=campaign.id,
                worker_id=worker,
                groups=list(p.groups),
            )
            for p in picked
            if (worker := workers[p.household_id]) is not None
        ]
        feed = Feed(s)
        for record in (campaign, *places):
            hlc = ctx.clock.now()
            data = record.model_dump(mode="json") | {
                "created_hlc": hlc,
                "updated_hlc": hlc,
                "author_worker_id": campaign.created_by,
                "device_id": "server",
            }
            data = merge.validate(record.type_name, data).model_dump(mode="json")
            feed.insert(
                record.type_name, data, {merge.WHOLE_RECORD: [hlc, feed.last + 1, "server"]}
            )
        feed.close()
        audit.record(
            s,
            "campaign_created",
            actor=account.actor,
            campaign=campaign.id,
            area=campaign.area_code,
            households=len(places),
            unassigned=len(picked) - len(places),
        )
        set_meta(s, "hlc", ctx.clock.last)
    return Created(campaign, len(places), len(picked) - len(places))


def _picked(s: Session, campaign: Campaign) -> list[Selected]:
    """The households of the list's area its rule picks on the county's register."""
    prefix = campaign.area_code[:9] if campaign.area_code.endswith("000") else campaign.area_code
    rows = s.execute(
        select(col(RecordRow.type), col(RecordRow.data)).where(
            col(RecordRow.type).in_(("household", "person")),
            col(RecordRow.area_code).startswith(prefix),
        )
    ).all()
    households = [Household.from_stored(d) for t, d in rows if t == "household"]
    members: dict[str, list[Person]] = {}
    for t, d in rows:
        if t == "person":
            person = Person.from_stored(d)
            members.setdefault(person.household_id, []).append(person)
    households.sort(key=lambda h: (h.area_code, h.id))
    return select_households(
        campaign.rule(), campaign.area_code, campaign.villages, households, members
    )
