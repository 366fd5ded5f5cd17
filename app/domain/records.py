"""The record types (DOMAIN.md), as validated pydantic models with no I/O.

Every record carries a client-generated UUIDv7 id, HLC stamps, the author's worker and
device ids, and the 12-digit area code that scopes it. Field values are domain codes;
labels for people live in `app.domain.labels`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.domain import identity
from app.domain.areas import parse_area_code
from app.domain.codes import (
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
from app.domain.ids import is_record_id, new_id


def _record_id(value: str) -> str:
    if not is_record_id(value):
        raise ValueError("不是有效的记录编号（UUID）")
    return value


def _id_number(value: str) -> str:
    return identity.parse_id_number(value)[0]


def _phone(value: str) -> str:
    return identity.parse_phone(value) if value else ""


RecordId = Annotated[str, AfterValidator(_record_id)]
AreaCode = Annotated[str, AfterValidator(parse_area_code)]
IdNumber = Annotated[str, AfterValidator(_id_number)]
Phone = Annotated[str, AfterValidator(_phone)]
ShortText = Annotated[str, Field(max_length=200)]
NOTE_MAX_CHARS = 2000  # free text: notes, observations, descriptions, reasons
LongText = Annotated[str, Field(max_length=NOTE_MAX_CHARS)]


class GeoPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0)


class Record(BaseModel):
    """Fields every record has; `type_name` is the stable code used on disk and the wire."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)
    type_name: ClassVar[str]

    id: RecordId = Field(default_factory=new_id)
    area_code: AreaCode
    created_hlc: str = ""
    updated_hlc: str = ""
    author_worker_id: str = ""
    device_id: str = ""

    def content(self) -> dict[str, Any]:
        """The record's own fields as JSON-ready values, without the bookkeeping."""
        return self.model_dump(mode="json", exclude=set(BOOKKEEPING))


BOOKKEEPING = ("id", "created_hlc", "updated_hlc", "author_worker_id", "device_id")


class Household(Record):
    """户: the unit that is registered, visited and assisted."""

    type_name: ClassVar[str] = "household"

    address: ShortText
    phone: Phone = ""
    categories: list[Category] = Field(default_factory=list)
    register_status: RegisterStatus = RegisterStatus.REGISTERED
    registered_on: date | None = None
    left_on: date | None = None
    annual_income_yuan: int | None = Field(default=None, ge=0)
    notes: LongText = ""
    gps: GeoPoint | None = None

    @property
    def classes(self) -> set[ServedClass]:
        return {c.served_class for c in self.categories}

    def on_register(self, on: date) -> bool:
        """On the register at the end of day `on` (reported households are not yet)."""
        if self.register_status == RegisterStatus.REPORTED:
            return False
        if self.registered_on is not None and self.registered_on > on:
            return False
        return self.left_on is None or self.left_on > on

    @model_validator(mode="after")
    def _dates_in_order(self) -> Household:
        if self.registered_on and self.left_on and self.left_on < self.registered_on:
            raise ValueError("退出在册日期不能早于纳入日期")
        if self.register_status == RegisterStatus.LEFT and self.left_on is None:
            raise ValueError("已退出在册的家庭需要填写退出日期")
        return self


class Person(Record):
    """A member of a household (家庭成员)."""

    type_name: ClassVar[str] = "person"

    household_id: RecordId
    name: Annotated[str, Field(min_length=1, max_length=50), AfterValidator(identity.parse_name)]
    id_number: IdNumber | None = None
    birth_date: date | None = None
    gender: Literal["M", "F"] | None = None
    phone: Phone = ""
    relation: ShortText = "户主"
    flags: list[PersonFlag] = Field(default_factory=list)
    major_event_date: date | None = None
    major_event_recorded_on: date | None = None
    major_event_note: LongText = ""
    lives_alone: bool = False
    health_note: LongText = ""
    left_on: date | None = None  # no longer listed in the household on the roster

    @model_validator(mode="after")
    def _consistent(self) -> Person:
        if self.id_number:
            _, birth, gender = identity.parse_id_number(self.id_number)
            if self.birth_date is not None and self.birth_date != birth:
                raise ValueError("出生日期与身份证号不一致")
            if self.gender is not None and self.gender != gender:
                raise ValueError("性别与身份证号不一致")
            object.__setattr__(self, "birth_date", birth)
            object.__setattr__(self, "gender", gender)
        if PersonFlag.MAJOR_EVENT in self.flags and self.major_event_date is None:
            raise ValueError("标记重大变故时需要填写变故日期")
        return self

    def age_on(self, on: date) -> int | None:
        return identity.age_on(self.birth_date, on) if self.birth_date else None


HEAD_RELATION = "户主"


