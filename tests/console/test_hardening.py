"""Hardening: TOTP secrets sealed at rest with the server's key (and the secrets stored in
the clear before, sealed at start), and the console's own page for an unknown address."""

from __future__ import annotations

import base64
import os
import stat
import time

import pytest
from sqlmodel import select

from sync.server import sealing
from sync.server.console import accounts, totp
from sync.server.context import ServerContext
from sync.server.services import referrals
from sync.server.settings import Settings
from sync.server.tables import ConsoleUser
from tests.console.conftest import PASSWORD, browser, csrf_of, log_in


def _stored(ctx, username: str) -> ConsoleUser:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        return s.exec(select(ConsoleUser).where(ConsoleUser.username == username)).one()


def _second_factor(server, username: str, secret: str) -> int:  # type: ignore[no-untyped-def]
    client = browser(server)
    assert log_in(client, username).headers["location"] == "/console/login/second-factor"
    page = client.get("/console/login/second-factor")
    code = totp.hotp(secret, totp.step_at(time.time()))
    answer = client.post(
        "/console/login/second-factor", data={"csrf": csrf_of(page.text), "code": code}
    )
    return answer.status_code


def test_a_totp_secret_is_stored_sealed_and_still_signs_in(ctx, server, county) -> None:
    _, secret = accounts.add_account(
        ctx, username="chief", name="督导甲", role="supervisor", password=PASSWORD,
        areas=["330702"], second_factor=True,
    )  # fmt: skip
    assert secret is not None
    stored = _stored(ctx, "chief").totp_secret or ""
    assert stored.startswith(sealing.SEALED_PREFIX) and secret not in stored
    assert secret.encode() not in base64.b64decode(stored.removeprefix(sealing.SEALED_PREFIX))
    assert _second_factor(server, "chief", secret) == 303
    # Moved to another account's row, the sealed secret does not open.
    other = _stored(ctx, "demo-supervisor")
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(ctx.settings, stored, where=sealing.totp_place(other.id))
    # Under another key it does not open either.
    elsewhere = Settings(
        database_url=ctx.settings.database_url, secret_key=base64.b64encode(os.urandom(32)).decode()
    )
    with pytest.raises(sealing.SealBroken):
        sealing.unseal(elsewhere, stored, where=sealing.totp_place(_stored(ctx, "chief").id))


def test_secrets_stored_in_the_clear_are_sealed_at_start(ctx, server, county) -> None:
    secret = totp.new_secret()
    with ctx.db.small_write() as s:  # as a server before sealing left it
        row = s.exec(select(ConsoleUser).where(ConsoleUser.username == "demo-admin")).one()
        row.totp_secret = secret
        s.add(row)
    reopened = ServerContext.open(ctx.settings)
    reopened.db.dispose()
    stored = _stored(ctx, "demo-admin").totp_secret or ""
    assert sealing.is_sealed(stored) and secret not in stored
    assert sealing.unseal(ctx.settings, stored, where=sealing.totp_place(row.id)) == secret
    assert _second_factor(server, "demo-admin", secret) == 303
    assert sealing.seal_plain_totp_secrets(ctx.db, ctx.settings) == 0  # done once


def test_the_key_is_a_private_file_beside_sqlite_and_postgresql_needs_one(tmp_path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'county.db'}")
    key = sealing.server_key(settings)
    path = tmp_path / "county.db.key"
    assert len(key) == 32 and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sealing.server_key(settings) == key  # read back, not made again
    postgres = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with pytest.raises(sealing.ServerKeyMissing, match="DOORSTEP_SECRET_KEY"):
        sealing.seal(postgres, "x", where="t")
    given = Settings(database_url=postgres.database_url, secret_key=base64.b64encode(key).decode())
    assert sealing.unseal(given, sealing.seal(settings, "秘密", where="t"), where="t") == "秘密"


def test_an_unknown_console_address_gets_the_console_page_and_the_api_its_json(
    signed_in,
) -> None:
    client = signed_in["supervisor"]
    for url in ("/console/nothing-here", "/console/households/x/y/z", "/console/static/none.css"):
        missing = client.get(url)
        assert missing.status_code == 404, url
        assert missing.headers["content-type"].startswith("text/html"), url
        assert "找不到页面" in missing.text and "<!doctype html>" in missing.text
        assert missing.headers["x-frame-options"] == "DENY"
    wrong_method = client.put("/console/ledgers")
    assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["content-type"]
    for url in ("/console/audit?page=0", "/console/audit?page=x"):  # a parameter out of range
        invalid = client.get(url)
        assert invalid.status_code == 422, url
        assert "text/html" in invalid.headers["content-type"] and "地址有误" in invalid.text
    api = client.get("/v1/nothing-here")
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert client.get("/nothing").json()["code"] == "not_found"


def test_a_nul_in_a_console_address_is_a_page_with_a_way_back(signed_in) -> None:
    """The request gate refuses a NUL, or bytes that are not UTF-8 (%ff), in any address;
    a browser's gets a Chinese page."""
    client = signed_in["supervisor"]
    for url in (
        "/console/%00",
        "/console/households/a%00b",
        "/console/audit?page=%00",
        "/console/households/%ff",
        "/console/households?q=%ff%fe",
        "/console/audit?page=%c3",
    ):
        refused = client.get(url)
        assert refused.status_code == 400, url
        assert refused.headers["content-type"].startswith("text/html"), url
        assert "网页地址无效" in refused.text and 'href="/console"' in refused.text
        assert '{"code"' not in refused.text
        assert refused.headers["x-frame-options"] == "DENY"
    for url in ("/v1/%00", "/v1/%ff", "/v1/changes?since=%ff"):
        api = client.get(url)
        assert api.status_code == 400 and api.json()["code"] == "bad_request", url


def test_a_page_that_fails_is_a_page_with_a_way_back(signed_in, monkeypatch) -> None:
    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(referrals, "inbox", fail)
    failed = signed_in["charity"].get("/console/referrals")
    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith("text/html")
    assert "出错了" in failed.text and "请稍后重试" in failed.text
    assert 'href="/console"' in failed.text and "unexpected" not in failed.text
    assert failed.headers["x-frame-options"] == "DENY"
