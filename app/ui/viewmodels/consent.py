"""Consent (信息共享同意): grant, withdraw, and the history of one household's consents.

A grant names the recipient, the purpose (one of the list: `SharePurpose`), the data
categories and a duration, and how it was given: a signature drawn on the screen, a photo of the signed paper form, or verbally
before a witness. A child under 14 is consented for by a guardian (PIPL art. 31).
Withdrawal is one action, as easy as granting (art. 15); it stops future sharing at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, SharePurpose
from app.domain.consent import (
    GUARDIAN_AGE,
    ConsentState,
    ConsentStatus,
    fold,
    seen_for_new_event,
)
from app.domain.ids import new_id
from app.domain.organisations import OrganisationKind
from app.domain.purposes import purpose_of
from app.domain.recipients import class_ref
from app.domain.records import HEAD_RELATION, ConsentEvent, Person
from app.services.photos import Photo
from app.store.errors import IntegrityError
from app.store.signature import PNG_MIME, Point, signature_png
from app.ui.catalogue import label, purpose_label, text
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.recipients import RecipientList
from app.ui.viewmodels.workspace import Workspace

CHILD_AGE = GUARDIAN_AGE
CONSENT_FORM = "consent"  # the drafts key of the grant form (app/services/drafts.py)
DURATIONS = (6, 12, 24, 0)  # months; 0 = until withdrawn


@dataclass(frozen=True)
class HistoryLine:
    event_id: str
    when: datetime
    action: str
    granted: bool
    person: str
    recipient: str  # the reference recorded (`app.domain.recipients`)
    purpose: str
    detail: str  # method, witness or guardian, categories, duration
    recipient_name: str = ""  # how people read it
    purpose_name: str = ""  # how people read the purpose (其他：… for typed text)


@dataclass(frozen=True)
class StateLine:
    """Where one consent stands today, in the words of `consent_status_text`."""

    person_id: str
    person: str
    recipient: str  # the reference recorded (`app.domain.recipients`)
    purpose: str
    status: ConsentStatus
    status_text: str  # consent_status_text(): 已同意（至 2027-06-30）, 已过期, 已撤回 …
    detail: str  # the data categories and the term of the grant in force
    recipient_name: str = ""  # how people read it
    purpose_name: str = ""  # how people read the purpose (其他：… for typed text)

    @property
    def granted(self) -> bool:
        return self.status == ConsentStatus.GRANTED


def consent_status_text(state: ConsentState, on: date, lang: str = "zh") -> str:
    """The one label of a consent's state, for every screen that shows it: 已同意 (with
    its term), 已过期, 已撤回 or 未同意."""
    status = state.status(on)
    until = state.grant.valid_until if state.grant is not None else None
    if status == ConsentStatus.GRANTED and until is not None:
        return text("consent.granted_until", lang, day=until.isoformat())
    return label(status, lang)


def evidence_on_device(workspace: Workspace, events: list[ConsentEvent]) -> set[str]:
    """Ids of the events whose evidence (signature, photographed form) has not reached the
    county yet: it is only on this device until a sync uploads it."""
    return workspace.consents.evidence_on_device(events)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError("bad date")


class ConsentVM:
    """The grant form, the current states and the history of a household's consents."""

    def __init__(
        self, workspace: Workspace, household_id: str, lang: str = "zh", person_id: str = ""
    ) -> None:
        self.ws = workspace
        self.lang = lang
        self.household = workspace.households.get(household_id)
        self.members = sorted(
            workspace.households.members(household_id),
            key=lambda p: (p.left_on is not None, p.relation != HEAD_RELATION),
        )  # those still in the household first, the head first among them
        self.person_id = person_id or (self.members[0].id if self.members else "")
        self.recipients = RecipientList(
            workspace.referrals.organisations(), self.household.area_code, lang, classes=True
        )
        self.recipient = class_ref(OrganisationKind.ALLIANCE_MEMBER)
        self.purpose = SharePurpose.CHARITY_HELP.value
        self.categories: set[DataCategory] = {DataCategory.IDENTITY, DataCategory.NEEDS}
        self.duration_months = 12
        self.method = ConsentMethod.SIGNATURE
        self.witness = ""
        self.guardian_name = ""
        self.strokes: list[list[Point]] = []
        self.pad_size: tuple[float, float] = (600.0, 200.0)
        self.paper_photo: bytes | None = None
        self.paper_mime = "image/jpeg"
        self.errors: dict[str, str] = {}
        self.message = ""
        self.restored: datetime | None = None  # when the draft this form resumed was kept
        self.photo_lost = False  # the resumed draft had a form photo: take it again
        self._blank = self.draft()
        self._kept: dict[str, Any] | None = None
        self._resume()
        self.load()

    # --- the draft: kept sealed at every change, like the visit form's ------------------

    def draft(self) -> dict[str, Any]:
        """What the grant form holds, as JSON (a form photo is only noted)."""
        return {
            "person_id": self.person_id,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "categories": sorted(c.value for c in self.categories),
            "duration": self.duration_months,
            "method": self.method.value,
            "witness": self.witness,
            "guardian_name": self.guardian_name,
            "strokes": [[[x, y] for x, y in stroke] for stroke in self.strokes],
            "photo": self.paper_photo is not None,
        }

    def keep_draft(self) -> None:
        """Write the draft if it changed since last kept (an untouched form keeps none)."""
        content = self.draft()
        if content == self._kept:
            return
        if content == self._blank:
            if self._kept is not None:
                self.ws.drafts.discard(CONSENT_FORM, self.household.id)
        else:
            self.ws.drafts.keep(CONSENT_FORM, self.household.id, content, self.ws.now())
        self._kept = content

    def discard_draft(self) -> None:
        """Throw the kept draft away; the form starts again from its defaults."""
        self.ws.drafts.discard(CONSENT_FORM, self.household.id)
        blank = self._blank
        self._restore(blank)
        self.paper_photo = None
        self.restored, self.photo_lost, self._kept = None, False, None

    def _resume(self) -> None:
        kept = self.ws.drafts.find(CONSENT_FORM, self.household.id)
        if kept is None:
            return
        try:
            self._restore(kept.content)
        except (KeyError, TypeError, ValueError):
            raise IntegrityError("drafts", kept.key, "content") from None
        self.photo_lost = bool(kept.content["photo"])
        self.restored = kept.saved_at
        self._kept = kept.content

    def _restore(self, f: dict[str, Any]) -> None:
        self.person_id = str(f["person_id"])
        # A draft kept before purposes were chosen from the list held typed text: its
        # listed purpose when it says one, else the form's default.
        listed = purpose_of(str(f["purpose"]))
        self.purpose = listed.value if listed is not None else self.purpose
        # A draft kept before recipients were chosen from the list held typed text.
        kept = str(f["recipient"])
        self.recipient = kept if self.recipients.offers(kept) else self.recipient
        self.categories = {DataCategory(c) for c in f["categories"]}
        self.duration_months = int(f["duration"])
        self.method = ConsentMethod(f["method"])
        self.witness, self.guardian_name = str(f["witness"]), str(f["guardian_name"])
        self.strokes = [[(float(x), float(y)) for x, y in stroke] for stroke in f["strokes"]]

    def load(self) -> None:
        self.events = self.ws.consents.events(self.household.id)

    # --- form ---------------------------------------------------------------------------

    @property
    def person(self) -> Person | None:
        return next((p for p in self.members if p.id == self.person_id), None)

    @property
    def needs_guardian(self) -> bool:
        """Under 14 on the day, by birth date: the guardian gives consent."""
        person = self.person
        age = person.age_on(self.ws.today()) if person else None
        return age is not None and age < CHILD_AGE

    def recipient_choices(self) -> list[tuple[str, str]]:
        """What the consent may name: the 助联体 class, then the active organisations
        serving the household's area (as the last sync sent them)."""
        return self.recipients.choices

    @property
    def organisations_synced(self) -> bool:
        return self.recipients.synced

    def set_recipient(self, ref: str) -> None:
        self.recipient = ref

    def purpose_choices(self) -> list[tuple[str, str]]:
        """The purposes a consent may name (共享目的), as (code, label)."""
        return [(p.value, label(p, self.lang)) for p in SharePurpose]

    def set_purpose(self, code: str) -> None:
        self.purpose = code

    def recipient_name(self, ref: str) -> str:
        return self.recipients.name(ref)

    def set_person(self, person_id: str) -> None:
        self.person_id = person_id

    def toggle_category(self, code: str, on: bool) -> None:
        (self.categories.add if on else self.categories.discard)(DataCategory(code))

    def set_method(self, method: str) -> None:
        self.method = ConsentMethod(method)

    def set_duration(self, months: int) -> None:
        self.duration_months = months if months in DURATIONS else 12

    def duration_label(self, months: int) -> str:
        if months == 0:
            return text("consent.until_withdrawn", self.lang)
        return text("consent.months", self.lang, n=months)

    def add_stroke_point(self, x: float, y: float, *, new_stroke: bool = False) -> None:
        if new_stroke or not self.strokes:
            self.strokes.append([])
        self.strokes[-1].append((x, y))

    def clear_signature(self) -> None:
        self.strokes = []

    @property
    def signed(self) -> bool:
        return sum(len(s) for s in self.strokes) >= 2

    def set_paper_photo(self, content: bytes, mime: str = "image/jpeg") -> None:
        self.paper_photo, self.paper_mime = content, mime
        self.errors.pop("evidence", None)

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.person is None:
            errors["person"] = text("form.choose", self.lang)
        if not self.recipients.offers(self.recipient):
            errors["recipient"] = text("form.choose", self.lang)
        if self.purpose not in set(SharePurpose):
            errors["purpose"] = text("form.choose", self.lang)
        if not self.categories:
            errors["categories"] = text("form.choose_one", self.lang)
        if self.method == ConsentMethod.VERBAL and not self.witness.strip():
            errors["witness"] = text("form.required", self.lang)
        if self.method == ConsentMethod.SIGNATURE and not self.signed:
            errors["evidence"] = text("consent.sign_first", self.lang)
        if self.method == ConsentMethod.PAPER and self.paper_photo is None:
            errors["evidence"] = text("consent.photo_first", self.lang)
        if self.needs_guardian and not self.guardian_name.strip():
            errors["guardian"] = text("consent.guardian_required", self.lang)
        return errors

    def grant(self) -> ConsentEvent | None:
        """Record the consent; None (and `errors`) when something is missing."""
        self.message = ""
        self.errors = self.validate()
        if self.errors:
            names = "、".join(text(f"consent.{k}", self.lang) for k in self.errors)
            self.message = text("form.fix_named", self.lang, fields=names)
            return None
        today = self.ws.today()
        try:
            event = ConsentEvent(
                id=new_id(),
                area_code=self.household.area_code,
                household_id=self.household.id,
                person_id=self.person_id,
                action=ConsentAction.GRANT,
                recipient=self.recipient,
                purpose=self.purpose,
                data_categories=sorted(self.categories),
                valid_until=add_months(today, self.duration_months)
                if self.duration_months
                else None,
                method=self.method,
                witness=self.witness if self.method == ConsentMethod.VERBAL else "",
                guardian_name=self.guardian_name if self.needs_guardian else "",
                occurred_at=self.ws.now(),
                recorded_by=self.ws.profile.worker_id,
                seen=seen_for_new_event(self.events, self.person_id, self.recipient, self.purpose),
            )
            saved = self.ws.consents.record(event, self._evidence(), CONSENT_FORM)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
        self.strokes, self.paper_photo = [], None
        # What the form holds now is where the next grant starts: nothing to keep yet.
        self._blank, self._kept = self.draft(), None
        self.restored, self.photo_lost = None, False
        self.load()
        return saved

    def _evidence(self) -> Photo | None:
        if self.method == ConsentMethod.SIGNATURE:
            return Photo(signature_png(self.strokes, *self.pad_size), PNG_MIME)
        if self.method == ConsentMethod.PAPER and self.paper_photo is not None:
            return Photo(self.paper_photo, self.paper_mime)
        return None

    def withdraw(self, person_id: str, recipient: str, purpose: str) -> ConsentEvent | None:
        """Withdraw a consent at once; the view asks for confirmation before calling this."""
        self.message = ""
        try:
            event = ConsentEvent(
                area_code=self.household.area_code,
                household_id=self.household.id,
                person_id=person_id,
                action=ConsentAction.WITHDRAW,
                recipient=recipient,
                purpose=purpose,
                method=ConsentMethod.VERBAL,
                occurred_at=self.ws.now(),
                recorded_by=self.ws.profile.worker_id,
                seen=seen_for_new_event(self.events, person_id, recipient, purpose),
            )
            saved = self.ws.consents.record(event, None, CONSENT_FORM)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
        self.load()
        return saved

    # --- state and history ---------------------------------------------------------------

    def states(self) -> list[StateLine]:
        """Each consent of the household as it stands today, those in force first."""
        names = {p.id: p.name for p in self.members}
        today = self.ws.today()
        lines = []
        for s in fold(self.events):
            status = s.status(today)
            detail = ""
            if status == ConsentStatus.GRANTED and s.grant is not None:
                detail = "、".join(label(c, self.lang) for c in s.grant.data_categories)
            lines.append(
                StateLine(
                    s.person_id,
                    names.get(s.person_id, ""),
                    s.recipient,
                    s.purpose,
                    status,
                    consent_status_text(s, today, self.lang),
                    detail,
                    self.recipient_name(s.recipient),
                    purpose_label(s.purpose, self.lang),
                )
            )
        return sorted(lines, key=lambda line: not line.granted)

    def history(self) -> list[HistoryLine]:
        names = {p.id: p.name for p in self.members}
        local = evidence_on_device(self.ws, self.events)
        lines = []
        for e in sorted(self.events, key=lambda e: (e.occurred_at, e.created_hlc), reverse=True):
            detail = [label(e.method, self.lang)] if e.action == ConsentAction.GRANT else []
            if e.id in local:
                detail.append(text("consent.evidence_local", self.lang))
            if e.witness:
                detail.append(text("consent.witness_is", self.lang, name=e.witness))
            if e.guardian_name:
                detail.append(text("consent.guardian_is", self.lang, name=e.guardian_name))
            if e.data_categories:
                detail.append("、".join(label(c, self.lang) for c in e.data_categories))
            if e.valid_until:
                detail.append(text("consent.until", self.lang, day=e.valid_until.isoformat()))
            lines.append(
                HistoryLine(
                    event_id=e.id,
                    when=e.occurred_at,
                    action=label(e.action, self.lang),
                    granted=e.action == ConsentAction.GRANT,
                    person=names.get(e.person_id, ""),
                    recipient=e.recipient,
                    purpose=e.purpose,
                    detail=" · ".join(detail),
                    recipient_name=self.recipient_name(e.recipient),
                    purpose_name=purpose_label(e.purpose, self.lang),
                )
            )
        return lines
