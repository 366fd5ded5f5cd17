"""The record types (DOMAIN.md), as validated pydantic models with no I/O.

Every record carries a client-generated UUIDv7 id, HLC stamps, the author's worker and
device ids, and the 12-digit area code that scopes it. Field values are domain codes;
labels and sentences for people live in the UI's catalogue (`app.ui.catalogue`).

Every string and list has a bound and every number is finite, so a bad value is refused
where the record is built. What may change after creation, and what a device may create,
are rules of each type (`check_create`, `check_edit`): the device store, its import and
the server's merge (`sync.merge`) all take them from here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from app.domain import campaigns, identity
from app.domain.areas import parse_area_code
from app.domain.codes import (
    CONTACT_OUTCOMES,
    CampaignGroup,
    CareKind,
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    DiscoveryReview,
    EmploymentAbility,
    EmploymentWish,
    Festival,
    LeaveReason,
    MajorEventKind,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralDirection,
    ReferralStatus,
    RegisterField,
    RegisterStatus,
    SchoolStage,
    ServedClass,
    Team,
    VisitKind,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.errors import DoorstepError
from app.domain.ids import is_record_id, new_id
from app.domain.purposes import purpose_of
from app.domain.summaries import HouseholdSummary, MemberSummary, on_register
from app.domain.wishes import (
    CLAIM_FOLLOW_UP_FIELDS,
    DEVICE_CREATE_STATES,
    STORY_MAX_CHARS,
    check_transition,
)


def _record_id(value: str) -> str:
    if not is_record_id(value):
        raise InvalidRecord("record.id")
    return value


def _id_number(value: str) -> str:
    return identity.parse_id_number(value)[0]


def _phone(value: str) -> str:
    return identity.parse_phone(value) if value else ""


# The bounds of what a record holds. The forms show them (a counter on free text), the
# device refuses a longer value before it is queued, and the server rejects it.
NOTE_MAX_CHARS = 2000  # free text: notes, observations, descriptions, reasons
NAME_MAX_CHARS = 50  # a person's name, a witness, a guardian, a companion
SHORT_TEXT_MAX_CHARS = 100  # an address, a relation, an organisation, a purpose, a title
WORKER_ID_MAX_CHARS = 40  # worker and device ids (record ids are 36-character UUIDs)
STAMP_MAX_CHARS = 80  # an HLC stamp: wall ms, counter and the 36-character node
COMPANIONS_MAX = 20
SEEN_MAX = 200  # consent events of one person, recipient and purpose a new one saw
MONEY_MAX_YUAN = 100_000_000
GPS_ACCURACY_MAX_M = 100_000.0

# Dates and times without a zone are China Standard Time, where the app is used (金华).
CHINA_TIME = timezone(timedelta(hours=8), "CST")

# The bounds above (and the name rule) apply to the values a create or an edit brings.
# A value read back from storage was accepted when it was written, perhaps by a version
# without them: validation context {STORED: True} marks every field as stored (a read),
# {STORED: <names>} the fields an edit left as they were. Every other rule still applies.
STORED = "stored"


def _from_storage(info: ValidationInfo) -> bool:
    stored = info.context.get(STORED) if info.context else None
    if isinstance(stored, frozenset):
        return info.field_name in stored
    return stored is True


@dataclass(frozen=True)
class MaxLength:
    """At most `max_length` characters (a string) or items (a list) in a value a create or
    an edit brings, refused as pydantic words it ("string_too_long", "too_long")."""

    max_length: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return AfterValidator(self._check).__get_pydantic_core_schema__(source, handler)

    def _check(self, value: str | list[Any], info: ValidationInfo) -> str | list[Any]:
        if len(value) <= self.max_length or _from_storage(info):
            return value
        if isinstance(value, str):
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": self.max_length},
            )
        raise PydanticCustomError(
            "too_long",
            "List should have at most {max_length} items after validation, not {actual_length}",
            {"field_type": "List", "max_length": self.max_length, "actual_length": len(value)},
        )


def _name(value: str, info: ValidationInfo) -> str:
    return value if _from_storage(info) else identity.parse_name(value)


# The days and moments a create or an edit may bring (a stored value stands as written):
# one outside them is a slip or a forgery, and the date arithmetic on it (a category's
# window years later, a consent's months) would fail for every list and report of its area.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def _plausible(value: date, info: ValidationInfo) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST_DAY <= day <= LATEST_DAY or _from_storage(info):
        return value
    raise InvalidRecord("record.day_out_of_range", earliest=EARLIEST_DAY, latest=LATEST_DAY)


RecordId = Annotated[str, Field(max_length=36), AfterValidator(_record_id)]
AreaCode = Annotated[str, Field(max_length=12), AfterValidator(parse_area_code)]
IdNumber = Annotated[str, Field(max_length=18), AfterValidator(_id_number)]
Phone = Annotated[str, Field(max_length=20), AfterValidator(_phone)]
Name = Annotated[str, MaxLength(NAME_MAX_CHARS), AfterValidator(_name)]
ShortText = Annotated[str, MaxLength(SHORT_TEXT_MAX_CHARS)]
Note = Annotated[str, MaxLength(NOTE_MAX_CHARS)]
WorkerId = Annotated[str, Field(max_length=WORKER_ID_MAX_CHARS)]
HlcStamp = Annotated[str, Field(max_length=STAMP_MAX_CHARS)]
Yuan = Annotated[int, Field(ge=0, le=MONEY_MAX_YUAN)]
Day = Annotated[date, AfterValidator(_plausible)]
Moment = Annotated[datetime, AfterValidator(_plausible)]


def codes(enum: type[Enum]) -> Any:
    """A list field of `enum` codes: empty by default, at most one of each code's worth."""
    return Field(default_factory=list, max_length=len(enum))


class GeoPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=GPS_ACCURACY_MAX_M)


class InvalidRecord(DoorstepError, ValueError):
    """A record's values break a rule of its type (a date before another, a missing
    reason); `problem` builds one for a record pydantic refused."""

    default_code = "record.invalid"


class IllegalChange(DoorstepError, ValueError):
    """A change a record type's rules forbid (a field fixed at creation, a field or state
    only the county server sets, a visit dated ahead)."""

    default_code = "change.illegal"


@dataclass(frozen=True)
class Writer:
    """Who makes a change: a device (for `worker_id`, when known) or the county server.

    `latest` is the latest moment a record may be dated: the checker's clock plus the
    tolerance it grants the writer's clock (None: not checked)."""

    latest: datetime | None = None
    worker_id: str | None = None
    server: bool = False
    reviewer: bool = False  # a coordinator (or above): decides on 主动发现 households


SERVER = Writer(server=True)
DEVICE = Writer()


def aware(moment: datetime) -> datetime:
    """`moment` with its zone; one without is China Standard Time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA_TIME)


# pydantic's checks that a record's problem names by a code of its own.
CHECKS = {
    "string_too_long": "check.string_too_long",
    "too_long": "check.too_long",
    "finite_number": "check.finite_number",
    "less_than_equal": "check.less_than_equal",
    "greater_than_equal": "check.greater_than_equal",
    "missing": "check.missing",
    "extra_forbidden": "check.extra_forbidden",
    "enum": "check.enum",
    "literal_error": "check.literal_error",
}


def field_problem(error: Mapping[str, Any]) -> DoorstepError:
    """One problem pydantic found (an item of `ValidationError.errors()`) as an error: ours
    as raised, pydantic's known checks by `CHECKS`, any other with pydantic's words."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, DoorstepError):
        return cause
    code = CHECKS.get(error["type"])
    if code is not None:
        return DoorstepError(code, **(error.get("ctx") or {}))
    return DoorstepError("check.other", detail=str(error.get("msg", "")))


def problem(exc: ValidationError) -> InvalidRecord:
    """The first problem of a record that failed validation, naming the field (`where`)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    if where:
        return InvalidRecord("record.invalid_at", where=where, problem=field_problem(first))
    return InvalidRecord("record.invalid", problem=field_problem(first))


class Record(BaseModel):
    """Fields every record has; `type_name` is the stable code used on disk and the wire."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, str_strip_whitespace=True, allow_inf_nan=False
    )
    type_name: ClassVar[str]
    # Lifecycle: an insert-only record is corrected by a new one; fixed fields are set at
    # creation (what a record hangs off: a different one is a new record); server fields
    # are written by the county server alone, and empty when a device creates the record.
    insert_only: ClassVar[bool] = False
    fixed_fields: ClassVar[frozenset[str]] = frozenset(
        {"household_id", "person_id", "visit_id", "amends_visit_id"}
    )
    server_fields: ClassVar[frozenset[str]] = frozenset()
    # Days a device may not date after its own today (the writer's clock with the tolerance
    # it is granted, China time): checked on create and on edit, on the device and at push.
    not_ahead: ClassVar[tuple[str, ...]] = ()

    id: RecordId = Field(default_factory=new_id)
    area_code: AreaCode
    created_hlc: HlcStamp = ""
    updated_hlc: HlcStamp = ""
    author_worker_id: WorkerId = ""
    device_id: WorkerId = ""

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | str | bytes) -> Self:
        """The record as storage holds it (a dict or JSON text): every rule but the input
        bounds, which held for it when it was written (`STORED`)."""
        if isinstance(data, str | bytes):
            return cls.model_validate_json(data, context={STORED: True})
        return cls.model_validate(data, context={STORED: True})

    @classmethod
    def edited(cls, data: Mapping[str, Any], changed: Iterable[str]) -> Self:
        """The stored record after an edit (`data`, whole): the input bounds apply to the
        `changed` fields alone, so an old over-long value does not block editing the rest."""
        return cls.model_validate(data, context={STORED: frozenset(data) - set(changed)})

    def content(self) -> dict[str, Any]:
        """The record's own fields as JSON-ready values, without the bookkeeping."""
        return self.model_dump(mode="json", exclude=set(BOOKKEEPING))

    def check_create(self, writer: Writer) -> None:
        """IllegalChange unless `writer` may create this record as it stands: a device
        leaves the server's fields empty, and dates none of `not_ahead` after its today."""
        check_not_ahead({n: getattr(self, n) for n in self.not_ahead}, writer)
        if writer.server:
            return
        filled = sorted(f for f in self.server_fields if getattr(self, f) not in (None, ""))
        if filled:
            raise IllegalChange("change.server_fills", field=filled[0])

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """IllegalChange unless `writer` may change the stored record `before` (JSON values)
        by `changes` (the fields that differ, as JSON values)."""
        if cls.insert_only:
            raise IllegalChange("change.insert_only", record=cls.type_name)
        check_not_ahead({n: changes[n] for n in cls.not_ahead if n in changes}, writer)
        fixed = sorted(set(changes) & (set(BOOKKEEPING) | cls.fixed_fields))
        if fixed:
            raise IllegalChange("change.fixed_field", field=fixed[0])
        if "area_code" in changes and cls is not Household:
            raise IllegalChange("change.area_follows_household")
        server_only = sorted(set(changes) & cls.server_fields)
        if server_only and not writer.server:
            raise IllegalChange("change.server_only", field=server_only[0])


