"""The console as its users meet it day to day: what a refused form keeps, what a page
names (places and logged actions in Chinese, not codes), links that lead only where the
account may go, and a form past its limit answered in words that fit."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from sync.server.board import claims
from sync.server.console import accounts
from sync.server.console.labels import AUDIT_ACTIONS
from sync.server.services.reports.read_model import area_names
from tests.board.seed import TOWNSHIP as BOARD_TOWNSHIP
from tests.board.seed import seed_board, wish_state
from tests.console.conftest import (
    OTHER_TOWNSHIP,
    PASSWORD,
    TOWNSHIP,
    browser,
    charity_reports_of,
    csrf_of,
    log_in,
    make_accounts,
)
from tests.console.referring import people, refer
from tests.sync.conftest import make_device

__all__ = ["make_device"]
SERVER = Path(__file__).resolve().parents[2] / "sync" / "server"
ACTION = re.compile(r"^[a-z]+(_[a-z]+)*$")


def test_a_refused_sign_in_keeps_the_user_name(server, county) -> None:
    with browser(server) as client:
        page = client.get("/console/login")
        refused = client.post(
            "/console/login",
            data={"username": "demo-supervisor", "password": "wrong", "csrf": csrf_of(page.text)},
        )
        assert refused.status_code == 401
        assert 'value="demo-supervisor"' in refused.text and 'role="alert"' in refused.text
        assert "wrong" not in refused.text  # the password is typed again


def logged_actions() -> set[str]:
    """Every action the server's code writes to the audit log: the literal given to
    `audit.record`, or to the helpers that pass their action on to it."""
    found = set()
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name == "record" and len(node.args) >= 2:
                candidates = [node.args[1]]
            elif name in ("_answer", "_change_wish"):
                candidates = list(node.args)
            else:
                continue
            for arg in candidates:
                text = arg.value if isinstance(arg, ast.Constant) else None
                if isinstance(text, str) and ACTION.match(text):
                    found.add(text)
    return found | {"wish_claimed"}  # f"wish_{target}" from the one server-made claim


def test_every_action_the_server_logs_has_a_chinese_name(ctx, county, signed_in) -> None:
    actions = logged_actions()
    assert {"charity_report_submitted", "referral_declined", "printed"} <= actions
    assert sorted(actions - AUDIT_ACTIONS.keys()) == []
    charity_reports_of(ctx, county.organisation_id)  # logs charity_report_submitted
    page = signed_in["supervisor"].get("/console/audit?action=charity_report_submitted")
    assert page.status_code == 200 and "慈善组织反向转介" in page.text
    detail = re.findall(r'<td class="detail"[^>]*>([^<]*)</td>', page.text)
    assert detail and all("机构=" in d and "organisation=" not in d for d in detail)
    printed = signed_in["supervisor"].get("/console/audit?action=report_read").text
    assert "报表=探访关爱率（控制台）" in printed or "report=" not in printed


def test_levels_above_a_coordinators_township_are_named_not_linked(ctx, signed_in) -> None:
    lead = signed_in["coordinator"]
    township = lead.get(f"/console/coverage/{TOWNSHIP}")
    assert township.status_code == 200
    trail = township.text.split('<nav class="trail"', 1)[1].split("</nav>", 1)[0]
    assert "婺城区" in trail and 'href="/console/coverage/330702?' not in trail
    household = re.search(r'href="/console/households/([\w-]+)"', township.text)
    assert household
    page = lead.get(f"/console/households/{household.group(1)}").text
    trail = page.split('<nav class="trail"', 1)[1].split("</nav>", 1)[0]
    assert "婺城区" in trail and 'href="/console/coverage/330702"' not in trail
    assert f'href="/console/coverage/{TOWNSHIP}"' in trail
    # The supervisor holds the county: its level is a link.
    county = signed_in["supervisor"].get(f"/console/households/{household.group(1)}").text
    assert 'href="/console/coverage/330702"' in county


def test_places_show_by_name_not_by_code(ctx, server, county) -> None:
    charity_reports_of(ctx, county.organisation_id)
    with ctx.db.reading() as s:
        names = area_names(s)
    accounts.add_account(
        ctx,
        username="two-towns",
        name="两镇协调员",
        role="coordinator",
        password=PASSWORD,
        areas=[TOWNSHIP, OTHER_TOWNSHIP],
    )
    with browser(server) as lead:
        assert log_in(lead, "two-towns").status_code == 303
        queue = lead.get("/console/discoveries").text
        villages = re.findall(r"<dt>村（社区）</dt><dd data-area=\"\d+\">([^<]*)</dd>", queue)
        assert villages and all(v in names.values() for v in villages)
        assert "<dt>区划</dt>" not in queue
        choose = lead.get("/console/coverage").text
        assert f"<strong>{TOWNSHIP}</strong>" not in choose and "安地镇" in choose


def test_claimed_wishes_are_cards_naming_their_village(ctx, server) -> None:
    seeded = seed_board(ctx, 4)
    made = make_accounts(ctx)
    wish_id = next(
        w for w in seeded.wish_ids if wish_state(ctx, w)["area_code"].startswith(BOARD_TOWNSHIP)
    )
    code = wish_state(ctx, wish_id)["area_code"]
    claims.claim(ctx, wish_id, claims.parse_donor("陈爱心", "13957912345", "周六送到社区"))
    with ctx.db.reading() as s:
        village = area_names(s)[code]
    with browser(server) as lead:
        assert log_in(lead, made.usernames["coordinator"]).status_code == 303
        page = lead.get("/console/wishes/claimed").text
    assert '<li class="card">' in page and village in page and f"区划 {code}" not in page


@pytest.fixture
def device(make_device, county):  # type: ignore[no-untyped-def]
    made = make_device(areas=[TOWNSHIP])
    made.sync()
    return made


def test_a_refused_outcome_keeps_what_was_typed(county, signed_in, device) -> None:
    referred = refer(device, people(device)[1], county.organisation_id)
    charity = signed_in["charity"]
    url = f"/console/referrals/{referred.referral.id}"
    # On a phone the inbox is a list of cards, every cell named (its link among them).
    inbox = charity.get("/console/referrals").text
    assert '<table class="stacked">' in inbox and '<td data-label="转介日期">' in inbox
    assert inbox.count(f'href="{url}"') == 1
    token = csrf_of(charity.get(url).text)
    assert charity.post(f"{url}/accept", data={"csrf": token}).status_code == 303
    typed = {"csrf": token, "service": "陪同就医两次，代缴挂号费", "value_yuan": "260"}
    for day in ("2026/12/01", date.today().isoformat()):  # an old browser's text date field
        files = {"photo": ("done.png", b"<html>not a photo</html>", "image/png")}
        refused = charity.post(f"{url}/complete", data={**typed, "service_on": day}, files=files)
        assert refused.status_code == 422
        assert 'value="陪同就医两次，代缴挂号费"' in refused.text and 'value="260"' in refused.text
        assert f'value="{day}"' in refused.text


def test_a_form_past_its_limit_says_so_and_an_address_says_address(signed_in) -> None:
    supervisor = signed_in["supervisor"]
    token = csrf_of(supervisor.get("/console/indicators").text)
    long = supervisor.post("/console/indicators", data={"csrf": token, "value": "9" * 100})
    assert long.status_code == 422 and "表单内容有误" in long.text and "地址有误" not in long.text
    bad = supervisor.get("/console/audit?page=abc")
    assert bad.status_code == 422 and "地址有误" in bad.text
    assert 'class="back" href="/console"' in bad.text
