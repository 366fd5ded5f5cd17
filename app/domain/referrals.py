"""双向转介 to a charity: the charity's answer and outcome, what it may see, and when an
unanswered referral is flagged (DOMAIN.md, "Consent and referral").

sent → accepted → completed, or sent → declined (with a reason). Only the county server
records these (the charity answers in the console); devices send and show them.

What a charity sees of the referred person is the intersection of what the referral names
and what the person's consent to that organisation for that purpose covers *today*
(`shared_categories`, folded by `app.domain.consent`): nothing once the consent is withdrawn
or has expired. The server asks at every read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from app.domain.codes import DataCategory, ReferralDirection, ReferralStatus, SharePurpose
from app.domain.consent import ConsentStatus, state_for
from app.domain.errors import DoorstepError
from app.domain.purposes import purpose_of

if TYPE_CHECKING:
    from app.domain.policy import VisitPolicy
    from app.domain.records import ConsentEvent, Referral

R = ReferralStatus

TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    R.SENT: frozenset({R.ACCEPTED, R.DECLINED}),
    R.ACCEPTED: frozenset({R.COMPLETED, R.DECLINED}),
    R.DECLINED: frozenset(),
    R.COMPLETED: frozenset(),
}


class IllegalReferralAnswer(DoorstepError, ValueError):
    """The charity cannot answer the referral so (its state, or a missing reason or service)."""

    default_code = "referral.transition"


def accept(referral: Referral, *, by: str, on: date) -> Referral:
    """The organisation `by` (its name) takes the referral on."""
    return _moved(referral, R.ACCEPTED, answered_on=on, answered_by=by)


def decline(referral: Referral, *, by: str, reason: str, on: date) -> Referral:
    """The organisation declines, saying why."""
    if not reason.strip():
        raise IllegalReferralAnswer("referral.decline_reason")
    return _moved(referral, R.DECLINED, answered_on=on, answered_by=by, decline_reason=reason)


def complete(
    referral: Referral,
    *,
    service: str,
    service_on: date,
    value_yuan: int | None,
    on: date,
    photo_id: str | None = None,
) -> Referral:
    """The organisation records what it did (what, on which day, its value in 元) and
    completes the referral."""
    if not service.strip():
        raise IllegalReferralAnswer("referral.service_missing")
    if service_on > on:
        raise IllegalReferralAnswer("referral.service_ahead")
    return _moved(
        referral,
        R.COMPLETED,
        service=service,
        service_on=service_on,
        value_yuan=value_yuan,
        completed_on=on,
        outcome_photo_id=photo_id,
    )


def _moved(referral: Referral, target: ReferralStatus, **fields: object) -> Referral:
    if referral.direction != ReferralDirection.TO_CHARITY:
        raise IllegalReferralAnswer("referral.not_to_charity")
    if target not in TRANSITIONS[referral.status]:
        raise IllegalReferralAnswer("referral.transition", current=referral.status, target=target)
    updates: dict[str, object] = {"status": target, **fields}
    # Validated, unlike model_copy: an over-long service or a negative value is refused.
    return type(referral).edited({**referral.model_dump(), **updates}, updates)


@dataclass(frozen=True)
class Visibility:
    """What the recipient of a referral may see of the person today: the consent's status
    and the data categories (empty unless the consent is granted and in force)."""

    consent: ConsentStatus
    categories: tuple[DataCategory, ...]

    @property
    def visible(self) -> bool:
        return bool(self.categories)


def shared_categories(
    referral: Referral,
    consent_events: Iterable[ConsentEvent],
    on: date,
    *,
    classes: Collection[str] = (),
) -> Visibility:
    """The categories the referral names that the person's consent to its recipient for its
    purpose covers on `on`; none when that consent is withdrawn, expired or never granted.

    `classes` are the class references the recipient organisation belongs to
    (`app.domain.recipients.classes_for(kind)`): a grant to such a class (助联体成员单位)
    covers it as well as a grant naming it."""
    events = list(consent_events)
    refs = [referral.recipient, *sorted(set(classes) - {referral.recipient})]
    states = [state_for(events, referral.person_id, ref, referral.purpose) for ref in refs]
    statuses = [s.status(on) for s in states]
    granted: set[DataCategory] = set()
    for state, status in zip(states, statuses, strict=True):
        if status == ConsentStatus.GRANTED and state.grant is not None:
            granted |= set(state.grant.data_categories)
    if ConsentStatus.GRANTED not in statuses:
        said = [s for s in statuses if s != ConsentStatus.NOT_GRANTED]
        return Visibility(said[0] if said else ConsentStatus.NOT_GRANTED, ())
    named = [c for c in DataCategory if c in referral.data_categories and c in granted]
    return Visibility(ConsentStatus.GRANTED, tuple(named))


# What a charity may see of a household matched to one of its projects (匹配项目): who to
# serve, how to reach them, and the need it was matched for — never ID numbers, income or
# health, whatever a consent names.
MATCH_CATEGORIES = (DataCategory.IDENTITY, DataCategory.CONTACT, DataCategory.NEEDS)
# The purposes a grant must name for a project's organisation to see a matched person: the
# project's own (服务项目对接) and charity help in general (对接慈善帮扶资源). A grant for a
# wish's publication, a care visit or a referral is not consent to a project (PIPL art. 23).
MATCH_PURPOSES = frozenset({SharePurpose.SERVICE_PROJECT, SharePurpose.CHARITY_HELP})


def matched_categories(
    consent_events: Iterable[ConsentEvent],
    person_id: str,
    refs: Collection[str],
    on: date,
    *,
    child: bool = False,
) -> Visibility:
    """What the organisation (`refs`: its id and its classes) may see on `on` of a person
    whose need a coordinator matched to one of its projects: the `MATCH_CATEGORIES` that a
    grant to it in force for one of the `MATCH_PURPOSES` covers (the disclosure log names
    the project). A child's grant counts only when a guardian gave it (PIPL art. 31). None
    when every such grant is withdrawn, expired or never given."""
    events = list(consent_events)
    purposes = sorted(
        {
            e.purpose
            for e in events
            if e.person_id == person_id
            and e.recipient in refs
            and purpose_of(e.purpose) in MATCH_PURPOSES
        }
    )
    states = [state_for(events, person_id, ref, p) for ref in refs for p in purposes]
    statuses = [s.status(on) for s in states]
    granted: set[DataCategory] = set()
    for state, status in zip(states, statuses, strict=True):
        grant = state.grant
        usable = grant is not None and (not child or bool(grant.guardian_name))
        if status == ConsentStatus.GRANTED and usable and grant is not None:
            granted |= set(grant.data_categories)
    named = tuple(c for c in MATCH_CATEGORIES if c in granted)
    if named:
        return Visibility(ConsentStatus.GRANTED, named)
    said = [s for s in statuses if s not in (ConsentStatus.NOT_GRANTED, ConsentStatus.GRANTED)]
    return Visibility(said[0] if said else ConsentStatus.NOT_GRANTED, ())


def answer_due(referral: Referral, policy: VisitPolicy) -> date:
    """The last day the charity may leave a sent referral unanswered."""
    return referral.referred_on + timedelta(days=policy.referral_answer_days)


def unanswered(referral: Referral, policy: VisitPolicy, today: date) -> bool:
    """A referral to a charity still sent after the policy's days: flagged to the coordinator
    (the console's list and the device both ask this)."""
    return (
        referral.direction == ReferralDirection.TO_CHARITY
        and referral.status == R.SENT
        and today > answer_due(referral, policy)
    )


def unanswered_of(
    referrals: Iterable[Referral], policy: VisitPolicy, today: date
) -> list[Referral]:
    """The referrals flagged to the coordinator on `today` (`unanswered`), the longest
    overdue first (then by the day referred and id, so the order is stable)."""
    late = [r for r in referrals if unanswered(r, policy, today)]
    return sorted(late, key=lambda r: (answer_due(r, policy), r.referred_on, r.id))
