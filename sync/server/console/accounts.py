"""Console accounts, sign-in and sessions, all held in the database.

Everything a sign-in depends on lives in the county's database, so several API processes
serving one county agree on it: the sessions (only the SHA-256 of each cookie's token is
stored), the lock-out of an account, and the refused sign-ins of each client address.

The rules, written down here:

- a password is hashed with argon2id (by default argon2-cffi's parameters, RFC 9106's
  second recommended profile; `Settings.password_memory_kib` and `password_time_cost`
  tune it) and has at least `PASSWORD_MIN` characters; a hash made with other parameters
  is renewed at the next sign-in;
- `MAX_FAILURES` wrong passwords (or second-factor codes) in a row lock the account for
  `LOCK_MINUTES`; a right password resets the count; a locked account refuses even the
  right password until the lock ends;
- a client address with `CLIENT_FAILURES` refused sign-ins within `CLIENT_WINDOW_MINUTES`
  is refused before any password is checked (password spraying across accounts);
- an unknown user name costs the same argon2 check as a known one and reads the same;
- a session lasts `SESSION_IDLE_MINUTES` without use and `SESSION_HOURS` at most; a
  signed-in session gets a new token (never the one the browser came with), and so does
  one that passes its second factor.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.domain.areas import InvalidAreaCode, parse_scope_code
from app.domain.ids import new_id
from app.ui.catalogue import message
from sync.server.console import totp
from sync.server.context import ServerContext
from sync.server.errors import BadRequest, Conflict, NotFound
from sync.server.sealing import seal, totp_place, unseal
from sync.server.services import audit
from sync.server.tables import ConsoleLoginFailure, ConsoleSession, ConsoleUser, Organisation

PASSWORD_MIN = 10
MAX_FAILURES = 5
LOCK_MINUTES = 15
CLIENT_FAILURES = 20
CLIENT_WINDOW_MINUTES = 15
SESSION_IDLE_MINUTES = 30
SESSION_HOURS = 12
TOUCH_EVERY = timedelta(minutes=1)  # how stale `seen_at` may get before a request writes it


@functools.cache
def _hashing(memory_kib: int, time_cost: int) -> tuple[PasswordHasher, str]:
    """The hasher for these parameters, and a hash it checks for unknown user names."""
    hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def _hasher(ctx: ServerContext) -> tuple[PasswordHasher, str]:
    return _hashing(ctx.settings.password_memory_kib, ctx.settings.password_time_cost)


class ConsoleRole(StrEnum):
    """Who signs in to the console (stable codes)."""

    ADMIN = "admin"  # 管理员: the county server's accounts and organisations
    SUPERVISOR = "supervisor"  # 县级督导: coverage and the audit log of the county
    COORDINATOR = "coordinator"  # 乡镇/村协调员: coverage of their township or village
    CHARITY = "charity"  # 机构工作人员: their organisation only


SECOND_FACTOR_ROLES = frozenset({ConsoleRole.ADMIN, ConsoleRole.SUPERVISOR})
CONSOLE_ACTOR = "console:"  # the audit log's actor for a console account: this and its id


def actor_of(user_id: str) -> str:
    """The audit log's name for a console account (apart from workers' ids and "cli")."""
    return CONSOLE_ACTOR + user_id


class AccountRefused(BadRequest):
    """An account's field that cannot be taken; the message says which."""

    code = "invalid_account"


class SignInRefused(Exception):
    """A sign-in (or second factor) refused; `message` is what the person reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


WRONG = "用户名或密码不正确。"


@dataclass(frozen=True)
class Account:
    """A signed-in person as the console's pages see them."""

    id: str
    username: str
    name: str
    role: ConsoleRole
    areas: tuple[str, ...]
    organisation_id: str | None
    has_second_factor: bool

    @property
    def actor(self) -> str:
        return actor_of(self.id)


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's token (shown once, never stored) and its CSRF token."""

    token: str
    csrf_token: str
    account: Account
    second_factor_pending: bool


def _account(row: ConsoleUser) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        name=row.name,
        role=ConsoleRole(row.role),
        areas=tuple(row.areas),
        organisation_id=row.organisation_id,
        has_second_factor=row.totp_secret is not None,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; every stored one is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- accounts ---------------------------------------------------------------------------


