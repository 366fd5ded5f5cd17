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


class LeaveReason(StrEnum):
    """Why a member left the household (the leave is kept in the history, the member too)."""

    DIED = "died"  # 去世
    MOVED_OUT = "moved_out"  # 迁出
    MARRIED_OUT = "married_out"  # 嫁出（婚出）


class MajorEventKind(StrEnum):
    """The kind of a 重大变故 (major adverse event)."""

    ILLNESS = "illness"  # 重大疾病
    ACCIDENT = "accident"  # 意外事故
    BREADWINNER_DIED = "breadwinner_died"  # 主要劳动力（顶梁柱）去世
    DISASTER = "disaster"  # 自然灾害
    JOB_LOSS = "job_loss"  # 失业


class SchoolStage(StrEnum):
    """Where a child is in school (就学阶段)."""

    PRESCHOOL = "preschool"  # 学前
    PRIMARY = "primary"  # 小学
    JUNIOR = "junior"  # 初中
    SENIOR = "senior"  # 高中
    VOCATIONAL = "vocational"  # 中职
    HIGHER = "higher"  # 大学
    OUT_OF_SCHOOL = "out_of_school"  # 失学辍学


class EmploymentAbility(StrEnum):
    """就业能力: what work a member could take up."""

    FULL = "full"  # 有劳动能力
    PARTIAL = "partial"  # 部分劳动能力
    NONE = "none"  # 无劳动能力


class EmploymentWish(StrEnum):
    """就业意愿: whether a member wants work (the seed's 就业帮扶)."""

    WANTS_WORK = "wants_work"  # 有就业意愿
    WANTS_TRAINING = "wants_training"  # 希望参加技能培训
    NO_WISH = "no_wish"  # 暂无就业意愿


class RegisterField(StrEnum):
    """What a register change (`RegisterChange`) changed: a field of a household or of a
    member, by the field's name, or a member added."""

    ADDRESS = "address"
    PHONE = "phone"
    NOTES = "notes"
    MEMBER_ADDED = "member_added"
    NAME = "name"
    ID_NUMBER = "id_number"
    RELATION = "relation"
    LIVES_ALONE = "lives_alone"
    FLAGS = "flags"
    SCHOOL_STAGE = "school_stage"
    EMPLOYMENT_ABILITY = "employment_ability"
    EMPLOYMENT_WISH = "employment_wish"
    HEALTH_NOTE = "health_note"
    LEFT_ON = "left_on"
    LEFT_REASON = "left_reason"
    MAJOR_EVENT_DATE = "major_event_date"
    MAJOR_EVENT_KIND = "major_event_kind"
    MAJOR_EVENT_NOTE = "major_event_note"
    MAJOR_EVENT_RECORDED_ON = "major_event_recorded_on"


class Festival(StrEnum):
    """The festival days of the seed's 集中帮扶 (节日走访): 元旦春节 is a window, the others a day."""

    NEW_YEAR_SPRING = "new_year_spring"  # 元旦春节 (1 January to 元宵节)
    CHILDRENS_DAY = "childrens_day"  # 儿童节 (1 June)
    DOUBLE_NINTH = "double_ninth"  # 重阳节 (农历九月初九)
    DISABILITY_DAY = "disability_day"  # 全国助残日 (the third Sunday of May)
    CHARITY_DAY = "charity_day"  # 中华慈善日 (5 September)


class CampaignGroup(StrEnum):
    """Whom a festival list (节日走访清单) picks: 老 / 幼 / 残."""

    ELDERLY = "elderly"  # 老: a member of the list's elderly age or older
    CHILD = "child"  # 幼: a member under the list's child age
    DISABLED = "disabled"  # 残: a member with 重度残疾 or 失能


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


# Coordinators and above: they review, publish wishes and see the donors of claimed ones.
COORDINATING_ROLES = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN})


class RegisterStatus(StrEnum):
    """Where a household stands with the register."""

    REGISTERED = "registered"  # on the register
    REPORTED = "reported"  # 主动发现: found by a worker, awaiting confirmation
    LEFT = "left"  # left the register (date kept)
    MERGED = "merged"  # 主动发现 found on the register: merged into that household


class DiscoveryReview(StrEnum):
    """A coordinator's decision on a 主动发现 household (`app.domain.discovery`)."""

    APPLYING = "applying"  # an assistance application was started (still reported)
    CONFIRMED = "confirmed"  # put on the register, or merged into the roster household
    DISMISSED = "dismissed"  # not taken up, with a reason


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


class SharePurpose(StrEnum):
    """Why a person's data is shared with a charity (共享目的): a consent names one of these
    (PIPL art. 23: a specific purpose), and a referral names its consent's purpose."""

    CHARITY_HELP = "charity_help"  # 对接慈善帮扶资源 (the consent form's default)
    ASSISTANCE_REFERRAL = "assistance_referral"  # 救助帮扶转介
    WISH = "wish"  # 微心愿发布
    SERVICE_PROJECT = "service_project"  # 服务项目对接
    CARE_VISIT = "care_visit"  # 探访关爱服务


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
