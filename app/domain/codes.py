"""Stable codes of the domain (DOMAIN.md). Values are codes; labels live in `labels`."""

from __future__ import annotations

from enum import StrEnum


class ServedClass(StrEnum):
    """The three classes of people served (实施对象)."""

    REGISTERED = "registered"  # 在册对象
    MONITORED = "monitored"  # 监测对象
    UPLIFT = "uplift"  # 提低对象


class Category(StrEnum):
    """Assistance categories; a household can hold several."""

    TEKUN = "tekun"
    DIBAO = "dibao"
    ZHICHUXING = "zhichuxing"
    DIBIAN = "dibian"
    ORPHAN = "orphan"
    CHILD_IN_DIFFICULTY = "child_in_difficulty"
    DE_FACTO_UNSUPPORTED_CHILD = "de_facto_unsupported_child"
    EXITED = "exited"
    REJECTED = "rejected"
    TEMPORARY_AID = "temporary_aid"
    SPECIAL_AID = "special_aid"
    LOW_INCOME = "low_income"
    LEFT_BEHIND_CHILD = "left_behind_child"

    @property
    def served_class(self) -> ServedClass:
        return CATEGORY_CLASS[self]


CATEGORY_CLASS: dict[Category, ServedClass] = {
    Category.TEKUN: ServedClass.REGISTERED,
    Category.DIBAO: ServedClass.REGISTERED,
    Category.ZHICHUXING: ServedClass.REGISTERED,
    Category.DIBIAN: ServedClass.REGISTERED,
    Category.ORPHAN: ServedClass.REGISTERED,
    Category.CHILD_IN_DIFFICULTY: ServedClass.REGISTERED,
    Category.DE_FACTO_UNSUPPORTED_CHILD: ServedClass.REGISTERED,
    Category.EXITED: ServedClass.MONITORED,
    Category.REJECTED: ServedClass.MONITORED,
    Category.TEMPORARY_AID: ServedClass.MONITORED,
    Category.SPECIAL_AID: ServedClass.MONITORED,
    Category.LOW_INCOME: ServedClass.UPLIFT,
    Category.LEFT_BEHIND_CHILD: ServedClass.UPLIFT,
}

CHILD_CATEGORIES = frozenset(
    {
        Category.ORPHAN,
        Category.CHILD_IN_DIFFICULTY,
        Category.DE_FACTO_UNSUPPORTED_CHILD,
        Category.LEFT_BEHIND_CHILD,
    }
)


class PersonFlag(StrEnum):
    """Person-level flags that raise the care level."""

    ELDERLY_ALONE = "elderly_alone"  # 高龄独居
    MAJOR_EVENT = "major_event"  # 重大变故
    SEVERE_DISABILITY = "severe_disability"  # 重度残疾
    DISABLED_CARE = "disabled_care"  # 失能


class Team(StrEnum):
    """The five teams who visit (五支队伍)."""

    CIVIL_AFFAIRS = "civil_affairs"
    COORDINATOR = "coordinator"
    SOCIAL_WORKER = "social_worker"
    VOLUNTEER = "volunteer"
    GRID_WORKER = "grid_worker"


class Role(StrEnum):
    WORKER = "worker"
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class RegisterStatus(StrEnum):
    """Where a household stands with the register."""

    REGISTERED = "registered"  # on the register
    REPORTED = "reported"  # 主动发现: found by a worker, awaiting confirmation
    LEFT = "left"  # left the register (date kept)


class NeedArea(StrEnum):
    """The seven areas of needs (七个方面)."""

    LIVING = "living"
    EDUCATION = "education"
    MEDICAL = "medical"
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    CARE = "care"
    WISH = "wish"


class NeedStatus(StrEnum):
    RAISED = "raised"
    REASONABLE = "reasonable"  # assessed 合理
    UNREASONABLE = "unreasonable"  # assessed 不合理, with a reason
    MATCHED = "matched"
    REFERRED = "referred"
    FULFILLED = "fulfilled"  # 兑现
    CLOSED = "closed"


class VisitKind(StrEnum):
    KNOCK = "knock"  # 敲门问需求 survey
    CARE = "care"  # 探访关爱


class VisitMode(StrEnum):
    HOME = "home"  # 上门
    PHONE = "phone"  # 电话
    VIDEO = "video"  # 视频


class VisitOutcome(StrEnum):
    MET = "met"
    NOBODY_HOME = "nobody_home"
    REFUSED = "refused"
    MOVED = "moved"


# The outcomes that reached someone (a contact): met, or refused at the door. "Nobody
# home" is an attempt and "moved" finds no one. Only contacts count for coverage and the
# visit rules (DOMAIN.md); every reader (`Visit.is_contact`, `VisitFact`, the server's
# SQL) takes them from here.
CONTACT_OUTCOMES: frozenset[VisitOutcome] = frozenset({VisitOutcome.MET, VisitOutcome.REFUSED})


class CareKind(StrEnum):
    HUMANISTIC = "humanistic"  # 人文关怀
    COUNSELLING = "counselling"  # 心理疏导
    COMFORT = "comfort"  # 精神慰藉
    DAILY_LIFE = "daily_life"  # 生活照料
    POLICY = "policy"  # 政策宣传
    OTHER = "other"


class WishState(StrEnum):
    COLLECTED = "collected"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    CLAIMED = "claimed"
    FULFILLED = "fulfilled"  # 圆梦
    CANCELLED = "cancelled"


class ConsentAction(StrEnum):
    GRANT = "grant"
    WITHDRAW = "withdraw"


class ConsentMethod(StrEnum):
    SIGNATURE = "signature"  # drawn on screen
    PAPER = "paper"  # signed paper form, photographed
    VERBAL = "verbal"  # with a witness


class DataCategory(StrEnum):
    """Categories of personal data a consent can cover."""

    IDENTITY = "identity"  # name, gender, age
    CONTACT = "contact"  # phone, address
    ID_NUMBER = "id_number"
    ASSISTANCE = "assistance"  # categories, income
    HEALTH = "health"
    NEEDS = "needs"


class ReferralDirection(StrEnum):
    TO_CHARITY = "to_charity"
    TO_CIVIL_AFFAIRS = "to_civil_affairs"  # a charity refers someone back


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    DECLINED = "declined"


class Frequency(StrEnum):
    """Calendar-aligned visit windows, strictest first."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def rank(self) -> int:
        return list(Frequency).index(self)
