"""What lists, the visit rules and the reports read of a household and of a member.

`HouseholdLike` and `MemberLike` are what the domain's rules (`policy`, `coverage`,
`indicators`) take: the records `Household` and `Person` satisfy them, and so do lighter
rows built without pydantic — the summaries below (the device's roster, from
app/store/facts.py) and the county server's report rows. A summary is not a record: it
carries only the fields named here, so it cannot be edited and written back (the store
takes records only, and refuses anything else); a screen that edits a household or a
member reads the record itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal, NamedTuple, Protocol

from app.domain import identity
from app.domain.codes import Category, PersonFlag, RegisterStatus

# The household field holding the day it entered each monitored category that expires
# (近3年退出救助, 2年内申请未通过, 1年内临时救助): the policy's `categories_on` reads them.
CATEGORY_SINCE: dict[Category, str] = {
    Category.EXITED: "exited_on",
    Category.REJECTED: "rejected_on",
    Category.TEMPORARY_AID: "temporary_aid_on",
}


class HouseholdLike(Protocol):
    """What the visit rules, the warnings and reports read of a household (户)."""

    @property
    def id(self) -> str: ...
    @property
    def area_code(self) -> str: ...
    @property
    def categories(self) -> Sequence[Category]: ...
    @property
    def register_status(self) -> RegisterStatus: ...
    @property
    def registered_on(self) -> date | None: ...
    @property
    def left_on(self) -> date | None: ...
    @property
    def exited_on(self) -> date | None: ...
    @property
    def rejected_on(self) -> date | None: ...
    @property
    def temporary_aid_on(self) -> date | None: ...
    @property
    def annual_income_yuan(self) -> int | None: ...
    def on_register(self, on: date) -> bool: ...


class MemberLike(Protocol):
    """What the visit rules and reports read of a household member: the flags that set the
    visit frequency, what derives 高龄独居 (birth date, living alone), the day the member
    left (if they did) and a major event's days."""

    @property
    def id(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def birth_date(self) -> date | None: ...
    @property
    def lives_alone(self) -> bool: ...
    @property
    def flags(self) -> Sequence[PersonFlag]: ...
    @property
    def left_on(self) -> date | None: ...
    @property
    def major_event_date(self) -> date | None: ...
    @property
    def major_event_recorded_on(self) -> date | None: ...


def on_register(household: HouseholdLike, on: date) -> bool:
    """On the register at the end of day `on` (reported households are not yet, merged ones
    are counted as the household they were merged into): the one
    definition `Household.on_register` and every summary's use."""
    if household.register_status in (RegisterStatus.REPORTED, RegisterStatus.MERGED):
        return False
    if household.registered_on is not None and household.registered_on > on:
        return False
    return household.left_on is None or household.left_on > on


class HouseholdSummary(NamedTuple):
    """A household as the lists, the visit rules and the warnings read it: no phone, notes
    or location (the income, for the uplift warning). A tuple, so that building thousands
    at unlock stays cheap."""

    id: str
    area_code: str
    address: str
    categories: tuple[Category, ...]
    register_status: RegisterStatus
    registered_on: date | None
    left_on: date | None
    exited_on: date | None = None
    rejected_on: date | None = None
    temporary_aid_on: date | None = None
    annual_income_yuan: int | None = None

    def on_register(self, on: date) -> bool:
        return on_register(self, on)


class MemberSummary(NamedTuple):
    """A household member as the lists and the visit rules read them: no ID number, phone
    or notes."""

    id: str
    area_code: str
    household_id: str
    name: str
    relation: str
    birth_date: date | None
    gender: Literal["M", "F"] | None
    flags: tuple[PersonFlag, ...]
    major_event_date: date | None
    major_event_recorded_on: date | None
    lives_alone: bool
    left_on: date | None

    def age_on(self, on: date) -> int | None:
        return identity.age_on(self.birth_date, on) if self.birth_date else None
