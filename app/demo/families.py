"""Households of demo data (困难家庭): who lives together, their categories, ages and flags.

Each profile is a kind of household met in Jinhua's villages, with the categories it holds
and members whose ages fit them: 80+ for 高龄独居, under 18 for the child categories,
working-age parents, grandparents raising grandchildren. The mix leans to 在册 registered
households, then 监测 monitored and 提低 uplift ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from app.demo import names, texts
from app.demo.randomness import DemoRandom, Weighted, birth_for_age
from app.demo.texts import words
from app.domain.codes import CHILD_CATEGORIES, Category, PersonFlag
from app.domain.identity import age_on, make_id_number

C = Category
F = PersonFlag

_MOBILE_PREFIXES = words(
    "134 135 136 137 138 139 147 150 151 152 157 158 159 178 182 183 187 188 198 "
    "130 131 132 155 156 166 175 176 185 186 133 153 173 177 180 181 189 199"
)
# Landline exchanges (0579-8x) by county; the rest of Jinhua shares 82.
_LANDLINE_PREFIX = {"330782": "85", "330783": "86", "330784": "87", "330781": "88", "330726": "84"}


@dataclass(frozen=True)
class MajorEvent:
    """重大变故 of a member: when, when it was recorded, what, and whether still unanswered."""

    day: date
    recorded_on: date | None
    note: str
    pending: bool


@dataclass
class Member:
    """A person before it becomes a `Person` record."""

    name: str
    gender: str
    birth: date
    relation: str
    id_number: str | None
    phone: str = ""
    flags: list[PersonFlag] = field(default_factory=list)
    lives_alone: bool = False
    health_note: str = ""
    event: MajorEvent | None = None

    def age(self, today: date) -> int:
        return age_on(self.birth, today)


@dataclass
class Family:
    """A household's members (head first), categories, income and notes."""

    profile: str
    categories: list[Category]
    members: list[Member]
    income: int | None
    notes: str = ""

    @property
    def head(self) -> Member:
        return self.members[0]

    def oldest_adult(self, today: date) -> Member:
        adults = [m for m in self.members if m.age(today) >= 18]
        return max(adults, key=lambda m: m.age(today))

    def context(self, today: date) -> str:
        """What a visit mostly looks at: elderly, child, disability or family."""
        if any(c in CHILD_CATEGORIES for c in self.categories):
            return "child"
        if any(F.SEVERE_DISABILITY in m.flags or F.DISABLED_CARE in m.flags for m in self.members):
            return "disability"
        if self.oldest_adult(today).age(today) >= 70:
            return "elderly"
        return "family"


PROFILES: Weighted[str] = Weighted(
    {
        "elderly_alone": 7,
        "tekun_single": 6,
        "elderly_couple": 8,
        "dibao_family": 10,
        "grandchild_orphan": 2.5,
        "orphan": 1.5,
        "child_in_difficulty": 3,
        "unsupported_child": 2.5,
        "zhichuxing": 3,
        "dibian": 9,
        "disabled_adult": 4,
        "exited": 6,
        "rejected": 4,
        "temporary_aid": 6,
        "special_aid": 3,
        "low_income": 14,
        "left_behind": 4,
    }
)
CHILD_PROFILES = frozenset(
    {"grandchild_orphan", "orphan", "child_in_difficulty", "unsupported_child", "left_behind"}
)
_ALONE_CATEGORIES = Weighted({C.TEKUN: 3, C.DIBAO: 3, C.DIBIAN: 1, C.LOW_INCOME: 2})


