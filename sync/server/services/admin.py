"""Admin: workers (roles, teams, areas), enrolment codes and their QR, devices, the
county's recovery key.

Every action on workers and devices takes the acting admin's `scope`: an admin manages
only workers all of whose areas lie inside its own, gives only areas inside its own, and
never changes its own areas; a worker or device outside the scope is answered exactly as
one that does not exist. `scope=None` is the county's shell (`doorstep server` without
`--admin`), which holds the database itself.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import segno
from sqlmodel import Session, col, select

from app.domain.areas import InvalidAreaCode, parse_scope_code
from app.domain.codes import Role, Team
from app.domain.ids import new_id
from app.store.crypto import generate_recovery_keypair
from app.ui.catalogue import message
from sync.server.context import ServerContext, get_meta, set_meta
from sync.server.errors import BadRequest, Forbidden, NotFound
from sync.server.scope import within
from sync.server.services import audit
from sync.server.tables import Device, EnrollCode, ServerMeta, Worker, WorkerArea

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed
CODE_LENGTH = 12
PRIVATE_KEY = "recovery_private_key"  # server meta keys of the county's recovery key
PRIVATE_KEY_MOVED = "recovery_private_key_moved_at"


def parse_areas(codes: list[str]) -> list[str]:
    """Scope codes, checked and deduplicated; one bad code fails with its reason."""
    if not codes:
        raise BadRequest("至少需要一个负责区划（6、9 或 12 位代码）。")
    out: list[str] = []
    for raw in codes:
        try:
            code = parse_scope_code(raw)
        except InvalidAreaCode as exc:
            raise BadRequest(message(exc)) from None
        if code not in out:
            out.append(code)
    return out


def _role(value: str) -> str:
    try:
        return Role(value).value
    except ValueError:
        names = "、".join(r.value for r in Role)
        raise BadRequest(f"角色「{value}」无效，可选：{names}。") from None


def _team(value: str) -> str:
    try:
        return Team(value).value
    except ValueError:
        names = "、".join(t.value for t in Team)
        raise BadRequest(f"队伍「{value}」无效，可选：{names}。") from None


def create_worker(
    ctx: ServerContext,
    name: str,
    role: str,
    team: str,
    areas: list[str],
    *,
    actor: str = "cli",
    scope: Sequence[str] | None = None,
    worker_id: str | None = None,
) -> Worker:
    """A new worker with their areas (inside `scope`); returns it (its id is what the admin
    hands out)."""
    if not name.strip():
        raise BadRequest("请填写工作人员姓名。")
    codes = parse_areas(areas)
    _check_inside(codes, scope)
    worker = Worker(
        id=worker_id or new_id(),
        name=name.strip(),
        role=_role(role),
        team=_team(team),
        created_at=datetime.now(UTC),
    )
    with ctx.db.small_write() as s:
        if worker_id and s.get(Worker, worker_id) is not None:
            raise BadRequest(f"工作人员 {worker_id} 已存在。")
        s.add(worker)
        s.flush()
        for code in codes:
            s.add(WorkerArea(worker_id=worker.id, code=code))
        audit.record(s, "worker_created", actor=actor, worker_id=worker.id, areas=codes)
    return worker


def worker_areas(session: Session, worker_id: str) -> list[str]:
    rows = session.exec(select(WorkerArea.code).where(WorkerArea.worker_id == worker_id))
    return sorted(rows)


def get_worker(session: Session, worker_id: str, scope: Sequence[str] | None = None) -> Worker:
    """The worker, if `scope` (None: any) covers all of their areas; else not found."""
    worker = session.get(Worker, worker_id)
    if worker is None or (
        scope is not None and not all(within(c, scope) for c in worker_areas(session, worker_id))
    ):
        raise NotFound(f"找不到工作人员 {worker_id[:64]}。")
    return worker


def _check_inside(codes: list[str], scope: Sequence[str] | None) -> None:
    outside = [code for code in codes if scope is not None and not within(code, scope)]
    if outside:
        raise Forbidden(f"区划 {outside[0]} 不在您管理的区划内。")


def admin_scope(ctx: ServerContext, admin_id: str) -> tuple[str, ...]:
    """The areas of an active admin, for acting as them (from the shell with --admin)."""
    with ctx.db.reading() as s:
        worker = s.get(Worker, admin_id)
        if worker is None or worker.role != Role.ADMIN.value or worker.status != "active":
            raise NotFound(f"找不到在职的管理员 {admin_id[:64]}。")
        return tuple(worker_areas(s, admin_id))


def set_areas(
    ctx: ServerContext,
    worker_id: str,
    areas: list[str],
    *,
    actor: str = "cli",
    scope: Sequence[str] | None = None,
) -> list[str]:
    """Replace a worker's areas (inside `scope`; never the actor's own); their devices
    evict what left the scope at the next pull."""
    codes = parse_areas(areas)
    if worker_id == actor:
        raise Forbidden("不能修改自己的负责区划，请由其他管理员调整。")
    _check_inside(codes, scope)
    with ctx.db.small_write() as s:
        get_worker(s, worker_id, scope)
        for row in s.exec(select(WorkerArea).where(WorkerArea.worker_id == worker_id)):
            s.delete(row)
        s.flush()
        for code in codes:
            s.add(WorkerArea(worker_id=worker_id, code=code))
        audit.record(s, "worker_areas_set", actor=actor, worker_id=worker_id, areas=codes)
    return codes


def hash_code(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(b"doorstep enrol|" + normal.encode()).hexdigest()


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime
    qr_text: str


def certificate_fingerprint(cert_path: str) -> str:
    """SHA-256 of the server certificate (DER), as the QR code and the device pin carry it."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()


