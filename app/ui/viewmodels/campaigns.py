"""节日走访: the festival lists of my scope and my households on them; a coordinator makes a
list (festival, township or village, 老 / 幼 / 残 with the count it picks shown before
saving), assigns its households (each to its 责任人 unless changed) and sees who is still
to visit (`app.domain.campaigns`, `app.services.campaigns`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.campaigns import (
    CHILD_AGE,
    ELDERLY_AGE_MAX,
    ELDERLY_AGE_MIN,
    CampaignError,
    Selected,
    SelectionRule,
    check_name,
    festival_days,
    next_festival,
    progress,
)
from app.domain.codes import CampaignGroup, Festival
from app.domain.records import Campaign, CampaignAssignment
from app.domain.staff import Staff
from app.services.campaigns import serves
from app.store.errors import NotFound
from app.ui.catalogue import label, message, text
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.workspace import Workspace


def festival_when(campaign_or_festival: Campaign | Festival, year: int | None = None) -> str:
    """The festival's day, or its window (元旦春节), as a line says it."""
    if isinstance(campaign_or_festival, Campaign):
        days = campaign_or_festival.days
    else:
        assert year is not None
        days = festival_days(campaign_or_festival, year)
    if days.first == days.last:
        return days.day.isoformat()
    return f"{days.first.isoformat()} 至 {days.last.isoformat()}"


def groups_words(groups: list[CampaignGroup] | tuple[CampaignGroup, ...], lang: str) -> str:
    return "、".join(label(g, lang) for g in CampaignGroup if g in groups)


def area_label(ws: Workspace, code: str) -> str:
    """A list's area by name: a township's by its 9-digit code when the county sent that."""
    name = ws.area_name(code)
    if name == code or code not in name:
        return name
    if code.endswith("000"):
        township = ws.area_name(code[:9])
        if township != code[:9] and code[:9] not in township:
            return township
    return name


@dataclass(frozen=True)
class ListLine:
    """A festival list as the lists screen shows it."""

    campaign_id: str
    name: str
    festival: str  # 重阳节 · 2026-10-18
    area: str
    groups: str  # 老、残
    assigned: int
    visited: int
    closed: str = ""  # 已结束 2026-10-31, or empty while open

    @property
    def remaining(self) -> int:
        return self.assigned - self.visited


@dataclass(frozen=True)
class PlaceLine:
    """A household on a list: who, where, why, who visits, and what was delivered."""

    assignment_id: str
    household_id: str
    title: str
    village: str
    groups: str
    worker_id: str
    worker: str
    visited: bool
    status: str  # 待走访, or 已走访 10-17：重阳糕一盒、棉被一条（260元）, or 已移出…
    campaign: str = ""  # the list's name, on my own lines across lists
    removed: bool = False
    history: str = ""  # 2026-10-12 由李协理放回清单, on a place put back


def place_status(
    place: CampaignAssignment,
    lang: str,
    *,
    closed: bool = False,
    names: dict[str, str] | None = None,
) -> str:
    """待走访, 已走访 with what was delivered, 已移出 with the reason (and who took it off,
    by `names`, when recorded); on a closed list a household never visited reads 未走访（清单已结束）."""
    if place.removed_on is not None:
        day, reason = place.removed_on.isoformat(), place.removed_reason
        if place.removed_by and names is not None:
            who = names.get(place.removed_by, place.removed_by)
            return text("campaigns.removed_by", lang, day=day, who=who, reason=reason)
        return text("campaigns.removed", lang, day=day, reason=reason)
    if place.visited_on is None:
        return text("campaigns.not_visited_closed" if closed else "campaigns.to_visit", lang)
    items = "、".join(place.delivered) or text("campaigns.nothing_delivered", lang)
    value = (
        text("campaigns.value", lang, n=place.delivered_value_yuan)
        if place.delivered_value_yuan is not None
        else ""
    )
    return text(
        "campaigns.visited", lang, day=place.visited_on.isoformat(), items=items, value=value
    )


