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

from app.domain import identity
from app.domain.areas import parse_area_code
from app.domain.codes import (
    CONTACT_OUTCOMES,
    CareKind,
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
    ServedClass,
    Team,
    VisitKind,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.errors import DoorstepError
from app.domain.ids import is_record_id, new_id
from app.domain.summaries import HouseholdSummary, MemberSummary, on_register
from app.domain.wishes import DEVICE_CREATE_STATES, check_transition


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
        leaves the server's fields empty."""
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
        fixed = sorted(set(changes) & (set(BOOKKEEPING) | cls.fixed_fields))
        if fixed:
            raise IllegalChange("change.fixed_field", field=fixed[0])
        if "area_code" in changes and cls is not Household:
            raise IllegalChange("change.area_follows_household")
        server_only = sorted(set(changes) & cls.server_fields)
        if server_only and not writer.server:
            raise IllegalChange("change.server_only", field=server_only[0])


BOOKKEEPING = ("id", "created_hlc", "updated_hlc", "author_worker_id", "device_id")


def check_in_household(area_code: str, household_area_code: str) -> None:
    """IllegalChange unless a new record's `area_code` is its household's: every record but
    a household lies in its household's area; it is created there, is not moved on its own,
    and moves along when its household does (the county server moves it)."""
    if area_code != household_area_code:
        raise IllegalChange("change.area_follows_household")


class Household(Record):
    """户: the unit that is registered, visited and assisted."""

    type_name: ClassVar[str] = "household"

    address: ShortText
    phone: Phone = ""
    categories: list[Category] = codes(Category)
    register_status: RegisterStatus = RegisterStatus.REGISTERED
    registered_on: date | None = None
    left_on: date | None = None
    annual_income_yuan: Yuan | None = None
    notes: Note = ""
    gps: GeoPoint | None = None

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
        )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Household:
        if self.registered_on and self.left_on and self.left_on < self.registered_on:
            raise InvalidRecord("household.left_before_registered")
        if self.register_status == RegisterStatus.LEFT and self.left_on is None:
            raise InvalidRecord("household.left_on_missing")
        return self


class Person(Record):
    """A member of a household (家庭成员)."""

    type_name: ClassVar[str] = "person"

    household_id: RecordId
    name: Annotated[Name, Field(min_length=1)]
    id_number: IdNumber | None = None
    birth_date: date | None = None
    gender: Literal["M", "F"] | None = None
    phone: Phone = ""
    relation: ShortText = "户主"
    flags: list[PersonFlag] = codes(PersonFlag)
    major_event_date: date | None = None
    major_event_recorded_on: date | None = None
    major_event_note: Note = ""
    lives_alone: bool = False
    health_note: Note = ""
    left_on: date | None = None  # no longer listed in the household on the roster

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
        return self

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


class Visit(Record):
    """探访关爱 or 敲门问需求 visit; insert-only (a correction is a new record that amends)."""

    type_name: ClassVar[str] = "visit"
    insert_only: ClassVar[bool] = True

    household_id: RecordId
    kind: VisitKind = VisitKind.CARE
    visited_at: datetime
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
    description: Note
    raised_on: date
    status: NeedStatus = NeedStatus.RAISED
    assessment_reason: Note = ""
    resource: ShortText = ""  # programme, charity project or 幸福超市 it was matched to
    fulfilled_on: date | None = None
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
    valid_until: date | None = None
    method: ConsentMethod
    witness: Name = ""
    guardian_name: Name = ""
    evidence_photo_id: RecordId | None = None
    occurred_at: datetime
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


class Wish(Record):
    """微心愿: collected on a survey, reviewed, published, claimed, fulfilled (圆梦)."""

    type_name: ClassVar[str] = "wish"
    # The county server records a claim, the donor's contact and a stale claim's release.
    server_fields: ClassVar[frozenset[str]] = frozenset(
        {"claimed_by", "claimed_on", "contacted_on", "released_on"}
    )

    household_id: RecordId
    person_id: RecordId | None = None
    title: ShortText
    description: Note = ""
    value_yuan: Yuan
    state: WishState = WishState.COLLECTED
    collected_on: date
    reviewed_on: date | None = None
    reject_reason: Note = ""
    claimed_by: ShortText = ""
    claimed_on: date | None = None
    contacted_on: date | None = None  # the donor reached the household: the claim is kept
    released_on: date | None = None  # last release of a claim with no contact in time
    fulfilled_on: date | None = None
    fulfilment_note: Note = ""
    photo_id: RecordId | None = None
    cancel_reason: Note = ""

    def check_create(self, writer: Writer) -> None:
        """A device creates a wish only in a state it could reach on its own (collected,
        then reviewed or cancelled): publishing and claiming are the server's."""
        if not writer.server and self.state not in DEVICE_CREATE_STATES:
            raise IllegalChange("wish.device_create_state")
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


class Referral(Record):
    """双向转介: to a charity (gated by consent) or back to civil affairs.

    What is shared, with whom and why is fixed at creation, where the consent gate checks
    it: a different recipient, purpose, direction or set of data is a new referral."""

    type_name: ClassVar[str] = "referral"
    fixed_fields: ClassVar[frozenset[str]] = Record.fixed_fields | {
        "direction",
        "recipient",
        "purpose",
        "data_categories",
    }

    household_id: RecordId
    person_id: RecordId
    direction: ReferralDirection = ReferralDirection.TO_CHARITY
    recipient: ShortText
    purpose: ShortText
    data_categories: list[DataCategory] = codes(DataCategory)
    need_id: RecordId | None = None
    status: ReferralStatus = ReferralStatus.SENT
    referred_on: date
    completed_on: date | None = None
    note: Note = ""


RECORD_TYPES: dict[str, type[Record]] = {
    cls.type_name: cls for cls in (Household, Person, Visit, Need, ConsentEvent, Wish, Referral)
}


# A record as stored and sent, in compact UTF-8 JSON (photos travel apart): larger ones are
# refused on the device before they are queued, and rejected by the server.
MAX_RECORD_BYTES = 64 * 1024
# A photo or drawn signature as sent (raw image bytes): larger ones are refused on the device
# before they are kept, and by the server.
MAX_PHOTO_BYTES = 8 * 1024 * 1024

# The record fields that name a photo (visits, wishes; consent evidence; need fulfilment).
PHOTO_FIELDS = ("photo_id", "evidence_photo_id", "fulfilment_photo_id")


def record_bytes(record: dict[str, Any]) -> int:
    """The size of a record as the server stores and sends it (compact UTF-8 JSON), which
    `MAX_RECORD_BYTES` bounds."""
    return len(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
