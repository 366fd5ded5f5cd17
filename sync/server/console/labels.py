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