def _role(value: str) -> ConsoleRole:
    try:
        return ConsoleRole(value.strip())
    except ValueError:
        names = "、".join(r.value for r in ConsoleRole)
        raise AccountRefused(f"角色「{value}」无效，可选：{names}。") from None


def _areas(role: ConsoleRole, raw: list[str]) -> list[str]:
    if role is ConsoleRole.CHARITY:
        if raw:
            raise AccountRefused("机构工作人员的范围是其机构，不设负责区划。")
        return []
    if not raw:
        raise AccountRefused("至少需要一个负责区划（6、9 或 12 位代码）。")
    codes: list[str] = []
    for value in raw:
        try:
            code = parse_scope_code(value)
        except InvalidAreaCode as exc:
            raise AccountRefused(f"{message(exc)}。") from None
        if role is ConsoleRole.COORDINATOR and len(code) == 6:
            raise AccountRefused("协调员的负责区划应为乡镇（9位）或村（12位）。")
        if role is not ConsoleRole.COORDINATOR and len(code) != 6:
            raise AccountRefused("管理员和督导的负责区划应为县（市、区，6位）。")
        if code not in codes:
            codes.append(code)
    return codes


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise AccountRefused(f"密码至少{PASSWORD_MIN}个字符。")
    return password


def add_account(
    ctx: ServerContext,
    *,
    username: str,
    name: str,
    role: str,
    password: str,
    areas: list[str] | None = None,
    organisation: str | None = None,
    second_factor: bool = False,
    actor: str = "cli",
) -> tuple[Account, str | None]:
    """A new console account; returns it and its TOTP secret when `second_factor`
    (admins and supervisors only). Charity staff belong to one active organisation."""
    login = username.strip().lower()
    if not (
        3 <= len(login) <= 64
        and login.isascii()
        and login.replace("_", "").replace(".", "").replace("-", "").isalnum()
    ):
        raise AccountRefused("用户名应为3至64个字母、数字、点、下划线或连字符。")
    if not name.strip():
        raise AccountRefused("请填写姓名。")
    kind = _role(role)
    codes = _areas(kind, [a for a in areas or [] if a.strip()])
    check_password(password)
    if second_factor and kind not in SECOND_FACTOR_ROLES:
        raise AccountRefused("动态验证码仅适用于管理员和督导。")
    secret = totp.new_secret() if second_factor else None
    with ctx.db.reading() as s:
        org_id = _organisation_for(s, kind, organisation)
    user_id = new_id()
    row = ConsoleUser(
        id=user_id,
        username=login,
        name=name.strip(),
        role=kind.value,
        areas=codes,
        organisation_id=org_id,
        password_hash=_hasher(ctx)[0].hash(password),
        # Sealed with the server's key: a copy of the database does not give it away.
        totp_secret=None
        if secret is None
        else seal(ctx.settings, secret, where=totp_place(user_id)),
        created_at=_now(),
    )
    try:
        with ctx.db.small_write() as s:
            if s.exec(select(ConsoleUser).where(ConsoleUser.username == login)).first():
                raise Conflict(f"用户名 {login} 已被使用。")
            s.add(row)
            audit.record(
                s, "console_user_added", actor=actor, user_id=row.id, role=kind.value, areas=codes
            )
    except IntegrityError:
        raise Conflict(f"用户名 {login} 已被使用。") from None
    return _account(row), secret


def _organisation_for(session: Session, role: ConsoleRole, organisation: str | None) -> str | None:
    if role is not ConsoleRole.CHARITY:
        if organisation:
            raise AccountRefused("只有机构工作人员属于某个机构。")
        return None
    if not organisation:
        raise AccountRefused("机构工作人员需要指定所属机构（编号或统一社会信用代码）。")
    value = organisation.strip()
    org = (
        session.get(Organisation, value)
        or session.exec(
            select(Organisation).where(Organisation.credit_code == value.upper())
        ).first()
    )
    if org is None or not org.active:
        raise NotFound(f"找不到在用的机构 {value[:64]}。")
    return org.id


