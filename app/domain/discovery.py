"""主动发现 (households found in difficulty) and a coordinator's decision on each.

A worker on a round, or a charity through the county console (反向转介), reports a
household that is not on the register: it is stored with register status `reported` and
no review. A coordinator (or above) then decides, and the decision is fields of the
household (`Household.review_status` and the fields beside it), synced like any edit:

- applying (发起救助申请): an assistance application was started; it stays reported and
  in the queue until confirmed or dismissed;
- confirmed: matched against the register by ID number (`register_match`). A member whose
  ID number is on a registered household means the reported household *is* that one: it
  is merged into it (register status `merged`, `merged_into`), and the county server
  re-points its members, visits, needs, consents, wishes and referrals to that household,
  so nothing is copied and coverage counts the household once. Otherwise it goes on the
  register from the day of the decision;
- dismissed (排除): not taken up, with a reason.

A decision is final (an application may still be confirmed or dismissed); only a
reviewer's device (coordinator, supervisor, admin) or the server makes one (the rule is
`Household.check_edit`, checked again by the server at push).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.domain.clock import Stamp
from app.domain.codes import DiscoveryReview, RegisterStatus, Role
from app.domain.errors import DoorstepError
from app.domain.records import CHINA_TIME, Household, InvalidRecord

REVIEWER_ROLES = frozenset({Role.COORDINATOR.value, Role.SUPERVISOR.value, Role.ADMIN.value})


class NotPending(DoorstepError):
    """The household is not a reported one awaiting a decision."""

    default_code = "discovery.decided"


def is_pending(household: Household) -> bool:
    """Reported and not decided yet (an application started is still in the queue)."""
    return household.register_status == RegisterStatus.REPORTED and household.review_status in (
        None,
        DiscoveryReview.APPLYING,
    )


def is_reviewer(role: str) -> bool:
    """The roles that decide on 主动发现 households."""
    return role in REVIEWER_ROLES


def found_on(household: Household) -> date | None:
    """The day (China time) the household was reported: its creation stamp's wall time."""
    try:
        wall_ms = Stamp.parse(household.created_hlc).wall_ms
    except ValueError:
        return None
    return datetime.fromtimestamp(wall_ms / 1000, UTC).astimezone(CHINA_TIME).date()


@dataclass(frozen=True)
class Member:
    """What matching reads of a person: their household and normalised ID number."""

    household_id: str
    id_number: str | None


def register_match(
    reported_id: str,
    members: Iterable[Member],
    registered: Mapping[str, str],
) -> str | None:
    """The registered household the reported household `reported_id` is, if any: the
    household of a registered person (`registered`: ID number → household id) sharing an
    ID number with one of its members; the first by ID number when several."""
    numbers = sorted(m.id_number for m in members if m.household_id == reported_id and m.id_number)
    for number in numbers:
        found = registered.get(number)
        if found is not None and found != reported_id:
            return found
    return None


def decide(
    household: Household,
    review: DiscoveryReview,
    *,
    on: date,
    by: str,
    reason: str = "",
    merged_into: str | None = None,
) -> Household:
    """The household after a coordinator's decision (a copy): NotPending unless it awaits
    one; a dismissal without a reason is InvalidRecord ("discovery.reason_missing").
    Confirming with `merged_into` (the register's match) merges, else registers it."""
    if not is_pending(household):
        raise NotPending()
    if review == DiscoveryReview.DISMISSED and not reason.strip():
        raise InvalidRecord("discovery.reason_missing")
    changes: dict[str, object] = {
        "review_status": review,
        "review_reason": reason.strip(),
        "reviewed_on": on,
        "reviewed_by": by,
    }
    if review == DiscoveryReview.CONFIRMED:
        if merged_into is not None:
            changes |= {"register_status": RegisterStatus.MERGED, "merged_into": merged_into}
        else:
            changes |= {"register_status": RegisterStatus.REGISTERED, "registered_on": on}
    data = household.model_dump() | changes
    return Household.edited(data, changes)
