"""信息共享同意: fold consent events into state, and gate every share on it (PIPL art. 23, 29).

A withdrawal wins over every grant it is concurrent with; a later grant that saw the
withdrawal (it lists the withdrawal in `seen`) grants again. Never last-writer-wins.
Consents are told apart by person, recipient and purpose — the purpose by
`app.domain.purposes.purpose_key`, so one typed before the list in the list's wording is
the listed purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.codes import ConsentAction, DataCategory, ReferralDirection
from app.domain.errors import DoorstepError
from app.domain.identity import age_on
from app.domain.purposes import purpose_key
from app.domain.recipients import Recipient
from app.domain.records import ConsentEvent


class ConsentStatus(StrEnum):
    """Where one consent (person, recipient, purpose) stands on a day: one word per state."""

    GRANTED = "granted"  # in force
    EXPIRED = "expired"  # granted, but its term has ended
    WITHDRAWN = "withdrawn"  # a withdrawal stands against every grant
    NOT_GRANTED = "not_granted"  # nothing recorded


@dataclass(frozen=True)
class ConsentState:
    person_id: str
    recipient: str
    purpose: str
    granted: bool
    grant: ConsentEvent | None  # the effective grant, if any
    history: tuple[ConsentEvent, ...]

    def status(self, on: date) -> ConsentStatus:
        """Granted (and in force on `on`), expired, withdrawn, or never granted."""
        if self.granted and self.grant is not None:
            until = self.grant.valid_until
            return (
                ConsentStatus.EXPIRED if until is not None and on > until else ConsentStatus.GRANTED
            )
        if any(e.action == ConsentAction.WITHDRAW for e in self.history):
            return ConsentStatus.WITHDRAWN
        return ConsentStatus.NOT_GRANTED

    def covers(self, categories: list[DataCategory], on: date) -> bool:
        if not self.granted or self.grant is None:
            return False
        if self.grant.valid_until is not None and on > self.grant.valid_until:
            return False
        return set(categories) <= set(self.grant.data_categories)


def fold(events: list[ConsentEvent]) -> list[ConsentState]:
    """One state per (person, recipient, purpose), from events in any order; the state's
    purpose is the key consents are told apart by (`purpose_key`)."""
    groups: dict[tuple[str, str, str], list[ConsentEvent]] = {}
    for event in events:
        key = (event.person_id, event.recipient, purpose_key(event.purpose))
        groups.setdefault(key, []).append(event)
    states = []
    for (person_id, recipient, purpose), group in sorted(groups.items()):
        group.sort(key=lambda e: (e.occurred_at, e.created_hlc, e.id))
        withdrawals = [e for e in group if e.action == ConsentAction.WITHDRAW]
        effective = [
            g
            for g in group
            if g.action == ConsentAction.GRANT and all(w.id in g.seen for w in withdrawals)
        ]
        grant = effective[-1] if effective else None
        states.append(
            ConsentState(person_id, recipient, purpose, grant is not None, grant, tuple(group))
        )
    return states


def state_for(
    events: list[ConsentEvent], person_id: str, recipient: str, purpose: str
) -> ConsentState:
    key = purpose_key(purpose)
    for state in fold(events):
        if (state.person_id, state.recipient, state.purpose) == (person_id, recipient, key):
            return state
    return ConsentState(person_id, recipient, key, False, None, ())


GUARDIAN_AGE = 14  # under this age a guardian consents for the child (PIPL art. 31)


def under_14(birth_date: date | None, on: date) -> bool:
    """Under 14 on `on`, by birth date (unknown: not known to be a child)."""
    return birth_date is not None and age_on(birth_date, on) < GUARDIAN_AGE


class ShareNotAllowed(DoorstepError, PermissionError):
    """No current consent covers sharing this data with this recipient for this purpose;
    the code says what is missing (`check_share`)."""

    default_code = "consent.not_granted"


def check_share(
    events: list[ConsentEvent],
    person_id: str,
    recipient: Recipient | str,
    purpose: str,
    categories: list[DataCategory],
    on: date,
    *,
    under_14: bool = False,
    recipient_name: str = "",
) -> ConsentEvent:
    """The grant that allows the share, or ShareNotAllowed naming what is missing.

    A grant to the recipient itself or to a class it belongs to (`Recipient.refs`) covers
    it when it is in force on `on`, names every category asked for, and — for a person
    under 14 on `on` — was given by a guardian (PIPL art. 31). Refused, the code says the
    nearest miss: ``consent.guardian_missing``, ``consent.not_covered`` (with the
    ``missing`` categories), ``consent.expired`` (with ``until``), ``consent.withdrawn``,
    else ``consent.not_granted``. `recipient_name` is how the sentence names the recipient
    (its reference when not given)."""
    who = recipient if isinstance(recipient, Recipient) else Recipient(recipient)
    wanted = set(categories)
    states = [state_for(events, person_id, ref, purpose) for ref in who.refs()]
    grants = [s.grant for s in states if s.grant and s.status(on) == ConsentStatus.GRANTED]
    covering = [g for g in grants if wanted <= set(g.data_categories)]
    for grant in covering:
        if not under_14 or grant.guardian_name:
            return grant
    if covering:
        raise ShareNotAllowed("consent.guardian_missing")
    if grants:
        missing = min(
            (
                [c for c in DataCategory if c in wanted and c not in g.data_categories]
                for g in grants
            ),
            key=len,
        )
        raise ShareNotAllowed("consent.not_covered", missing=missing)
    expired = [
        s.grant.valid_until for s in states if s.grant and s.status(on) == ConsentStatus.EXPIRED
    ]
    if expired:
        raise ShareNotAllowed("consent.expired", until=max(d for d in expired if d).isoformat())
    if any(s.status(on) == ConsentStatus.WITHDRAWN for s in states):
        raise ShareNotAllowed(
            "consent.withdrawn", recipient=recipient_name or who.ref, purpose=purpose
        )
    raise ShareNotAllowed(
        "consent.not_granted", recipient=recipient_name or who.ref, purpose=purpose
    )


def seen_for_new_event(
    events: list[ConsentEvent], person_id: str, recipient: str, purpose: str
) -> list[str]:
    """The `seen` list a new event for this person, recipient and purpose should carry."""
    key = purpose_key(purpose)
    return [
        e.id
        for e in events
        if (e.person_id, e.recipient, purpose_key(e.purpose)) == (person_id, recipient, key)
    ]


@dataclass(frozen=True)
class Disclosure:
    """One share of a person's data with a charity, as the share logs keep it: the person,
    recipient, purpose, data categories and day (GB/T 35273 §9.2). No personal value."""

    referral_id: str
    person_id: str
    recipient: str
    purpose: str
    data_categories: tuple[str, ...]
    on: str  # ISO date of the referral

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "data_categories": list(self.data_categories)}


def disclosure(referral_id: str, content: Mapping[str, Any]) -> Disclosure | None:
    """What a referral (its content as JSON) discloses to a charity; None for a referral
    back to civil affairs. A referral discloses anew whenever this value changes."""
    if content.get("direction") != ReferralDirection.TO_CHARITY.value:
        return None
    return Disclosure(
        referral_id=referral_id,
        person_id=str(content.get("person_id") or ""),
        recipient=str(content.get("recipient") or ""),
        purpose=str(content.get("purpose") or ""),
        data_categories=tuple(sorted(str(c) for c in content.get("data_categories") or ())),
        on=str(content.get("referred_on") or ""),
    )
