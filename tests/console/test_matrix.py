"""The role matrix: every /console route has an entry in `access.ACCESS`, and every route
answers every role, in scope and out of scope, exactly as its entry says."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from fastapi.routing import iter_route_contexts
from sqlmodel import col, select

from sync.server.app import create_app
from sync.server.console import access
from sync.server.console.access import ACCESS, Scope
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.projects import add_project
from sync.server.tables import RecordRow
from tests.console.conftest import (
    OTHER_TOWNSHIP,
    TOWNSHIP,
    browser,
    charity_reports_of,
    csrf_of,
    log_in,
    project_input,
)
from tests.console.matching import matched_need
from tests.console.referring import stored_referral

ROLES = ("anonymous", "admin", "supervisor", "coordinator", "charity")


def console_routes(app) -> Iterator[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(name, method, path) of every /console route of the app, static files included."""
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path == "/console" or path.startswith("/console/"):
            for method in sorted(route.methods or {"GET"}):
                yield route.name or "", method, path


def test_every_console_route_has_an_entry_and_every_entry_a_route(ctx) -> None:
    app = create_app(ctx.settings, ctx=ctx)
    names = {name for name, _, _ in console_routes(app)}
    assert sorted(names - set(ACCESS)) == [], "console routes without a role-matrix entry"
    assert sorted(set(ACCESS) - names) == [], "role-matrix entries without a route"


def test_a_route_without_an_entry_is_refused(signed_in, monkeypatch) -> None:
    monkeypatch.delitem(ACCESS, "audit")
    assert signed_in["supervisor"].get("/console/audit").status_code == 403


def _record_in(ctx, township: str, record_type: str = "household") -> str:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return s.exec(
            select(col(RecordRow.id)).where(
                col(RecordRow.type) == record_type, col(RecordRow.area_code).startswith(township)
            )
        ).first()


def _expected(entry: access.Access, role: str, in_scope: bool) -> bool:
    if entry.public:
        return True
    if role == "anonymous" or role not in {r.value for r in entry.roles}:
        return False
    return entry.scope is Scope.NONE or in_scope


def _allowed(answer: httpx.Response) -> bool:
    """Reached the page: not sent to sign in, not refused (403) nor hidden (404)."""
    if answer.status_code in (403, 404):
        return False
    if answer.status_code != 303:
        return True
    where = answer.headers["location"]
    return where != "/console/login" and not where.startswith("/console/login?next=")


def test_every_route_for_every_role_in_and_out_of_scope(ctx, server, county, signed_in) -> None:
    app = create_app(ctx.settings, ctx=ctx)
    other = add_organisation(
        ctx,
        OrganisationInput(
            "金东区社工服务中心", "social_work", "52330703MJ00000008", ["330703"], []
        ),
    )
    reports = charity_reports_of(ctx, county.organisation_id)
    # The charity account's own organisation's project (another's reads as absent:
    # tests/console/test_projects.py).
    project = add_project(ctx, project_input(county.organisation_id))
    # A need matched to that project, and one matched to another organisation's project
    # (reached through the charity's own project's address, it reads as absent).
    theirs = add_project(ctx, project_input(other.id, areas=["330702"]))
    matched = matched_need(ctx, project.id, county.organisation_id, TOWNSHIP).need.id
    unmatched = matched_need(ctx, theirs.id, other.id, TOWNSHIP, skip=1).need.id
    params = {
        True: {
            "referral_id": stored_referral(ctx, county.organisation_id, TOWNSHIP),
            "project_id": project.id,
            "need_id": matched,
            "area": TOWNSHIP,
            "household_id": _record_in(ctx, TOWNSHIP),
            "wish_id": _record_in(ctx, TOWNSHIP, "wish"),
            "organisation_id": county.organisation_id,
            "report_id": reports[county.organisation_id],
        },
        False: {
            "referral_id": stored_referral(ctx, other.id, TOWNSHIP),
            "project_id": project.id,
            "need_id": unmatched,
            "area": OTHER_TOWNSHIP,
            "household_id": _record_in(ctx, OTHER_TOWNSHIP),
            "wish_id": _record_in(ctx, OTHER_TOWNSHIP, "wish"),
            "organisation_id": county.organisation_id,
            "report_id": reports["other"],
        },
    }
    csrf = {
        role: csrf_of(client.get("/console").text)
        for role, client in signed_in.items()
        if role != "anonymous"
    }
    seen = []
    # Signing out everywhere ends every session of the role: those routes go last.
    routes = sorted(console_routes(app), key=lambda r: r[0].startswith("logout"))
    for name, method, path in routes:
        entry = ACCESS[name]
        for in_scope in (True, False):
            url = path.format(**params[in_scope])
            if name == "console_static":
                url = "/console/static/console.css"
            if name == "console_fonts":
                url = "/console/fonts/OFL.txt"
            for role in ROLES:
                client = signed_in[role]
                fresh = None
                if name.startswith("logout") and role != "anonymous":
                    # Signing out ends the session: use a session of its own.
                    fresh = browser(server)
                    assert log_in(fresh, county.usernames[role]).status_code == 303
                    client = fresh
                if method == "GET":
                    answer = client.get(url)
                elif name == "login":
                    page = client.get("/console/login")
                    form = {"username": "nobody", "password": "x", "csrf": csrf_of(page.text)}
                    answer = client.post(url, data=form)
                else:
                    token = csrf_of(client.get("/console").text) if fresh else csrf.get(role, "")
                    answer = client.post(url, data={"csrf": token})
                if fresh is not None:
                    fresh.close()
                expected = _expected(entry, role, in_scope)
                assert _allowed(answer) == expected, (
                    f"{method} {url} as {role} ({'in' if in_scope else 'out of'} scope): "
                    f"{answer.status_code}, expected {'allowed' if expected else 'refused'}"
                )
                seen.append((name, role, in_scope))
    assert len(seen) == len(list(console_routes(app))) * 2 * len(ROLES)
