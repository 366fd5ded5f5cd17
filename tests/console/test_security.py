"""The console's defences, over a real server: CSRF, session fixation, cookie flags,
sessions shared by processes, sign-out everywhere, throttling and lock-out, the second
factor, XSS, clickjacking and content-security headers."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from sync.server.console import accounts, totp
from sync.server.console.access import SESSION_COOKIE
from sync.server.context import ServerContext
from sync.server.services.organisations import list_organisations
from sync.server.settings import Settings
from sync.server.tables import ConsoleUser, RecordRow
from tests.console.conftest import PASSWORD, TOWNSHIP, browser, csrf_of, log_in
from tests.sync.conftest import ThreadServer

NEW_ORG = {
    "name": "金东区志愿者协会",
    "kind": "volunteer",
    "credit_code": "914403001922038216",
    "areas": "330703",
}


def test_csrf_refuses_a_form_without_or_with_a_wrong_token(ctx, signed_in) -> None:
    admin = signed_in["admin"]
    missing = admin.post("/console/organisations", data=NEW_ORG)
    wrong = admin.post("/console/organisations", data={**NEW_ORG, "csrf": "x" * 43})
    other = csrf_of(signed_in["supervisor"].get("/console").text)  # another session's token
    foreign = admin.post("/console/organisations", data={**NEW_ORG, "csrf": other})
    assert [r.status_code for r in (missing, wrong, foreign)] == [403, 403, 403]
    assert "表单已失效" in missing.text
    assert [o.name for o in list_organisations(ctx)] == ["婺城区慈善总会"]
    token = csrf_of(admin.get("/console/organisations/new").text)
    made = admin.post("/console/organisations", data={**NEW_ORG, "csrf": token})
    assert made.status_code == 303
    assert "金东区志愿者协会" in [o.name for o in list_organisations(ctx)]


def test_the_login_form_needs_its_own_token(server, county) -> None:
    client = browser(server)
    client.get("/console/login")
    refused = client.post(
        "/console/login", data={"username": "demo-admin", "password": PASSWORD, "csrf": "forged"}
    )
    assert refused.status_code == 403 and SESSION_COOKIE not in refused.cookies


def test_a_session_id_is_new_at_login_and_the_old_one_ends(server, county) -> None:
    client = browser(server)
    client.cookies.set(
        SESSION_COOKIE, "planted-by-an-attacker", domain="127.0.0.1", path="/console"
    )
    assert log_in(client, "demo-supervisor").status_code == 303
    first = client.cookies.get(SESSION_COOKIE)
    assert first and first != "planted-by-an-attacker"
    assert log_in(client, "demo-supervisor").status_code == 303  # signing in again
    second = client.cookies.get(SESSION_COOKIE)
    assert second != first
    stale = browser(server)
    stale.cookies.set(SESSION_COOKIE, first, domain="127.0.0.1", path="/console")
    assert stale.get("/console").headers["location"] == "/console/login?next=%2Fconsole"
    assert client.get("/console").status_code == 200


def test_cookie_flags_on_loopback_and_elsewhere(server, county) -> None:
    client = browser(server)
    cookie = log_in(client, "demo-admin").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # 127.0.0.1: the browser would not send a Secure cookie
    remote = browser(server)
    remote.headers["Host"] = "county.example.cn"
    page = remote.get("/console/login")
    assert "Secure" in page.headers["set-cookie"]
    answer = remote.post(
        "/console/login",
        data={"username": "demo-admin", "password": PASSWORD, "csrf": csrf_of(page.text)},
        headers={"Cookie": f"doorstep_console_login={page.cookies['doorstep_console_login']}"},
    )
    assert answer.status_code == 303
    flags = answer.headers["set-cookie"]
    assert "Secure" in flags and "HttpOnly" in flags and "SameSite=lax" in flags


def test_a_session_works_on_every_process_of_the_county(ctx, server, county) -> None:
    client = browser(server)
    log_in(client, "demo-supervisor")
    token = client.cookies.get(SESSION_COOKIE)
    other_ctx = ServerContext.open(ctx.settings)  # another API process on the same database
    other = ThreadServer(other_ctx).start()
    try:
        there = browser(other)
        there.cookies.set(SESSION_COOKIE, token, domain="127.0.0.1", path="/console")
        assert there.get("/console").status_code == 200
        there.post("/console/logout", data={"csrf": csrf_of(there.get("/console").text)})
        assert client.get("/console").status_code == 303  # signed out here too
    finally:
        other.stop()
        other_ctx.db.dispose()


def test_logout_everywhere_ends_every_session(server, county) -> None:
    desk, phone = browser(server), browser(server)
    for client in (desk, phone):
        assert log_in(client, "demo-coordinator").status_code == 303
    token = csrf_of(phone.get("/console").text)
    assert phone.post("/console/logout/everywhere", data={"csrf": token}).status_code == 303
    assert desk.get("/console").status_code == 303
    assert phone.get("/console").status_code == 303


def test_wrong_passwords_lock_the_account_in_the_database(ctx, server, county) -> None:
    client = browser(server)
    for _ in range(accounts.MAX_FAILURES):
        wrong = log_in(client, "demo-supervisor", "not the password")
        assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    locked = log_in(client, "demo-supervisor")  # the right password, now refused
    assert locked.status_code == 401 and "已锁定" in locked.text
    other_ctx = ServerContext.open(ctx.settings)  # another process sees the same lock
    try:
        with pytest.raises(accounts.SignInRefused, match="已锁定"):
            accounts.sign_in(other_ctx, "demo-supervisor", PASSWORD, client="192.0.2.9")
    finally:
        other_ctx.db.dispose()
    assert log_in(browser(server), "demo-coordinator").status_code == 303  # others unaffected


def test_a_client_spraying_passwords_is_throttled_before_any_check(ctx, county) -> None:
    for n in range(accounts.CLIENT_FAILURES):
        with pytest.raises(accounts.SignInRefused, match="用户名或密码不正确"):
            accounts.sign_in(ctx, f"guess{n}", "password123", client="198.51.100.7")
    with pytest.raises(accounts.SignInRefused, match="过多"):
        accounts.sign_in(ctx, "demo-admin", PASSWORD, client="198.51.100.7")
    assert accounts.sign_in(ctx, "demo-admin", PASSWORD, client="198.51.100.8").token


def test_rfc_6238_vectors() -> None:
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890", SHA-1
    for unix_s, code in ((59, "94287082"), (1111111109, "07081804"), (2000000000, "69279037")):
        assert totp.hotp(secret, totp.step_at(unix_s), digits=8) == code
    assert totp.matching_step(secret, totp.hotp(secret, 1000), now_s=1000 * 30 + 5) == 1000
    assert totp.matching_step(secret, totp.hotp(secret, 998), now_s=1000 * 30 + 5) is None


def test_the_second_factor(ctx, server, county) -> None:
    _, secret = accounts.add_account(
        ctx, username="chief", name="督导甲", role="supervisor", password=PASSWORD,
        areas=["330702"], second_factor=True,
    )  # fmt: skip
    assert secret is not None
    client = browser(server)
    first = log_in(client, "chief")
    assert first.headers["location"] == "/console/login/second-factor"
    pending = client.cookies.get(SESSION_COOKIE)
    assert client.get("/console/coverage").headers["location"] == "/console/login/second-factor"
    page = client.get("/console/login/second-factor")
    wrong = client.post(
        "/console/login/second-factor", data={"csrf": csrf_of(page.text), "code": "000000"}
    )
    assert wrong.status_code == 401 and "不正确" in wrong.text
    code = totp.hotp(secret, totp.step_at(time.time()))
    done = client.post(
        "/console/login/second-factor", data={"csrf": csrf_of(page.text), "code": code}
    )
    assert done.status_code == 303 and client.cookies.get(SESSION_COOKIE) != pending
    assert client.get("/console/coverage/330702").status_code == 200
    again = browser(server)  # the same code a second time is refused
    log_in(again, "chief")
    form = {"csrf": csrf_of(again.get("/console/login/second-factor").text), "code": code}
    assert again.post("/console/login/second-factor", data=form).status_code == 401
    with pytest.raises(accounts.AccountRefused, match="仅适用于"):
        accounts.add_account(
            ctx, username="coord2", name="乙", role="coordinator", password=PASSWORD,
            areas=[TOWNSHIP], second_factor=True,
        )  # fmt: skip


def test_a_name_with_markup_renders_as_text(ctx, signed_in) -> None:
    evil = "<script>alert(1)</script>"
    with ctx.db.small_write() as s:
        head = s.exec(
            select(RecordRow).where(
                col(RecordRow.type) == "person", col(RecordRow.area_code).startswith(TOWNSHIP)
            )
        ).first()
        data = json.loads(head.data)
        data["name"] = evil
        head.data = json.dumps(data, ensure_ascii=False)
        s.add(head)
    page = signed_in["coordinator"].get(f"/console/households/{head.household_id}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script" not in page.text


def test_security_headers_on_every_console_answer(signed_in) -> None:
    client, anonymous = signed_in["supervisor"], signed_in["anonymous"]
    answers = [
        anonymous.get("/console/login"),
        anonymous.get("/console/coverage"),  # a redirect
        anonymous.get("/console/static/console.css"),
        client.get("/console/coverage/330702"),
        client.get("/console/organisations"),  # 403
        client.get("/console/households/nothing-here"),  # 404
    ]
    assert [a.status_code for a in answers] == [200, 303, 200, 200, 403, 404]
    for answer in answers:
        assert answer.headers["x-frame-options"] == "DENY"
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    assert answers[3].headers["cache-control"] == "no-store"
    assert "x-frame-options" not in anonymous.get("/health").headers  # the API is unchanged


def test_a_failing_page_keeps_the_security_headers(ctx, signed_in) -> None:
    """A page that fails (here: the audit log it must write to is gone) is answered 500 by
    the outermost middleware, and that answer still cannot be framed or run a script."""
    with ctx.db.small_write() as s:
        member = s.exec(
            select(RecordRow).where(
                col(RecordRow.type) == "person", col(RecordRow.area_code).startswith(TOWNSHIP)
            )
        ).first()
        s.exec(text("DROP TABLE audit_log"))
    answer = signed_in["coordinator"].get(f"/console/households/{member.household_id}")
    assert answer.status_code == 500
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


def test_no_page_loads_anything_from_elsewhere(signed_in) -> None:
    for url in ("/console", "/console/coverage/330702", "/console/audit"):
        html = signed_in["supervisor"].get(url).text
        assert "http://" not in html and "https://" not in html and "<script" not in html


def test_a_deactivated_account_loses_its_sessions(ctx, signed_in) -> None:
    with ctx.db.small_write() as s:
        user = s.exec(select(ConsoleUser).where(ConsoleUser.username == "demo-coordinator")).one()
        user.active = False
        s.add(user)
    assert signed_in["coordinator"].get("/console").status_code == 303


def test_passwords_are_argon2id_at_the_default_cost(db_url) -> None:
    ctx = ServerContext.open(Settings(database_url=db_url))
    try:
        accounts.add_account(
            ctx, username="keeper", name="管理员", role="admin", password=PASSWORD, areas=["330702"]
        )
        with ctx.db.reading() as s:
            stored = s.exec(select(ConsoleUser).where(ConsoleUser.username == "keeper")).one()
        assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert PASSWORD not in stored.password_hash
        with pytest.raises(accounts.AccountRefused, match="至少10"):
            accounts.add_account(
                ctx, username="short", name="乙", role="admin", password="short", areas=["330702"]
            )
    finally:
        ctx.db.dispose()