def list_accounts(ctx: ServerContext) -> list[Account]:
    with ctx.db.reading() as s:
        rows = s.exec(select(ConsoleUser).order_by(col(ConsoleUser.username)))
        return [_account(r) for r in rows]


# --- sign-in ----------------------------------------------------------------------------


def _client_throttled(session: Session, client: str, now: datetime) -> bool:
    since = now - timedelta(minutes=CLIENT_WINDOW_MINUTES)
    count = session.execute(
        select(func.count())
        .select_from(ConsoleLoginFailure)
        .where(col(ConsoleLoginFailure.client) == client, col(ConsoleLoginFailure.at) > since)
    ).scalar_one()
    return int(count) >= CLIENT_FAILURES


def _refuse(ctx: ServerContext, client: str, user_id: str | None, now: datetime) -> None:
    """Count a refused attempt against the client, and the account if there is one
    (locking it at `MAX_FAILURES`), in one transaction."""
    with ctx.db.small_write() as s:
        s.add(ConsoleLoginFailure(client=client, at=now))
        s.execute(
            delete(ConsoleLoginFailure).where(
                col(ConsoleLoginFailure.at) < now - timedelta(minutes=CLIENT_WINDOW_MINUTES)
            )
        )
        if user_id is None:
            return
        failures = s.execute(
            update(ConsoleUser)
            .where(col(ConsoleUser.id) == user_id)
            .values(failed_logins=col(ConsoleUser.failed_logins) + 1)
            .returning(col(ConsoleUser.failed_logins))
        ).scalar_one()
        if failures >= MAX_FAILURES:
            s.execute(
                update(ConsoleUser)
                .where(col(ConsoleUser.id) == user_id)
                .values(failed_logins=0, locked_until=now + timedelta(minutes=LOCK_MINUTES))
            )
            audit.record(s, "console_user_locked", actor=actor_of(user_id), client=client)


def _locked_message(until: datetime) -> str:
    return f"连续输错次数过多，账户已锁定至 {until:%H:%M}（UTC），请稍后再试或联系管理员。"


def sign_in(ctx: ServerContext, username: str, password: str, *, client: str) -> SignedIn:
    """Check a user name and password; a new session when they match (pending its second
    factor when the account has one). Raises SignInRefused with the sentence to show."""
    now = _now()
    login = username.strip().lower()[:64]
    with ctx.db.reading() as s:
        if _client_throttled(s, client, now):
            raise SignInRefused("登录失败次数过多，请稍后再试。")
        row = s.exec(select(ConsoleUser).where(ConsoleUser.username == login)).first()
    hasher, unknown_user_hash = _hasher(ctx)
    if row is None or not row.active:
        _verify(hasher, unknown_user_hash, password)
        _refuse(ctx, client, None, now)
        raise SignInRefused(WRONG)
    if row.locked_until is not None and _aware(row.locked_until) > now:
        _refuse(ctx, client, None, now)
        raise SignInRefused(_locked_message(_aware(row.locked_until)))
    if not _verify(hasher, row.password_hash, password):
        _refuse(ctx, client, row.id, now)
        raise SignInRefused(WRONG)
    pending = row.totp_secret is not None
    with ctx.db.small_write() as s:
        s.execute(
            update(ConsoleUser)
            .where(col(ConsoleUser.id) == row.id)
            .values(failed_logins=0, locked_until=None)
        )
        if hasher.check_needs_rehash(row.password_hash):
            s.execute(
                update(ConsoleUser)
                .where(col(ConsoleUser.id) == row.id)
                .values(password_hash=hasher.hash(password))
            )
        s.execute(delete(ConsoleSession).where(col(ConsoleSession.expires_at) < now))
        signed = _new_session(s, row, pending, now)
        if not pending:
            audit.record(s, "console_signed_in", actor=actor_of(row.id), client=client)
    return signed


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _new_session(session: Session, row: ConsoleUser, pending: bool, now: datetime) -> SignedIn:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            user_id=row.id,
            csrf_token=csrf,
            second_factor_pending=pending,
            created_at=now,
            seen_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    return SignedIn(token, csrf, _account(row), pending)


