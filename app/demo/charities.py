"""The demo's charities (双向转介 recipients) and how a referred need reaches one of them.

`doorstep demo` registers the organisations of `DEMO_CHARITIES` on the county server before
the households are generated, and hands the generator their ids (`Charity`): a need the
demo refers to a charity goes to one of them by id, under a consent to that organisation
(or, for the 助联体 member, sometimes to the class of all 助联体成员单位), and the
referral is answered as the charity would in the console — accepted, declined with a
reason, or completed with the service, its day and its value in 元.

Without charities (`doorstep server load-demo`, the tests' small counties) the generator
names the charity resources of its wording as free text, as it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.demo.randomness import DemoRandom
from app.domain.codes import NeedArea
from app.domain.organisations import OrganisationKind
from app.domain.recipients import class_ref, classes_for, organisation_ref

A = NeedArea


@dataclass(frozen=True)
class DemoCharitySpec:
    """A demo organisation as the server registers it, with its console login."""

    name: str
    kind: OrganisationKind
    credit_code: str  # 统一社会信用代码, check character valid
    need_areas: tuple[NeedArea, ...]
    contact: str
    username: str  # the console login of its staff
    shown: str  # what the login is called when the demo prints it


DEMO_CHARITIES: tuple[DemoCharitySpec, ...] = (
    DemoCharitySpec(
        "婺城区慈善总会（演示）",
        OrganisationKind.CHARITY,
        "51330702MJ8806125M",
        (A.LIVING, A.MEDICAL, A.EDUCATION, A.HOUSING, A.WISH),
        "0579-80000000",
        "demo-charity",
        "慈善总会工作人员",
    ),
    DemoCharitySpec(
        "安地镇助联体·和美社工站（演示）",
        OrganisationKind.ALLIANCE_MEMBER,
        "52330702MJ8806172E",
        (A.CARE, A.EMPLOYMENT, A.MEDICAL, A.LIVING, A.EDUCATION),
        "0579-80000001",
        "demo-charity2",
        "助联体社工站工作人员",
    ),
)


@dataclass(frozen=True)
class Charity:
    """A registered demo organisation as the generator names it: id, name, kind, areas."""

    id: str
    name: str
    kind: OrganisationKind
    need_areas: tuple[NeedArea, ...]


@dataclass(frozen=True)
class Answer:
    """How the charity answered a referral (the fields the console would have written)."""

    answered_on: date | None = None
    answered_by: str = ""
    decline_reason: str = ""
    service: str = ""
    service_on: date | None = None
    value_yuan: int | None = None


DECLINE_REASONS = (
    "本季度该类项目名额已满，建议转介其他机构",
    "当事人所在村不在本机构服务范围内",
    "需求超出本机构项目资助范围，已建议申请临时救助",
    "经电话联系，当事人表示暂不需要帮扶",
)
VALUES_YUAN: dict[NeedArea, tuple[int, int]] = {
    A.LIVING: (200, 1500),
    A.MEDICAL: (500, 5000),
    A.EDUCATION: (300, 3000),
    A.HOUSING: (1000, 8000),
    A.CARE: (100, 1200),
    A.EMPLOYMENT: (0, 600),
    A.WISH: (50, 500),
}


class CharityChooser:
    """Which demo charity a referred need goes to, under what consent, and its answer.

    It draws from its own random source, seeded from the demo's seed."""

    def __init__(self, charities: Sequence[Charity], seed: int) -> None:
        self.charities = tuple(charities)
        self.rng = DemoRandom(seed * 7919 + 104_729)

    def __bool__(self) -> bool:
        return bool(self.charities)

    def refers_matched(self) -> bool:
        """Whether a need matched to a charity's project is referred to a demo charity
        (so that their inboxes hold open referrals, not only answered ones)."""
        return bool(self.charities) and self.rng.chance(0.6)

    def pick(self, area: NeedArea) -> Charity:
        serving = [c for c in self.charities if area in c.need_areas]
        return self.rng.choice(serving or self.charities)

    def consent_ref(self, charity: Charity) -> str:
        """The recipient a new consent names: the organisation, or (about half the time
        for a 助联体 member) the class of all 助联体成员单位."""
        classes = sorted(classes_for(charity.kind))
        if classes and self.rng.chance(0.5):
            return class_ref(charity.kind)
        return organisation_ref(charity.id)

    def answer(
        self,
        charity: Charity,
        area: NeedArea,
        status: str,
        referred_on: date,
        completed_on: date | None,
        service: str,
        today: date,
    ) -> Answer:
        """The console's fields for a referral in `status` (sent: none)."""
        rng = self.rng
        if status == "sent":
            return Answer()
        last = completed_on or today
        answered = min(last, referred_on + timedelta(days=rng.randint(1, 6)))
        if status == "accepted":
            return Answer(answered, charity.name)
        if status == "declined":
            return Answer(answered, charity.name, decline_reason=rng.choice(DECLINE_REASONS))
        lo, hi = VALUES_YUAN.get(area, (100, 1000))
        value = round(rng.randint(lo, hi), -1)
        return Answer(
            answered,
            charity.name,
            service=service or "按需提供帮扶服务",
            service_on=completed_on,
            value_yuan=value,
        )