class CampaignsVM:
    """The lists of my scope with their progress, and my households still to visit."""

    def __init__(self, ws: Workspace, lang: str = "zh") -> None:
        self.ws = ws
        self.lang = lang
        self.lines: list[ListLine] = []
        self.mine: list[PlaceLine] = []
        self.reload()

    @property
    def may_create(self) -> bool:
        return self.ws.profile.is_coordinator

    def reload(self) -> None:
        campaigns = self.ws.campaigns.lists()
        places = self.ws.campaigns.assignments()
        by_list: dict[str, list[CampaignAssignment]] = {}
        for p in places:
            by_list.setdefault(p.campaign_id, []).append(p)
        self.lines = []
        for c in campaigns:
            found = progress(by_list.get(c.id, []))
            self.lines.append(
                ListLine(
                    c.id,
                    c.name,
                    f"{label(c.festival, self.lang)} · {festival_when(c)}",
                    area_label(self.ws, c.area_code),
                    groups_words(c.groups, self.lang),
                    found.assigned,
                    found.visited,
                    closed_words(c, self.lang),
                )
            )
        names = {c.id: c.name for c in campaigns}
        closed = {c.id for c in campaigns if c.closed_on is not None}
        me = self.ws.profile.worker_id
        self.mine = [
            _line(self.ws, p, self.lang, {me: self.ws.profile.name}, names.get(p.campaign_id, ""))
            for p in places
            if p.worker_id == me and still_to_visit(p) and p.campaign_id not in closed
        ]

    def summary(self) -> str:
        """Today's line: my households still to visit on festival lists."""
        return text("campaigns.mine_waiting", self.lang, n=len(self.mine))


def still_to_visit(place: CampaignAssignment) -> bool:
    return place.visit_id is None and place.removed_on is None


def closed_words(campaign: Campaign, lang: str) -> str:
    if campaign.closed_on is None:
        return ""
    return text("campaigns.closed", lang, day=campaign.closed_on.isoformat())


def _line(
    ws: Workspace,
    place: CampaignAssignment,
    lang: str,
    names: dict[str, str],
    campaign: str = "",
    *,
    closed: bool = False,
) -> PlaceLine:
    household = ws.roster.households.get(place.household_id)
    title = (
        ws.household_title(place.household_id)
        if household is not None
        else text("campaigns.household_elsewhere", lang)
    )
    return PlaceLine(
        assignment_id=place.id,
        household_id=place.household_id,
        title=title,
        village=ws.area_name(place.area_code),
        groups=groups_words(place.groups, lang),
        worker_id=place.worker_id,
        worker=names.get(place.worker_id, place.worker_id),
        visited=place.visit_id is not None,
        status=place_status(place, lang, closed=closed, names=names),
        campaign=campaign,
        removed=place.removed_on is not None,
        history=restored_words(place, lang, names),
    )


def restored_words(place: CampaignAssignment, lang: str, names: dict[str, str]) -> str:
    """2026-10-12 由李协理放回清单 on a place put back (放回), else empty."""
    if place.restored_on is None:
        return ""
    who = names.get(place.author_worker_id, place.author_worker_id)
    return text("campaigns.restored", lang, day=place.restored_on.isoformat(), who=who)


def workers_for(ws: Workspace, staff: Staff, area_code: str) -> list[tuple[str, str]]:
    """(id, name) of the workers who may visit a household of `area_code`: the staff who
    serve it (me among them), or only me when no staff list has arrived yet."""
    me = (ws.profile.worker_id, ws.profile.name)
    if not staff.members:
        return [me]
    found = [(m.id, m.name) for m in staff.members if serves(staff, m.id, area_code)]
    return found or [me]


def responsible_workers(ws: Workspace, staff: Staff, picked: list[Selected]) -> dict[str, str]:
    """household id → who visits it: its 责任人 when they serve its village, else me."""
    me = ws.profile.worker_id
    workers: dict[str, str] = {}
    for s in picked:
        responsible = staff.responsible(s.area_code)
        ok = responsible is not None and serves(staff, responsible, s.area_code)
        workers[s.household_id] = responsible if ok and responsible else me
    return workers


