"""Who may open which console page: the role matrix, declared once, and the one check
every console route passes (`authorise`, a dependency of the console's router).

Each route is named; `ACCESS` gives each name the roles that may use it and the scope
its parameters must lie in. A route missing from `ACCESS` is refused to everyone (and
the matrix test fails), so a new page is closed until someone decides who may see it.
Every POST also carries the session's CSRF token.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from app.domain.areas import InvalidAreaCode, parse_scope_code
from sync.server.console.accounts import ActiveSession, ConsoleRole, resolve_session
from sync.server.context import ServerContext
from sync.server.scope import within
from sync.server.tables import CharityReport, JsonText, RecordRow, ServiceProjectRow

SESSION_COOKIE = "doorstep_console"
CSRF_FIELD = "csrf"


class Scope(StrEnum):
    """What a route's parameters must lie in, beyond the role."""

    NONE = "none"  # nothing: the role decides
    AREA = "area"  # the `area` path parameter lies in the account's areas
    HOUSEHOLD = "household"  # the household `household_id` lies in the account's areas
    WISH = "wish"  # the wish `wish_id` lies in the account's areas
    REFERRAL = "referral"  # the referral `referral_id` was sent to the account's organisation
    REPORT = "report"  # the charity report `report_id` is the account's organisation's
    MATCH = "match"  # the need `need_id` is matched to `project_id`, the organisation's project


@dataclass(frozen=True)
class Access:
    """The roles a route admits (none: public, no sign-in) and the scope it checks;
    `pending` routes are those a session awaiting its second factor may use."""

    roles: frozenset[ConsoleRole]
    scope: Scope = Scope.NONE
    pending: bool = False

    @property
    def public(self) -> bool:
        return not self.roles


PUBLIC = Access(frozenset())
ANYONE = frozenset(ConsoleRole)
ADMIN = frozenset({ConsoleRole.ADMIN})
DESK = frozenset({ConsoleRole.SUPERVISOR, ConsoleRole.COORDINATOR})
OVERSIGHT = frozenset({ConsoleRole.SUPERVISOR, ConsoleRole.ADMIN})
COORDINATORS = frozenset({ConsoleRole.COORDINATOR})
CHARITY = frozenset({ConsoleRole.CHARITY})
DESK_AND_ADMIN = DESK | ADMIN
# Service projects: charity staff for their own organisation, supervisors and admins for any.
PROJECT_KEEPERS = frozenset({ConsoleRole.CHARITY, ConsoleRole.SUPERVISOR, ConsoleRole.ADMIN})

ACCESS: dict[str, Access] = {
    "console_static": PUBLIC,
    "console_fonts": PUBLIC,
    "login_form": PUBLIC,
    "login": PUBLIC,
    "second_factor_form": Access(ANYONE, pending=True),
    "second_factor": Access(ANYONE, pending=True),
    "logout": Access(ANYONE, pending=True),
    "logout_everywhere": Access(ANYONE),
    "home": Access(ANYONE),
    "organisations": Access(ADMIN),
    "organisation_new": Access(ADMIN),
    "organisation_create": Access(ADMIN),
    "organisation_edit": Access(ADMIN),
    "organisation_update": Access(ADMIN),
    "organisation_active": Access(ADMIN),
    "accounts": Access(ADMIN),
    "account_new": Access(ADMIN),
    "account_create": Access(ADMIN),
    "coverage": Access(DESK),
    "coverage_area": Access(DESK, Scope.AREA),
    "household": Access(DESK, Scope.HOUSEHOLD),
    "audit": Access(OVERSIGHT),
    "wishes_approved": Access(COORDINATORS),
    "wish_publish_form": Access(COORDINATORS, Scope.WISH),
    "wish_publish": Access(COORDINATORS, Scope.WISH),
    # 主动发现: the reported households of the account's areas (the service scopes the list;
    # a decision on a household outside them reads as no household).
    "discoveries": Access(DESK),
    "discovery_decide": Access(DESK, Scope.HOUSEHOLD),
    # 反向转介: a charity's own reports only (the service checks the organisation).
    "charity_reports": Access(CHARITY),
    "charity_report_new": Access(CHARITY),
    "charity_report_create": Access(CHARITY),
    "charity_report": Access(CHARITY, Scope.REPORT),
    # Claimed wishes in the coordinator's areas: the donor, and the 小特帮扶服务队 to deliver.
    "wishes_claimed": Access(COORDINATORS),
    "wish_assign": Access(COORDINATORS, Scope.WISH),
    # A board wish is public: any charity account may claim it for its organisation.
    "wish_claim_form": Access(CHARITY),
    "wish_claim": Access(CHARITY),
    # 台账: supervisors and admins for their county, coordinators for their areas.
    "ledgers": Access(DESK_AND_ADMIN),
    "ledger_needs": Access(DESK_AND_ADMIN, Scope.AREA),
    "ledger_referrals": Access(DESK_AND_ADMIN, Scope.AREA),
    "ledger_wishes": Access(DESK_AND_ADMIN, Scope.AREA),
    "ledger_visits": Access(DESK_AND_ADMIN, Scope.AREA),
    # The target list: coordinators read it, the county (supervisor, admin) enters it.
    "indicators": Access(DESK_AND_ADMIN),
    "indicator_enter": Access(OVERSIGHT),
    "indicator_annotate": Access(OVERSIGHT),
    # Printouts: whoever may open the household's page, or the area's coverage.
    "print_household": Access(DESK, Scope.HOUSEHOLD),
    "print_household_pdf": Access(DESK, Scope.HOUSEHOLD),
    "print_consents": Access(DESK, Scope.HOUSEHOLD),
    "print_consents_pdf": Access(DESK, Scope.HOUSEHOLD),
    "print_visits": Access(DESK, Scope.AREA),
    "print_visits_pdf": Access(DESK, Scope.AREA),
    # A charity sees the referrals sent to its own organisation, nothing else.
    "referral_inbox": Access(CHARITY),
    "referral": Access(CHARITY, Scope.REFERRAL),
    "referral_accept": Access(CHARITY, Scope.REFERRAL),
    "referral_decline": Access(CHARITY, Scope.REFERRAL),
    "referral_complete": Access(CHARITY, Scope.REFERRAL),
    "referral_export_csv": Access(CHARITY),
    "referral_export_xlsx": Access(CHARITY),
    "referrals_unanswered": Access(DESK),
    "disclosures": Access(OVERSIGHT),
    "disclosures_organisation": Access(OVERSIGHT),
    # A charity account's project pages are limited to its organisation by the routes
    # (another organisation's project reads as absent).
    "projects": Access(PROJECT_KEEPERS),
    "project_new": Access(PROJECT_KEEPERS),
    "project_create": Access(PROJECT_KEEPERS),
    "project_edit": Access(PROJECT_KEEPERS),
    "project_update": Access(PROJECT_KEEPERS),
    "project_active": Access(PROJECT_KEEPERS),
    # 项目服务记录: a charity's own project's matched needs (another organisation's project
    # reads as absent), a matched need's page and a delivery to its household.
    "project_matches": Access(CHARITY),
    "project_match": Access(CHARITY, Scope.MATCH),
    "delivery_record": Access(CHARITY, Scope.MATCH),
    # 节日走访: the lists and places of the account's areas (the service scopes them); a
    # new list covers an area of the account's (the service checks the area).
    "campaigns": Access(DESK),
    "campaign_new": Access(DESK),
    "campaign_create": Access(DESK),
}


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, next_path: str = "") -> None:
        super().__init__(next_path)
        self.next_path = next_path


