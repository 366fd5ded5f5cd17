"""Secrets the county server keeps in its database, sealed with a key kept outside it.

A console account's TOTP secret (its second factor) lets whoever reads it log in as that
account with the password alone; a copy of the database (a backup, a dump) must not give
it away. Such a secret is stored sealed: AES-256-GCM under the server's own key, with the
table, column and row as associated data, so a value copied to another row fails to open.

The key (32 random bytes, base64) comes from `Settings.secret_key` (DOORSTEP_SECRET_KEY),
else the file `Settings.secret_key_file`, else a file beside a SQLite database
(``<database file>.key``, created 0600 on first use). Several processes on one PostgreSQL
share the key through the setting or a file; without one, a secret cannot be sealed or
opened and the server says so.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from sync.server.db import Database
from sync.server.settings import Settings
from sync.server.tables import ConsoleUser

SEALED_PREFIX = "sealed:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12


class ServerKeyMissing(RuntimeError):
    """No server key is configured where one is needed (a database other than a SQLite file)."""

    def __init__(self) -> None:
        super().__init__(
            "服务器密钥未配置：请设置环境变量 DOORSTEP_SECRET_KEY（32 字节随机数的 base64），"
            "或 DOORSTEP_SECRET_KEY_FILE 指向保存它的文件；多个服务进程须使用同一密钥。"
        )


class SealBroken(RuntimeError):
    """A sealed value that does not open under the server's key (another key, or altered)."""


def key_file(settings: Settings) -> Path | None:
    """Where the key is kept when the setting does not hold it, or None."""
    if settings.secret_key_file:
        return Path(settings.secret_key_file)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database + ".key")
    return None


def _read_or_create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return base64.b64decode(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as out:
        key = secrets.token_bytes(KEY_BYTES)
        out.write(base64.b64encode(key).decode() + "\n")
    return key


def server_key(settings: Settings) -> bytes:
    """The server's key; raises ServerKeyMissing when none is configured."""
    if settings.secret_key:
        key = base64.b64decode(settings.secret_key)
    else:
        path = key_file(settings)
        if path is None:
            raise ServerKeyMissing()
        key = _read_or_create(path)
    if len(key) != KEY_BYTES:
        raise ServerKeyMissing()
    return key


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def seal(settings: Settings, plaintext: str, *, where: str) -> str:
    """`plaintext` sealed for the place `where` (table.column:row id)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(server_key(settings)).encrypt(nonce, plaintext.encode(), where.encode())
    return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()


def unseal(settings: Settings, value: str, *, where: str) -> str:
    """The plaintext of a value `seal` made for `where`; raises SealBroken otherwise."""
    if not is_sealed(value):
        raise SealBroken(where)
    raw = base64.b64decode(value[len(SEALED_PREFIX) :])
    try:
        return (
            AESGCM(server_key(settings))
            .decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], where.encode())
            .decode()
        )
    except Exception as exc:  # InvalidTag, a truncated value
        raise SealBroken(where) from exc


def totp_place(user_id: str) -> str:
    return f"console_users.totp_secret:{user_id}"


def seal_plain_totp_secrets(db: Database, settings: Settings) -> int:
    """Seal the TOTP secrets stored in the clear before secrets were sealed (a data
    migration run at start); returns how many. Nothing to seal: no key is needed."""
    with db.small_write() as s:
        rows = [
            u
            for u in s.exec(select(ConsoleUser).where(col(ConsoleUser.totp_secret).is_not(None)))
            if u.totp_secret and not is_sealed(u.totp_secret)
        ]
        for user in rows:
            user.totp_secret = seal(settings, user.totp_secret or "", where=totp_place(user.id))
            s.add(user)
    return len(rows)