BOOKKEEPING = ("id", "created_hlc", "updated_hlc", "author_worker_id", "device_id")


def check_not_ahead(days: Mapping[str, Any], writer: Writer) -> None:
    """IllegalChange (record.day_in_future, naming the field) when one of `days` (a date or
    its ISO text, by field name) is after the writer's today: China time at `writer.latest`,
    which holds the clock tolerance (none checked without it)."""
    if writer.latest is None:
        return
    today = _china_day(writer.latest)
    for name, value in days.items():
        if isinstance(value, str):
            value = date.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.date()
        if value is not None and value > today:
            raise IllegalChange("record.day_in_future", field=name)


def check_in_household(area_code: str, household_area_code: str) -> None:
    """IllegalChange unless a new record's `area_code` is its household's: every record but
    a household lies in its household's area; it is created there, is not moved on its own,
    and moves along when its household does (the county server moves it)."""
    if area_code != household_area_code:
        raise IllegalChange("change.area_follows_household")


# A coordinator's decision on a 主动发现 household (`app.domain.discovery`): written by a
# reviewer's device or the county server alone, as is any change of a reported household's
# register status.
REVIEW_FIELDS = frozenset(
    {"review_status", "review_reason", "reviewed_on", "reviewed_by", "merged_into"}
)
_UNDECIDED = (None, DiscoveryReview.APPLYING.value)
# A household's place on the register: the county roster import's (on the server), or a
# reviewer's decision on a reported household. A device creates a household `reported`
# without them, and changes them only by that decision.
REGISTER_FIELDS = frozenset({"register_status", "registered_on", "left_on"})


class Household(Record):
    """户: the unit that is registered, visited and assisted.

    A household found by 主动发现 is `reported` until a coordinator decides on it (the
    review fields, `app.domain.discovery`)."""

    type_name: ClassVar[str] = "household"

    address: ShortText
    phone: Phone = ""
    categories: list[Category] = codes(Category)
    register_status: RegisterStatus = RegisterStatus.REGISTERED
    registered_on: Day | None = None
    left_on: Day | None = None
    # The day the household entered a monitored category that expires (the roster's date,
    # or the day it was recorded): 近3年退出救助, 2年内申请未通过, 1年内临时救助.
    exited_on: Day | None = None
    rejected_on: Day | None = None
    temporary_aid_on: Day | None = None
    annual_income_yuan: Yuan | None = None
    notes: Note = ""
    gps: GeoPoint | None = None
    review_status: DiscoveryReview | None = None
    review_reason: Note = ""  # why it was dismissed (or a note on the decision)
    reviewed_on: Day | None = None
    reviewed_by: WorkerId = ""
    merged_into: RecordId | None = None  # the registered household it turned out to be

    @property
    def classes(self) -> set[ServedClass]:
        return {c.served_class for c in self.categories}

    def on_register(self, on: date) -> bool:
        """On the register at the end of day `on` (`summaries.on_register`)."""
        return on_register(self, on)

    def summary(self) -> HouseholdSummary:
        """What the lists and the visit rules read of this household."""
        return HouseholdSummary(
            self.id,
            self.area_code,
            self.address,
            tuple(self.categories),
            self.register_status,
            self.registered_on,
            self.left_on,
            self.exited_on,
            self.rejected_on,
            self.temporary_aid_on,
            self.annual_income_yuan,
        )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Household:
        if self.registered_on and self.left_on and self.left_on < self.registered_on:
            raise InvalidRecord("household.left_before_registered")
        if self.register_status == RegisterStatus.LEFT and self.left_on is None:
            raise InvalidRecord("household.left_on_missing")
        return self._review_consistent()

    def _review_consistent(self) -> Household:
        review, status = self.review_status, self.register_status
        if review is not None and self.reviewed_on is None:
            raise InvalidRecord("discovery.reviewed_on_missing")
        if review == DiscoveryReview.DISMISSED and not self.review_reason:
            raise InvalidRecord("discovery.reason_missing")
        merged = status == RegisterStatus.MERGED
        if merged != (self.merged_into is not None) or (
            merged and review != DiscoveryReview.CONFIRMED
        ):
            raise InvalidRecord("discovery.merge_inconsistent")
        if self.merged_into is not None and self.merged_into == self.id:
            raise InvalidRecord("discovery.merge_inconsistent")
        if review in (DiscoveryReview.APPLYING, DiscoveryReview.DISMISSED) and (
            status != RegisterStatus.REPORTED
        ):
            raise InvalidRecord("discovery.still_reported")
        if review == DiscoveryReview.CONFIRMED and status == RegisterStatus.REPORTED:
            raise InvalidRecord("discovery.confirmed_reported")
        return self

    def check_create(self, writer: Writer) -> None:
        """A device reports a household (主动发现), undecided: only the county's roster puts
        a household on the register, or a reviewer's later decision on a reported one."""
        super().check_create(writer)
        if writer.server:
            return
        if self.register_status == RegisterStatus.MERGED or any(
            getattr(self, f) not in (None, "") for f in REVIEW_FIELDS
        ):
            raise IllegalChange("discovery.create_decided")
        if self.register_status != RegisterStatus.REPORTED or (
            self.registered_on is not None or self.left_on is not None
        ):
            raise IllegalChange("discovery.create_registered")

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """A household's place on the register (`REGISTER_FIELDS`) is the roster's: a
        device changes it, and the review fields, only as a reviewer's decision on a 主动发现
        household still undecided (reported, or with an application started); putting it
        on the register is that decision's confirmation, never a bare change of status."""
        super().check_edit(before, changes, writer)
        deciding = bool(set(changes) & (REVIEW_FIELDS | REGISTER_FIELDS))
        if not deciding or writer.server:
            return
        if before.get("review_status") not in _UNDECIDED:
            raise IllegalChange(
                "discovery.decided" if writer.reviewer else "discovery.reviewer_only"
            )
        if before.get("register_status") != RegisterStatus.REPORTED.value:
            raise IllegalChange("discovery.roster_only")
        if not writer.reviewer:
            raise IllegalChange("discovery.reviewer_only")
        review = changes.get("review_status", before.get("review_status"))
        status = changes.get("register_status", before.get("register_status"))
        reviewer = changes.get("reviewed_by", before.get("reviewed_by"))
        if (
            writer.worker_id is not None
            and ("reviewed_by" in changes or "review_status" in changes)
            and reviewer != writer.worker_id
        ):
            raise IllegalChange("discovery.other_reviewer")
        if status == RegisterStatus.REGISTERED.value and review != DiscoveryReview.CONFIRMED:
            raise IllegalChange("discovery.register_unconfirmed")


