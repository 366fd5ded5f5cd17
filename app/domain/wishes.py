"""微心愿 lifecycle: the legal transitions and who may make them.

The record type (`app.domain.records.Wish`) takes its rules from here, so this module
names it for type checking only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from app.domain.codes import NeedArea, WishState
from app.domain.errors import DoorstepError

if TYPE_CHECKING:
    from app.domain.policy import VisitPolicy
    from app.domain.records import Wish

S = WishState

TRANSITIONS: dict[WishState, frozenset[WishState]] = {
    S.COLLECTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.PUBLISHED, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.PUBLISHED: frozenset({S.CLAIMED, S.CANCELLED}),
    # A claim that is released (no contact within the policy's days) goes back to published.
    S.CLAIMED: frozenset({S.FULFILLED, S.PUBLISHED, S.CANCELLED}),
    S.FULFILLED: frozenset(),
    S.CANCELLED: frozenset(),
}

OPEN_STATES = frozenset({S.COLLECTED, S.APPROVED, S.PUBLISHED, S.CLAIMED})

# Only the county server records claims and releases them; devices collect, review, fulfil
# and ask for an approved wish to be published (the server screens the story and does the
# compare-and-set when the request reaches it: `DEVICE_PUBLISHES_FROM`).
SERVER_ONLY = frozenset({S.PUBLISHED, S.CLAIMED})
DEVICE_PUBLISHES_FROM = S.APPROVED


def _reachable_by_device(start: WishState) -> frozenset[WishState]:
    seen, todo = {start}, [start]
    while todo:
        for target in TRANSITIONS[todo.pop()] - SERVER_ONLY - seen:
            seen.add(target)
            todo.append(target)
    return frozenset(seen)


# A device creates a wish in a state it could reach on its own from collected.
DEVICE_CREATE_STATES = _reachable_by_device(S.COLLECTED)


class IllegalTransition(DoorstepError, ValueError):
    """The wish cannot move to that state from the one it is in."""

    default_code = "wish.transition"


@dataclass(frozen=True)
class WishCheck:
    """Whether a transition is legal; `problem` says why not."""

    ok: bool
    problem: IllegalTransition | None = None


def check_transition(current: WishState, target: WishState, *, on_server: bool) -> WishCheck:
    if target not in TRANSITIONS[current]:
        return WishCheck(
            False, IllegalTransition("wish.transition", current=current, target=target)
        )
    device_publishes = target == S.PUBLISHED and current == DEVICE_PUBLISHES_FROM
    if target in SERVER_ONLY and not on_server and not device_publishes:
        return WishCheck(False, IllegalTransition("wish.server_only"))
    return WishCheck(True)


def transition(
    wish: Wish, target: WishState, *, on: date, on_server: bool = False, **fields: object
) -> Wish:
    """A copy of `wish` in `target` state, with the fields that transition records."""
    check = check_transition(wish.state, target, on_server=on_server)
    if check.problem is not None:
        raise check.problem
    updates: dict[str, object] = {"state": target, **fields}
    if target in (S.APPROVED, S.REJECTED):
        updates.setdefault("reviewed_on", on)
    if target == S.CLAIMED:
        updates.setdefault("claimed_on", on)
    if target == S.FULFILLED:
        updates.setdefault("fulfilled_on", on)
    if target == S.PUBLISHED:
        updates.setdefault("claimed_by", "")
        updates.setdefault("claimed_on", None)
        updates.setdefault("contacted_on", None)
    # Validated, unlike model_copy: a misspelt field or a blank reason must not slip through.
    moved = type(wish).edited({**wish.model_dump(), **updates}, updates)
    if target == S.REJECTED and not moved.reject_reason:
        raise IllegalTransition("wish.reject_reason")
    if target == S.CLAIMED and not moved.claimed_by:
        raise IllegalTransition("wish.claimed_by")
    return moved


class InvalidWishValue(DoorstepError, ValueError):
    """A wish's value as typed that is not a whole number of 元 within the cap."""

    default_code = "wish_value.whole"


_WHOLE_YUAN = re.compile(r"[0-9]+")
_MINUS = ("-", "\u2212", "\uff0d")  # hyphen-minus, minus sign, full-width hyphen-minus


def parse_wish_value(raw: str, policy: VisitPolicy) -> int:
    """A wish's value as typed, in whole 元 from 0 to the policy's cap (DOMAIN.md: 500 元 by
    default); anything else is refused with the reason a worker can act on."""
    value = raw.strip()
    if value.startswith(_MINUS) and _WHOLE_YUAN.fullmatch(value[1:].strip()):
        raise InvalidWishValue("wish_value.negative")
    if not _WHOLE_YUAN.fullmatch(value):
        raise InvalidWishValue("wish_value.whole")
    if int(value) > policy.wish_value_cap_yuan:
        raise InvalidWishValue("wish_value.cap", cap=policy.wish_value_cap_yuan)
    return int(value)


def review_problems(wish: Wish, others: list[Wish], policy: VisitPolicy) -> list[DoorstepError]:
    """Why a collected wish should not be approved (value cap, one open wish per household)."""
    problems: list[DoorstepError] = []
    if wish.value_yuan > policy.wish_value_cap_yuan:
        problems.append(
            DoorstepError("wish.over_cap", value=wish.value_yuan, cap=policy.wish_value_cap_yuan)
        )
    open_others = [
        w
        for w in others
        if w.household_id == wish.household_id
        and w.id != wish.id
        and w.state in OPEN_STATES
        and w.state != S.COLLECTED
    ]
    if len(open_others) >= policy.open_wishes_per_household:
        problems.append(DoorstepError("wish.open_in_household"))
    return problems


