"""The console's Chinese names for the server-owned codes it shows (the console is zh-CN
only); the field app's codes keep their labels in `app.ui.catalogue`."""

from __future__ import annotations

from app.domain.organisations import OrganisationKind

KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.CHARITY: "慈善组织",
    OrganisationKind.SOCIAL_WORK: "社工机构",
    OrganisationKind.CARING_COMPANY: "爱心企业",
    OrganisationKind.VOLUNTEER: "志愿服务组织",
    OrganisationKind.CHARITY_SUPERMARKET: "幸福超市/慈善超市",
    OrganisationKind.ALLIANCE_MEMBER: "助联体成员单位",
}


# The audit log's actions as the console names them; an action not listed shows its code.
AUDIT_ACTIONS: dict[str, str] = {
    "console_signed_in": "登录控制台",
    "console_signed_out_everywhere": "退出所有登录",
    "console_user_added": "新增控制台账户",
    "console_user_locked": "账户锁定",
    "conflict_reverted": "撤销冲突修改",
    "device_enrolled": "设备登记",
    "device_revoked": "设备注销",
    "enroll_code_issued": "签发登记码",
    "export": "导出数据",
    "household_read": "查看家庭档案",
    "indicator_set": "填报指标",
    "organisation_added": "登记机构",
    "organisation_updated": "修改机构",
    "organisation_deactivated": "停用机构",
    "organisation_reactivated": "恢复机构",
    "photo_read": "查看照片",
    "records_loaded": "写入演示数据",
    "records_read": "读取记录",
    "recovery_key_created": "生成恢复密钥",
    "recovery_key_read": "读取恢复私钥",
    "recovery_key_removed": "移除恢复私钥",
    "recovery_key_written": "保存恢复私钥",
    "report_read": "查看报表",
    "roster_imported": "导入花名册",
    "shared": "向机构共享信息",
    "wish_claimed": "认领心愿",
    "wish_published": "发布心愿",
    "wish_released": "释放心愿认领",
    "worker_areas_set": "调整负责区划",
    "worker_created": "新增工作人员",
}