def qr_text(code: str, server_url: str = "", fingerprint: str = "") -> str:
    """What the QR code holds: ``doorstep:enroll?code=...[&server=...][&pin=sha256:...]``."""
    parts = [f"code={code}"]
    if server_url:
        parts.append(f"server={server_url}")
    if fingerprint:
        parts.append(f"pin=sha256:{fingerprint}")
    return "doorstep:enroll?" + "&".join(parts)


def issue_code(
    ctx: ServerContext,
    worker_id: str,
    *,
    actor: str = "cli",
    scope: Sequence[str] | None = None,
    hours: int | None = None,
) -> IssuedCode:
    """A fresh one-time code for a worker inside `scope`; only its hash is stored."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = datetime.now(UTC)
    expires = now + timedelta(hours=hours if hours is not None else ctx.settings.enroll_code_hours)
    with ctx.db.small_write() as s:
        worker = get_worker(s, worker_id, scope)
        if worker.status != "active":
            raise BadRequest(f"工作人员 {worker_id} 已停用，不能登记设备。")
        s.add(
            EnrollCode(
                code_hash=hash_code(raw), worker_id=worker_id, created_at=now, expires_at=expires
            )
        )
        audit.record(s, "enroll_code_issued", actor=actor, worker_id=worker_id)
    fingerprint = certificate_fingerprint(ctx.settings.tls_cert) if ctx.settings.tls_cert else ""
    code = format_code(raw)
    return IssuedCode(code, expires, qr_text(code, ctx.settings.public_url, fingerprint))


def qr_png(text: str, path: Path | None = None) -> bytes:
    """The QR code as PNG bytes (written to `path` too when given)."""
    import io

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=8, border=4)
    data = buffer.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def revoke_device(
    ctx: ServerContext, device_id: str, *, actor: str = "cli", scope: Sequence[str] | None = None
) -> Device:
    """Revoke a device of a worker inside `scope`: it is answered 401 and wipes its sandbox
    at its next contact."""
    with ctx.db.small_write() as s:
        device = s.get(Device, device_id)
        if device is not None:
            try:
                get_worker(s, device.worker_id, scope)
            except NotFound:
                device = None
        if device is None:
            raise NotFound(f"找不到设备 {device_id[:64]}。")
        if device.status != "revoked":
            device.status = "revoked"
            device.revoked_at = datetime.now(UTC)
            s.add(device)
            audit.record(s, "device_revoked", actor=actor, device_id=device_id)
    return device


def devices(
    ctx: ServerContext, worker_id: str | None = None, *, scope: Sequence[str] | None = None
) -> list[Device]:
    """The devices (of one worker) whose workers lie inside `scope`, oldest first."""
    with ctx.db.reading() as s:
        query = select(Device).order_by(col(Device.enrolled_at))
        if worker_id is not None:
            query = query.where(Device.worker_id == worker_id)
        rows = list(s.exec(query))
        if scope is None:
            return rows
        areas = {w: worker_areas(s, w) for w in {d.worker_id for d in rows}}
        return [d for d in rows if all(within(c, scope) for c in areas[d.worker_id])]


def recovery_public_key(ctx: ServerContext) -> bytes:
    """The county's X25519 recovery key; created with its private half on first use."""
    with ctx.db.reading() as s:
        public = get_meta(s, "recovery_public_key")
    if public:
        return base64.b64decode(public)
    with ctx.db.small_write() as s:
        public = get_meta(s, "recovery_public_key")
        if public:
            return base64.b64decode(public)
        private_raw, public_raw = generate_recovery_keypair()
        set_meta(s, PRIVATE_KEY, base64.b64encode(private_raw).decode())
        set_meta(s, "recovery_public_key", base64.b64encode(public_raw).decode())
        audit.record(s, "recovery_key_created", actor="server")
    return public_raw