class FamilyBuilder:
    """Builds the families of a run; ID numbers carry their county and are never reused."""

    def __init__(self, rng: DemoRandom, today: date, issued: set[str]) -> None:
        self.rng = rng
        self.today = today
        self.issued = issued
        self.county = ""
        self._profiles: dict[str, Callable[[], Family]] = {
            "elderly_alone": self._elderly_alone,
            "tekun_single": self._tekun_single,
            "elderly_couple": self._elderly_couple,
            "dibao_family": self._dibao_family,
            "grandchild_orphan": self._grandchild_orphan,
            "orphan": self._orphan,
            "child_in_difficulty": self._child_in_difficulty,
            "unsupported_child": self._unsupported_child,
            "zhichuxing": self._zhichuxing,
            "dibian": self._dibian,
            "disabled_adult": self._disabled_adult,
            "exited": lambda: self._monitored(C.EXITED),
            "rejected": lambda: self._monitored(C.REJECTED),
            "temporary_aid": lambda: self._monitored(C.TEMPORARY_AID),
            "special_aid": lambda: self._monitored(C.SPECIAL_AID),
            "low_income": self._low_income,
            "left_behind": self._left_behind,
        }

    def build(self, county: str, profile: str | None = None) -> Family:
        """A family of the given profile (or one drawn by the mix) living in `county`."""
        self.county = county
        family = self._profiles[profile or PROFILES.pick(self.rng)]()
        self._extra_flags(family)
        self._unique_names(family)
        return family

    def _unique_names(self, family: Family) -> None:
        """Siblings born in the same years could draw the same name; families avoid that."""
        taken: set[str] = set()
        for member in family.members:
            while member.name in taken:
                family_name = self._family_name(member)
                given = names.given_name(self.rng, member.gender, member.birth.year)
                member.name = family_name + given
            taken.add(member.name)

    # -- people ---------------------------------------------------------------------------

    def person(
        self,
        relation: str,
        age: tuple[int, int],
        gender: str | None = None,
        family_name: str | None = None,
    ) -> Member:
        rng = self.rng
        gender = gender or rng.choice("MF")
        years = rng.randint(*age)
        birth = birth_for_age(rng, self.today, years)
        name = names.full_name(rng, gender, birth.year, family_name)
        return Member(
            name, gender, birth, relation, self._id_number(birth, gender), self._phone(years)
        )

    def _id_number(self, birth: date, gender: str) -> str:
        sequence = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
        number = make_id_number(self.county, birth, sequence)
        while number in self.issued:
            sequence = (sequence + 2) % 1000
            number = make_id_number(self.county, birth, sequence)
        self.issued.add(number)
        return number

    def _phone(self, age: int) -> str:
        share = 0.0 if age < 16 else 0.3 if age < 18 else 0.8 if age < 70 else 0.35
        if not self.rng.chance(share):
            return ""
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self) -> str:
        exchange = _LANDLINE_PREFIX.get(self.county, "82")
        return f"0579-{exchange}{self.rng.randrange(10**6):06d}"

    def _spouse(self, head: Member, spread: int = 5) -> Member:
        head_age = head.age(self.today)
        lo, hi = max(20, head_age - spread), head_age + (spread if head.gender == "F" else 2)
        return self.person("配偶", (lo, max(lo, hi)), "F" if head.gender == "M" else "M")

    def _children(self, parent: Member, count: int, age: tuple[int, int]) -> list[Member]:
        return [self._child(parent, age) for _ in range(count)]

    def _child(self, parent: Member, age: tuple[int, int], gender: str | None = None) -> Member:
        """A son or daughter of an age the parent could have had them at (20 to 42)."""
        parent_age = parent.age(self.today)
        lo, hi = max(age[0], parent_age - 42), min(age[1], parent_age - 20)
        if hi < lo:
            lo = hi = max(0, min(age[1], parent_age - 20))
        gender = gender or self.rng.choice("MF")
        relation = "子" if gender == "M" else "女"
        return self.person(relation, (lo, hi), gender, self._family_name(parent))

    def _grandchild(self, grandparent: Member, age: tuple[int, int]) -> Member:
        gender = self.rng.choice("MF")
        via_son = self.rng.chance(0.75)
        relation = (
            ("孙子" if gender == "M" else "孙女")
            if via_son
            else ("外孙子" if gender == "M" else "外孙女")
        )
        family_name = self._family_name(grandparent) if via_son else None
        return self.person(relation, age, gender, family_name)

    @staticmethod
    def _father(members: list[Member]) -> Member:
        """Children take the father's surname: the head or the spouse, whoever is the man."""
        return next((m for m in members[:2] if m.gender == "M"), members[0])

    def _family_name(self, member: Member) -> str:
        """The surname a member passes on (compound surnames included)."""
        for compound in ("诸葛", "欧阳"):
            if member.name.startswith(compound):
                return compound
        return member.name[0]

    def _couple(
        self, age: tuple[int, int], with_spouse: float, male_head: float = 0.8
    ) -> list[Member]:
        head = self.person("户主", age, "M" if self.rng.chance(male_head) else "F")
        return [head, self._spouse(head)] if self.rng.chance(with_spouse) else [head]

    def _income(self, per_person: tuple[int, int], members: int) -> int | None:
        if self.rng.chance(0.08):
            return None
        return round(self.rng.randint(*per_person) * members, -2)

    def _health(self, member: Member, kind: str) -> None:
        if kind == "severe_disability":
            member.flags.append(F.SEVERE_DISABILITY)
        elif kind == "disabled_care":
            member.flags.append(F.DISABLED_CARE)
        member.health_note = self.rng.choice(texts.HEALTH_NOTES[kind])

    def _extra_flags(self, family: Family) -> None:
        for member in family.members:
            age = member.age(self.today)
            if age >= 75 and not member.flags and self.rng.chance(0.1):
                self._health(member, "disabled_care")
            elif age >= 18 and not member.flags and self.rng.chance(0.02):
                self._health(member, "severe_disability")
            elif age >= 50 and not member.health_note and self.rng.chance(0.2):
                member.health_note = self.rng.choice(texts.HEALTH_NOTES["chronic"])

    # -- profiles -------------------------------------------------------------------------

    def _elderly_alone(self) -> Family:
        head = self.person("户主", (80, 96), "F" if self.rng.chance(0.62) else "M")
        head.flags.append(F.ELDERLY_ALONE)
        head.lives_alone = True
        category = _ALONE_CATEGORIES.pick(self.rng)
        return Family("elderly_alone", [category], [head], self._income((3_000, 30_000), 1))

    def _tekun_single(self) -> Family:
        head = self.person("户主", (45, 79), "M" if self.rng.chance(0.7) else "F")
        head.lives_alone = self.rng.chance(0.6)
        if self.rng.chance(0.35):
            self._health(head, "severe_disability")
        return Family("tekun_single", [C.TEKUN], [head], self._income((0, 9_000), 1))

    def _elderly_couple(self) -> Family:
        members = self._couple((65, 88), with_spouse=1.0)
        if self.rng.chance(0.2):
            self._health(self.rng.choice(members), "disabled_care")
        return Family("elderly_couple", [C.DIBAO], members, self._income((6_000, 11_000), 2))

    def _dibao_family(self) -> Family:
        members = self._couple((35, 58), with_spouse=0.8, male_head=0.75)
        members += self._children(self._father(members), self.rng.randint(1, 3), (3, 22))
        if self.rng.chance(0.5):
            self._health(members[0], self.rng.choice(("severe_disability", "chronic")))
        income = self._income((6_000, 11_000), len(members))
        return Family("dibao_family", [C.DIBAO], members, income)

    def _grandparents(self, age: tuple[int, int], with_spouse: float) -> list[Member]:
        return self._couple(age, with_spouse, male_head=0.6)

    def _grandchild_orphan(self) -> Family:
        members = self._grandparents((58, 80), 0.7)
        members.append(self._grandchild(self._father(members), (2, 17)))
        income = self._income((6_000, 11_000), len(members))
        categories = [C.DIBAO, C.ORPHAN]
        return Family(
            "grandchild_orphan", categories, members, income, texts.HOUSEHOLD_NOTES["orphan"]
        )

    def _orphan(self) -> Family:
        members = self._grandparents((60, 82), 0.5)
        members.append(self._grandchild(self._father(members), (2, 17)))
        income = self._income((4_000, 9_000), len(members))
        return Family("orphan", [C.ORPHAN], members, income, texts.HOUSEHOLD_NOTES["orphan"])

    def _child_in_difficulty(self) -> Family:
        members = self._couple((28, 50), with_spouse=0.5, male_head=0.6)
        self._health(members[0], self.rng.choice(("severe_disability", "chronic")))
        members += self._children(self._father(members), self.rng.randint(1, 2), (2, 17))
        categories = [C.CHILD_IN_DIFFICULTY] + ([C.DIBAO] if self.rng.chance(0.5) else [])
        income = self._income((4_000, 12_000), len(members))
        return Family("child_in_difficulty", categories, members, income)

    def _unsupported_child(self) -> Family:
        members = self._grandparents((55, 78), 0.6)
        members.append(self._grandchild(self._father(members), (2, 16)))
        categories = [C.DE_FACTO_UNSUPPORTED_CHILD] + ([C.DIBIAN] if self.rng.chance(0.3) else [])
        income = self._income((5_000, 12_000), len(members))
        note = texts.HOUSEHOLD_NOTES["de_facto_unsupported_child"]
        return Family("unsupported_child", categories, members, income, note)

    def _zhichuxing(self) -> Family:
        members = self._couple((38, 60), with_spouse=0.85)
        if self.rng.chance(0.7):
            members += self._children(self._father(members), 1, (5, 22))
        patient = self.rng.choice(members[:2])
        patient.health_note = self.rng.choice(("确诊恶性肿瘤，正在化疗", "尿毒症，每周透析三次"))
        income = self._income((12_000, 25_000), len(members))
        note = texts.HOUSEHOLD_NOTES["zhichuxing"]
        return Family("zhichuxing", [C.ZHICHUXING], members, income, note)

    def _dibian(self) -> Family:
        if self.rng.chance(0.4):
            members = self._couple((62, 85), with_spouse=0.8)
        else:
            members = self._couple((32, 58), with_spouse=0.85)
            members += self._children(self._father(members), self.rng.randint(1, 2), (1, 24))
        income = self._income((11_000, 16_000), len(members))
        return Family("dibian", [C.DIBIAN], members, income)

    def _disabled_adult(self) -> Family:
        members = self._couple((50, 80), with_spouse=0.7)
        child = self._child(self._father(members), (20, 50))
        self._health(child, "severe_disability")
        members.append(child)
        return Family(
            "disabled_adult", [C.DIBAO], members, self._income((6_000, 11_000), len(members))
        )

    def _ordinary(self) -> list[Member]:
        members = self._couple((30, 62), with_spouse=0.9)
        members += self._children(self._father(members), self.rng.randint(1, 2), (0, 28))
        if self.rng.chance(0.25):
            head_age = members[0].age(self.today)
            elder = self.person(self.rng.choice(("母亲", "父亲")), (head_age + 22, head_age + 35))
            members.append(elder)
        return members

    def _monitored(self, category: Category) -> Family:
        members = self._ordinary()
        per_person = (12_000, 30_000) if category in (C.EXITED, C.REJECTED) else (8_000, 22_000)
        income = self._income(per_person, len(members))
        return Family(category.value, [category], members, income, texts.HOUSEHOLD_NOTES[category])

    def _low_income(self) -> Family:
        members = self._ordinary()
        income = self.rng.randint(35_000, 98_000) // 100 * 100
        return Family("low_income", [C.LOW_INCOME], members, income)

    def _left_behind(self) -> Family:
        members = self._grandparents((55, 75), 0.8)
        if self.rng.chance(0.6):
            members.append(self._child(self._father(members), (26, 42), "M"))
        for _ in range(self.rng.randint(1, 2)):
            members.append(self._grandchild(self._father(members), (3, 15)))
        categories = [C.LEFT_BEHIND_CHILD] + ([C.LOW_INCOME] if self.rng.chance(0.3) else [])
        income = self.rng.randint(45_000, 98_000) // 100 * 100
        note = texts.HOUSEHOLD_NOTES["left_behind_child"]
        return Family("left_behind", categories, members, income, note)
