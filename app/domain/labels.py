"""Labels for people: zh-CN and English for every domain code and every UI string.

Pure data plus two look-ups. Codes stay stable (codes.py); what a person reads lives
here, so a label can change without touching stored data. Chinese is the default.
"""

from __future__ import annotations

from enum import StrEnum

from app.domain.codes import (
    CareKind,
    Category,
    ConsentAction,
    ConsentMethod,
    DataCategory,
    Frequency,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
    Role,
    ServedClass,
    Team,
    VisitKind,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.policy import Urgency

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# (zh-CN, en) for every value of every enum people see.
CODE_LABELS: dict[type[StrEnum], dict[str, tuple[str, str]]] = {
    ServedClass: {
        "registered": ("在册对象", "Registered"),
        "monitored": ("监测对象", "Monitored"),
        "uplift": ("提低对象", "Low-income uplift"),
    },
    Category: {
        "tekun": ("特困供养", "Extreme poverty support"),
        "dibao": ("低保", "Minimum living allowance"),
        "zhichuxing": ("支出型贫困", "Expenditure-induced poverty"),
        "dibian": ("低保边缘", "Near-dibao"),
        "orphan": ("孤儿", "Orphan"),
        "child_in_difficulty": ("困境儿童", "Child in difficulty"),
        "de_facto_unsupported_child": ("事实无人抚养儿童", "De facto unsupported child"),
        "exited": ("近3年退出救助", "Left assistance (3 years)"),
        "rejected": ("申请未通过", "Application rejected"),
        "temporary_aid": ("临时救助", "Temporary aid"),
        "special_aid": ("专项救助", "Special aid"),
        "low_income": ("低收入家庭", "Low-income household"),
        "left_behind_child": ("留守儿童", "Left-behind child"),
    },
    PersonFlag: {
        "elderly_alone": ("高龄独居", "Elderly living alone"),
        "major_event": ("重大变故", "Major adverse event"),
        "severe_disability": ("重度残疾", "Severe disability"),
        "disabled_care": ("失能", "Needs care (disabled)"),
    },
    Team: {
        "civil_affairs": ("民政干部", "Civil-affairs cadre"),
        "coordinator": ("救助协理员", "Assistance coordinator"),
        "social_worker": ("社工", "Social worker"),
        "volunteer": ("志愿者", "Volunteer"),
        "grid_worker": ("网格员", "Grid worker"),
    },
    Role: {
        "worker": ("走访人员", "Field worker"),
        "coordinator": ("协理员", "Coordinator"),
        "supervisor": ("督导", "Supervisor"),
        "admin": ("管理员", "Administrator"),
    },
    RegisterStatus: {
        "registered": ("在册", "On the register"),
        "reported": ("主动发现（待确认）", "Reported, awaiting confirmation"),
        "left": ("已退出", "Left the register"),
    },
    NeedArea: {
        "living": ("生活保障", "Living"),
        "education": ("教育支持", "Education"),
        "medical": ("医疗减负", "Medical costs"),
        "housing": ("住房改善", "Housing"),
        "employment": ("就业帮扶", "Employment"),
        "care": ("日常关怀", "Daily care"),
        "wish": ("心愿回应", "Wishes"),
    },
    NeedStatus: {
        "raised": ("待评估", "Raised"),
        "reasonable": ("合理", "Reasonable"),
        "unreasonable": ("不合理", "Not reasonable"),
        "matched": ("已对接资源", "Matched"),
        "referred": ("已转介", "Referred"),
        "fulfilled": ("已兑现", "Fulfilled"),
        "closed": ("已关闭", "Closed"),
    },
    VisitKind: {
        "knock": ("敲门问需求", "Door-knock survey"),
        "care": ("探访关爱", "Care visit"),
    },
    VisitMode: {
        "home": ("上门", "Home visit"),
        "phone": ("电话", "Phone"),
        "video": ("视频", "Video"),
    },
    VisitOutcome: {
        "met": ("见到本人", "Met"),
        "nobody_home": ("无人在家", "Nobody home"),
        "refused": ("拒绝", "Refused"),
        "moved": ("已搬离", "Moved away"),
    },
    CareKind: {
        "humanistic": ("人文关怀", "Humanistic care"),
        "counselling": ("心理疏导", "Counselling"),
        "comfort": ("精神慰藉", "Emotional comfort"),
        "daily_life": ("生活照料", "Help with daily life"),
        "policy": ("政策宣传", "Explaining policies"),
        "other": ("其他", "Other"),
    },
    WishState: {
        "collected": ("已收集", "Collected"),
        "approved": ("已审核", "Approved"),
        "rejected": ("已驳回", "Rejected"),
        "published": ("已发布", "Published"),
        "claimed": ("已认领", "Claimed"),
        "fulfilled": ("已圆梦", "Fulfilled"),
        "cancelled": ("已取消", "Cancelled"),
    },
    ConsentAction: {
        "grant": ("同意", "Granted"),
        "withdraw": ("撤回", "Withdrawn"),
    },
    ConsentMethod: {
        "signature": ("屏幕签名", "Signature on screen"),
        "paper": ("纸质同意书拍照", "Photo of signed paper form"),
        "verbal": ("口头同意（有见证人）", "Verbal, with a witness"),
    },
    DataCategory: {
        "identity": ("身份信息（姓名、性别、年龄）", "Identity (name, gender, age)"),
        "contact": ("联系方式（电话、住址）", "Contact (phone, address)"),
        "id_number": ("身份证号", "ID number"),
        "assistance": ("救助类别与收入", "Assistance categories and income"),
        "health": ("健康状况", "Health"),
        "needs": ("需求信息", "Needs"),
    },
    ReferralDirection: {
        "to_charity": ("转介至慈善组织", "To a charity"),
        "to_civil_affairs": ("转回民政", "Back to civil affairs"),
    },
    ReferralStatus: {
        "sent": ("已转介", "Sent"),
        "accepted": ("已接收", "Accepted"),
        "completed": ("已完成", "Completed"),
        "declined": ("已拒绝", "Declined"),
    },
    Frequency: {
        "weekly": ("每周", "Weekly"),
        "monthly": ("每月", "Monthly"),
        "quarterly": ("每季度", "Quarterly"),
        "half_yearly": ("每半年", "Half-yearly"),
        "yearly": ("每年", "Yearly"),
    },
    Urgency: {
        "major_event": ("重大变故待探访", "Major event: visit now"),
        "overdue": ("已逾期", "Overdue"),
        "due_soon": ("即将到期", "Due soon"),
        "due": ("本期待探访", "Due this period"),
        "done": ("本期已探访", "Visited this period"),
    },
}

# UI strings: key -> (zh-CN, en). `{name}` placeholders are filled by `text()`.
UI: dict[str, tuple[str, str]] = {
    "app.title": ("入户走访", "Doorstep"),
}


def label(code: StrEnum, lang: str = DEFAULT_LANGUAGE) -> str:
    """The label of a domain code in `lang` (the code itself if it has none)."""
    pair = CODE_LABELS.get(type(code), {}).get(code.value)
    if pair is None:
        return code.value
    return pair[1] if lang == "en" else pair[0]


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """A UI string in `lang`, with `{placeholders}` filled from `values`."""
    pair = UI.get(key)
    if pair is None:
        raise KeyError(f"no UI text {key!r}")
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**values) if values else template


def all_text() -> str:
    """Every label and UI string, for checking that the bundled font covers them."""
    parts = [s for table in CODE_LABELS.values() for pair in table.values() for s in pair]
    parts.extend(s for pair in UI.values() for s in pair)
    return "".join(parts)