class Person(Record):
    """A member of a household (家庭成员)."""

    type_name: ClassVar[str] = "person"

    household_id: RecordId
    name: Annotated[Name, Field(min_length=1)]
    id_number: IdNumber | None = None
    birth_date: Day | None = None
    gender: Literal["M", "F"] | None = None
    phone: Phone = ""
    relation: ShortText = "户主"
    flags: list[PersonFlag] = codes(PersonFlag)
    major_event_date: Day | None = None
    major_event_recorded_on: Day | None = None
    major_event_note: Note = ""
    major_event_kind: MajorEventKind | None = None
    lives_alone: bool = False
    health_note: Note = ""
    left_on: Day | None = None  # no longer listed in the household (died, moved out…)
    left_reason: LeaveReason | None = None
    school_stage: SchoolStage | None = None
    employment_ability: EmploymentAbility | None = None
    employment_wish: EmploymentWish | None = None

    # Days that a device may not date after its own today (a leave, a 重大变故): checked on
    # create and on edit against the writer's clock, on the device and at push.
    NOT_AHEAD: ClassVar[tuple[str, ...]] = ("left_on", "major_event_date")
    not_ahead: ClassVar[tuple[str, ...]] = ("birth_date",)

    @model_validator(mode="after")
    def _consistent(self) -> Person:
        if self.id_number:
            _, birth, gender = identity.parse_id_number(self.id_number)
            if self.birth_date is not None and self.birth_date != birth:
                raise InvalidRecord("person.birth_date_mismatch")
            if self.gender is not None and self.gender != gender:
                raise InvalidRecord("person.gender_mismatch")
            object.__setattr__(self, "birth_date", birth)
            object.__setattr__(self, "gender", gender)
        if PersonFlag.MAJOR_EVENT in self.flags and self.major_event_date is None:
            raise InvalidRecord("person.major_event_date")
        if self.major_event_kind is not None and self.major_event_date is None:
            raise InvalidRecord("person.major_event_date")
        if self.left_reason is not None and self.left_on is None:
            raise InvalidRecord("person.left_on_missing")
        if self.birth_date and self.left_on and self.left_on < self.birth_date:
            raise InvalidRecord("person.left_before_birth")
        return self

    def check_create(self, writer: Writer) -> None:
        """A device dates no leave and no 重大变故 after its own today."""
        super().check_create(writer)
        self._check_not_ahead(self.NOT_AHEAD, writer)

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """An edit dates no leave and no 重大变故 after the writer's today."""
        super().check_edit(before, changes, writer)
        after = cls.model_construct(**{k: v for k, v in changes.items() if k in cls.model_fields})
        after._check_not_ahead(tuple(f for f in cls.NOT_AHEAD if f in changes), writer)

    def _check_not_ahead(self, fields: tuple[str, ...], writer: Writer) -> None:
        if writer.latest is None or writer.server:
            return
        today = aware(writer.latest).astimezone(CHINA_TIME).date()
        for name in fields:
            value = getattr(self, name, None)
            if isinstance(value, str):
                value = date.fromisoformat(value)
            if value is None or value <= today:
                continue
            if name == "left_on":
                raise IllegalChange("person.left_in_future")
            raise IllegalChange("person.major_event_in_future")

    def age_on(self, on: date) -> int | None:
        return identity.age_on(self.birth_date, on) if self.birth_date else None

    def summary(self) -> MemberSummary:
        """What the lists and the visit rules read of this member."""
        return MemberSummary(
            self.id,
            self.area_code,
            self.household_id,
            self.name,
            self.relation,
            self.birth_date,
            self.gender,
            tuple(self.flags),
            self.major_event_date,
            self.major_event_recorded_on,
            self.lives_alone,
            self.left_on,
        )


HEAD_RELATION = "户主"


Member = TypeVar("Member", Person, MemberSummary)


def head_of(members: Iterable[Member]) -> Member | None:
    """The member a household is known by (户主): the head among those still listed, else
    the first still listed, else (everyone has left) the head or first of the rest."""
    people = list(members)
    current = [p for p in people if p.left_on is None] or people
    return next(
        (p for p in current if p.relation == HEAD_RELATION), current[0] if current else None
    )


def check_unique_id_number(person: Person, others: Iterable[Person]) -> None:
    """InvalidRecord when `person`'s ID number is held by another live member (one who has
    not left) among `others`: the device asks its store, the server the county."""
    if not person.id_number or person.left_on is not None:
        return
    for other in others:
        if other.id != person.id and other.left_on is None and other.id_number == person.id_number:
            raise InvalidRecord("person.id_number_taken")


