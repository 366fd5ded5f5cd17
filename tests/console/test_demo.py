"""`doorstep demo` gives the console a demo charity and a supervisor, a coordinator and a
charity login that work, made once."""

from __future__ import annotations

from app.demo.launch import (
    DEMO_CHARITY,
    DEMO_CONSOLE_ACCOUNTS,
    DEMO_CONSOLE_PASSWORD,
    demo_console_accounts,
)
from sync.server.console import accounts
from sync.server.services.organisations import list_organisations


def test_demo_console_accounts_sign_in_and_are_made_once(ctx) -> None:
    demo_console_accounts(ctx)
    demo_console_accounts(ctx)  # a second start changes nothing
    [charity] = list_organisations(ctx)
    assert (charity.name, charity.credit_code) == DEMO_CHARITY
    made = {a.username: a for a in accounts.list_accounts(ctx)}
    assert sorted(made) == sorted(username for username, _, _ in DEMO_CONSOLE_ACCOUNTS)
    assert made["demo-charity"].organisation_id == charity.id
    assert made["demo-coordinator"].areas == ("330702102",)
    for username, role, _ in DEMO_CONSOLE_ACCOUNTS:
        signed = accounts.sign_in(ctx, username, DEMO_CONSOLE_PASSWORD, client="127.0.0.1")
        assert signed.account.role == role and not signed.second_factor_pending