class SecondFactorRequired(Exception):
    """The session awaits its second factor: the browser is sent to that page."""


class Denied(Exception):
    """The account may not use this page (403)."""


class PageNotFound(Exception):
    """Nothing there, or nothing there this account may know of (404)."""


class TooLarge(Exception):
    """More than one ledger or printout should hold (422); `message` says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfRefused(Exception):
    """A form without the session's CSRF token (403)."""


def server_context(request: Request) -> ServerContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def route_access(request: Request) -> Access | None:
    route = request.scope.get("route")
    return ACCESS.get(getattr(route, "name", "") or "")


async def authorise(request: Request) -> None:
    """The console's one gate: role, second factor, CSRF and scope, as `ACCESS` says.
    The session it finds is left on `request.state.session` for the page."""
    access = route_access(request)
    if access is None:
        raise Denied()
    request.state.session = None
    if access.public:
        return
    ctx = server_context(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    active = await run_in_threadpool(resolve_session, ctx, token)
    if active is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "")
    if active.second_factor_pending and not access.pending:
        raise SecondFactorRequired()
    if active.account.role not in access.roles:
        raise Denied()
    if request.method == "POST":
        form = await request.form()
        sent = form.get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(sent, active.csrf_token):
            raise CsrfRefused()
    await run_in_threadpool(_check_scope, ctx, access.scope, request.path_params, active)
    request.state.session = active


def _check_scope(
    ctx: ServerContext, scope: Scope, params: dict[str, str], active: ActiveSession
) -> None:
    held = active.account.areas
    if scope is Scope.AREA:
        try:
            code = parse_scope_code(params.get("area", ""))
        except InvalidAreaCode:
            raise PageNotFound() from None
        if not within(code, held):
            raise Denied()
    elif scope is Scope.REFERRAL:
        recipient = RecordRow.__table__.c.referral_recipient  # type: ignore[attr-defined]
        with ctx.db.reading() as s:
            found = s.execute(
                select(recipient).where(
                    col(RecordRow.id) == params.get("referral_id", "")[:64],
                    col(RecordRow.type) == "referral",
                )
            ).first()
        # Another organisation's referral reads as absent, like an id that does not exist.
        if found is None or not active.account.organisation_id:
            raise PageNotFound()
        if found[0] != active.account.organisation_id:
            raise PageNotFound()
    elif scope is Scope.REPORT:
        with ctx.db.reading() as s:
            report = s.get(CharityReport, params.get("report_id", "")[:64])
        # Another organisation's report reads as absent, like an id that names none.
        if report is None or report.organisation_id != active.account.organisation_id:
            raise PageNotFound()
    elif scope is Scope.MATCH:
        project = JsonText(col(RecordRow.data), "project_id")
        with ctx.db.reading() as s:
            owner = s.execute(
                select(col(ServiceProjectRow.organisation_id))
                .join(RecordRow, project == col(ServiceProjectRow.id))
                .where(
                    col(ServiceProjectRow.id) == params.get("project_id", "")[:64],
                    col(RecordRow.id) == params.get("need_id", "")[:64],
                    col(RecordRow.type) == "need",
                )
            ).first()
        # A need not matched to the organisation's own project reads as absent.
        if owner is None or not active.account.organisation_id:
            raise PageNotFound()
        if owner[0] != active.account.organisation_id:
            raise PageNotFound()
    elif scope in (Scope.HOUSEHOLD, Scope.WISH):
        record_type = "household" if scope is Scope.HOUSEHOLD else "wish"
        record_id = params.get(f"{record_type}_id", "")[:64]
        with ctx.db.reading() as s:
            area = s.exec(
                select(col(RecordRow.area_code)).where(
                    col(RecordRow.id) == record_id, col(RecordRow.type) == record_type
                )
            ).first()
        # Out of scope reads as absent: an id outside tells nothing about its record.
        if area is None or not within(area, held):
            raise PageNotFound()
