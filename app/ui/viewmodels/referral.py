"""Referral (双向转介) to an organisation, made on the device offline: the form, and the
referrals of a household as the screens show them (status, outcome, unanswered flag).

The form offers the active organisations serving the household's area (as the last sync
sent them), the purposes the household's consents name, and the data categories; the
service refuses, naming what is missing, unless the person's consent in force covers that
organisation (or its class) × purpose × categories — given by a guardian under 14.
The answer and the outcome are the county server's (the charity answers in the console)
and arrive with the next sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.codes import DataCategory, ReferralDirection, ReferralStatus, SharePurpose
from app.domain.consent import ConsentStatus, fold, under_14
from app.domain.purposes import purpose_key
from app.domain.recipients import OrganisationRef
from app.domain.records import HEAD_RELATION, Person, Referral, aware
from app.domain.referrals import unanswered
from app.ui.catalogue import label, purpose_label, text
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.recipients import RecipientList, recipient_name
from app.ui.viewmodels.workspace import Workspace


@dataclass(frozen=True)
class ReferralLine:
    """One referral as the household and need screens show it."""

    referral_id: str
    need_id: str | None
    person: str
    recipient: str  # the organisation's name
    purpose: str
    categories: str
    status: ReferralStatus
    status_text: str  # 已转介 / 已接收 / 已拒绝 / 已完成
    referred_on: date
    outcome: str  # 婉拒理由 or what was done, on which day, its value; "" while unanswered
    overdue: bool  # unanswered past the policy's days (shown to coordinators)


def referral_lines(
    ws: Workspace,
    referrals: list[Referral],
    names: Mapping[str, str],
    organisations: list[OrganisationRef],
    lang: str = "zh",
) -> list[ReferralLine]:
    """Referrals to charities as lines, newest first, each person by `names` (person id →
    name; "" when not given); the overdue flag only for coordinators."""
    today = ws.today()
    coordinator = ws.profile.is_coordinator
    lines = []
    for r in sorted(referrals, key=lambda r: (r.referred_on, r.created_hlc), reverse=True):
        if r.direction != ReferralDirection.TO_CHARITY:
            continue
        lines.append(
            ReferralLine(
                referral_id=r.id,
                need_id=r.need_id,
                person=names.get(r.person_id, ""),
                recipient=recipient_name(r.recipient, organisations, lang),
                purpose=purpose_label(r.purpose, lang),
                categories="、".join(label(c, lang) for c in r.data_categories),
                status=r.status,
                status_text=label(r.status, lang),
                referred_on=r.referred_on,
                outcome=_outcome(r, lang),
                overdue=coordinator and unanswered(r, ws.policy, today),
            )
        )
    return lines


def _outcome(r: Referral, lang: str) -> str:
    if r.status == ReferralStatus.DECLINED:
        return text("referral.declined_because", lang, reason=r.decline_reason or "—")
    if r.status == ReferralStatus.COMPLETED:
        parts = [r.service]
        if r.service_on:
            parts.append(r.service_on.isoformat())
        if r.value_yuan is not None:
            parts.append(text("referral.value", lang, yuan=r.value_yuan))
        return " · ".join(p for p in parts if p)
    if r.status == ReferralStatus.ACCEPTED and r.answered_on:
        return text("referral.accepted_on", lang, day=r.answered_on.isoformat())
    return ""


class ReferralVM:
    """The referral form of one household (for one of its needs, when `need_id` is given)."""

    def __init__(
        self, workspace: Workspace, household_id: str, lang: str = "zh", need_id: str = ""
    ) -> None:
        self.ws = workspace
        self.lang = lang
        self.household = workspace.households.get(household_id)
        self.members = sorted(
            (p for p in workspace.households.members(household_id) if p.left_on is None),
            key=lambda p: p.relation != HEAD_RELATION,
        )
        self.organisations = workspace.referrals.organisations()
        self.recipients = RecipientList(
            self.organisations, self.household.area_code, lang, classes=False
        )
        self.need = (
            next((n for n in workspace.casework.needs() if n.id == need_id), None)
            if need_id
            else None
        )
        self.person_id = (self.need.person_id if self.need and self.need.person_id else "") or (
            self.members[0].id if self.members else ""
        )
        self.recipient = ""
        self.events = workspace.consents.events(household_id)
        self.purposes = self._purposes()
        self.purpose = self.purposes[0]
        self.categories: set[DataCategory] = {DataCategory.IDENTITY, DataCategory.NEEDS}
        self.note = ""
        self.errors: dict[str, str] = {}
        self.message = ""

    def _purposes(self) -> list[str]:
        """The purposes this household's consents name (a referral must name one: a listed
        purpose's code, or the text typed before the list), the default purpose first when
        none is recorded."""
        seen: list[str] = []
        for e in self.events:
            key = purpose_key(e.purpose)
            if key not in seen:
                seen.append(key)
        return seen or [SharePurpose.CHARITY_HELP.value]

    def purpose_choices(self) -> list[tuple[str, str]]:
        """The purposes as (value, how people read it)."""
        return [(p, purpose_label(p, self.lang)) for p in self.purposes]

    def _consented_purpose(self) -> str | None:
        """The purpose of the person's latest consent to the chosen organisation (or a class
        it belongs to) — one in force first, else one withdrawn or expired, so that a refusal
        says so: what the form proposes once an organisation is chosen."""
        refs = set(self.recipients.refs_covering(self.recipient))
        today = self.ws.today()
        found = [
            (s.status(today) == ConsentStatus.GRANTED, aware(s.history[-1].occurred_at), s.purpose)
            for s in fold(self.events)
            if s.person_id == self.person_id and s.recipient in refs and s.history
        ]
        return max(found)[2] if found else None

    def choices(self) -> list[tuple[str, str]]:
        """The organisations the referral may go to."""
        return self.recipients.choices

    @property
    def person(self) -> Person | None:
        return next((p for p in self.members if p.id == self.person_id), None)

    @property
    def needs_guardian(self) -> bool:
        person = self.person
        return person is not None and under_14(person.birth_date, self.ws.today())

    def set_person(self, person_id: str) -> None:
        self.person_id = person_id
        self._propose_purpose()

    def set_recipient(self, organisation_id: str) -> None:
        self.recipient = organisation_id
        self._propose_purpose()

    def _propose_purpose(self) -> None:
        consented = self._consented_purpose()
        if consented is not None:
            self.purpose = consented

    def set_purpose(self, purpose: str) -> None:
        self.purpose = purpose

    def toggle_category(self, code: str, on: bool) -> None:
        (self.categories.add if on else self.categories.discard)(DataCategory(code))

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.person is None:
            errors["person"] = text("form.choose", self.lang)
        if not self.recipients.offers(self.recipient):
            errors["recipient"] = text("form.choose", self.lang)
        if self.purpose not in self.purposes:
            errors["purpose"] = text("form.choose", self.lang)
        if not self.categories:
            errors["categories"] = text("form.choose_one", self.lang)
        return errors

    def refer(self) -> Referral | None:
        """Queue the referral; None with `message` saying what is missing (a field, or what
        the consent does not cover)."""
        self.message = ""
        self.errors = self.validate()
        if self.errors:
            names = "、".join(text(f"referral.{k}", self.lang) for k in self.errors)
            self.message = text("form.fix_named", self.lang, fields=names)
            return None
        today = self.ws.today()
        try:
            referral = Referral(
                area_code=self.household.area_code,
                household_id=self.household.id,
                person_id=self.person_id,
                recipient=self.recipient,
                purpose=self.purpose,
                data_categories=[c for c in DataCategory if c in self.categories],
                need_id=self.need.id if self.need else None,
                referred_on=today,
                note=self.note,
            )
            return self.ws.referrals.refer(referral, today)
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