class RegisterChange(Record):
    """登记变更: one field of a household or of a member changed on a device (or a member
    added): who, when, from what to what. Insert-only: the history of the register.

    The values are as the device showed them before and after the edit, written as text
    (`register_value`); a concurrent edit elsewhere is the merge's to resolve and log as a
    conflict, not this record's."""

    type_name: ClassVar[str] = "register_change"
    insert_only: ClassVar[bool] = True

    household_id: RecordId
    person_id: RecordId | None = None
    field: RegisterField
    before: Note = ""
    after: Note = ""
    changed_at: Moment
    worker_id: Annotated[WorkerId, Field(min_length=1)]

    def check_create(self, writer: Writer) -> None:
        """Not dated ahead of the writer's clock; a device records its own worker's edits."""
        super().check_create(writer)
        if writer.latest is not None and aware(self.changed_at) > aware(writer.latest):
            raise IllegalChange("register_change.in_future")
        if writer.worker_id is not None and self.worker_id != writer.worker_id:
            raise IllegalChange("register_change.other_worker")


def register_value(value: Any) -> str:
    """A field's value as a register change keeps it: "" for none, codes joined by "," for
    a list, "true"/"false", an ISO date, or the text itself."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(register_value(v) for v in value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Visit(Record):
    """探访关爱 or 敲门问需求 visit; insert-only (a correction is a new record that amends)."""

    type_name: ClassVar[str] = "visit"
    insert_only: ClassVar[bool] = True

    household_id: RecordId
    kind: VisitKind = VisitKind.CARE
    visited_at: Moment
    worker_id: Annotated[WorkerId, Field(min_length=1)]
    team: Team
    companions: Annotated[list[Name], MaxLength(COMPANIONS_MAX)] = Field(default_factory=list)
    mode: VisitMode = VisitMode.HOME
    outcome: VisitOutcome = VisitOutcome.MET
    care: list[CareKind] = codes(CareKind)
    observations: Note = ""
    gps: GeoPoint | None = None
    photo_id: RecordId | None = None
    amends_visit_id: RecordId | None = None

    @property
    def is_contact(self) -> bool:
        """Someone was reached (`CONTACT_OUTCOMES`)."""
        return self.outcome in CONTACT_OUTCOMES

    def check_create(self, writer: Writer) -> None:
        """A visit is not dated ahead of the writer's clock, and a device records only its
        own worker's visits: `worker_id` feeds the 责任人 fallback and the by-worker reports,
        so another worker's id or any other text is rejected rather than corrected — a
        silent correction would credit the visit to someone the device never named."""
        super().check_create(writer)
        if writer.latest is not None and aware(self.visited_at) > aware(writer.latest):
            raise IllegalChange("visit.in_future")
        if writer.worker_id is not None and self.worker_id != writer.worker_id:
            raise IllegalChange("visit.other_worker")


class Need(Record):
    """A need in one of the seven areas, raised on a visit and followed to its end."""

    type_name: ClassVar[str] = "need"

    household_id: RecordId
    person_id: RecordId | None = None
    visit_id: RecordId | None = None
    area: NeedArea
    not_ahead: ClassVar[tuple[str, ...]] = ("raised_on",)

    description: Note
    raised_on: Day
    status: NeedStatus = NeedStatus.RAISED
    assessment_reason: Note = ""
    resource: ShortText = ""  # programme, charity project or 幸福超市 it was matched to
    project_id: RecordId | None = None  # the service project it was matched to (项目库)
    fulfilled_on: Day | None = None
    fulfilment_note: Note = ""
    fulfilment_photo_id: RecordId | None = None
    closed_reason: Note = ""

    @property
    def reasonable(self) -> bool | None:
        if self.status == NeedStatus.RAISED:
            return None
        return self.status != NeedStatus.UNREASONABLE

    @model_validator(mode="after")
    def _status_fields(self) -> Need:
        if self.status == NeedStatus.UNREASONABLE and not self.assessment_reason:
            raise InvalidRecord("need.reason_missing")
        if self.status == NeedStatus.FULFILLED and self.fulfilled_on is None:
            raise InvalidRecord("need.fulfilled_on_missing")
        return self


class ConsentEvent(Record):
    """信息共享同意: one grant or withdrawal; the state is folded from the events.

    `seen` lists the events of the same person, recipient and purpose known to the
    device when this one was recorded: a grant that saw a withdrawal re-grants, a
    withdrawal wins over every grant it did not see or that did not see it.
    """

    type_name: ClassVar[str] = "consent"
    insert_only: ClassVar[bool] = True

    household_id: RecordId
    person_id: RecordId
    action: ConsentAction
    recipient: ShortText  # a named organisation, or a class such as 助联体成员慈善组织
    purpose: ShortText
    data_categories: list[DataCategory] = codes(DataCategory)
    valid_until: Day | None = None
    method: ConsentMethod
    witness: Name = ""
    guardian_name: Name = ""
    evidence_photo_id: RecordId | None = None
    occurred_at: Moment
    recorded_by: WorkerId
    seen: Annotated[list[RecordId], MaxLength(SEEN_MAX)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> ConsentEvent:
        if self.action == ConsentAction.GRANT:
            if not self.data_categories:
                raise InvalidRecord("consent.categories_missing")
            if self.method == ConsentMethod.VERBAL and not self.witness:
                raise InvalidRecord("consent.witness_missing")
        return self

    def check_create(self, writer: Writer) -> None:
        """A consent is not dated ahead of the writer's clock (the latest grant is the one
        in force: one dated ahead would outrank every later grant). A device grants only for a purpose of the list
        (`app.domain.purposes`: its code, or its words as typed before the list); a
        withdrawal may name any purpose, so a consent typed before the list can still be
        withdrawn."""
        super().check_create(writer)
        if writer.latest is not None and aware(self.occurred_at) > aware(writer.latest):
            raise IllegalChange("consent.in_future")
        if writer.worker_id is not None and self.recorded_by != writer.worker_id:
            raise IllegalChange("consent.other_worker")
        if writer.server or self.action != ConsentAction.GRANT:
            return
        if purpose_of(self.purpose) is None:
            raise IllegalChange("consent.purpose_unlisted")


class Wish(Record):
    """微心愿: collected on a survey, reviewed, published, claimed, fulfilled (圆梦)."""

    type_name: ClassVar[str] = "wish"
    # The county server records a claim and a stale claim's release; the contact and the
    # handover are written by either side, while the wish is claimed (`check_edit`).
    server_fields: ClassVar[frozenset[str]] = frozenset(
        {"claimed_by", "claimed_on", "released_on", "delivery_team", "delivery_team_id"}
    )
    not_ahead: ClassVar[tuple[str, ...]] = (
        "collected_on",
        "contacted_on",
        "handed_over_on",
        "fulfilled_on",
    )

    household_id: RecordId
    person_id: RecordId | None = None
    title: ShortText
    description: Note = ""
    value_yuan: Yuan
    state: WishState = WishState.COLLECTED
    collected_on: Day
    reviewed_on: Day | None = None
    reject_reason: Note = ""
    claimed_by: ShortText = ""
    claimed_on: Day | None = None
    contacted_on: Day | None = None  # the donor reached the household: the claim is kept
    handed_over_on: Day | None = None  # 交接: the donor handed the gift over
    handover_note: Note = ""
    # The 小特帮扶服务队 a coordinator assigned to carry the gift (console): its name and id.
    delivery_team: ShortText = ""
    delivery_team_id: ShortText = ""
    released_on: Day | None = None  # last release of a claim with no contact in time
    fulfilled_on: Day | None = None
    fulfilment_note: Note = ""
    photo_id: RecordId | None = None
    cancel_reason: Note = ""
    # What the board shows beside the title and value (set when publishing): the need
    # area, a short story screened for the household's personal data, and whether the
    # household separately agreed to its photos being shown in public (宣传同意).
    need_area: NeedArea = NeedArea.WISH
    story: Annotated[str, MaxLength(STORY_MAX_CHARS)] = ""
    publicity_consent: bool = False

    def check_create(self, writer: Writer) -> None:
        """A device creates a wish only in a state it could reach on its own (collected,
        then reviewed or cancelled): publishing and claiming are the server's."""
        if not writer.server and self.state not in DEVICE_CREATE_STATES:
            raise IllegalChange("wish.device_create_state")
        if not writer.server and any(getattr(self, f) for f in CLAIM_FOLLOW_UP_FIELDS):
            raise IllegalChange("wish.contact_not_claimed", state=self.state)
        super().check_create(writer)

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """A change of state is a legal transition for its writer (`app.domain.wishes`)."""
        super().check_edit(before, changes, writer)
        if "state" in changes:
            check = check_transition(
                WishState(before["state"]), WishState(changes["state"]), on_server=writer.server
            )
            if check.problem is not None:
                raise IllegalChange.like(check.problem)
        follow_up = set(changes) & CLAIM_FOLLOW_UP_FIELDS
        if follow_up and not writer.server and before["state"] != WishState.CLAIMED.value:
            raise IllegalChange("wish.contact_not_claimed", state=WishState(before["state"]))


