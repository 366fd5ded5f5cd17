"""Service projects (慈善帮扶项目库): what an organisation runs for households, and how it
is funded (DOMAIN.md, "Organisations, service projects, publishing").

A project is server-owned reference data, nothing personal: organisations register them on
the county console, and devices receive those serving their areas (`ProjectBook`) so that a
coordinator can match a need to one and record a delivery (`records.Delivery`) offline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from app.domain.areas import InvalidAreaCode, parse_scope_code
from app.domain.calendar import Window
from app.domain.codes import NeedArea
from app.domain.errors import DoorstepError
from app.domain.ids import is_record_id
from app.domain.organisations import OrganisationKind


class FundingSource(StrEnum):
    """Where a project's money comes from (stable codes; labels in the catalogue)."""

    PURCHASED_SERVICE = "purchased_service"  # 财政购买服务
    VENTURE = "venture"  # 公益创投
    FUNDRAISING = "fundraising"  # 慈善募捐
    TRUST = "trust"  # 慈善信托
    SPECIAL_FUND = "special_fund"  # 专项基金
    WELFARE_LOTTERY = "welfare_lottery"  # 福彩公益金


# 引入慈善资源: money raised by charity itself — donations, charitable trusts, named funds —
# as opposed to public money (purchased services, venture grants, the lottery fund).
CHARITY_FUNDING = frozenset(
    {FundingSource.FUNDRAISING, FundingSource.TRUST, FundingSource.SPECIAL_FUND}
)

PROJECT_NAME_MAX = 100
PROJECT_AREAS_MAX = 50
BUDGET_MAX_YUAN = 1_000_000_000  # 10亿元: far above any county project
CAPACITY_MAX = 1_000_000  # households a project can serve


class InvalidProject(DoorstepError, ValueError):
    """A project field that cannot be taken; the code says which and why."""

    default_code = "project.invalid"


def _id(value: str) -> str:
    if not is_record_id(value):
        raise InvalidProject("project.id")
    return value


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not 2 <= len(value) <= PROJECT_NAME_MAX:
        raise InvalidProject("project.name_length", max=PROJECT_NAME_MAX)
    return value


def _scope(value: str) -> str:
    try:
        return parse_scope_code(value)
    except InvalidAreaCode as exc:
        raise InvalidProject("project.area", raw=value[:20], problem=exc) from None


ProjectId = Annotated[str, Field(max_length=36), AfterValidator(_id)]
ScopeCode = Annotated[str, Field(max_length=12), AfterValidator(_scope)]


class ServiceProject(BaseModel):
    """One project of the library: who runs it, for which needs, where, when, and with
    what money. `capacity` is how many households it can serve; `brand` marks a county's
    品牌项目 (一县一品)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: ProjectId
    name: Annotated[str, Field(max_length=400), AfterValidator(_name)]
    organisation_id: ProjectId
    organisation_name: Annotated[str, Field(max_length=PROJECT_NAME_MAX)] = ""
    organisation_kind: OrganisationKind = OrganisationKind.CHARITY
    need_areas: Annotated[list[NeedArea], Field(min_length=1, max_length=len(NeedArea))]
    areas: Annotated[list[ScopeCode], Field(min_length=1, max_length=PROJECT_AREAS_MAX)]
    starts_on: date
    ends_on: date | None = None
    funding: FundingSource
    budget_yuan: Annotated[int, Field(ge=0, le=BUDGET_MAX_YUAN)] = 0
    capacity: Annotated[int, Field(ge=0, le=CAPACITY_MAX)] = 0
    brand: bool = False
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> ServiceProject:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise InvalidProject("project.period")
        object.__setattr__(self, "need_areas", list(dict.fromkeys(self.need_areas)))
        object.__setattr__(self, "areas", list(dict.fromkeys(self.areas)))
        return self

    def running_in(self, window: Window) -> bool:
        """Active and running on at least one day of `window`."""
        return (
            self.active
            and self.starts_on <= window.end
            and (self.ends_on is None or self.ends_on >= window.start)
        )

    def serves(self, area_code: str) -> bool:
        """Whether one of its areas contains `area_code` (a village, township or county)."""
        return any(area_code.startswith(a) or a.startswith(area_code) for a in self.areas)

    @property
    def charity_resource(self) -> bool:
        """Funded by charity's own resources (`CHARITY_FUNDING`): 引入慈善资源."""
        return self.funding in CHARITY_FUNDING


def parse_project(data: Mapping[str, Any]) -> ServiceProject:
    """A project from entered or sent values; InvalidProject naming the first bad field."""
    try:
        return ServiceProject.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, DoorstepError):
            raise InvalidProject(cause.code, **cause.params) from None
        where = str(next(iter(first.get("loc", ())), "project"))
        raise InvalidProject("project.field", field=where) from None


class OrganisationRef(BaseModel):
    """An organisation as devices and the indicators see it: nothing but its name, kind,
    whether it is active and when it was registered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ProjectId
    name: Annotated[str, Field(max_length=PROJECT_NAME_MAX)]
    kind: OrganisationKind
    active: bool = True
    registered_on: date


class ProjectBook(BaseModel):
    """The projects and organisations serving a scope, as a device keeps them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    projects: list[ServiceProject] = Field(default_factory=list)
    organisations: list[OrganisationRef] = Field(default_factory=list)

    def project(self, project_id: str | None) -> ServiceProject | None:
        return next((p for p in self.projects if p.id == project_id), None)

    def for_need(self, area: NeedArea, area_code: str, on: date) -> list[ServiceProject]:
        """The projects a coordinator may match a need to: active, running on `on`, serving
        the household's area and the need's area; brand projects first, then by name."""
        day = Window(on, on)
        found = [
            p
            for p in self.projects
            if area in p.need_areas and p.serves(area_code) and p.running_in(day)
        ]
        return sorted(found, key=lambda p: (not p.brand, p.name, p.id))


def of_scope(projects: Iterable[ServiceProject], scope: Iterable[str]) -> list[ServiceProject]:
    """The projects one of whose areas overlaps the scope."""
    codes = list(scope)
    return [p for p in projects if any(p.serves(code) for code in codes)]
