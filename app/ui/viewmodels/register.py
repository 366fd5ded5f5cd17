"""编辑家庭: edit a household and its members on the device, offline — address, phone and
notes; per member: living alone, care needs (重度残疾, 失能), school stage, employment ability
and wish, health, a leave (died, moved out, married out, with its date) and a 重大变故 (its
date and kind); add a member (a newborn, a son come back). And the household's history of
register changes (登记变更): who changed what, when, from what to what, personal values
masked.

Each save is one use case (app/services/register.py): checked, written with its register
changes in one unit of work, queued per field. A refused save says one sentence and keeps
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from app.domain import identity
from app.domain.codes import (
    EmploymentAbility,
    EmploymentWish,
    LeaveReason,
    MajorEventKind,
    PersonFlag,
    RegisterField,
    SchoolStage,
)
from app.domain.records import CHINA_TIME, Household, Person, RegisterChange, aware
from app.ui.catalogue import label, text
from app.ui.viewmodels.errors import UserError, field_errors, user_message
from app.ui.viewmodels.workspace import Workspace

# The care flags a worker sets by hand; 高龄独居 and 重大变故 follow from other facts.
CARE_FLAGS = (PersonFlag.SEVERE_DISABILITY, PersonFlag.DISABLED_CARE)
HISTORY_VALUE_CHARS = 40  # a longer value (a note) shows its start in the history


def _day(value: str, what: str, lang: str) -> date | None:
    """A date typed as YYYY-MM-DD, None when blank; UserError when it is not a date."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(text("edit.bad_date", lang, field=what)) from None


def _code(enum: Any, value: str) -> Any:
    return enum(value) if value else None


@dataclass
class MemberForm:
    """One member's editable facts as the form holds them (dates as typed text)."""

    person_id: str
    name: str
    relation: str
    phone: str = ""
    lives_alone: bool = False
    care: set[PersonFlag] = field(default_factory=set)
    school_stage: str = ""
    employment_ability: str = ""
    employment_wish: str = ""
    health_note: str = ""
    left_on: str = ""
    left_reason: str = ""
    major_event_date: str = ""
    major_event_kind: str = ""
    major_event_note: str = ""

    @classmethod
    def of(cls, p: Person) -> MemberForm:
        return cls(
            person_id=p.id,
            name=p.name,
            relation=p.relation,
            phone=p.phone,
            lives_alone=p.lives_alone,
            care={f for f in p.flags if f in CARE_FLAGS},
            school_stage=p.school_stage or "",
            employment_ability=p.employment_ability or "",
            employment_wish=p.employment_wish or "",
            health_note=p.health_note,
            left_on=p.left_on.isoformat() if p.left_on else "",
            left_reason=p.left_reason or "",
            major_event_date=p.major_event_date.isoformat() if p.major_event_date else "",
            major_event_kind=p.major_event_kind or "",
            major_event_note=p.major_event_note,
        )


@dataclass
class NewMemberForm:
    """A member to add: a newborn, a son come back."""

    name: str = ""
    id_number: str = ""
    birth_date: str = ""
    gender: str = ""  # M | F | ""
    relation: str = ""


@dataclass(frozen=True)
class HistoryLine:
    """One register change as the household screen lists it."""

    change_id: str
    when: str  # 2026-05-20 10:30
    who: str
    what: str  # the field, and the member it is about
    change: str  # 「旧」→「新」, personal values masked