@dataclass
class CampaignFormVM:
    """新建节日走访清单: festival and year, the area (a township or village of my scope, with
    some of its villages), the groups and ages; the households it picks are counted live."""

    ws: Workspace
    lang: str = "zh"
    festival: Festival = Festival.NEW_YEAR_SPRING
    year: int = 0
    area_code: str = ""
    villages: set[str] = field(default_factory=set)
    groups: set[CampaignGroup] = field(default_factory=set)
    elderly_age_text: str = ""
    name: str = ""
    name_edited: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    picked: list[Selected] = field(default_factory=list)

    def __post_init__(self) -> None:
        upcoming = next_festival(self.ws.today())
        self.festival, self.year = upcoming.festival, upcoming.year
        areas = self.areas()
        self.area_code = areas[0][0] if areas else ""
        self.groups = {CampaignGroup.ELDERLY, CampaignGroup.CHILD, CampaignGroup.DISABLED}
        self.elderly_age_text = str(self.ws.policy.elderly_age)
        self._default_name()
        self.count()

    # --- choices --------------------------------------------------------------------

    def areas(self) -> list[tuple[str, str]]:
        """(code, name) of the townships (and villages) a list of mine may cover: each
        township of my scope, each village scope of mine."""
        codes: set[str] = set()
        for scope in self.ws.profile.scopes:
            if len(scope) == 12:
                codes.add(scope)
            elif len(scope) == 9:
                codes.add(scope + "000")
            else:
                codes |= {
                    h.area_code[:9] + "000"
                    for h in self.ws.roster.households.values()
                    if h.area_code.startswith(scope)
                }
        return [(c, area_label(self.ws, c)) for c in sorted(codes)]

    def village_options(self) -> list[tuple[str, str]]:
        """The villages of the chosen township with households here (none for a village)."""
        if not self.area_code.endswith("000"):
            return []
        codes = {
            h.area_code
            for h in self.ws.roster.households.values()
            if h.area_code[:9] == self.area_code[:9]
        }
        return [(c, self.ws.area_name(c)) for c in sorted(codes)]

    def years(self) -> list[int]:
        today = self.ws.today()
        return [today.year, today.year + 1]

    def when(self) -> str:
        try:
            return festival_when(self.festival, self.year)
        except CampaignError as exc:
            return message(exc, self.lang)

    # --- edits ----------------------------------------------------------------------

    def set_festival(self, code: str) -> None:
        self.festival = Festival(code)
        self._default_name()
        self.count()

    def set_year(self, year: int | str) -> None:
        self.year = int(year)
        self._default_name()
        self.count()

    def set_area(self, code: str) -> None:
        self.area_code = code
        self.villages = set()
        self.count()

    def toggle_village(self, code: str, on: bool) -> None:
        (self.villages.add if on else self.villages.discard)(code)
        self.count()

    def toggle_group(self, code: str, on: bool) -> None:
        group = CampaignGroup(code)
        (self.groups.add if on else self.groups.discard)(group)
        self.count()

    def set_elderly_age(self, typed: str) -> None:
        self.elderly_age_text = typed
        self.count()

    def set_name(self, typed: str) -> None:
        self.name = typed
        self.name_edited = True

    def _default_name(self) -> None:
        if not self.name_edited:
            self.name = text(
                "campaigns.default_name",
                self.lang,
                year=self.year,
                festival=label(self.festival, self.lang),
            )

    # --- the count and the save -------------------------------------------------------

    def _campaign(self) -> Campaign:
        """The list as it stands (CampaignError or a ValueError when a value is wrong)."""
        if not self.groups:
            raise CampaignError("campaign.groups_missing")
        age = self.elderly_age_text.strip()
        if CampaignGroup.ELDERLY not in self.groups:
            age = str(self.ws.policy.elderly_age)  # the age field is not asked then
        if not age.isascii() or not age.isdigit():
            raise CampaignError("campaign.elderly_age", low=ELDERLY_AGE_MIN, high=ELDERLY_AGE_MAX)
        days = festival_days(self.festival, self.year)
        SelectionRule(frozenset(self.groups), days.day, int(age), CHILD_AGE)  # its bounds
        return Campaign(
            area_code=self.area_code,
            festival=self.festival,
            year=self.year,
            name=check_name(self.name),
            groups=[g for g in CampaignGroup if g in self.groups],
            elderly_age=int(age),
            child_age=CHILD_AGE,
            villages=sorted(self.villages),
            created_by=self.ws.profile.worker_id,
            created_on=self.ws.today(),
        )

    def count(self) -> int:
        """The households the rule picks now (kept in `picked`); 0 with the reason in
        `errors["rule"]` when the rule is not complete."""
        self.errors.pop("rule", None)
        try:
            campaign = self._campaign()
        except (CampaignError, ValueError) as exc:
            self.picked = []
            self.errors["rule"] = user_message(exc, self.lang)
            return 0
        roster = self.ws.roster
        self.picked = self.ws.campaigns.select(campaign, roster.households.values(), roster.members)
        return len(self.picked)

    def count_line(self) -> str:
        if "rule" in self.errors:
            return self.errors["rule"]
        return text("campaigns.count", self.lang, n=len(self.picked))

    def save(self) -> Campaign | None:
        """Write the list and its households, each to its 责任人 (else to me); None with
        `message` when a value is wrong or nothing is picked."""
        self.message = ""
        try:
            campaign = self._campaign()
        except (CampaignError, ValueError) as exc:
            self.message = user_message(exc, self.lang)
            return None
        if not self.may_create:
            self.message = text("campaigns.coordinators_only", self.lang)
            return None
        self.count()
        if not self.picked:
            self.message = text("campaigns.none_picked", self.lang)
            return None
        workers = responsible_workers(self.ws, self.ws.store.staff(), self.picked)
        try:
            return self.ws.campaigns.create(campaign, self.picked, workers)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None

    @property
    def may_create(self) -> bool:
        return self.ws.profile.is_coordinator


