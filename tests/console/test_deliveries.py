"""A charity records its project's deliveries in the console (项目服务记录): it sees the needs
matched to its own project (nothing personal in the list), a matched person's data only as
far as their consent to it goes today (each view logged), and records a delivery that the
indicators count; another charity, an id guessed, a form without its CSRF token or with a
bad value changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import col, select

from app.assets import load_target_list
from app.domain.records import Delivery
from sync.server.console import accounts
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.services.projects import add_project, set_active
from sync.server.services.reports import indicator_results
from sync.server.tables import AuditEntry, DisclosureEntry, RecordRow
from tests.console.conftest import (
    PASSWORD,
    TOWNSHIP,
    browser,
    csrf_of,
    log_in,
    project_input,
)
from tests.console.matching import Matched, matched_need, withdraw

TODAY = date.today()


@pytest.fixture
def library(ctx, county):  # type: ignore[no-untyped-def]
    """The demo charity's project (this year) and another charity's, each with a need matched."""
    own = add_project(
        ctx,
        project_input(
            county.organisation_id,
            starts_on=date(TODAY.year, 1, 1).isoformat(),
            ends_on=date(TODAY.year + 1, 12, 31).isoformat(),
        ),
    )
    other_org = add_organisation(
        ctx,
        OrganisationInput(
            "安地镇爱心联合会", "volunteer", "91330703MA2H7Q8R0R", ["330702"], ["living"]
        ),
    )
    other = add_project(ctx, project_input(other_org.id, name="另一机构的助餐服务"))
    accounts.add_account(
        ctx,
        username="other-charity",
        name="另一机构",
        role="charity",
        password=PASSWORD,
        organisation=other_org.id,
    )
    return {
        "own": own,
        "other": other,
        "other_org": other_org.id,
        "mine": matched_need(ctx, own.id, county.organisation_id, TOWNSHIP),
        "theirs": matched_need(ctx, other.id, other_org.id, TOWNSHIP, skip=1),
    }


def _deliveries(ctx) -> list[Delivery]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        rows = s.exec(select(col(RecordRow.data)).where(col(RecordRow.type) == "delivery"))
        return [Delivery.from_stored(r) for r in rows]


def _disclosures(ctx) -> list[DisclosureEntry]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return list(s.exec(select(DisclosureEntry).order_by(col(DisclosureEntry.id))))


def _match_url(project_id: str, need_id: str) -> str:
    return f"/console/projects/{project_id}/matches/{need_id}"


def _record(client: httpx.Client, project_id: str, need_id: str, **fields: str) -> httpx.Response:
    page = client.get(_match_url(project_id, need_id))
    form = {
        "delivered_on": TODAY.isoformat(),
        "service": "冬季棉被两床",
        "value_yuan": "180",
        "csrf": csrf_of(page.text),
    }
    form.update(fields)
    return client.post(_match_url(project_id, need_id) + "/deliveries", data=form)


def test_the_list_names_nobody_and_the_page_shows_what_consent_allows(
    ctx, signed_in, library
) -> None:  # type: ignore[no-untyped-def]
    charity = signed_in["charity"]
    mine: Matched = library["mine"]
    listed = charity.get(f"/console/projects/{library['own'].id}/matches")
    assert listed.status_code == 200
    assert mine.need.id in listed.text and mine.person.name not in listed.text
    assert library["theirs"].need.id not in listed.text
    assert _disclosures(ctx) == []  # the list shows nothing personal: nothing logged
    page = charity.get(_match_url(library["own"].id, mine.need.id))
    assert page.status_code == 200
    assert mine.person.name in page.text and "家中缺少过冬棉被" in page.text
    # The consent names the ID number too; a project's page never shows it.
    assert (mine.person.id_number or "-") not in page.text and "身份证号" not in page.text
    (logged,) = _disclosures(ctx)
    assert (logged.organisation_id, logged.person_id, logged.referral_id) == (
        library["own"].organisation_id,
        mine.person.id,
        mine.need.id,
    )
    assert logged.purpose == f"项目服务：{library['own'].name}"
    assert sorted(logged.categories) == ["contact", "identity", "needs"]


def test_a_withdrawal_or_no_consent_hides_the_person(ctx, signed_in, library, county) -> None:  # type: ignore[no-untyped-def]
    charity = signed_in["charity"]
    mine: Matched = library["mine"]
    withdraw(ctx, mine)
    page = charity.get(_match_url(library["own"].id, mine.need.id))
    assert page.status_code == 200 and "同意已撤回" in page.text
    assert mine.person.name not in page.text and "家中缺少过冬棉被" not in page.text
    unconsented = matched_need(
        ctx, library["own"].id, county.organisation_id, TOWNSHIP, skip=2, consented=()
    )
    page = charity.get(_match_url(library["own"].id, unconsented.need.id))
    assert "未取得同意" in page.text and unconsented.person.name not in page.text
    assert _disclosures(ctx) == []
    # Still, what was delivered may be recorded.
    assert _record(charity, library["own"].id, mine.need.id).status_code == 303


def test_a_delivery_is_recorded_and_counted(ctx, signed_in, library) -> None:  # type: ignore[no-untyped-def]
    charity = signed_in["charity"]
    mine: Matched = library["mine"]
    targets = load_target_list()

    def coverage() -> float | None:
        with ctx.db.reading() as s:
            results = indicator_results(
                s, TODAY.year, areas=[TOWNSHIP], as_of=TODAY, targets=targets
            )
        return next(r.value for r in results if r.spec.code == "service_project_coverage")

    before = coverage()
    answer = _record(charity, library["own"].id, mine.need.id, note="由志愿者送到家中")
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?saved=true")
    (delivery,) = _deliveries(ctx)
    assert (delivery.household_id, delivery.need_id, delivery.project_id) == (
        mine.need.household_id,
        mine.need.id,
        library["own"].id,
    )
    assert (delivery.service, delivery.value_yuan, delivery.note) == (
        "冬季棉被两床",
        180,
        "由志愿者送到家中",
    )
    assert delivery.delivered_on == TODAY and delivery.area_code == mine.need.area_code
    assert delivery.author_worker_id == f"org:{library['own'].organisation_id}"
    assert (coverage() or 0) > (before or 0)
    shown = charity.get(_match_url(library["own"].id, mine.need.id) + "?saved=true")
    assert "已登记服务" in shown.text and "冬季棉被两床" in shown.text
    listed = charity.get(f"/console/projects/{library['own'].id}/matches")
    assert f"1 次，最近 {TODAY.isoformat()}" in listed.text
    with ctx.db.reading() as s:
        audited = s.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "delivery_recorded")
        ).all()
    assert [a.detail["delivery"] for a in audited] == [delivery.id]


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"delivered_on": (TODAY + timedelta(days=1)).isoformat()}, "服务日期不能晚于今天。"),
        ({"delivered_on": date(TODAY.year - 1, 12, 31).isoformat()}, "服务日期不在项目实施期内"),
        ({"delivered_on": "明天"}, "服务日期格式应为 2026-05-01。"),
        ({"service": "  "}, "请填写提供的服务。"),
        ({"service": "送" * 101}, "提供的服务不能超过 100 个字。"),
        ({"value_yuan": "-5"}, "价值应为 0 到 100000000 之间的整数（元）。"),
        ({"value_yuan": "100000001"}, "价值应为 0 到 100000000 之间的整数（元）。"),
        ({"note": "注" * 2001}, "备注不能超过 2000 个字。"),
    ],
)
def test_a_bad_value_gets_one_sentence_and_writes_nothing(
    ctx, signed_in, library, fields, sentence
) -> None:  # type: ignore[no-untyped-def]
    answer = _record(signed_in["charity"], library["own"].id, library["mine"].need.id, **fields)
    assert answer.status_code == 422
    assert sentence in answer.text and 'role="alert"' in answer.text
    assert _deliveries(ctx) == []


def test_a_stopped_project_takes_no_delivery(ctx, signed_in, library) -> None:  # type: ignore[no-untyped-def]
    set_active(ctx, library["own"].id, False)
    answer = _record(signed_in["charity"], library["own"].id, library["mine"].need.id)
    assert answer.status_code == 422 and "此项目已停止，不能再登记服务。" in answer.text
    assert _deliveries(ctx) == []


def test_another_charity_sees_and_records_nothing_of_ours(ctx, server, signed_in, library) -> None:  # type: ignore[no-untyped-def]
    own, mine, theirs = library["own"], library["mine"], library["theirs"]
    charity = signed_in["charity"]
    # Our charity: another organisation's project, its need through our project's address,
    # a need matched to nothing, an id that is no need at all.
    assert charity.get(f"/console/projects/{library['other'].id}/matches").status_code == 404
    for project_id, need_id in (
        (library["other"].id, theirs.need.id),
        (own.id, theirs.need.id),
        (own.id, mine.person.id),
        (own.id, "0190f000-0000-7000-8000-000000000000"),
    ):
        assert charity.get(_match_url(project_id, need_id)).status_code == 404
        token = csrf_of(charity.get("/console").text)
        form = {"delivered_on": TODAY.isoformat(), "service": "棉被", "csrf": token}
        posted = charity.post(_match_url(project_id, need_id) + "/deliveries", data=form)
        assert posted.status_code == 404
    # The other charity, signed in, guessing our ids.
    other = browser(server)
    assert log_in(other, "other-charity").status_code == 303
    assert other.get(f"/console/projects/{own.id}/matches").status_code == 404
    assert other.get(_match_url(own.id, mine.need.id)).status_code == 404
    token = csrf_of(other.get("/console").text)
    form = {"delivered_on": TODAY.isoformat(), "service": "棉被", "csrf": token}
    assert (
        other.post(_match_url(own.id, mine.need.id) + "/deliveries", data=form).status_code == 404
    )
    listed = other.get(f"/console/projects/{library['other'].id}/matches")
    assert theirs.need.id in listed.text and mine.need.id not in listed.text
    other.close()
    # Desk roles have no such pages.
    for role in ("supervisor", "coordinator", "admin"):
        assert signed_in[role].get(_match_url(own.id, mine.need.id)).status_code == 403
    assert _deliveries(ctx) == [] and _disclosures(ctx) == []


def test_a_delivery_needs_the_sessions_csrf_token(ctx, signed_in, library) -> None:  # type: ignore[no-untyped-def]
    charity = signed_in["charity"]
    url = _match_url(library["own"].id, library["mine"].need.id) + "/deliveries"
    form = {"delivered_on": TODAY.isoformat(), "service": "棉被"}
    assert charity.post(url, data=form).status_code == 403
    assert charity.post(url, data=form | {"csrf": "forged"}).status_code == 403
    assert _deliveries(ctx) == []


def test_the_delivery_reaches_the_record_feed_as_a_server_change(ctx, signed_in, library) -> None:  # type: ignore[no-untyped-def]
    assert (
        _record(signed_in["charity"], library["own"].id, library["mine"].need.id).status_code == 303
    )
    with ctx.db.reading() as s:
        row = s.exec(select(RecordRow).where(col(RecordRow.type) == "delivery")).one()
        top = s.exec(select(RecordRow.seq).order_by(col(RecordRow.seq).desc())).first()
    assert row.seq == top and row.household_id == library["mine"].need.household_id
    assert json.loads(row.data)["device_id"] == "server"