def head_of(members: Iterable[Person]) -> Person | None:
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

    household_id: RecordId
    kind: VisitKind = VisitKind.CARE
    visited_at: datetime
    worker_id: str
    team: Team
    companions: list[ShortText] = Field(default_factory=list)
    mode: VisitMode = VisitMode.HOME
    outcome: VisitOutcome = VisitOutcome.MET
    care: list[CareKind] = Field(default_factory=list)
    observations: LongText = ""
    gps: GeoPoint | None = None
    photo_id: RecordId | None = None
    amends_visit_id: RecordId | None = None

    @property
    def is_contact(self) -> bool:
        """Someone was reached. "Nobody home" is an attempt and "moved" finds no one."""
        return self.outcome in (VisitOutcome.MET, VisitOutcome.REFUSED)


class Need(Record):
    """A need in one of the seven areas, raised on a visit and followed to its end."""

    type_name: ClassVar[str] = "need"

    household_id: RecordId
    person_id: RecordId | None = None
    visit_id: RecordId | None = None
    area: NeedArea
    description: LongText
    raised_on: date
    status: NeedStatus = NeedStatus.RAISED
    assessment_reason: LongText = ""
    resource: ShortText = ""  # programme, charity project or 幸福超市 it was matched to
    fulfilled_on: date | None = None
    fulfilment_note: LongText = ""
    fulfilment_photo_id: RecordId | None = None
    closed_reason: LongText = ""

    @property
    def reasonable(self) -> bool | None:
        if self.status == NeedStatus.RAISED:
            return None
        return self.status != NeedStatus.UNREASONABLE

    @model_validator(mode="after")
    def _status_fields(self) -> Need:
        if self.status == NeedStatus.UNREASONABLE and not self.assessment_reason:
            raise ValueError("评估为不合理时需要填写理由")
        if self.status == NeedStatus.FULFILLED and self.fulfilled_on is None:
            raise ValueError("兑现的需求需要填写兑现日期")
        return self


class ConsentEvent(Record):
    """信息共享同意: one grant or withdrawal; the state is folded from the events.

    `seen` lists the events of the same person, recipient and purpose known to the
    device when this one was recorded: a grant that saw a withdrawal re-grants, a
    withdrawal wins over every grant it did not see or that did not see it.
    """

    type_name: ClassVar[str] = "consent"

    household_id: RecordId
    person_id: RecordId
    action: ConsentAction
    recipient: ShortText  # a named organisation, or a class such as 助联体成员慈善组织
    purpose: ShortText
    data_categories: list[DataCategory] = Field(default_factory=list)
    valid_until: date | None = None
    method: ConsentMethod
    witness: ShortText = ""
    guardian_name: ShortText = ""
    evidence_photo_id: RecordId | None = None
    occurred_at: datetime
    recorded_by: str
    seen: list[RecordId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> ConsentEvent:
        if self.action == ConsentAction.GRANT:
            if not self.data_categories:
                raise ValueError("同意共享时需要选择数据类别")
            if self.method == ConsentMethod.VERBAL and not self.witness:
                raise ValueError("口头同意需要填写见证人")
        return self


class Wish(Record):
    """微心愿: collected on a survey, reviewed, published, claimed, fulfilled (圆梦)."""

    type_name: ClassVar[str] = "wish"

    household_id: RecordId
    person_id: RecordId | None = None
    title: ShortText
    description: LongText = ""
    value_yuan: int = Field(ge=0)
    state: WishState = WishState.COLLECTED
    collected_on: date
    reviewed_on: date | None = None
    reject_reason: LongText = ""
    claimed_by: ShortText = ""
    claimed_on: date | None = None
    contacted_on: date | None = None  # the donor reached the household: the claim is kept
    released_on: date | None = None  # last release of a claim with no contact in time
    fulfilled_on: date | None = None
    fulfilment_note: LongText = ""
    photo_id: RecordId | None = None
    cancel_reason: LongText = ""


class Referral(Record):
    """双向转介: to a charity (gated by consent) or back to civil affairs."""

    type_name: ClassVar[str] = "referral"

    household_id: RecordId
    person_id: RecordId
    direction: ReferralDirection = ReferralDirection.TO_CHARITY
    recipient: ShortText
    purpose: ShortText
    data_categories: list[DataCategory] = Field(default_factory=list)
    need_id: RecordId | None = None
    status: ReferralStatus = ReferralStatus.SENT
    referred_on: date
    completed_on: date | None = None
    note: LongText = ""


RECORD_TYPES: dict[str, type[Record]] = {
    cls.type_name: cls for cls in (Household, Person, Visit, Need, ConsentEvent, Wish, Referral)
}
