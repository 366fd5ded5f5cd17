"""Organisations on a test device, as a sync would have kept them."""

from __future__ import annotations

from app.domain.ids import new_id
from app.domain.organisations import OrganisationKind
from app.domain.recipients import OrganisationRef
from app.ui.viewmodels.workspace import Workspace

CHARITY = OrganisationRef(
    new_id(), "婺城区慈善总会", OrganisationKind.CHARITY, "91330702MA0000001X", ("330702",)
)
MEMBER = OrganisationRef(
    new_id(), "安地镇𠮷祥助联体服务站", OrganisationKind.ALLIANCE_MEMBER, "91330702MA0000002X",
    ("330702102",),
)  # fmt: skip
CLOSED = OrganisationRef(
    new_id(), "已停办的基金会", OrganisationKind.CHARITY, "91330702MA0000003X", ("330702",),
    active=False,
)  # fmt: skip
ELSEWHERE = OrganisationRef(
    new_id(), "金东区社工站", OrganisationKind.SOCIAL_WORK, "91330703MA0000004X", ("330703",)
)


def keep_organisations(ws: Workspace, *organisations: OrganisationRef) -> None:
    found = list(organisations or (CHARITY, MEMBER, CLOSED, ELSEWHERE))
    with ws.store.unit_of_work() as uow:
        uow.organisations.put(found, "test-digest")
        uow.commit()
