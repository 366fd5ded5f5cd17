"""`doorstep demo` gives the console two demo charities, registered before the households
are generated, whose inboxes hold referrals in every state, a 反向转介 from each waiting in
the coordinator's queue, and a supervisor, a coordinator and two charity logins that work,
made once. SQLite and PostgreSQL (the `ctx` fixture)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from sqlmodel import col, select

from app.demo.charities import DEMO_CHARITIES
from app.demo.launch import (
    DEMO_CONSOLE_ACCOUNTS,
    DEMO_CONSOLE_PASSWORD,
    DEMO_TOWNSHIP,
    demo_charities,
    demo_charity_reports,
    demo_console_accounts,
)
from app.domain.consent import ConsentStatus
from app.domain.ids import is_record_id
from app.domain.recipients import CLASS_PREFIX
from sync.server.console import accounts
from sync.server.context import ServerContext
from sync.server.errors import NotFound
from sync.server.services import discovery, exchange, referrals
from sync.server.services.organisations import list_organisations
from sync.server.tables import RecordRow

TODAY = date(2026, 11, 20)


def test_demo_console_accounts_sign_in_and_are_made_once(ctx) -> None:
    demo_console_accounts(ctx)
    demo_console_accounts(ctx)  # a second start changes nothing
    orgs = {o.credit_code: o for o in list_organisations(ctx)}
    assert sorted(orgs) == sorted(spec.credit_code for spec in DEMO_CHARITIES)
    made = {a.username: a for a in accounts.list_accounts(ctx)}
    assert sorted(made) == sorted(username for username, _, _ in DEMO_CONSOLE_ACCOUNTS)
    for spec in DEMO_CHARITIES:
        org = orgs[spec.credit_code]
        assert (org.name, org.kind) == (spec.name, spec.kind)
        assert made[spec.username].organisation_id == org.id
    assert made["demo-charity"].organisation_id != made["demo-charity2"].organisation_id
    assert made["demo-coordinator"].areas == ("330702102",)
    for username, role, _ in DEMO_CONSOLE_ACCOUNTS:
        signed = accounts.sign_in(ctx, username, DEMO_CONSOLE_PASSWORD, client="127.0.0.1")
        assert signed.account.role == role and not signed.second_factor_pending


@pytest.fixture
def demo_county(ctx: ServerContext) -> ServerContext:
    """The demo's own start-up order: charities, then households, accounts, reports."""
    charities = demo_charities(ctx)
    exchange.load_demo(ctx, 300, seed=1, today=TODAY, scope=[DEMO_TOWNSHIP], charities=charities)
    demo_console_accounts(ctx, charities)
    assert demo_charity_reports(ctx, charities) == 2
    return ctx


def _stored(ctx: ServerContext, kind: str) -> list[dict]:
    with ctx.db.reading() as s:
        rows = s.execute(select(col(RecordRow.data)).where(col(RecordRow.type) == kind))
        return [json.loads(d) for d in rows.scalars()]


def _inbox(ctx: ServerContext, organisation_id: str) -> list[referrals.InboxItem]:
    items, page = [], 1
    while True:
        got = referrals.inbox(ctx, organisation_id, TODAY, page=page)
        items.extend(got.items)
        if page >= got.pages:
            # The count is of referrals to the organisation, not of the 反向转介 it sent.
            assert got.total == len(items)
            return items
        page += 1


def _reader(ctx: ServerContext, username: str) -> referrals.Reader:
    account = accounts.find_account(ctx, username)
    assert account.organisation_id is not None
    return referrals.Reader(account.id, username, account.organisation_id)


def test_each_demo_charity_holds_referrals_in_every_state(demo_county: ServerContext) -> None:
    ctx = demo_county
    orgs = {o.credit_code: o for o in list_organisations(ctx)}
    ids = [orgs[spec.credit_code].id for spec in DEMO_CHARITIES]
    stored = {r["id"]: r for r in _stored(ctx, "referral") if r["direction"] == "to_charity"}
    # Every referral to a charity names one of the demo organisations by its id.
    assert stored and {r["recipient"] for r in stored.values()} == set(ids)
    needs = {n["id"]: n for n in _stored(ctx, "need")}
    inboxes = {}
    for spec in DEMO_CHARITIES:
        org = orgs[spec.credit_code]
        items = _inbox(ctx, org.id)
        inboxes[org.id] = {i.id for i in items}
        # Its own referrals, all of them, and nobody else's.
        assert inboxes[org.id] == {k for k, r in stored.items() if r["recipient"] == org.id}
        states = Counter(i.status.value for i in items)
        assert {"sent", "accepted", "declined", "completed"} <= set(states), states
        assert any(i.overdue for i in items), "no sent referral past its answer days"
        assert any(i.consent == ConsentStatus.WITHDRAWN and not i.visible for i in items)
        assert any(i.consent == ConsentStatus.GRANTED and i.visible for i in items)
        for item in items:
            r = stored[item.id]
            if item.status.value == "declined":
                assert r["decline_reason"] and r["answered_by"] == org.name
            if item.status.value == "completed":
                assert r["service"] and r["service_on"] and r["value_yuan"] is not None
                need = needs[r["need_id"]]
                assert (need["status"], need["resource"]) == ("fulfilled", org.name)
            if item.status.value == "sent":
                assert not r["answered_on"] and not r["answered_by"]
    assert not inboxes[ids[0]] & inboxes[ids[1]]
    # Charity A opens its own referral and cannot open charity B's.
    reader = _reader(ctx, DEMO_CHARITIES[0].username)
    own = next(iter(inboxes[ids[0]]))
    assert referrals.open_referral(ctx, reader, own, TODAY).referral.id == own
    with pytest.raises(NotFound):
        referrals.open_referral(ctx, reader, next(iter(inboxes[ids[1]])), TODAY)


def test_demo_consents_name_organisations_and_reports_wait_in_the_queue(
    demo_county: ServerContext,
) -> None:
    """Consents name a demo organisation by id or the class 助联体成员单位; every referral
    rests on one; each charity's 反向转介 waits in the coordinator's 主动发现 queue."""
    consents = _stored(demo_county, "consent")
    ids = {o.id for o in list_organisations(demo_county)}
    charity_consents = [
        c for c in consents if c["recipient"] in ids or c["recipient"].startswith(CLASS_PREFIX)
    ]
    recipients = Counter(
        "class" if c["recipient"].startswith(CLASS_PREFIX) else c["recipient"]
        for c in charity_consents
    )
    assert set(recipients) == ids | {"class"}, recipients
    assert {c["recipient"] for c in charity_consents if c["recipient"] not in ids} == {
        "class:alliance_member"
    }
    assert all(is_record_id(r) for r in ids)
    referred = {
        (r["person_id"], r["purpose"])
        for r in _stored(demo_county, "referral")
        if r["direction"] == "to_charity"
    }
    granted = {(c["person_id"], c["purpose"]) for c in charity_consents}
    assert referred <= granted  # every referral rests on a consent the demo recorded
    found = discovery.queue(demo_county, (DEMO_TOWNSHIP,))
    by_charity = {f.found_by for f in found if f.by_charity}
    assert {spec.name for spec in DEMO_CHARITIES} <= by_charity