def recovery_private_key(ctx: ServerContext, *, actor: str = "cli") -> bytes:
    """The private half, for re-opening a locked-out sandbox; every read is audited."""
    recovery_public_key(ctx)
    with ctx.db.small_write() as s:
        value = get_meta(s, PRIVATE_KEY)
        moved_on = get_meta(s, PRIVATE_KEY_MOVED)
        audit.record(s, "recovery_key_read", actor=actor)
    if not value:
        when = f"已于 {moved_on[:10]} " if moved_on else "已"
        raise NotFound(
            f"县级恢复私钥{when}转为离线保存，服务器上不再有，请使用离线保存的密钥文件。"
        )
    return base64.b64decode(value)


def write_recovery_key(
    ctx: ServerContext, out: Path, *, remove: bool = False, actor: str = "cli"
) -> None:
    """Write the recovery private key (base64) to a new file only its owner can read; with
    `remove`, then delete it from the database once the file reads back as the same key.

    The public half stays, so devices still enrol (and escrow to it) as before.
    """
    private = recovery_private_key(ctx, actor=actor)
    text = base64.b64encode(private).decode() + "\n"
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadRequest(f"文件 {out} 已存在，不会覆盖；请指定一个新文件。") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if _read_key_file(out) != private or _public_of(private) != recovery_public_key(ctx):
        raise BadRequest(f"写入 {out} 的私钥读回后不一致，未从服务器删除。")
    with ctx.db.small_write() as s:
        row = s.get(ServerMeta, PRIVATE_KEY)
        if remove and (row is None or base64.b64decode(row.value) != private):
            raise BadRequest("服务器上的恢复私钥已变化，未删除；请重新导出。")
        audit.record(s, "recovery_key_written", actor=actor, file=str(out), removed=remove)
        if not remove or row is None:
            return
        s.delete(row)
        set_meta(s, PRIVATE_KEY_MOVED, datetime.now(UTC).isoformat())
        audit.record(s, "recovery_key_removed", actor=actor, file=str(out))


def _read_key_file(path: Path) -> bytes | None:
    try:
        return base64.b64decode(path.read_text().strip(), validate=True)
    except (OSError, ValueError):
        return None


def _public_of(private: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = X25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