class HouseholdEditVM:
    """The edit screen's state: the household's fields, one form per member, a new member."""

    def __init__(self, workspace: Workspace, household_id: str, lang: str = "zh") -> None:
        self.ws = workspace
        self.household_id = household_id
        self.lang = lang
        self.message = ""  # the last save's sentence (an error, or what was saved)
        self.failed = False
        self.load()

    def load(self) -> None:
        self._show_household(self.ws.households.get(self.household_id))
        self._show_members(self.ws.households.members(self.household_id))
        self.forms = {p.id: MemberForm.of(p) for p in self.members}
        self.new_member = NewMemberForm()

    def _show_household(self, household: Household) -> None:
        self.household = household
        self.address = household.address
        self.phone = household.phone
        self.notes = household.notes

    def _show_members(self, members: list[Person]) -> None:
        self.members = sorted(
            members, key=lambda p: (p.left_on is not None, p.birth_date or date.max)
        )

    def member(self, person_id: str) -> Person:
        return next(p for p in self.members if p.id == person_id)

    # --- saving ----------------------------------------------------------------------

    def save_household(self) -> bool:
        """Save address, phone and notes; False (with the sentence) when refused."""

        def edited() -> Household:
            return Household.model_validate(
                self.household.model_dump()
                | {"address": self.address, "phone": self.phone, "notes": self.notes}
            )

        return self._save(lambda: self._edit(edited()), reload=False)

    def save_member(self, person_id: str) -> bool:
        """Save one member's form; False (with the sentence) when refused."""
        form = self.forms[person_id]

        def edited() -> Person:
            before = self.member(person_id)
            flags = [f for f in before.flags if f not in CARE_FLAGS] + sorted(form.care)
            event_day = _day(form.major_event_date, text("edit.event_date", self.lang), self.lang)
            if event_day is not None and PersonFlag.MAJOR_EVENT not in flags:
                flags.append(PersonFlag.MAJOR_EVENT)
            recorded = before.major_event_recorded_on
            if event_day != before.major_event_date:
                recorded = self.ws.today() if event_day else None
            return Person.model_validate(
                before.model_dump()
                | {
                    "name": form.name,
                    "relation": form.relation,
                    "phone": form.phone,
                    "lives_alone": form.lives_alone,
                    "flags": flags,
                    "school_stage": _code(SchoolStage, form.school_stage),
                    "employment_ability": _code(EmploymentAbility, form.employment_ability),
                    "employment_wish": _code(EmploymentWish, form.employment_wish),
                    "health_note": form.health_note,
                    "left_on": _day(form.left_on, text("edit.left_on", self.lang), self.lang),
                    "left_reason": _code(LeaveReason, form.left_reason),
                    "major_event_date": event_day,
                    "major_event_kind": _code(MajorEventKind, form.major_event_kind),
                    "major_event_note": form.major_event_note,
                    "major_event_recorded_on": recorded,
                }
            )

        return self._save(lambda: self._edit(edited()), reload=False)

    def add_member(self) -> bool:
        """Add the new member; False (with the sentence) when refused."""
        form = self.new_member

        def added() -> None:
            if not form.name.strip():
                raise UserError(text("edit.name_required", self.lang))
            if form.id_number.strip():
                # Today's date bounds the birth date an ID number may carry.
                identity.parse_id_number(form.id_number, today=self.ws.today())
            person = Person(
                area_code=self.household.area_code,
                household_id=self.household_id,
                name=form.name,
                id_number=form.id_number.strip() or None,
                birth_date=_day(form.birth_date, text("edit.birth_date", self.lang), self.lang),
                gender=form.gender or None,  # type: ignore[arg-type]
                relation=form.relation.strip() or text("edit.relation_default", self.lang),
            )
            saved = self.ws.register.add_member(person, at=self.ws.now())
            self.ws.roster.put_person(saved)
            self.ws.reindex(saved)

        return self._save(added, text("edit.member_added", self.lang, name=form.name.strip()))

    def _edit(self, record: Household | Person) -> None:
        """Write the edit; the screen then shows the record as saved (the rest of the
        household is as it was read: nothing else changed it here)."""
        if isinstance(record, Household):
            household, changes = self.ws.register.edit(record, at=self.ws.now())
            self.ws.roster.put_household(household)
            if changes:
                self._show_household(household)
        else:
            person, changes = self.ws.register.edit(record, at=self.ws.now())
            self.ws.roster.put_person(person)
            self.ws.reindex(person)
            if changes:
                self._show_members([person if p.id == person.id else p for p in self.members])
                self.forms[person.id] = MemberForm.of(person)
        if not changes:
            raise _Unchanged

    def _save(self, action: Any, done: str = "", *, reload: bool = True) -> bool:
        self.failed = False
        try:
            action()
        except _Unchanged:
            self.message = text("edit.unchanged", self.lang)
            return True
        except ValidationError as exc:
            self.message = next(iter(field_errors(exc, self.lang).values()), "")
            self.message = self.message or user_message(exc, self.lang)
            self.failed = True
            return False
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            self.failed = True
            return False
        self.ws.forget_status(self.household_id)
        self.message = done or text("edit.saved", self.lang)
        if reload:
            self.load()
        return True


class _Unchanged(Exception):
    """An edit that changed nothing: nothing written."""


# --- the household's history ------------------------------------------------------------


def shown_value(name: RegisterField, value: str, lang: str) -> str:
    """A value as the history shows it: masked when personal, a code by its label."""
    if not value:
        return text("edit.none", lang)
    if name == RegisterField.ID_NUMBER:
        return identity.mask_id_number(value)
    if name == RegisterField.PHONE:
        return identity.mask_phone(value)
    enum = {
        RegisterField.LEFT_REASON: LeaveReason,
        RegisterField.MAJOR_EVENT_KIND: MajorEventKind,
        RegisterField.SCHOOL_STAGE: SchoolStage,
        RegisterField.EMPLOYMENT_ABILITY: EmploymentAbility,
        RegisterField.EMPLOYMENT_WISH: EmploymentWish,
    }.get(name)
    if enum is not None and value in enum._value2member_map_:
        return label(enum(value), lang)
    if name == RegisterField.FLAGS:
        return "、".join(
            label(PersonFlag(v), lang) if v in PersonFlag._value2member_map_ else v
            for v in value.split(",")
        )
    if name == RegisterField.LIVES_ALONE:
        return text("edit.yes" if value == "true" else "edit.no", lang)
    if len(value) > HISTORY_VALUE_CHARS:
        return value[:HISTORY_VALUE_CHARS] + "…"
    return value


def history_lines(
    ws: Workspace, household_id: str, members: list[Person], lang: str = "zh"
) -> list[HistoryLine]:
    """The household's register changes, newest first, as the household screen lists them."""
    found = ws.register.history(household_id)
    names = found.names | {ws.profile.worker_id: ws.profile.name}
    people = {p.id: p.name for p in members}
    return [_line(c, names, people, lang) for c in found.changes]


def _line(
    c: RegisterChange, names: dict[str, str], people: dict[str, str], lang: str
) -> HistoryLine:
    what = label(c.field, lang)
    if c.person_id and c.field != RegisterField.MEMBER_ADDED:
        what = f"{people.get(c.person_id, '')} · {what}"
    if c.field == RegisterField.MEMBER_ADDED:
        change = c.after
    else:
        change = (
            f"「{shown_value(c.field, c.before, lang)}」→「{shown_value(c.field, c.after, lang)}」"
        )
    when = aware(c.changed_at).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
    who = names.get(c.worker_id) or text("edit.someone", lang)
    return HistoryLine(c.id, when, who, what, change)