class CampaignVM:
    """One list: its households, who visits each, what was delivered, who is still to
    visit; a coordinator changes who visits."""

    def __init__(self, ws: Workspace, campaign_id: str, lang: str = "zh") -> None:
        self.ws = ws
        self.lang = lang
        self.campaign = ws.campaigns.get(campaign_id)
        self.staff = ws.store.staff()
        self.places: list[PlaceLine] = []
        self.qualifying: list[Selected] = []
        self.message = ""
        self.reload()

    @property
    def may_assign(self) -> bool:
        return self.ws.profile.is_coordinator

    @property
    def closed(self) -> bool:
        return self.campaign.closed_on is not None

    @property
    def may_change(self) -> bool:
        """A coordinator changes an open list (已结束: no more changes)."""
        return self.may_assign and not self.closed

    def reload(self) -> None:
        self.campaign = self.ws.campaigns.get(self.campaign.id)
        names = self.staff.names | {self.ws.profile.worker_id: self.ws.profile.name}
        mine = [p for p in self.ws.campaigns.assignments() if p.campaign_id == self.campaign.id]
        self._found = progress(mine)
        lines = [_line(self.ws, p, self.lang, names, closed=self.closed) for p in mine]
        self.places = sorted(lines, key=lambda p: (p.removed, p.visited, p.village, p.title))
        self.qualifying = []
        if self.may_change:
            roster = self.ws.roster
            self.qualifying = self.ws.campaigns.newly_qualifying(
                self.campaign, roster.households.values(), roster.members
            )

    def closed_line(self) -> str:
        return closed_words(self.campaign, self.lang)

    def _refused(self) -> bool:
        """True with `message` when this device may not change the list."""
        self.message = ""
        if not self.may_assign:
            self.message = text("campaigns.coordinators_only", self.lang)
        elif self.closed:
            self.message = message(CampaignError("campaign.closed"), self.lang)
        return bool(self.message)

    def _done(self, change: Callable[[], object], said: str) -> bool:
        try:
            change()
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.reload()
        self.message = said
        return True

    def rename(self, typed: str) -> bool:
        if self._refused():
            return False
        return self._done(
            lambda: self.ws.campaigns.rename(self.campaign.id, typed),
            text("campaigns.renamed", self.lang),
        )

    def close(self) -> bool:
        """已结束: the list changes no more; its final progress stays shown."""
        if self._refused():
            return False
        return self._done(
            lambda: self.ws.campaigns.close(self.campaign.id, self.ws.today()),
            text("campaigns.closed_now", self.lang),
        )

    @property
    def may_reopen(self) -> bool:
        """A coordinator reopens a closed list at any time (`app.domain.campaigns`)."""
        return self.may_assign and self.closed

    def reopen(self) -> bool:
        """The list takes changes and visits again."""
        self.message = ""
        if not self.may_assign:
            self.message = text("campaigns.coordinators_only", self.lang)
            return False
        return self._done(
            lambda: self.ws.campaigns.reopen(self.campaign.id),
            text("campaigns.reopened_now", self.lang),
        )

    def may_restore(self, place: PlaceLine) -> bool:
        """放回: a household taken off an open list, holding no other place on it."""
        if not (self.may_change and place.removed):
            return False
        return not any(p.household_id == place.household_id and not p.removed for p in self.places)

    def restore(self, assignment_id: str) -> bool:
        """Put a household taken off back on the list, if the list's rule still picks it
        on this device's register, to the worker it had (if they still serve it), else
        to its 责任人 (else to me)."""
        if self._refused():
            return False
        removed = next((p for p in self.places if p.assignment_id == assignment_id), None)
        household = self.ws.roster.households.get(removed.household_id) if removed else None
        if removed is None or household is None:
            self.message = message(CampaignError("campaign.not_qualifying"), self.lang)
            return False
        picked = self.ws.campaigns.select(self.campaign, [household], self.ws.roster.members)
        worker = removed.worker_id
        if self.staff.members and not serves(self.staff, worker, household.area_code):
            worker = responsible_workers(self.ws, self.staff, picked).get(household.id, worker)
        return self._done(
            lambda: self.ws.campaigns.restore(assignment_id, picked, worker, self.ws.today()),
            text("campaigns.restored_now", self.lang),
        )

    def may_remove(self, place: PlaceLine) -> bool:
        return self.may_change and not place.visited and not place.removed

    def remove(self, assignment_id: str, reason: str) -> bool:
        """Take a household not yet visited off the list, with the reason."""
        if self._refused():
            return False
        return self._done(
            lambda: self.ws.campaigns.remove(assignment_id, reason, self.ws.today()),
            text("campaigns.removed_now", self.lang),
        )

    def qualifying_line(self) -> str:
        """新符合条件 N 户: households the list's rule picks on today's register, not on it."""
        return text("campaigns.qualifying", self.lang, n=len(self.qualifying))

    def add_qualifying(self) -> bool:
        """补充: the households that now qualify join the list, each to its 责任人 (else to
        me), as at creation."""
        if self._refused():
            return False
        if not self.qualifying:
            self.message = text("campaigns.none_qualifying", self.lang)
            return False
        picked = list(self.qualifying)
        try:
            self.ws.campaigns.add(
                self.campaign, picked, responsible_workers(self.ws, self.staff, picked)
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.reload()
        self.message = text("campaigns.added", self.lang, n=len(picked))
        return True

    @property
    def heading(self) -> str:
        c = self.campaign
        return text(
            "campaigns.heading",
            self.lang,
            festival=label(c.festival, self.lang),
            when=festival_when(c),
            area=area_label(self.ws, c.area_code),
            groups=groups_words(c.groups, self.lang),
        )

    def progress_line(self) -> str:
        found = self._found
        return text(
            "campaigns.progress",
            self.lang,
            assigned=found.assigned,
            visited=found.visited,
            remaining=found.remaining,
        )

    def worker_options(self, place: PlaceLine) -> list[tuple[str, str]]:
        """Who may visit this household (its village's staff), for a coordinator's choice."""
        household = self.ws.roster.households.get(place.household_id)
        return [] if household is None else workers_for(self.ws, self.staff, household.area_code)

    def reassign(self, assignment_id: str, worker_id: str) -> bool:
        if self._refused():
            return False
        try:
            self.ws.campaigns.reassign(assignment_id, worker_id)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.reload()
        self.message = text("campaigns.reassigned", self.lang)
        return True


def open_place(ws: Workspace, household_id: str) -> tuple[CampaignAssignment, Campaign] | None:
    """The household's place still to visit on a list (mine first), with its list."""
    waiting = [p for p in ws.campaigns.of_household(household_id) if still_to_visit(p)]
    me = ws.profile.worker_id
    waiting.sort(key=lambda p: (p.worker_id != me, p.created_hlc))
    for place in waiting:
        try:
            campaign = ws.campaigns.get(place.campaign_id)
        except NotFound:  # the list has not arrived here yet
            continue
        if campaign.closed_on is None:
            return place, campaign
    return None
