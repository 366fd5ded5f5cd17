"""The console's Chinese names for the server-owned codes it shows (the console is zh-CN
only); the field app's codes keep their labels in `app.ui.catalogue`."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.organisations import OrganisationKind
from app.domain.recipients import class_of, organisation_id_of

KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.CHARITY: "慈善组织",
    OrganisationKind.SOCIAL_WORK: "社工机构",
    OrganisationKind.CARING_COMPANY: "爱心企业",
    OrganisationKind.VOLUNTEER: "志愿服务组织",
    OrganisationKind.CHARITY_SUPERMARKET: "幸福超市/慈善超市",
    OrganisationKind.ALLIANCE_MEMBER: "助联体成员单位",
    OrganisationKind.DELIVERY_TEAM: "小特帮扶服务队",
}


# The audit log's actions as the console names them; an action not listed shows its code.
AUDIT_ACTIONS: dict[str, str] = {
    "console_signed_in": "登录控制台",
    "console_signed_out_everywhere": "退出所有登录",
    "console_user_added": "新增控制台账户",
    "console_user_locked": "账户锁定",
    "campaign_created": "新建节日走访清单",
    "charity_report_submitted": "慈善组织反向转介",
    "conflict_reverted": "撤销冲突修改",
    "delivery_recorded": "登记项目服务",
    "device_enrolled": "设备登记",
    "device_revoked": "设备注销",
    "discovery_decided": "处理主动发现",
    "donors_read": "查看认领人联系方式",
    "enroll_code_issued": "签发登记码",
    "export": "导出数据",
    "household_read": "查看家庭档案",
    "indicator_annotated": "填写指标说明",
    "indicator_set": "填报指标",
    "ledger_exported": "导出台账",
    "organisation_added": "登记机构",
    "organisation_updated": "修改机构",
    "organisation_deactivated": "停用机构",
    "organisation_reactivated": "恢复机构",
    "photo_read": "查看照片",
    "printed": "打印或下载PDF",
    "project_added": "登记服务项目",
    "project_updated": "修改服务项目",
    "project_stopped": "停止服务项目",
    "project_resumed": "恢复服务项目",
    "records_loaded": "写入演示数据",
    "referral_accepted": "机构接收转介",
    "referral_completed": "机构登记帮扶结果",
    "referral_declined": "机构婉拒转介",
    "records_read": "读取记录",
    "recovery_key_created": "生成恢复密钥",
    "recovery_key_read": "读取恢复私钥",
    "recovery_key_removed": "移除恢复私钥",
    "recovery_key_written": "保存恢复私钥",
    "report_read": "查看报表",
    "roster_imported": "导入花名册",
    "shared": "向机构共享信息",
    "wish_claimed": "认领心愿",
    "wish_contacted": "认领人已联系家庭",
    "wish_published": "发布心愿",
    "wish_released": "释放心愿认领",
    "wish_team_assigned": "指派小特帮扶服务队",
    "worker_areas_set": "调整负责区划",
    "worker_created": "新增工作人员",
}

# The detail an entry carries, as the log shows it: each key's name, and the words for the
# few values that are codes; any other key or value shows as it was recorded.
AUDIT_DETAIL_KEYS: dict[str, str] = {
    "area": "区划",
    "areas": "区划",
    "as_of": "统计至",
    "by": "操作人",
    "claim": "认领",
    "claimed_by": "认领人",
    "claimed_on": "认领日期",
    "client": "来源地址",
    "code": "编号",
    "conflict": "冲突",
    "count": "条数",
    "credit_code": "统一社会信用代码",
    "delivery": "服务记录",
    "device_id": "设备",
    "document": "文件",
    "file": "文件名",
    "format": "格式",
    "household": "家庭",
    "household_id": "家庭",
    "ledger": "台账",
    "masked": "已脱敏",
    "need": "需求",
    "organisation": "机构",
    "organisation_id": "机构",
    "period": "统计期",
    "photo_id": "照片",
    "previous": "原值",
    "project": "服务项目",
    "project_id": "服务项目",
    "record": "记录",
    "record_id": "记录",
    "records": "记录数",
    "referral": "转介",
    "report": "报表",
    "review": "处理方式",
    "role": "角色",
    "rows": "行数",
    "second_factor": "动态验证码",
    "user_id": "账户",
    "value": "数值",
    "wish": "心愿",
    "worker_id": "工作人员",
    "year": "年度",
}
AUDIT_DETAIL_VALUES: dict[str, dict[str, str]] = {
    "report": {
        "coverage": "探访关爱率",
        "coverage_console": "探访关爱率（控制台）",
        "major_events": "重大事件",
        "warnings": "预警",
        "indicators": "目标清单",
        "indicators_console": "目标清单（控制台）",
        "campaigns": "节日走访",
        "campaigns_console": "节日走访（控制台）",
    },
    "document": {"household": "家庭档案", "consents": "信息共享同意书", "visits": "走访记录"},
    "format": {"html": "网页", "pdf": "PDF", "tree": "逐级"},
    "review": {"confirmed": "确认纳入在册", "applying": "发起救助申请", "dismissed": "排除"},
}


def audit_detail(detail: Mapping[str, object]) -> str:
    """An audit entry's detail in one line: 报表=探访关爱率；区划=330702."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, bool):
            shown = "是" if value else "否"
        elif isinstance(value, list | tuple):
            shown = "、".join(str(v) for v in value)
        else:
            shown = AUDIT_DETAIL_VALUES.get(key, {}).get(str(value), str(value))
        parts.append(f"{AUDIT_DETAIL_KEYS.get(key, key)}={shown}")
    return "；".join(parts)


def recipient_label(ref: str, organisations: Mapping[str, str]) -> str:
    """A consent's or referral's recipient as people read it: the organisation's name (by
    id in `organisations`), the class's name, or free text as it was typed."""
    organisation_id = organisation_id_of(ref)
    if organisation_id is not None:
        return organisations.get(organisation_id, "（已删除的机构）")
    kind = class_of(ref)
    return KIND_LABELS[kind] if kind is not None else ref