class Referral(Record):
    """双向转介: to a charity (gated by consent) or back to civil affairs.

    What is shared, with whom and why is fixed at creation, where the consent gate checks
    it: a different recipient, purpose, direction or set of data is a new referral.

    `recipient` of a referral to a charity is the organisation's id (`organisations.id` on
    the county server, as devices receive the organisations), exactly as the consent names
    it. The charity's answer and outcome are the county server's (`app.domain.referrals`):
    a device creates a referral "sent", with nothing answered."""

    type_name: ClassVar[str] = "referral"
    fixed_fields: ClassVar[frozenset[str]] = Record.fixed_fields | {
        "direction",
        "recipient",
        "purpose",
        "data_categories",
    }
    server_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "status",
            "answered_on",
            "answered_by",
            "decline_reason",
            "service",
            "service_on",
            "value_yuan",
            "completed_on",
            "outcome_photo_id",
        }
    )
    not_ahead: ClassVar[tuple[str, ...]] = ("referred_on",)

    household_id: RecordId
    person_id: RecordId
    direction: ReferralDirection = ReferralDirection.TO_CHARITY
    recipient: ShortText
    purpose: ShortText
    data_categories: list[DataCategory] = codes(DataCategory)
    need_id: RecordId | None = None
    status: ReferralStatus = ReferralStatus.SENT
    referred_on: Day
    completed_on: Day | None = None
    note: Note = ""
    answered_on: Day | None = None  # accepted or declined
    answered_by: ShortText = ""  # the organisation's name, as it answered
    decline_reason: Note = ""
    service: Note = ""  # what the organisation did
    service_on: Day | None = None
    value_yuan: Yuan | None = None
    outcome_photo_id: RecordId | None = None  # the organisation's photo of what it did

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """The answer to a referral to a charity is the server's (the charity answers in the
        console); a referral back to civil affairs is answered on the government side."""
        if before.get("direction") == ReferralDirection.TO_CIVIL_AFFAIRS.value:
            writer = Writer(latest=writer.latest, worker_id=writer.worker_id, server=True)
        super().check_edit(before, changes, writer)

    def check_create(self, writer: Writer) -> None:
        """A device sends a referral to a charity: status "sent", none of the answer filled in;
        no referral is dated after the writer's today."""
        check_not_ahead({n: getattr(self, n) for n in self.not_ahead}, writer)
        if writer.server or self.direction == ReferralDirection.TO_CIVIL_AFFAIRS:
            return
        if self.status != ReferralStatus.SENT:
            raise IllegalChange("change.server_only", field="status")
        filled = sorted(
            f for f in self.server_fields - {"status"} if getattr(self, f) not in (None, "")
        )
        if filled:
            raise IllegalChange("change.server_fills", field=filled[0])