def pass_second_factor(ctx: ServerContext, token: str, code: str, *, client: str) -> SignedIn:
    """Check the TOTP code of a session awaiting it; on success the session is replaced by
    a new, complete one. A wrong code counts like a wrong password; a code is used once."""
    now = _now()
    with ctx.db.reading() as s:
        found = _session_row(s, token, now)
        if found is None or not found[0].second_factor_pending:
            raise SignInRefused("登录已过期，请重新登录。")
        pending, row = found
    if row.locked_until is not None and _aware(row.locked_until) > now:
        raise SignInRefused(_locked_message(_aware(row.locked_until)))
    secret = unseal(ctx.settings, row.totp_secret or "", where=totp_place(row.id))
    step = totp.matching_step(secret, code, now_s=now.timestamp())
    if step is None or step <= row.totp_step:
        _refuse(ctx, client, row.id, now)
        raise SignInRefused("动态验证码不正确或已使用。")
    with ctx.db.small_write() as s:
        used = s.execute(
            update(ConsoleUser)
            .where(col(ConsoleUser.id) == row.id, col(ConsoleUser.totp_step) < step)
            .values(totp_step=step, failed_logins=0)
        ).rowcount  # type: ignore[attr-defined]
        if not used:  # another request used this code first
            raise SignInRefused("动态验证码不正确或已使用。")
        s.execute(
            delete(ConsoleSession).where(col(ConsoleSession.token_hash) == pending.token_hash)
        )
        signed = _new_session(s, row, False, now)
        audit.record(
            s, "console_signed_in", actor=actor_of(row.id), client=client, second_factor=True
        )
    return signed


# --- sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveSession:
    account: Account
    csrf_token: str
    second_factor_pending: bool


def _session_row(
    session: Session, token: str, now: datetime
) -> tuple[ConsoleSession, ConsoleUser] | None:
    if not token or len(token) > 128:
        return None
    found = session.exec(
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, col(ConsoleUser.id) == col(ConsoleSession.user_id))
        .where(col(ConsoleSession.token_hash) == token_hash(token))
    ).first()
    if found is None:
        return None
    row, user = found
    idle_end = _aware(row.seen_at) + timedelta(minutes=SESSION_IDLE_MINUTES)
    if not user.active or _aware(row.expires_at) <= now or idle_end <= now:
        return None
    return row, user


def resolve_session(ctx: ServerContext, token: str) -> ActiveSession | None:
    """The session a cookie's token opens, or None (unknown, expired, idle too long, or
    its account deactivated). Marks it used at most once a `TOUCH_EVERY`."""
    now = _now()
    with ctx.db.reading() as s:
        found = _session_row(s, token, now)
    if found is None:
        return None
    row, user = found
    if now - _aware(row.seen_at) > TOUCH_EVERY:
        with ctx.db.small_write() as s:
            s.execute(
                update(ConsoleSession)
                .where(col(ConsoleSession.token_hash) == row.token_hash)
                .values(seen_at=now)
            )
    return ActiveSession(_account(user), row.csrf_token, row.second_factor_pending)


def sign_out(ctx: ServerContext, token: str, *, everywhere: bool = False) -> None:
    """End this session, or (`everywhere`) every session of its account."""
    with ctx.db.small_write() as s:
        row = s.get(ConsoleSession, token_hash(token))
        if row is None:
            return
        if everywhere:
            s.execute(delete(ConsoleSession).where(col(ConsoleSession.user_id) == row.user_id))
            audit.record(s, "console_signed_out_everywhere", actor=actor_of(row.user_id))
        else:
            s.delete(row)


def sessions_of(ctx: ServerContext, user_id: str) -> int:
    """How many sessions an account holds (expired ones included until they are purged)."""
    with ctx.db.reading() as s:
        return int(
            s.execute(
                select(func.count())
                .select_from(ConsoleSession)
                .where(col(ConsoleSession.user_id) == user_id)
            ).scalar_one()
        )


def find_account(ctx: ServerContext, username: str) -> Account:
    with ctx.db.reading() as s:
        row = s.exec(select(ConsoleUser).where(ConsoleUser.username == username.lower())).first()
        if row is None:
            raise NotFound(f"找不到用户 {username[:64]}。")
        return _account(row)
