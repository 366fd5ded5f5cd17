"""Errors as people read them: one sentence per error code, in zh-CN and English.

An error carries a code and parameters (`app.domain.errors.DoorstepError`); `message`
turns it into the sentence in the chosen language. A parameter that is itself an error is
said in the same language; a format spec names how a parameter is said: ``{state:label}``
by the code's label, ``{items:list}`` each item joined by "；", ``{missing:categories}`` each data category by its label, ``{record:record}`` by the record type's name, ``{kind:keystore}`` by the keystore's, ``{field:field}`` by
the field's name. A code with no sentence, or a sentence missing a parameter, is said by
the fallback naming the code, never by a traceback.
"""

from __future__ import annotations

import string
from enum import StrEnum
from typing import Any

from app.domain.codes import DataCategory
from app.domain.errors import DoorstepError
from app.ui.catalogue.labels import DEFAULT_LANGUAGE, field_label, label, purpose_label

# Record types by `Record.type_name`, as error sentences name them.
RECORD_NAMES: dict[str, tuple[str, str]] = {
    "household": ("家庭", "household"),
    "person": ("家庭成员", "household member"),
    "visit": ("探访记录", "visit"),
    "need": ("需求", "need"),
    "consent": ("同意记录", "consent record"),
    "wish": ("心愿", "wish"),
    "referral": ("转介", "referral"),
    "register_change": ("登记变更", "register change"),
    "delivery": ("项目服务记录", "project delivery"),
    "campaign": ("节日走访清单", "festival list"),
    "campaign_assignment": ("节日走访对象", "household on a festival list"),
}

# Keystores by `Keystore.kind` (app.store.keystore), as sentences name them.
KEYSTORE_NAMES: dict[str, tuple[str, str]] = {
    "secure-storage": (
        "设备安全存储（Android Keystore）",
        "the device's secure storage (Android Keystore)",
    ),
    "keyring": ("系统钥匙串", "the system keyring"),
    "development": (
        "开发用密钥库（DOORSTEP_DEV_KEYSTORE，仅供演示和测试）",
        "the development keystore (DOORSTEP_DEV_KEYSTORE, for demos and tests only)",
    ),
}

FALLBACK = (
    "操作未能完成（错误代码 {code}）。",
    "The action could not be completed (error code {code}).",
)