class Delivery(Record):
    """项目服务记录: one delivery of a service project to a household — the date, the
    service given and its value in 元 — recorded by the organisation (console) or a worker
    (device). What it hangs off (household, person, project) is fixed at creation."""

    type_name: ClassVar[str] = "delivery"
    fixed_fields: ClassVar[frozenset[str]] = Record.fixed_fields | {"project_id"}

    household_id: RecordId
    person_id: RecordId | None = None
    project_id: RecordId
    need_id: RecordId | None = None
    area: NeedArea
    delivered_on: Day
    service: Annotated[ShortText, Field(min_length=1)]
    value_yuan: Yuan = 0
    note: Note = ""

    def check_create(self, writer: Writer) -> None:
        """A delivery is not dated after the writer's day (China time)."""
        super().check_create(writer)
        if writer.latest is not None and self.delivered_on > _china_day(writer.latest):
            raise IllegalChange("delivery.in_future")


def _china_day(moment: datetime) -> date:
    return aware(moment).astimezone(CHINA_TIME).date()


class Campaign(Record):
    """节日走访清单: a festival list of a township (or one village) — the festival and year,
    the groups it picks (老 / 幼 / 残) with the ages it picks them by, and who made it
    (`app.domain.campaigns`). Made and renamed by a coordinator; what it picks is fixed at
    creation (another rule is another list). Its households are `CampaignAssignment`s."""

    type_name: ClassVar[str] = "campaign"
    fixed_fields: ClassVar[frozenset[str]] = Record.fixed_fields | {
        "festival",
        "year",
        "groups",
        "elderly_age",
        "child_age",
        "villages",
        "created_by",
        "created_on",
    }

    festival: Festival
    year: int = Field(ge=campaigns.FIRST_YEAR, le=campaigns.LAST_YEAR)
    name: Annotated[str, MaxLength(campaigns.CAMPAIGN_NAME_MAX_CHARS), Field(min_length=1)]
    groups: list[CampaignGroup] = Field(min_length=1, max_length=len(CampaignGroup))
    elderly_age: int = Field(80, ge=campaigns.ELDERLY_AGE_MIN, le=campaigns.ELDERLY_AGE_MAX)
    child_age: int = Field(campaigns.CHILD_AGE, ge=campaigns.CHILD_AGE_MIN, le=campaigns.CHILD_AGE)
    villages: Annotated[list[AreaCode], MaxLength(campaigns.VILLAGES_MAX)] = Field(
        default_factory=list
    )
    created_by: Annotated[WorkerId, Field(min_length=1)]
    created_on: Day
    note: Note = ""
    closed_on: Day | None = None  # 已结束: no more changes, its final progress stays

    @property
    def days(self) -> campaigns.FestivalDays:
        return campaigns.festival_days(self.festival, self.year)

    def rule(self) -> campaigns.SelectionRule:
        """What the list picks, on the festival's day."""
        return campaigns.SelectionRule(
            frozenset(self.groups), self.days.day, self.elderly_age, self.child_age
        )

    def covers(self, household_area: str) -> bool:
        return campaigns.covers(self.area_code, self.villages, household_area)

    def covers_all(self, household_areas: Iterable[str]) -> bool:
        return all(self.covers(a) for a in household_areas)

    @model_validator(mode="after")
    def _area_and_groups(self) -> Campaign:
        if len(set(self.groups)) != len(self.groups):
            raise InvalidRecord("campaign.group_twice")
        try:
            campaigns.check_list_area(self.area_code, self.villages)
        except campaigns.CampaignError as exc:
            raise InvalidRecord.like(exc) from None
        return self

    def check_create(self, writer: Writer) -> None:
        """A device records lists made by its own worker, not dated after its day."""
        super().check_create(writer)
        if writer.worker_id is not None and self.created_by != writer.worker_id:
            raise IllegalChange("campaign.other_worker")
        if writer.latest is not None and self.created_on > _china_day(writer.latest):
            raise IllegalChange("campaign.in_future")
        if self.closed_on is not None and not writer.server:
            raise IllegalChange("campaign.closed")

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """Only a coordinator (or the server) renames a list, changes its note, closes it
        (not dated after the writer's day) or reopens it (at any time,
        `app.domain.campaigns`); a closed list changes no more until it is reopened, and
        reopening changes nothing else."""
        super().check_edit(before, changes, writer)
        if not writer.server and not writer.reviewer:
            raise IllegalChange("campaign.coordinator_only")
        reopening = set(changes) == {"closed_on"} and changes["closed_on"] is None
        if before.get("closed_on") and not writer.server and not reopening:
            raise IllegalChange("campaign.closed")
        closed = changes.get("closed_on")
        if (
            closed
            and writer.latest is not None
            and not writer.server
            and date.fromisoformat(str(closed)) > _china_day(writer.latest)
        ):
            raise IllegalChange("campaign.in_future")


