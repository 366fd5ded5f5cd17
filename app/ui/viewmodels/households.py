"""Households (家庭): search, filters, and adding a household found in difficulty (主动发现).

Search finds a person by name, full pinyin, pinyin initials or the last four characters of
the ID number (the store's name index), and a village by its name; results are households.
The list shows a page at a time, so it stays smooth with thousands of households.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from app.domain import identity
from app.domain.codes import Category, PersonFlag, RegisterStatus
from app.domain.policy import Urgency
from app.domain.records import Household, Person
from app.domain.summaries import HouseholdSummary
from app.store.search import fold
from app.ui.catalogue import label, message, text
from app.ui.viewmodels.errors import field_errors, user_message
from app.ui.viewmodels.workspace import Workspace

PAGE = 20  # lines built and sent at a time: a screenful and more, at 1280 px
OVERDUE = frozenset({Urgency.MAJOR_EVENT, Urgency.OVERDUE})


@dataclass(frozen=True)
class HouseholdLine:
    household_id: str
    title: str  # head of household
    matched: str  # the member whose name matched, when not the head
    village: str
    categories: str
    urgency: Urgency | None
    reported: bool  # 主动发现, awaiting confirmation


class HouseholdsVM:
    """The query, the filters and the matching households."""

    def __init__(self, workspace: Workspace, lang: str = "zh") -> None:
        self.ws = workspace
        self.lang = lang
        self.query = ""
        self.category: Category | None = None
        self.village: str | None = None
        self.overdue_only = False
        self.lines: list[HouseholdLine] = []
        self.shown = PAGE
        # Worked out once per household and reused by every keystroke until `reload`.
        self._plain: dict[str, HouseholdLine] = {}
        self._everyone: list[str] | None = None
        self.refresh()

    def reload(self) -> None:
        """Households or their visits may have changed (back from another screen)."""
        self._plain.clear()
        self._everyone = None
        self.refresh()

    # --- filters ----------------------------------------------------------------------

    def set_query(self, query: str) -> None:
        self.query = query
        self.refresh()

    def set_category(self, code: str | None) -> None:
        self.category = Category(code) if code else None
        self.refresh()

    def set_village(self, code: str | None) -> None:
        self.village = code or None
        self.refresh()

    def set_overdue_only(self, value: bool) -> None:
        self.overdue_only = value
        self.refresh()

    def category_choices(self) -> list[tuple[str, str]]:
        present = {c for h in self.ws.roster.households.values() for c in h.categories}
        return [(c.value, label(c, self.lang)) for c in Category if c in present]

    # --- results ----------------------------------------------------------------------

    def refresh(self) -> None:
        self.shown = PAGE
        matched: dict[str, str] = {}
        query = self.query.strip()
        if query:
            for hit in self.ws.search_index().search(query, limit=500):
                matched.setdefault(hit.household_id, hit.name)
            wanted = fold(query)
            for code, name in self.ws.villages():
                if wanted and wanted in fold(name):
                    for household in self.ws.roster.households.values():
                        if household.area_code == code:
                            matched.setdefault(household.id, "")
            ids = [h for h in matched if h in self.ws.roster.households]
        else:
            if self._everyone is None:
                self._everyone = self._in_pinyin_order()
            ids = self._everyone
        self.lines = [line for h in ids if (line := self._line(h, matched.get(h, ""))) is not None]

    def _in_pinyin_order(self) -> list[str]:
        """Every household, by its head's name in pinyin (安 before 张), as the index sorts
        names; households without a listed member come last, by address."""
        index = self.ws.search_index()
        last = len(index)

        def place(household_id: str) -> tuple[int, str]:
            head = self.ws.roster.head(household_id)
            at = index.pinyin_place(head.id) if head is not None else None
            return (last if at is None else at, self.ws.household_title(household_id))

        return sorted(self.ws.roster.households, key=place)

    def _line(self, household_id: str, matched: str) -> HouseholdLine | None:
        household = self.ws.roster.households[household_id]
        if household.register_status == RegisterStatus.MERGED:
            return None  # 主动发现 found on the register: listed as that household
        if self.category is not None and self.category not in household.categories:
            return None
        if self.village is not None and household.area_code != self.village:
            return None
        line = self._plain.get(household_id)
        if line is None:
            line = self._plain[household_id] = self._plain_line(household)
        if self.overdue_only and line.urgency not in OVERDUE:
            return None
        if matched and matched != line.title:
            return replace(line, matched=matched)
        return line

    def _plain_line(self, household: HouseholdSummary) -> HouseholdLine:
        status = self.ws.status(household.id)
        return HouseholdLine(
            household_id=household.id,
            title=self.ws.household_title(household.id),
            matched="",
            village=self.ws.area_name(household.area_code),
            categories="、".join(label(c, self.lang) for c in household.categories),
            urgency=status.urgency if status is not None else None,
            reported=household.register_status == RegisterStatus.REPORTED,
        )

    def visible(self) -> list[HouseholdLine]:
        return self.lines[: self.shown]

    @property
    def has_more(self) -> bool:
        return self.shown < len(self.lines)

    def show_more(self) -> None:
        self.shown += PAGE

    def summary(self) -> str:
        return text("households.count", self.lang, n=len(self.lines))

    def discoveries_link(self) -> str:
        """For a coordinator, the label of the 主动发现 queue with its count; else ""."""
        if not self.ws.profile.is_coordinator:
            return ""
        return text("households.discoveries", self.lang, n=len(self.ws.discoveries.queue()))


@dataclass
class KnownPerson:
    """A person already on this device with the ID number being entered."""

    person_id: str
    household_id: str
    name: str
    village: str


@dataclass
class NewHouseholdVM:
    """主动发现: a household in difficulty that is not on the register, reported by a worker.

    It is saved as `reported` (not registered) until a coordinator or the county confirms
    it. The ID number check warns when the person is already known on this device.
    """

    ws: Workspace
    lang: str = "zh"
    village: str = ""
    address: str = ""
    phone: str = ""
    categories: set[Category] = field(default_factory=set)
    head_name: str = ""
    id_number: str = ""
    elderly_alone: bool = False
    notes: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    known: list[KnownPerson] = field(default_factory=list)
    message: str = ""

    def __post_init__(self) -> None:
        villages = self.village_choices()
        if villages and not self.village:
            self.village = villages[0][0]

    def village_choices(self) -> list[tuple[str, str]]:
        """My villages: those of my households, and any village-level scope code."""
        codes = {code for code, _ in self.ws.villages()}
        codes |= {s for s in self.ws.profile.scopes if len(s) == 12}
        return [(c, self.ws.area_name(c)) for c in sorted(codes)]

    def toggle_category(self, code: str, on: bool) -> None:
        (self.categories.add if on else self.categories.discard)(Category(code))

    def check_id_number(self) -> None:
        """Validate the ID number as typed and look for people already known with it."""
        self.errors.pop("id_number", None)
        self.known = []
        if not self.id_number.strip():
            return
        try:
            number, _, _ = identity.parse_id_number(self.id_number, today=self.ws.today())
        except identity.InvalidIdNumber as exc:
            self.errors["id_number"] = message(exc, self.lang)
            return
        for person in self.ws.households.with_id_number(number):
            household = self.ws.roster.households.get(person.household_id)
            self.known.append(
                KnownPerson(
                    person_id=person.id,
                    household_id=person.household_id,
                    name=person.name,
                    village=self.ws.area_name(
                        household.area_code if household else person.area_code
                    ),
                )
            )

    @property
    def known_warning(self) -> str:
        if not self.known:
            return ""
        who = "、".join(f"{k.name}（{k.village}）" for k in self.known)
        return text("newhh.id_known", self.lang, who=who)

    def save(self) -> Household | None:
        """Write the household and its head in one transaction; None if a field needs fixing."""
        self.errors, self.message = {}, ""
        if not self.village:
            self.errors["village"] = text("form.required", self.lang)
        if not self.address.strip():
            self.errors["address"] = text("form.required", self.lang)
        if not self.head_name.strip():
            self.errors["head_name"] = text("form.required", self.lang)
        self.check_id_number()
        if self.errors:
            self.message = self._fix_message()
            return None
        try:
            household = Household(
                area_code=self.village,
                address=self.address,
                phone=self.phone,
                categories=sorted(self.categories),
                register_status=RegisterStatus.REPORTED,
                notes=self.notes,
            )
            head = Person(
                area_code=self.village,
                household_id=household.id,
                name=self.head_name,
                id_number=self.id_number or None,
                relation="户主",
                flags=[PersonFlag.ELDERLY_ALONE] if self.elderly_alone else [],
                lives_alone=self.elderly_alone,
            )
        except Exception as exc:
            self.errors = _form_errors(
                exc, self.lang, {"area_code": "village", "name": "head_name"}
            )
            self.message = user_message(exc, self.lang)
            return None
        try:
            saved_household, saved_head = self.ws.households.report(household, head)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
        self.ws.roster.put_household(saved_household)
        self.ws.roster.put_person(saved_head)
        self.ws.search_index().upsert(saved_head)
        return saved_household

    def _fix_message(self) -> str:
        names = "、".join(text(f"newhh.{k}", self.lang) for k in self.errors)
        return text("form.fix_named", self.lang, fields=names)


def _form_errors(exc: Exception, lang: str, rename: dict[str, str]) -> dict[str, str]:
    if not isinstance(exc, ValidationError):
        return {}
    return {rename.get(k, k): v for k, v in field_errors(exc, lang).items() if k}