# code -> (zh-CN, en). `{name}` placeholders are the error's parameters.
ERRORS: dict[str, tuple[str, str]] = {
    "error": ("操作未能完成。", "The action could not be completed."),
    # area codes and report parameters (app.domain.areas, calendar, coverage, indicators)
    "area.invalid": ("区划代码无效", "Not a valid area code"),
    "area.not_12_digits": ("区划代码应为12位数字：{raw!r}", "An area code has 12 digits: {raw!r}"),
    "area.segment_range": (
        "区划代码的乡镇或村段不在有效范围：{raw}",
        "The township or village part of the area code is out of range: {raw}",
    ),
    "area.scope_length": (
        "区划代码应为6位（县）、9位（乡镇）或12位（村）数字：{raw!r}",
        "An area code has 6 (county), 9 (township) or 12 (village) digits: {raw!r}",
    ),
    "period.invalid": (
        "无法识别的统计期：{text!r}（应为 2026-11、2026-Q4、2026-H2 或 2026）",
        "Not a report period: {text!r} (use 2026-11, 2026-Q4, 2026-H2 or 2026)",
    ),
    "period.year_range": (
        "统计期的年份超出范围：{text!r}",
        "The report period's year is out of range: {text!r}",
    ),
    "breakdown.invalid": (
        "无法识别的分组方式：{value!r}（应为 {choices} 之一）",
        "Not a breakdown: {value!r} (one of {choices})",
    ),
    "indicator.invalid": ("指标数据无效", "Not a valid indicator value"),
    "indicator.unknown": (
        "目标清单中没有指标：{code!r}",
        "The target list has no indicator {code!r}",
    ),
    "indicator.no_year": (
        "目标清单只有{years}年的目标值，没有{year}年",
        "The target list has targets for {years} only, not for {year}",
    ),
    "indicator.measured": (
        "「{name}」由系统统计，不能手工填报",
        "“{name}” is counted by the system and cannot be entered by hand",
    ),
    "indicator.negative": (
        "「{name}」的填报值不能为负数",
        "The value of “{name}” cannot be negative",
    ),
    "indicator.entered": (
        "「{name}」由民政局填报，不是系统统计",
        "“{name}” is entered by the bureau, not counted by the system",
    ),
    "indicator.year": (
        "无法识别的年份：{text!r}（应为如 2026 的四位年份）",
        "Not a year: {text!r} (four digits, like 2026)",
    ),
    # organisations (app.domain.organisations)
    "organisation.invalid": ("机构信息无效", "The organisation's details are not valid"),
    # service projects (app.domain.projects) and their deliveries (records.Delivery)
    "project.invalid": ("项目信息无效", "The project's details are not valid"),
    "project.id": ("项目编号无效", "Not a valid project id"),
    "project.name_length": (
        "项目名称应为2到{max}个字",
        "A project's name has 2 to {max} characters",
    ),
    "project.area": ("服务区划无效：{problem}", "Not a valid area served: {problem}"),
    "project.period": (
        "项目结束日期不能早于开始日期",
        "A project cannot end before it starts",
    ),
    "project.field": (
        "项目的「{field:field}」填写有误",
        "The project's {field:field} is not valid",
    ),
    "project.unknown": (
        "找不到这个服务项目（可能尚未同步）",
        "That service project is not known here (perhaps not synced yet)",
    ),
    "project.not_for_area": (
        "该项目不提供此领域的帮扶",
        "That project does not help in this need area",
    ),
    "project.not_running": (
        "该项目在 {day} 不在实施期内",
        "The project is not running on {day}",
    ),
    "campaign.invalid": ("节日走访清单有误", "The festival list is not valid"),
    "campaign.year_range": (
        "年份应在 {first} 至 {last} 年之间",
        "The year must be between {first} and {last}",
    ),
    "campaign.area_level": (
        "节日走访清单应覆盖一个乡镇（街道）或一个村（社区）",
        "A festival list covers one township or one village",
    ),
    "campaign.villages_of_village": (
        "覆盖一个村（社区）的清单不能再选择村",
        "A list of one village cannot name villages",
    ),
    "campaign.village_outside": (
        "村（社区）{village} 不在该乡镇（街道）内",
        "Village {village} is not in the list's township",
    ),
    "campaign.village_twice": ("同一个村（社区）选了两次", "A village is named twice"),
    "campaign.group_twice": ("同一类对象选了两次", "A group is named twice"),
    "campaign.groups_missing": (
        "请至少选择一类对象（老、幼、残）",
        "Choose at least one group (elderly, children, disabled)",
    ),
    "campaign.elderly_age": (
        "老年人年龄应在 {low} 至 {high} 岁之间",
        "The elderly age must be between {low} and {high}",
    ),
    "campaign.child_age": (
        "儿童年龄应在 {low} 至 {high} 岁之间",
        "The child age must be between {low} and {high}",
    ),
    "campaign.name_missing": ("请填写清单名称", "Enter a name for the list"),
    "campaign.name_too_long": (
        "清单名称最多 {limit} 个字",
        "A list's name has at most {limit} characters",
    ),
    "campaign.item_too_long": (
        "每件物品最多 {limit} 个字",
        "Each item has at most {limit} characters",
    ),
    "campaign.too_many_items": (
        "送达物品最多填写 {limit} 项",
        "At most {limit} items can be recorded",
    ),
    "campaign.items_missing": (
        "请填写送达的物品",
        "Enter what was delivered",
    ),
    "campaign.value_number": (
        "价值应为整数（元）",
        "The value must be a whole number of yuan",
    ),
    "campaign.value_too_large": (
        "价值不能超过 {limit} 元",
        "The value cannot exceed {limit} yuan",
    ),
    "campaign.visit_day_missing": (
        "走访记录和走访日期应同时填写",
        "A visit and its day go together",
    ),
    "campaign.delivered_without_visit": (
        "尚未走访的家庭不能记录送达物品",
        "Deliveries are recorded with a visit",
    ),
    "campaign.create_visited": (
        "新加入清单的家庭应为未走访",
        "A household joins a list not yet visited",
    ),
    "campaign.other_worker": (
        "只能以本人名义建立清单",
        "A list is made in the name of this device's worker",
    ),
    "campaign.in_future": ("日期不能晚于今天", "The date cannot be after today"),
    "campaign.coordinator_only": (
        "只有救助协理员（协调员）可以建立清单或调整走访人员",
        "Only a coordinator can make a list or change who visits",
    ),
    "campaign.closed": (
        "此清单已结束，不能再更改",
        "This list is closed and can no longer change",
    ),
    "campaign.removed": (
        "该家庭已移出清单，不能再更改",
        "The household was taken off the list and can no longer change",
    ),
    "campaign.remove_visited": (
        "已走访的家庭不能移出清单",
        "A household already visited cannot be taken off the list",
    ),
    "campaign.not_closed": (
        "此清单尚未结束，无需重新开启",
        "This list is not closed; there is nothing to reopen",
    ),
    "campaign.not_removed": (
        "该家庭仍在清单中，无需放回",
        "The household is still on the list; there is nothing to put back",
    ),
    "campaign.restore_mismatch": (
        "放回的家庭与被移出的记录不一致",
        "The household put back does not match the place taken off",
    ),
    "campaign.restore_day_missing": (
        "放回清单应同时记录被移出的记录和放回日期",
        "Putting a household back names the place taken off and the day",
    ),
    "campaign.removed_by_other": (
        "只能以本人名义移出家庭",
        "A household is taken off in the name of this device's worker",
    ),
    "campaign.removal_reason_missing": (
        "请填写移出清单的原因",
        "Say why the household leaves the list",
    ),
    "campaign.removal_reason_too_long": (
        "移出原因最多 {limit} 个字",
        "The reason is at most {limit} characters",
    ),
    "campaign.not_qualifying": (
        "该家庭不符合此清单的条件",
        "The household does not meet the list's rule",
    ),
    "campaign.no_campaign": ("节日走访清单不存在", "The festival list does not exist"),
    "campaign.not_covered": (
        "该家庭不在清单覆盖的区域内",
        "The household is not in the list's area",
    ),
    "campaign.already_listed": (
        "该家庭已在此清单中",
        "The household is already on this list",
    ),
    "campaign.worker_not_there": (
        "被指派的工作人员不负责此家庭所在的区域",
        "The assigned worker does not serve the household's area",
    ),
    "campaign.no_visit": (
        "送达记录所属的探访不存在或不是此家庭的",
        "The delivery's visit does not exist or is another household's",
    ),
    "campaign.not_assigned": (
        "该家庭不在此节日走访清单中",
        "The household is not on this festival list",
    ),
    "delivery.in_future": (
        "服务日期不能晚于今天",
        "A delivery cannot be dated after today",
    ),
    "organisation.kind": (
        "机构类型「{raw}」无效，可选：{known}",
        "“{raw}” is not a kind of organisation; one of: {known}",
    ),
    "organisation.name_length": (
        "机构名称应为2至{max}个字",
        "An organisation's name has 2 to {max} characters",
    ),
    "credit_code.length": (
        "统一社会信用代码应为18位（收到 {length} 位）",
        "A unified social credit code has 18 characters (this one has {length})",
    ),
    "credit_code.character": (
        "统一社会信用代码含有不允许的字符「{char}」（不使用 I、O、S、V、Z）",
        "The unified social credit code holds “{char}”, which codes do not use "
        "(no I, O, S, V or Z)",
    ),
    "credit_code.check_digit": (
        "统一社会信用代码校验位不正确，请核对",
        "The unified social credit code's check character is wrong; please check it",
    ),
    # people (app.domain.identity, app.domain.dates)
    "name.invalid": ("姓名中有不能使用的字符", "The name holds a character a name cannot hold"),
    "name.symbol": ("姓名不能包含表情符号或图形符号", "A name cannot contain emoji or pictographs"),
    "name.control": (
        "姓名不能包含控制字符或不可见字符",
        "A name cannot contain control or invisible characters",
    ),
    "id_number.invalid": ("身份证号无效", "Not a valid ID number"),
    "id_number.shape": (
        "身份证号应为18位（最后一位可为X）",
        "An ID number has 18 characters (the last may be X)",
    ),
    "id_number.birth_date": (
        "身份证号中的出生日期无效",
        "The birth date in the ID number is not valid",
    ),
    "id_number.check_digit": ("身份证号校验位不正确", "The ID number's check digit is wrong"),
    "phone.invalid": (
        "电话号码应为11位手机号或带区号的固定电话（如0579-82123456）",
        "A phone number is an 11-digit mobile or a landline with its area code "
        "(like 0579-82123456)",
    ),
    "date.empty": ("请填写日期", "Enter a date"),
    "date.format": (
        "不是日期，请按 2026-05-01、2026/5/1 或 5月1日 填写",
        "Not a date: type it like 2026-05-01, 2026/5/1 or 5月1日",
    ),
    "date.no_month": ("没有 {month} 月", "There is no month {month}"),
    "date.no_day": (
        "{month} 月没有 {day} 日（这个月只有 {last} 天）",
        "Month {month} has no day {day} (it has {last} days)",
    ),
    "date.year": ("年份 {year} 不对", "The year {year} is not right"),
    "date.future": ("{when} 晚于今天，不能选择", "{when} is after today"),
    # consent (app.domain.consent)
    "consent.not_granted": (
        "未取得向「{recipient}」共享信息（{purpose:purpose}）的同意",
        "No consent to share information with “{recipient}” ({purpose:purpose})",
    ),
    "consent.not_covered": (
        "同意不包含所需的数据类别：{missing:categories}",
        "The consent does not cover the data categories needed: {missing:categories}",
    ),
    "consent.expired": (
        "同意已于 {until} 过期，需要重新取得同意",
        "The consent expired on {until}; it has to be given again",
    ),
    "consent.withdrawn": (
        "向「{recipient}」共享信息（{purpose:purpose}）的同意已撤回",
        "Consent to share information with “{recipient}” ({purpose:purpose}) has been withdrawn",
    ),
    "consent.guardian_missing": (
        "未满14周岁，需要由监护人作出同意",
        "The person is under 14: a guardian has to give the consent",
    ),
    # wishes (app.domain.wishes)
    "wish.transition": (
        "心愿状态不能从「{current}」变为「{target}」",
        "A wish cannot go from “{current:label}” to “{target:label}”",
    ),
    "wish.server_only": (
        "只有县级平台可以登记或释放认领；设备只能申请发布已审核通过的心愿",
        "Only the county platform records or releases claims; a device can only ask for an "
        "approved wish to be published",
    ),
    "wish.assign_not_claimed": (
        "只有已认领的心愿可以指派小特帮扶服务队，当前状态为「{state:label}」",
        "Only a claimed wish can be given to a delivery team; this one is “{state:label}”",
    ),
    "wish.publish_coordinator": (
        "只有协理员及以上角色可以发布心愿",
        "Only coordinators (and above) can publish a wish",
    ),
    "wish.reject_reason": ("驳回心愿需要填写理由", "Rejecting a wish needs a reason"),
    "wish.claimed_by": (
        "认领心愿需要填写认领人或组织",
        "Claiming a wish needs the person or organisation who claims it",
    ),
    "wish.claim_not_expired": (
        "此认领未超过联系期限，不能释放",
        "This claim is still within its contact period and cannot be released",
    ),
    "wish.contact_not_claimed": (
        "只有已认领的心愿可以登记联系，当前状态为「{state}」",
        "Only a claimed wish can record a contact; this one is “{state:label}”",
    ),
    "wish.device_create_state": (
        "设备不能新建已发布、已认领或已圆梦的心愿：发布和认领由县级平台完成。",
        "A device cannot create a published, claimed or fulfilled wish: "
        "the county platform publishes wishes and records claims.",
    ),
    "wish.over_cap": (
        "心愿金额 {value} 元超过上限 {cap} 元",
        "The wish's value of {value} yuan is over the cap of {cap} yuan",
    ),
    # referrals to a charity (app.domain.referrals)
    "referral.transition": (
        "转介不能从「{current}」变为「{target}」",
        "A referral cannot go from “{current:label}” to “{target:label}”",
    ),
    "referral.recipient_unknown": (
        "请从机构名录中选择转介对象（名录在同步后更新）",
        "Choose the recipient from the list of organisations (updated at each sync)",
    ),
    "referral.recipient_inactive": (
        "机构「{name}」已停用，不能再向其转介",
        "“{name}” is no longer active: referrals to it cannot be made",
    ),
    "referral.decline_reason": ("婉拒转介需要填写理由", "Declining a referral needs a reason"),
    "referral.service_missing": (
        "完成转介需要填写提供的服务",
        "Completing a referral needs the service provided",
    ),
    "referral.service_ahead": (
        "服务日期不能晚于今天",
        "The service date cannot be later than today",
    ),
    "referral.not_to_charity": (
        "只有转介给机构的转介可以由机构答复",
        "Only a referral to an organisation is answered by an organisation",
    ),
    "wish.open_in_household": ("该家庭已有未完成的心愿", "This household already has an open wish"),
    "wish_story.too_long": (
        "公开的心愿故事不能超过 {limit} 个字，请精简",
        "A wish's public story cannot be longer than {limit} characters",
    ),
    "wish_story.name": (
        "公开的心愿标题或故事含有家庭成员的姓名，请删去后再发布",
        "The wish's public title or story names a member of the household: remove it",
    ),
    "wish_story.id_number": (
        "公开的心愿标题或故事含有身份证号，请删去后再发布",
        "The wish's public title or story contains an ID number: remove it",
    ),
    "wish_story.phone": (
        "公开的心愿标题或故事含有家庭的电话号码，请删去后再发布",
        "The wish's public title or story contains the household's phone number: remove it",
    ),
    "wish_story.address": (
        "公开的心愿标题或故事含有家庭的住址或村名，请删去后再发布",
        "The wish's public title or story contains the household's address or village: remove it",
    ),
    "wish_value.negative": ("心愿金额不能为负数", "A wish's value cannot be negative"),
    "wish_value.whole": (
        "心愿金额请填写整数（元），如 300",
        "Enter the wish's value in whole yuan, like 300",
    ),
    "wish_value.cap": (
        "心愿金额不能超过 {cap} 元（政策上限）",
        "A wish's value cannot be over {cap} yuan (the policy's cap)",
    ),
    # records (app.domain.records)
    "record.id": ("不是有效的记录编号（UUID）", "Not a valid record id (UUID)"),
    "record.invalid": ("记录内容无效：{problem}", "The record is not valid: {problem}"),
    "record.invalid_at": (
        "记录内容无效（{where}）：{problem}",
        "The record is not valid ({where}): {problem}",
    ),
    "check.string_too_long": ("最多 {max_length} 个字", "at most {max_length} characters"),
    "check.too_long": ("最多 {max_length} 项", "at most {max_length} items"),
    "check.finite_number": ("应为有限的数字", "must be a finite number"),
    "check.less_than_equal": ("不能大于 {le}", "cannot be more than {le}"),
    "check.greater_than_equal": ("不能小于 {ge}", "cannot be less than {ge}"),
    "check.missing": ("必填", "required"),
    "check.extra_forbidden": ("不是此类记录的字段", "not a field of this record type"),
    "check.enum": ("不是有效的代码", "not a valid code"),
    "check.literal_error": ("不是有效的代码", "not a valid code"),
    "check.other": ("{detail}", "{detail}"),
    "household.left_before_registered": (
        "退出在册日期不能早于纳入日期",
        "The date it left the register cannot be before the date it joined",
    ),
    "discovery.reviewed_on_missing": (
        "处理主动发现的家庭需要填写处理日期",
        "A decision on a reported household needs its date",
    ),
    "discovery.reason_missing": (
        "排除主动发现的家庭需要填写理由",
        "Dismissing a reported household needs a reason",
    ),
    "discovery.merge_inconsistent": (
        "并入在册家庭的记录必须指明另一户在册家庭，且已确认",
        "A merged household names another registered household and is confirmed",
    ),
    "discovery.still_reported": (
        "申请中或已排除的家庭仍是主动发现（待确认）状态",
        "A household with an application started or dismissed is still reported",
    ),
    "discovery.confirmed_reported": (
        "已确认的家庭应已纳入在册或并入在册家庭",
        "A confirmed household is on the register or merged into one",
    ),
    "discovery.create_decided": (
        "设备只能上报待确认的主动发现家庭，确认、申请或排除是之后的处理。",
        "A device reports a household undecided: confirming, applying or dismissing comes later.",
    ),
    "discovery.create_registered": (
        "设备上新建的家庭只能作为主动发现（待确认）上报；纳入在册以县里的花名册或协理员的确认为准。",
        "A household created on a device is reported (found in the field); only the county roster "
        "or a coordinator's confirmation puts it on the register.",
    ),
    "discovery.roster_only": (
        "在册状态及在册、退出日期以县里的花名册为准，设备上不能修改。",
        "A household's register status and dates are the county roster's; "
        "a device does not change them.",
    ),
    "discovery.register_unconfirmed": (
        "主动发现的家庭只有经协理员确认才能纳入在册。",
        "A reported household goes on the register only by a coordinator's confirmation.",
    ),
    "discovery.reviewer_only": (
        "只有协理员（或以上）可以确认、排除主动发现的家庭或为其发起救助申请。",
        "Only a coordinator (or above) confirms, dismisses or starts an application "
        "for a reported household.",
    ),
    "discovery.other_reviewer": (
        "主动发现家庭的处理人须是本设备登记的工作人员。",
        "The reviewer of a reported household must be the worker enrolled on this device.",
    ),
    "discovery.decided": (
        "这户家庭已经处理过（已确认或已排除），不能再次处理。",
        "This household has already been decided (confirmed or dismissed).",
    ),
    "discovery.not_found": (
        "找不到这户待确认的主动发现家庭。",
        "No such reported household awaits a decision.",
    ),
    "household.left_on_missing": (
        "已退出在册的家庭需要填写退出日期",
        "A household that left the register needs the date it left",
    ),
    "person.birth_date_mismatch": (
        "出生日期与身份证号不一致",
        "The birth date does not match the ID number",
    ),
    "person.gender_mismatch": ("性别与身份证号不一致", "The gender does not match the ID number"),
    "person.major_event_date": (
        "标记重大变故时需要填写变故日期",
        "A major adverse event needs its date",
    ),
    "person.left_on_missing": (
        "成员离开需要填写离开日期",
        "A member who left needs the date they left",
    ),
    "person.left_before_birth": (
        "离开（去世）日期不能早于出生日期",
        "The date a member left or died cannot be before their birth",
    ),
    "person.left_in_future": (
        "离开（去世）日期不能晚于今天",
        "The date a member left or died cannot be after today",
    ),
    "person.major_event_in_future": (
        "重大变故日期不能晚于今天",
        "A major adverse event cannot be dated after today",
    ),
    "person.id_number_taken": (
        "该身份证号已属于本辖区的另一位在册成员，请核对",
        "Another member in this area already has this ID number; check it",
    ),
    "register_change.in_future": (
        "登记变更时间不能晚于现在。",
        "A register change cannot be dated after now.",
    ),
    "register_change.other_worker": (
        "登记变更的修改人须是本设备登记的工作人员。",
        "A register change's worker must be the worker enrolled on this device.",
    ),
    "need.reason_missing": ("评估为不合理时需要填写理由", "An unreasonable need needs a reason"),
    "need.fulfilled_on_missing": (
        "兑现的需求需要填写兑现日期",
        "A fulfilled need needs the date it was fulfilled",
    ),
    "consent.categories_missing": (
        "同意共享时需要选择数据类别",
        "A consent to share needs its data categories",
    ),
    "consent.purpose_unlisted": (
        "同意的共享目的须从列表中选择（如救助帮扶转介、微心愿发布），此项同意未被接受。",
        "A consent's purpose has to be one of the list (such as a referral for assistance); "
        "the consent was not accepted.",
    ),
    "consent.in_future": (
        "同意的时间不能晚于现在。",
        "A consent cannot be dated after now.",
    ),
    "consent.other_worker": (
        "同意记录的记录人须是本设备登记的工作人员。",
        "A consent's recorder must be the worker enrolled on this device.",
    ),
    "consent.witness_missing": ("口头同意需要填写见证人", "A verbal consent needs a witness"),
    "record.day_out_of_range": (
        "日期须在 {earliest} 至 {latest} 之间。",
        "A date has to be between {earliest} and {latest}.",
    ),
    "record.day_in_future": (
        "{field:field}不能晚于今天。",
        "“{field:field}” cannot be after today.",
    ),
    "change.illegal": ("此修改不符合记录的规则。", "This change breaks the record's rules."),
    "change.server_fills": (
        "字段「{field}」只能由县级平台填写。",
        "“{field:field}” is filled in by the county platform only.",
    ),
    "change.insert_only": (
        "{record:record}保存后不可修改，请新增一条更正记录。",
        "A {record:record} cannot change once saved; add a correcting record instead.",
    ),
    "change.fixed_field": (
        "字段「{field}」创建后不能修改。",
        "“{field:field}” cannot change after the record is created.",
    ),
    "change.area_follows_household": (
        "记录的区划代码随所属家庭：须与家庭一致，不能单独修改。",
        "A record's area code is its household's and cannot change on its own.",
    ),
    "change.server_only": (
        "字段「{field}」只能由县级平台修改。",
        "“{field:field}” is changed by the county platform only.",
    ),
    "visit.in_future": ("探访时间不能晚于现在。", "A visit cannot be dated after now."),
    "visit.other_worker": (
        "探访记录的走访人须是本设备登记的工作人员。",
        "A visit's worker must be the worker enrolled on this device.",
    ),
    "keystore.secure_storage_read": (
        "无法访问设备安全存储（Android Keystore）。",
        "The device's secure storage (Android Keystore) cannot be reached.",
    ),
    "keystore.secure_storage_write": (
        "无法写入设备安全存储（Android Keystore）。",
        "The device's secure storage (Android Keystore) cannot be written.",
    ),
    # the device's sync (sync.errors)
    "sync.failed": (
        "同步失败，数据已保留在本机，请稍后再试。",
        "The sync failed; the data stays on this device. Please try again later.",
    ),
    "sync.unreachable": (
        "无法连接服务器，数据已保留在本机，请稍后再试。",
        "The server cannot be reached; the data stays on this device. Please try again later.",
    ),
    "sync.server_failed": (
        "服务器暂时出错，数据已保留在本机，请稍后再试。",
        "The server had a problem; the data stays on this device. Please try again later.",
    ),
    "sync.malformed_answer": (
        "服务器发来的数据有误，本机数据未受影响，请稍后再试或联系县级管理员。",
        "The server sent something wrong; nothing on this device changed. Try again later "
        "or contact the county administrator.",
    ),
    "sync.revoked": (
        "此设备已被县级管理员注销，本机上的账户数据已清除。",
        "The county administrator has revoked this device; the account's data on it has "
        "been wiped.",
    ),
    "sync.protocol": (
        "应用版本与服务器不兼容，请升级应用后再同步。",
        "This version of the app does not match the server; update the app, then sync.",
    ),
    "sync.certificate": (
        "服务器证书与登记时不一致，已停止连接以保护数据，请联系县级管理员。",
        "The server's certificate is not the one enrolled; the connection was stopped to "
        "protect the data. Contact the county administrator.",
    ),
    "sync.insecure": (
        "只能通过 HTTPS 连接服务器（本机地址除外）。",
        "The server is reached over HTTPS only (except on this machine).",
    ),
    "sync.not_enrolled": (
        "此账户尚未登记到县级服务器，请先用登记码完成设备登记。",
        "This account is not enrolled with the county server; enrol it with a code first.",
    ),
    "sync.enrolment_failed": ("设备登记失败。", "The device could not be enrolled."),
    "sync.enrolment_refused": ("{said}", "The server refused the enrolment: {said}"),
    "sync.code_unusable": (
        "登记码无效、已使用或已过期。",
        "The enrolment code is not valid, already used or expired.",
    ),
    "sync.clock_skew": (
        "设备时间与服务器相差太多。",
        "The device's clock is too far from the server's.",
    ),
    "sync.replayed": ("请求被服务器视为重复。", "The server took the request for a repeat."),
    "sync.refused": ("{said}", "The server refused the request: {said}"),
    "sync.refused_status": (
        "服务器拒绝了请求（HTTP {status}）。",
        "The server refused the request (HTTP {status}).",
    ),
    "sync.bad_url": ("服务器地址无效：{url}", "Not a server address: {url}"),
    "sync.seq_clash": (
        "此账户的数据正在另一台设备上同步（数据目录被复制），请只在一台设备上使用后再同步。",
        "This account's data is syncing on another device too (its data directory was "
        "copied); use it on one device only, then sync.",
    ),
    # the device store and its sandbox (app.store)
    "store.failed": ("本机数据操作失败。", "The device's data could not be read or written."),
    "pin.wrong": ("PIN 不正确，还可尝试 {remaining} 次。", "Wrong PIN; {remaining} tries left."),
    "pin.try_later": (
        "PIN 错误次数过多，请在 {seconds} 秒后再试。",
        "Too many wrong PINs; try again in {seconds} seconds.",
    ),
    "pin.locked_out": (
        "PIN 错误次数过多，本账户已锁定，请联系县级管理员用托管密钥恢复。",
        "Too many wrong PINs: this account is locked. Ask the county administrator to "
        "recover it with the escrow key.",
    ),
    "pin.too_long": (
        "PIN 或口令最多 {max} 个字符。",
        "A PIN or passphrase has at most {max} characters.",
    ),
    "pin.digits": ("PIN 应为至少 {min} 位数字。", "A PIN has at least {min} digits."),
    "pin.passphrase": (
        "本设备没有密钥库，请设置至少 {min} 位、同时包含字母和数字的口令。",
        "This device has no keystore: set a passphrase of at least {min} characters with "
        "letters and digits.",
    ),
    "store.newer_schema": (
        "数据库版本 {version} 比本程序支持的版本 {latest} 新，请升级应用。",
        "The database's version {version} is newer than this app's {latest}; update the app.",
    ),
    "store.locked": ("数据已锁定，请先输入 PIN 解锁。", "The data is locked; enter the PIN first."),
    "store.integrity": (
        "记录 {record_type}/{record_id} 的字段 {column} 无法通过完整性校验（已损坏或被篡改）。",
        "The field {column} of record {record_type}/{record_id} fails its integrity check "
        "(damaged or tampered with).",
    ),
    "store.unknown_type": ("未知的记录类型：{type!r}", "Unknown record type: {type!r}"),
    "store.not_found": (
        "找不到记录 {record_type}/{record_id}。",
        "There is no record {record_type}/{record_id}.",
    ),
    "sandbox.invalid": ("账户文件无效。", "The account's files are not valid."),
    "sandbox.keys_format": ("密钥文件格式不受支持。", "The key file's format is not supported."),
    "sandbox.keys_damaged": (
        "密钥文件已损坏，无法读取。",
        "The key file is damaged and cannot be read.",
    ),
    "sandbox.not_a_sandbox": (
        "{path} 不是 Doorstep 账户目录（缺少 keys.json）。",
        "{path} is not a Doorstep account directory (no keys.json).",
    ),
    "sandbox.attempts_damaged": (
        "密钥库中的 PIN 计数已损坏。",
        "The PIN counter in the keystore is damaged.",
    ),
    "sandbox.name_missing": ("请填写工作人员姓名。", "Enter the worker's name."),
    "sandbox.name_too_long": (
        "工作人员姓名最多 {max} 个字。",
        "A worker's name has at most {max} characters.",
    ),
    "sandbox.dev_keystore_inside": (
        "开发用密钥库不能放在数据目录中。",
        "The development keystore cannot be inside the data directory.",
    ),
    "sandbox.exists": (
        "本设备上已有「{name}」的账户。",
        "This device already has an account for {name}.",
    ),
    "sandbox.no_escrow": (
        "此账户未登记县级托管密钥，无法恢复。",
        "This account has no county escrow key, so it cannot be recovered.",
    ),
    "sandbox.wrong_recovery_key": (
        "恢复密钥与此账户不匹配。",
        "The recovery key does not match this account.",
    ),
    "sandbox.none": (
        "{data_dir} 中没有账户，请先运行 doorstep device init。",
        "{data_dir} holds no account; run doorstep device init first.",
    ),
    "sandbox.several": (
        "本设备有多个账户（{names}），请用 --worker 指定。",
        "This device has several accounts ({names}); choose one with --worker.",
    ),
    "sandbox.ambiguous": (
        "「{worker}」对应多个账户（{ids}），请用账户编号指定。",
        "“{worker}” names several accounts ({ids}); give the account's id.",
    ),
    "sandbox.unknown_worker": (
        "找不到工作人员「{worker}」的账户。",
        "There is no account for the worker “{worker}”.",
    ),
    "keystore.unavailable": ("无法访问设备密钥库。", "The device's keystore cannot be reached."),
    "keystore.read": (
        "无法读取系统钥匙串，请确认已登录桌面并解锁钥匙串。",
        "The system keyring cannot be read: sign in to the desktop and unlock the keyring.",
    ),
    "keystore.write": (
        "无法写入系统钥匙串，请确认已登录桌面并解锁钥匙串。",
        "The system keyring cannot be written: sign in to the desktop and unlock the keyring.",
    ),
    "keystore.unreachable": (
        "此账户的密钥保存在{keystore:keystore}中，当前无法访问。",
        "This account's key is kept in {keystore:keystore}, which cannot be reached now.",
    ),
    "keystore.no_secret": (
        "{keystore:keystore}中没有此账户的密钥，请联系县级管理员用托管密钥恢复。",
        "{keystore:keystore} holds no key for this account; ask the county administrator "
        "to recover it with the escrow key.",
    ),
    "scan.not_an_image": (
        "无法识别：文件不是 JPEG 或 PNG 图片。",
        "Cannot read it: the file is not a JPEG or PNG image.",
    ),
    "scan.corrupt_image": (
        "无法识别：图片文件已损坏。",
        "Cannot read it: the image file is damaged.",
    ),
    "scan.unsupported_jpeg": (
        "无法识别这种 JPEG（渐进式等），请改用截图（PNG）或普通照片。",
        "Cannot read this kind of JPEG (progressive or similar); use a screenshot (PNG) or an ordinary photo.",
    ),
    "scan.interlaced_png": (
        "无法识别隔行扫描的 PNG，请改用普通截图。",
        "Cannot read an interlaced PNG; use an ordinary screenshot.",
    ),
    "scan.image_too_large": (
        "图片太大（超过 1600 万像素），请截取二维码部分后再试。",
        "The image is too large (over 16 megapixels); crop it to the QR code and try again.",
    ),
    "scan.unreadable_code": (
        "图中没有找到可识别的二维码：请让二维码占满画面大半、对好焦、避免反光后再试。",
        "No readable QR code in the picture: fill most of the frame with the code, focus, avoid glare and try again.",
    ),
    "photo.too_large": (
        "照片太大（超过 {mb} MB），请重新拍摄或选择较小的照片。",
        "The photo is too large (over {mb} MB); take it again or choose a smaller one.",
    ),
    "record.too_large": (
        "记录内容过大（约 {kb} KB，上限 {limit_kb} KB，照片不计在内），请精简文字或名单后再保存。",
        "The record is too large (about {kb} KB, the limit is {limit_kb} KB, photos aside); "
        "shorten its text or lists and save again.",
    ),
    "import.failed": (
        "导入文件有 {count} 行无效，未导入任何记录。",
        "{count} lines of the file are not valid; nothing was imported.",
    ),
    "import.masked": (
        "{file} 含遮蔽导出的记录（第 {first} 行起共 {count} 行，姓名、证件号等已遮蔽），"
        "导入会用遮蔽值覆盖真实数据，因此未导入任何记录；请改用 --full 导出的文件。",
        "{file} holds records of a masked export ({count} lines from line {first}: names, "
        "ID numbers and more are masked); importing would overwrite real data with masked "
        "values, so nothing was imported. Use a file exported with --full.",
    ),
    "import.line": ("第 {line} 行：{problem}", "Line {line}: {problem}"),
    "import.problems": ("{problems:list}", "{problems:list}"),
    "import.field": ("{where}: {problem}", "{where}: {problem}"),
    "import.edit": ("{problem}（{id}）", "{problem} ({id})"),
    "import.too_long": ("这一行超过 1 MB", "the line is over 1 MB"),
    "import.not_utf8": ("不是 UTF-8 文本", "not UTF-8 text"),
    "import.not_json": ("不是有效的 JSON（第 {column} 列）", "not valid JSON (column {column})"),
    "import.not_object": ("应为一个 JSON 对象", "should be one JSON object"),
    "import.masked_line": (
        "遮蔽导出的记录不能导入",
        "a record of a masked export cannot be imported",
    ),
    "import.unknown_type": ("未知的记录类型 {type!r}", "unknown record type {type!r}"),
    "import.no_id": ("缺少 id", "no id"),
    "import.repeated": (
        "记录 {id} 与第 {first} 行重复",
        "record {id} repeats line {first}",
    ),
    "import.no_household": ("所属家庭 {id} 不存在", "its household {id} does not exist"),
    "import.no_person": ("所属人员 {id} 不存在", "its person {id} does not exist"),
    # a change the county server refuses (sync.merge, the server's push)
    "push.rejected": ("服务器拒绝了此项变更。", "The server refused this change."),
    "push.unknown_type": ("未知的记录类型：{type}", "Unknown record type: {type}"),
    "push.wish_state_by_transition": (
        "心愿状态只能以状态变更提交。",
        "A wish's state changes only by a state change.",
    ),
    "push.transition_states": (
        "心愿状态变更缺少有效的原状态或目标状态。",
        "The wish's state change lacks a valid state to move from or to.",
    ),
    "push.transition_fields": (
        "心愿状态变更的字段格式不正确。",
        "The fields of the wish's state change are malformed.",
    ),
    "push.wish_moved": (
        "心愿已被他人处理：当前状态为「{current:label}」，"
        "不能再从「{source:label}」变为「{target:label}」。",
        "Someone else has handled the wish: it is now “{current:label}” and can no longer "
        "go from “{source:label}” to “{target:label}”.",
    ),
    "push.referral_recipient": (
        "转介对象不是县级平台登记的机构，转介未被接受。",
        "The referral's recipient is not an organisation on the county's list; "
        "the referral was not accepted.",
    ),
    "push.referral_recipient_inactive": (
        "机构「{name}」已停用，转介未被接受。",
        "“{name}” is no longer active; the referral was not accepted.",
    ),
    "push.referral_consent": (
        "{problem}，转介未被接受。",
        "{problem}; the referral was not accepted.",
    ),
    "push.bad_stamp": ("变更的时间戳格式无效。", "The change's timestamp is malformed."),
    "push.foreign_stamp": (
        "变更的时间戳不属于此设备。",
        "The change's timestamp is not this device's.",
    ),
    "push.not_there": (
        "记录不存在或不在您的负责范围内。",
        "The record does not exist or is outside your areas.",
    ),
    "push.transition_not_wish": ("只有心愿记录有状态变更。", "Only wishes have state changes."),
    "push.empty_update": ("修改内容为空或格式不正确。", "The change is empty or malformed."),
    "push.move_out_of_scope": (
        "家庭只能迁往您负责的区划。",
        "A household can move only to an area you cover.",
    ),
    "push.id_taken": (
        "记录编号已被使用，请重新新建这条记录。",
        "The record id is taken; create the record again.",
    ),
    "push.out_of_scope": (
        "记录所在区划不在您的负责范围内。",
        "The record's area is outside your areas.",
    ),
    "push.no_household": ("所属家庭不存在。", "Its household does not exist."),
    "push.no_project": (
        "所涉及的服务项目不存在、已停用或不提供此领域的帮扶。",
        "The service project it names does not exist, is stopped or does not help in this area.",
    ),
    "push.no_need": (
        "所涉及的需求不存在或不属于该家庭。",
        "The need it names does not exist or is not the household's.",
    ),
    "push.no_visit": (
        "所涉及的探访记录不存在或不属于该家庭。",
        "The visit it names does not exist or is not the household's.",
    ),
    "push.no_person": (
        "所涉及的家庭成员不存在或不属于该家庭。",
        "The member it names does not exist or is not in the household.",
    ),
    "push.too_large": (
        "记录内容超过 {limit_kb} KB 的上限（照片另行上传），请精简后重新提交。",
        "The record is over the {limit_kb} KB limit (photos are sent apart); "
        "shorten it and send it again.",
    ),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def keystore_name(kind: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A keystore (`Keystore.kind`) as sentences name it."""
    return _pick(KEYSTORE_NAMES.get(kind, ("设备密钥库", "the device's keystore")), lang)


def record_name(type_name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A record type (`Record.type_name`) as sentences name it; unknown: the code itself."""
    pair = RECORD_NAMES.get(type_name)
    return type_name if pair is None else _pick(pair, lang)


def _category_label(code: Any, lang: str) -> str:
    try:
        return label(DataCategory(str(code)), lang)
    except ValueError:
        return str(code)


class _Sentence(string.Formatter):
    """str.format, saying nested errors, codes, record types and fields in `lang`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, DoorstepError):
            value = message(value, self.lang)
        if format_spec == "list":
            sep = "; " if self.lang == "en" else "；"
            return sep.join(self.format_field(item, "") for item in value)
        if format_spec == "categories":
            sep = ", " if self.lang == "en" else "、"
            return sep.join(_category_label(c, self.lang) for c in value)
        if format_spec == "label":
            return label(value, self.lang) if isinstance(value, StrEnum) else str(value)
        if format_spec == "purpose":
            return purpose_label(str(value), self.lang)
        if format_spec == "keystore":
            return keystore_name(str(value), self.lang)
        if format_spec == "record":
            return record_name(str(value), self.lang)
        if format_spec == "field":
            return field_label(str(value), self.lang)
        return super().format_field(value, format_spec)


def message(exc: DoorstepError, lang: str = DEFAULT_LANGUAGE) -> str:
    """The sentence for `exc` in `lang` (zh-CN unless "en"): its code's sentence with its
    parameters; the fallback naming the code if the code or a parameter is missing."""
    pair = ERRORS.get(exc.code)
    if pair is not None:
        try:
            return _Sentence(lang).format(_pick(pair, lang), **exc.params)
        except (KeyError, IndexError, ValueError):
            pass
    return _pick(FALLBACK, lang).format(code=exc.code)