DeliveredItem = Annotated[str, MaxLength(campaigns.ITEM_MAX_CHARS), Field(min_length=1)]


class CampaignAssignment(Record):
    """A household on a festival list (节日走访对象), the worker assigned to visit it, and —
    once a visit reached someone — that visit, its day and what was delivered (items,
    value in 元). Who is assigned is a coordinator's to change; the delivery is written by
    the device that records the visit (`app.domain.campaigns`)."""

    type_name: ClassVar[str] = "campaign_assignment"
    # The visit is written once it happened (not at creation, as a need's visit is).
    fixed_fields: ClassVar[frozenset[str]] = (Record.fixed_fields - {"visit_id"}) | {
        "campaign_id",
        "groups",
        "restores",
        "restored_on",
    }

    household_id: RecordId
    campaign_id: RecordId
    worker_id: Annotated[WorkerId, Field(min_length=1)]
    groups: list[CampaignGroup] = Field(min_length=1, max_length=len(CampaignGroup))
    visit_id: RecordId | None = None
    visited_on: Day | None = None
    delivered: Annotated[list[DeliveredItem], MaxLength(campaigns.ITEMS_MAX)] = Field(
        default_factory=list
    )
    delivered_value_yuan: int | None = Field(
        default=None, ge=0, le=campaigns.DELIVERED_VALUE_MAX_YUAN
    )
    # Taken off the list by a coordinator, before any visit, with the reason and who did
    # it (empty on places taken off before it was recorded): kept in the list's history,
    # not counted in its progress.
    removed_on: Day | None = None
    removed_reason: Annotated[str, MaxLength(campaigns.REMOVAL_REASON_MAX_CHARS)] = ""
    removed_by: WorkerId = ""
    # 放回: this place puts back the household's place taken off (`restores`), on
    # `restored_on`, by its author (`author_worker_id`).
    restores: RecordId | None = None
    restored_on: Day | None = None

    @model_validator(mode="after")
    def _visit_complete(self) -> CampaignAssignment:
        if (self.visit_id is None) != (self.visited_on is None):
            raise InvalidRecord("campaign.visit_day_missing")
        if self.visit_id is None and (self.delivered or self.delivered_value_yuan is not None):
            raise InvalidRecord("campaign.delivered_without_visit")
        if (self.removed_on is None) != (not self.removed_reason):
            raise InvalidRecord("campaign.removal_reason_missing")
        if self.removed_on is not None and self.visit_id is not None:
            raise InvalidRecord("campaign.remove_visited")
        if self.removed_on is None and self.removed_by:
            raise InvalidRecord("campaign.removal_reason_missing")
        if (self.restores is None) != (self.restored_on is None) or self.restores == self.id:
            raise InvalidRecord("campaign.restore_day_missing")
        return self

    def check_create(self, writer: Writer) -> None:
        """A household is put on a list (or put back) not yet visited (the visit is a
        later change), not removed, and not put back after the writer's day."""
        super().check_create(writer)
        if not writer.server and self.visit_id is not None:
            raise IllegalChange("campaign.create_visited")
        if not writer.server and self.removed_on is not None:
            raise IllegalChange("campaign.removed")
        if (
            self.restored_on is not None
            and writer.latest is not None
            and self.restored_on > _china_day(writer.latest)
        ):
            raise IllegalChange("campaign.in_future")

    @classmethod
    def check_edit(
        cls, before: Mapping[str, Any], changes: Mapping[str, Any], writer: Writer
    ) -> None:
        """Who visits and taking a household off the list (only before it was visited)
        are a coordinator's; a household taken off changes no more; a visit or a removal
        is not dated after the writer's day."""
        super().check_edit(before, changes, writer)
        if writer.server:
            return
        if before.get("removed_on"):
            raise IllegalChange("campaign.removed")
        removing = bool({"removed_on", "removed_reason", "removed_by"} & set(changes))
        if ("worker_id" in changes or removing) and not writer.reviewer:
            raise IllegalChange("campaign.coordinator_only")
        if removing and before.get("visit_id"):
            raise IllegalChange("campaign.remove_visited")
        for name in ("visited_on", "removed_on"):
            day = changes.get(name)
            if (
                day
                and writer.latest is not None
                and date.fromisoformat(str(day)) > _china_day(writer.latest)
            ):
                raise IllegalChange("campaign.in_future")


RECORD_TYPES: dict[str, type[Record]] = {
    cls.type_name: cls
    for cls in (
        Household,
        Person,
        Visit,
        Need,
        ConsentEvent,
        Wish,
        Referral,
        RegisterChange,
        Delivery,
        Campaign,
        CampaignAssignment,
    )
}


# A record as stored and sent, in compact UTF-8 JSON (photos travel apart): larger ones are
# refused on the device before they are queued, and rejected by the server.
MAX_RECORD_BYTES = 64 * 1024
# A photo or drawn signature as sent (raw image bytes): larger ones are refused on the device
# before they are kept, and by the server.
MAX_PHOTO_BYTES = 8 * 1024 * 1024

# The record fields that name a photo (visits, wishes; consent evidence; need fulfilment).
PHOTO_FIELDS = ("photo_id", "evidence_photo_id", "fulfilment_photo_id", "outcome_photo_id")


def record_bytes(record: dict[str, Any]) -> int:
    """The size of a record as the server stores and sends it (compact UTF-8 JSON), which
    `MAX_RECORD_BYTES` bounds."""
    return len(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
