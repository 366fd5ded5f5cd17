"""信息共享同意: fold consent events into state, and gate every share on it (PIPL art. 23, 29).

A withdrawal wins over every grant it is concurrent with; a later grant that saw the
withdrawal (it lists the withdrawal in `seen`) grants again. Never last-writer-wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.codes import ConsentAction, DataCategory, ReferralDirection
from app.domain.errors import DoorstepError
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
    """One state per (person, recipient, purpose), from events in any order."""
    groups: dict[tuple[str, str, str], list[ConsentEvent]] = {}
    for event in events:
        groups.setdefault((event.person_id, event.recipient, event.purpose), []).append(event)
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
    for state in fold(events):
        if (state.person_id, state.recipient, state.purpose) == (person_id, recipient, purpose):
            return state
    return ConsentState(person_id, recipient, purpose, False, None, ())


class ShareNotAllowed(DoorstepError, PermissionError):
    """No current consent covers sharing this data with this recipient for this purpose."""

    default_code = "consent.not_granted"


def check_share(
    events: list[ConsentEvent],
    person_id: str,
    recipient: str,
    purpose: str,
    categories: list[DataCategory],
    on: date,
) -> ConsentEvent:
    """The grant that allows the share, or ShareNotAllowed with the reason."""
    state = state_for(events, person_id, recipient, purpose)
    if not state.granted or state.grant is None:
        raise ShareNotAllowed("consent.not_granted", recipient=recipient, purpose=purpose)
    if not state.covers(categories, on):
        raise ShareNotAllowed("consent.not_covered")
    return state.grant


def seen_for_new_event(
    events: list[ConsentEvent], person_id: str, recipient: str, purpose: str
) -> list[str]:
    """The `seen` list a new event for this person, recipient and purpose should carry."""
    return [
        e.id
        for e in events
        if (e.person_id, e.recipient, e.purpose) == (person_id, recipient, purpose)
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