def claim_expired(wish: Wish, policy: VisitPolicy, today: date) -> bool:
    """A claim with no contact within the policy's days is released back to published.

    Overdue on `today` when more than `wish_claim_contact_days` days have passed since the
    claim and no contact with the donor was recorded (a contacted claim is kept).
    """
    return (
        wish.state == S.CLAIMED
        and wish.claimed_on is not None
        and wish.contacted_on is None
        and today > wish.claimed_on + timedelta(days=policy.wish_claim_contact_days)
    )


def release_claim(wish: Wish, policy: VisitPolicy, today: date) -> Wish:
    """The wish released back to published: claim cleared, the release day recorded."""
    if not claim_expired(wish, policy, today):
        raise IllegalTransition("wish.claim_not_expired")
    return transition(wish, S.PUBLISHED, on=today, on_server=True, released_on=today)


def record_contact(wish: Wish, on: date) -> Wish:
    """The donor made contact with the household: the claim is kept (not released)."""
    if wish.state != S.CLAIMED:
        raise IllegalTransition("wish.contact_not_claimed", state=wish.state)
    if wish.contacted_on is not None:
        return wish
    return type(wish).edited({**wish.model_dump(), "contacted_on": on}, ["contacted_on"])


def record_handover(wish: Wish, on: date, note: str = "") -> Wish:
    """The donor handed the gift over (交接): the claim is kept; 圆梦 is recorded apart,
    with what was given and a photo. A handover implies the contact."""
    if wish.state != S.CLAIMED:
        raise IllegalTransition("wish.contact_not_claimed", state=wish.state)
    changes: dict[str, object] = {"handed_over_on": on, "handover_note": note}
    if wish.contacted_on is None:
        changes["contacted_on"] = on
    return type(wish).edited({**wish.model_dump(), **changes}, list(changes))


def assign_delivery_team(wish: Wish, team_id: str, team_name: str) -> Wish:
    """A claimed wish given to a 小特帮扶服务队 to deliver (a coordinator, on the console):
    only while it is claimed; assigning another team replaces the first."""
    if wish.state != S.CLAIMED:
        raise IllegalTransition("wish.assign_not_claimed", state=wish.state)
    changes = {"delivery_team": team_name, "delivery_team_id": team_id}
    return type(wish).edited({**wish.model_dump(), **changes}, list(changes))


# Fields a device writes only while the wish is claimed: the contact and the handover
# race with the server's release of a claim, and lose to it (the push is refused).
CLAIM_FOLLOW_UP_FIELDS = frozenset({"contacted_on", "handed_over_on", "handover_note"})


STORY_MAX_CHARS = 200
_NOT_DIGIT = re.compile(r"[^0-9xX]")


@dataclass(frozen=True)
class PersonalValues:
    """What identifies a wish's household, which nothing published may contain: its
    members' names, ID numbers and phones, its address and its village's name."""

    names: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def _digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text).upper()


def story_problems(text: str, personal: PersonalValues) -> list[DoorstepError]:
    """Why a wish's public text (its title and story) may not be published as it is
    (DOMAIN.md: the published minimum): too long, or naming the household — a member's
    name, an ID number or phone (digits matched through spaces and dashes), the address
    or the village. Empty when it may be published."""
    problems: list[DoorstepError] = []
    if len(text) > STORY_MAX_CHARS:
        problems.append(DoorstepError("wish_story.too_long", limit=STORY_MAX_CHARS))
    squeezed = re.sub(r"\s", "", text)
    digits = _digits(text)
    if any(n and n in squeezed for n in personal.names):
        problems.append(DoorstepError("wish_story.name"))
    if any(len(_digits(i)) >= 6 and _digits(i) in digits for i in personal.id_numbers):
        problems.append(DoorstepError("wish_story.id_number"))
    if any(len(_digits(p)) >= 7 and _digits(p) in digits for p in personal.phones):
        problems.append(DoorstepError("wish_story.phone"))
    if any(p and re.sub(r"\s", "", p) in squeezed for p in personal.places):
        problems.append(DoorstepError("wish_story.address"))
    return problems


def publish_request(
    wish: Wish,
    *,
    need_area: NeedArea,
    story: str,
    publicity_consent: bool,
    personal: PersonalValues,
    on: date,
) -> Wish:
    """An approved wish as a device asks for it to be published (发布): its public need
    area, story and the household's separate consent to show its photos. Refused with the
    first reason the story may not be published (`story_problems`), the same rule the
    server applies again when the request reaches it."""
    story = story.strip()
    problems = story_problems(f"{wish.title}\n{story}", personal)
    if problems:
        raise problems[0]
    return transition(
        wish,
        S.PUBLISHED,
        on=on,
        need_area=need_area,
        story=story,
        publicity_consent=publicity_consent,
    )


@dataclass(frozen=True)
class DonorContact:
    """Who claimed a wish from the board and how to reach them (认领人联系方式): personal
    data of the donor, sent only to coordinators' devices in the wish's scope, kept sealed
    and shown masked until a deliberate tap."""

    wish_id: str
    name: str
    phone: str
    delivery: str  # how the donor will deliver (送达方式), as they typed it
    organisation: str = ""  # the organisation a console account claimed for

    def to_json(self) -> dict[str, str]:
        return {
            "wish_id": self.wish_id,
            "name": self.name,
            "phone": self.phone,
            "delivery": self.delivery,
            "organisation": self.organisation,
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> DonorContact:
        return cls(
            str(data["wish_id"]),
            str(data["name"]),
            str(data["phone"]),
            str(data.get("delivery", "")),
            str(data.get("organisation", "")),
        )
