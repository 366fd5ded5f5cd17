"""The device's sync client: enrolment, then push and pull over httpx (同步).

`enroll` turns a one-time code into a worker sandbox whose credentials (an Ed25519
signing key, the server address, the pinned certificate) are sealed in the store; after
that, unlocking needs no network. `SyncClient.sync()` pushes every pending mutation,
uploads the photos the server lacks, pulls the change feed page by page, then downloads
the photos its records name (see `sync.protocol` for the guarantees). Every failure is a
`SyncError` whose message is one Chinese sentence; nothing queued is ever dropped by a
failed sync, and a photo that fails to travel waits for the next one.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import ipaddress
import json
import os
import random
import shutil
import socket
import ssl
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from app.domain.staff import Staff
from app.memory import collector_paused
from app.store import replica
from app.store.errors import IntegrityError, NotFound, SandboxError
from app.store.keystore import Keystore, default_keystore
from app.store.sandbox import Sandbox, validate_pin
from app.store.store import AREA_NAMES_META, LAST_SYNC_META, STAFF_DIGEST_META, Store
from sync.protocol import (
    DEFAULT_PAGE,
    HEADER_CONTENT_SHA256,
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_PROTOCOL,
    HEADER_SERVER_TIME,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_WORKER,
    MAX_BATCH,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_BYTES_PER_SYNC,
    MAX_PHOTOS_PER_SYNC,
    PROTOCOL_VERSION,
    EnrollResponse,
    StaffInfo,
    photo_type,
    signing_text,
)

T = TypeVar("T")

SECRET_KEY = "sync.signing_key"
SECRET_SERVER = "sync.server_url"
SECRET_CERT = "sync.cert_pem"
SECRET_WORKER = "sync.worker"
SERVER_URL_ENV = "DOORSTEP_SERVER_URL"
# Renumbering the outbox more often than this in one sync means another copy of this
# store is pushing under the same device at the same time.
MAX_RENUMBERS = 3
SEQ_CLASH = "此账户的数据正在另一台设备上同步（数据目录被复制），请只在一台设备上使用后再同步。"


# --- errors ---------------------------------------------------------------------------


class SyncError(Exception):
    """Base of sync failures; the message is one sentence for the person at the device."""

    message = "同步失败，数据已保留在本机，请稍后再试。"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class ServerUnreachable(SyncError):
    message = "无法连接服务器，数据已保留在本机，请稍后再试。"


class ServerFailed(SyncError):
    message = "服务器暂时出错，数据已保留在本机，请稍后再试。"


class DeviceRevoked(SyncError):
    message = "此设备已被县级管理员注销，本机上的账户数据已清除。"


class ProtocolMismatch(SyncError):
    message = "应用版本与服务器不兼容，请升级应用后再同步。"


class CertificateMismatch(SyncError):
    message = "服务器证书与登记时不一致，已停止连接以保护数据，请联系县级管理员。"


class InsecureServer(SyncError):
    message = "只能通过 HTTPS 连接服务器（本机地址除外）。"


class NotEnrolled(SyncError):
    message = "此账户尚未登记到县级服务器，请先用登记码完成设备登记。"


class EnrollmentFailed(SyncError):
    message = "设备登记失败。"


class RequestRefused(SyncError):
    """The server refused a request (4xx); the message is the server's sentence."""


# --- reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncProgress:
    """What the UI shows while syncing: the phase and how far it got."""

    phase: str  # "push" | "pull" | "photos"
    done: int
    total: int | None = None


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: int = 0
    evicted: int = 0
    round_trips: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    seconds: float = 0.0
    photos_up: int = 0
    photos_down: int = 0
    photos_pending: int = 0  # still to upload or download after this sync

    def one_line(self) -> str:
        line = (
            f"同步完成：上传 {self.pushed} 条，下载 {self.pulled} 条，"
            f"冲突 {self.conflicts} 条，被拒绝 {self.rejected} 条。"
        )
        if self.photos_up or self.photos_down or self.photos_pending:
            line += (
                f"照片：上传 {self.photos_up} 张，下载 {self.photos_down} 张，"
                f"待传 {self.photos_pending} 张。"
            )
        return line


# --- transport security ---------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The URL without a trailing slash, or InsecureServer for plain http to another host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"服务器地址无效：{url}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureServer()
    return url.strip().rstrip("/")


def fingerprint_of(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def fetch_certificate(url: str, timeout: float = 10.0) -> bytes:
    """The server's certificate (DER) as presented, before trusting anything."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            ctx.wrap_socket(sock, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except OSError:
        raise ServerUnreachable() from None
    if not der:
        raise CertificateMismatch()
    return der


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    """Trust exactly the pinned certificate (a county may run its own CA)."""
    ctx = ssl.create_default_context(cadata=cert_pem)
    ctx.check_hostname = False
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return ctx


@functools.cache
def _system_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _verify_for(url: str, cert_pem: str | None) -> ssl.SSLContext | bool:
    """The TLS trust for `url`: the pinned certificate, the system's CAs, or none for
    plain http (loopback only, see `check_url`); contexts are built once, not per sync."""
    if not url.startswith("https"):
        return False
    if cert_pem:
        return _pinned(cert_pem)
    return _system_context()


@functools.lru_cache(maxsize=8)
def _pinned(cert_pem: str) -> ssl.SSLContext:
    return pinned_context(cert_pem)


# --- enrolment ------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentCode:
    code: str
    server: str = ""
    fingerprint: str = ""


def parse_code(text: str) -> EnrolmentCode:
    """A typed code, or the QR payload ``doorstep:enroll?code=..&server=..&pin=sha256:..``."""
    text = text.strip()
    if not text.startswith("doorstep:enroll?"):
        return EnrolmentCode(text)
    query = parse_qs(text.split("?", 1)[1])
    pin = query.get("pin", [""])[0]
    return EnrolmentCode(
        query.get("code", [""])[0],
        query.get("server", [""])[0],
        pin.removeprefix("sha256:").lower(),
    )


def enroll(
    data_dir: Path,
    server_url: str,
    code: str,
    pin: str,
    *,
    keystore: Keystore | None = None,
    fingerprint: str | None = None,
    device_name: str = "",
    scrypt_n: int = 2**15,
    transport: httpx.BaseTransport | None = None,
) -> Sandbox:
    """Redeem a one-time code and create the worker's sandbox with its credentials sealed.

    `code` may be the QR payload, which can carry the server address and the certificate
    fingerprint to pin; identity and scope come from the server. `keystore` None means this
    process's `default_keystore()`; with none at all the PIN must be a passphrase.
    """
    parsed = parse_code(code)
    url = check_url(server_url or parsed.server)
    pin_fp = (fingerprint or parsed.fingerprint).lower().removeprefix("sha256:").replace(":", "")
    keystore = keystore if keystore is not None else default_keystore()
    try:
        validate_pin(pin, keystore)
    except SandboxError as exc:
        raise EnrollmentFailed(str(exc)) from None
    cert_pem: str | None = None
    if url.startswith("https") and pin_fp:
        der = fetch_certificate(url)
        if fingerprint_of(der) != pin_fp:
            raise CertificateMismatch()
        cert_pem = ssl.DER_cert_to_PEM_cert(der)
    signing_key = Ed25519PrivateKey.generate()
    public = signing_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    body = {
        "code": parsed.code,
        "public_key": base64.b64encode(public).decode(),
        "device_name": device_name[:100],
    }
    with _http_client(url, cert_pem, transport) as client:
        content, headers = _encode(json.dumps(body).encode(), "application/json")
        response = _send(client, "POST", "/v1/enroll", content, headers)
    if response.status_code != 200:
        _raise_for(response)
    answer = EnrollResponse.model_validate_json(response.content)
    try:
        sandbox, key = Sandbox.create(
            data_dir,
            answer.worker.name,
            pin,
            keystore=keystore,
            scrypt_n=scrypt_n,
            device_id=answer.device_id,
            worker_id=answer.worker.id,
        )
    except SandboxError as exc:
        raise EnrollmentFailed(str(exc)) from None
    sandbox.escrow_to(key, base64.b64decode(answer.recovery_public_key))
    store = Store(sandbox.db_path, key, device_id=answer.device_id, worker_id=answer.worker.id)
    try:
        store.clock.observe(answer.server_hlc)
        store.set_meta(AREA_NAMES_META, json.dumps(answer.area_names, ensure_ascii=False))
        store.set_meta(replica.WATERMARK, str(answer.watermark))
        store.set_staff(Staff.from_json(m.model_dump() for m in answer.staff))
        private = signing_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        secrets = {
            SECRET_KEY: base64.b64encode(private).decode(),
            SECRET_SERVER: url,
            SECRET_WORKER: answer.worker.model_dump_json(),
        }
        if cert_pem:
            secrets[SECRET_CERT] = cert_pem
        store.set_secrets(secrets)
    finally:
        store.close()
    return sandbox


# --- HTTP -----------------------------------------------------------------------------


def _http_client(
    url: str, cert_pem: str | None, transport: httpx.BaseTransport | None, timeout: float = 30.0
) -> httpx.Client:
    return httpx.Client(
        base_url=url,
        verify=_verify_for(url, cert_pem),
        transport=transport,
        timeout=httpx.Timeout(timeout, connect=10.0),
        headers={HEADER_PROTOCOL: str(PROTOCOL_VERSION), "Accept-Encoding": "gzip"},
    )


def _encode(body: bytes | None, content_type: str) -> tuple[bytes | None, dict[str, str]]:
    """The body as it goes on the wire and its headers: JSON over 1 KiB gzip'd, photos as
    they are. The signature covers these bytes, so the server checks it before inflating."""
    if body is None:
        return None, {}
    headers = {"Content-Type": content_type}
    if len(body) > 1024 and content_type == "application/json":
        return gzip.compress(body, compresslevel=5), headers | {"Content-Encoding": "gzip"}
    return body, headers


def _send(
    client: httpx.Client, method: str, target: str, content: bytes | None, headers: dict[str, str]
) -> httpx.Response:
    """One request of an encoded body (see `_encode`); transport failures become ours."""
    try:
        return client.request(method, target, content=content, headers=headers)
    except ssl.SSLCertVerificationError:
        raise CertificateMismatch() from None
    except httpx.ConnectError as exc:
        if isinstance(exc.__cause__, ssl.SSLCertVerificationError) or "CERTIFICATE" in str(exc):
            raise CertificateMismatch() from None
        raise ServerUnreachable() from None
    except httpx.TransportError:
        raise ServerUnreachable() from None


def _wire_size(request: httpx.Request) -> int:
    """Bytes of the request as sent: request line, headers and (compressed) body."""
    head = len(request.method) + len(request.url.raw_path) + 11
    head += sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
    return head + len(request.content)


def _error_body(response: httpx.Response) -> tuple[str, str]:
    try:
        data = response.json()
        return str(data.get("code", "")), str(data.get("message", ""))
    except (ValueError, AttributeError):
        return "", ""


def _raise_for(response: httpx.Response) -> None:
    code, message = _error_body(response)
    status = response.status_code
    if status == 426 or code == "protocol_version":
        raise ProtocolMismatch()
    if code == "device_revoked":
        raise DeviceRevoked()
    if status >= 500:
        raise ServerFailed()
    if code == "code_unusable":
        raise EnrollmentFailed(message or "登记码无效、已使用或已过期。")
    raise RequestRefused(message or f"服务器拒绝了请求（HTTP {status}）。")


class SyncClient:
    """Syncs one unlocked store with the county server it was enrolled with."""

    def __init__(
        self,
        store: Store,
        server_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        attempts: int = 5,
        backoff_s: float = 0.25,
        timeout_s: float = 30.0,
        page_size: int = DEFAULT_PAGE,
        batch_size: int = MAX_BATCH,
        wall_ms: Callable[[], int] | None = None,
    ) -> None:
        self.store = store
        key = store.secret(SECRET_KEY)
        enrolled_url = store.secret(SECRET_SERVER)
        worker = store.secret(SECRET_WORKER)
        if not key or not enrolled_url or not worker:
            raise NotEnrolled()
        self._key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key))
        self.worker = json.loads(worker)
        self.url = check_url(server_url or os.environ.get(SERVER_URL_ENV) or enrolled_url)
        self._cert = store.secret(SECRET_CERT)
        self._transport = transport
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.batch_size = batch_size
        self._wall = wall_ms or (lambda: int(time.time() * 1000))
        self._offset_ms = 0
        self._report = SyncReport()

    # --- requests ---------------------------------------------------------------------

    def _signed_headers(self, method: str, target: str, body: bytes) -> dict[str, str]:
        """The signature headers of a request whose body goes on the wire as `body`."""
        stamp = str(self._wall() + self._offset_ms)
        nonce = os.urandom(16).hex()
        text = signing_text(method, target, stamp, nonce, hashlib.sha256(body).hexdigest())
        return {
            HEADER_DEVICE: self.store.device_id,
            HEADER_WORKER: self.worker["id"],
            HEADER_TIMESTAMP: stamp,
            HEADER_NONCE: nonce,
            HEADER_SIGNATURE: base64.b64encode(self._key.sign(text)).decode(),
        }

    def _request(
        self, client: httpx.Client, method: str, target: str, payload: Any = None
    ) -> dict[str, Any]:
        """One JSON call with retries (see `_call`)."""
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        return self._call(client, method, target, body, lambda r: r.json())

    def _call(
        self,
        client: httpx.Client,
        method: str,
        target: str,
        body: bytes | None,
        read: Callable[[httpx.Response], T],
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> T:
        """One call with retries: transport errors, 5xx, replays, clock skew and an answer
        `read` cannot use (ValueError) retry; other refusals raise at once."""
        last: SyncError = ServerUnreachable()
        content, content_headers = _encode(body, content_type)
        for attempt in range(self.attempts):
            if attempt:
                delay = self.backoff_s * (2 ** (attempt - 1))
                time.sleep(delay * (0.5 + random.random()))
            signed = self._signed_headers(method, target, content or b"")
            try:
                response = _send(
                    client, method, target, content, signed | content_headers | (headers or {})
                )
            except (ServerUnreachable, ServerFailed) as exc:
                last = exc
                continue
            self._report.round_trips += 1
            self._report.bytes_sent += _wire_size(response.request)
            self._report.bytes_received += response.num_bytes_downloaded
            if response.status_code == 200:
                try:
                    return read(response)
                except ValueError:
                    last = ServerFailed()
                    continue
            code, _ = _error_body(response)
            if code == "clock_skew":
                server_ms = response.headers.get(HEADER_SERVER_TIME, "")
                if server_ms.isdigit():
                    self._offset_ms = int(server_ms) - self._wall()
                last = RequestRefused("设备时间与服务器相差太多。")
                continue
            if code == "replayed":
                last = RequestRefused("请求被服务器视为重复。")
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last = ServerFailed()
                continue
            if code == "device_revoked":
                self._wipe()
            _raise_for(response)
        raise last

    def _wipe(self) -> None:
        """A revoked device forgets its key and deletes the sandbox."""
        path = self.store.path.parent
        self.store.close()
        if (path / "keys.json").is_file():
            Sandbox(path).wipe()
        else:
            shutil.rmtree(path, ignore_errors=True)

    # --- sync -------------------------------------------------------------------------

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push everything pending, then pull until the feed is drained."""
        self._report = SyncReport()
        started = time.perf_counter()
        with _http_client(self.url, self._cert, self._transport, self.timeout_s) as client:
            self._push(client, progress)
            self._upload_photos(client, progress)
            self._pull(client, progress)
            self._download_photos(client, progress)
        counts = self.store.photo_counts()
        self._report.photos_pending = counts["upload"] + counts["download"]
        self._report.seconds = time.perf_counter() - started
        self.store.set_meta(LAST_SYNC_META, datetime.now().isoformat(timespec="seconds"))
        return self._report

    def _push(self, client: httpx.Client, progress: Callable[[SyncProgress], None] | None) -> None:
        """Every pending batch in order; when the server says seqs were already used for
        other changes (this store came from a backup or a copy), renumber and send again."""
        total = self.store.outbox_counts()["pending"]
        done = 0
        renumbered = 0
        while True:
            batch = self.store.pending(limit=self.batch_size)
            if not batch:
                return
            payload = {
                "mutations": [
                    {
                        "seq": m.seq,
                        "mutation_id": m.mutation_id,
                        "record_type": m.record_type,
                        "record_id": m.record_id,
                        "kind": m.kind,
                        "kind_version": m.kind_version,
                        "base_seq": m.base_seq,
                        "hlc": m.hlc,
                        "payload": m.payload,
                    }
                    for m in batch
                ],
                "client_hlc": self.store.clock.last,
            }
            answer = self._request(client, "POST", "/v1/push", payload)
            self.store.clock.observe(answer["server_hlc"])
            result = replica.apply_answers(
                self.store, batch, answer["answers"], int(answer.get("watermark") or 0)
            )
            self._report.pushed += result.pushed
            self._report.rejected += result.rejected
            self._report.conflicts += result.conflicts
            done += result.pushed + result.rejected
            if result.renumbered:
                renumbered += 1
                if renumbered > MAX_RENUMBERS:  # another copy of this store keeps pushing
                    raise SyncError(SEQ_CLASH)
            if progress:
                progress(SyncProgress("push", done, max(total, done)))

    def _pull_target(self, state: dict[str, Any]) -> str:
        backfill = state["backfill"]
        if backfill:
            return (
                f"/v1/pull?after={backfill['cursor']}&limit={self.page_size}"
                f"&areas={','.join(backfill['areas'])}&until={backfill['until']}"
            )
        digest = self.store.meta(STAFF_DIGEST_META) or ""
        return f"/v1/pull?after={state['cursor']}&limit={self.page_size}&staff={digest}"

    def _pull(self, client: httpx.Client, progress: Callable[[SyncProgress], None] | None) -> None:
        """Pages until the feed is drained; the next page is fetched while this one is
        written (each page still commits with its own cursor, so resuming stays exact).
        A page is thousands of short-lived dicts: the cyclic collector pauses meanwhile."""
        with collector_paused(), ThreadPoolExecutor(max_workers=1) as fetcher:
            ahead: tuple[str, Future[dict[str, Any]]] | None = None
            while True:
                state = replica.sync_state(self.store)
                target = self._pull_target(state)
                if ahead is not None and ahead[0] == target:
                    page = ahead[1].result()
                else:
                    if ahead is not None:
                        ahead[1].cancel()
                    page = self._request(client, "GET", target)
                ahead = None
                steady = not state["backfill"] and sorted(page["scope"]) == state["scope"]
                if page["more"] and steady:
                    following = self._pull_target({**state, "cursor": page["cursor"]})
                    ahead = (following, fetcher.submit(self._request, client, "GET", following))
                self.store.clock.observe(page["server_hlc"])
                result = replica.apply_page(self.store, page, backfill=bool(state["backfill"]))
                self._keep_staff(page)
                self._report.pulled += result.pulled
                self._report.evicted += result.evicted
                if progress:
                    progress(SyncProgress("pull", self._report.pulled))
                if result.scope_changed or state["backfill"] or page["more"]:
                    continue
                if replica.sync_state(self.store)["backfill"]:
                    continue
                return

    def _keep_staff(self, page: dict[str, Any]) -> None:
        """The staff of this worker's scope, sent on the last page when they changed, so
        that reports pick 责任人 as the server does."""
        if page.get("staff") is None:
            return
        try:
            staff = [StaffInfo.model_validate(m) for m in page["staff"]]
        except (ValidationError, TypeError):
            raise ServerFailed() from None
        self.store.set_staff(Staff.from_json(m.model_dump() for m in staff))
        self.store.set_meta(STAFF_DIGEST_META, str(page.get("staff_digest") or ""))

    # --- photos -----------------------------------------------------------------------

    def _upload_photos(
        self, client: httpx.Client, progress: Callable[[SyncProgress], None] | None = None
    ) -> None:
        """PUT each photo the server lacks (after the push, so its record is there); a
        refused photo stays queued, a lost network leaves the rest for the next sync."""
        for photo_id, record_id in self.store.photos_to_upload():
            try:
                content, _ = self.store.get_photo(photo_id)
            except (NotFound, IntegrityError):
                continue
            mime = photo_type(content)
            if mime is None or len(content) > MAX_PHOTO_BYTES:
                continue  # the server would refuse it: it stays counted as waiting
            target = f"/v1/photos/{photo_id}?record_id={record_id}"
            headers = {HEADER_CONTENT_SHA256: hashlib.sha256(content).hexdigest()}
            try:
                self._call(
                    client, "PUT", target, content, _receipt, content_type=mime, headers=headers
                )
            except RequestRefused:
                continue
            except (ServerUnreachable, ServerFailed):
                return
            self.store.mark_photo_uploaded(photo_id)
            self._report.photos_up += 1
            if progress:
                progress(SyncProgress("photos", self._report.photos_up))

    def _download_photos(
        self, client: httpx.Client, progress: Callable[[SyncProgress], None] | None = None
    ) -> None:
        """GET the photos records here name and the device lacks, a bounded number per
        sync; one the server cannot give yet (not uploaded) is asked for next time."""
        replica.want_referenced_photos(self.store)
        received = 0
        for photo_id in self.store.photos_to_download(MAX_PHOTOS_PER_SYNC):
            if received >= MAX_PHOTO_BYTES_PER_SYNC:
                return
            try:
                content, mime = self._call(
                    client,
                    "GET",
                    f"/v1/photos/{photo_id}",
                    None,
                    _photo,
                    headers={"Accept-Encoding": "identity"},
                )
            except RequestRefused:
                continue
            except (ServerUnreachable, ServerFailed):
                return
            received += len(content)
            if self.store.put_downloaded_photo(photo_id, content, mime):
                self._report.photos_down += 1
                if progress:
                    moved = self._report.photos_up + self._report.photos_down
                    progress(SyncProgress("photos", moved))

    # --- review (coordinators, online) -------------------------------------------------

    def conflicts(self) -> list[dict[str, Any]]:
        """Open conflicts in this worker's scope (coordinators)."""
        with _http_client(self.url, self._cert, self._transport, self.timeout_s) as client:
            return self._request(client, "GET", "/v1/conflicts")  # type: ignore[return-value]

    def revert_conflict(self, conflict_id: str) -> None:
        """Put the overwritten value back; every device receives it at its next pull."""
        with _http_client(self.url, self._cert, self._transport, self.timeout_s) as client:
            self._request(client, "POST", f"/v1/conflicts/{conflict_id}/revert", {})


def _receipt(response: httpx.Response) -> dict[str, Any]:
    data = response.json()
    if not isinstance(data, dict) or "sha256" not in data:
        raise ValueError("not a photo receipt")
    return data


def _photo(response: httpx.Response) -> tuple[bytes, str]:
    """The photo's bytes and type, if they arrived whole (else ValueError: ask again)."""
    content = response.content
    expected = response.headers.get(HEADER_CONTENT_SHA256, "")
    if hashlib.sha256(content).hexdigest() != expected.lower():
        raise ValueError("photo damaged in transit")
    mime = photo_type(content)
    if mime is None:
        raise ValueError("not a photo")
    return content, mime


__all__ = [
    "CertificateMismatch",
    "DeviceRevoked",
    "EnrollmentFailed",
    "InsecureServer",
    "NotEnrolled",
    "ProtocolMismatch",
    "RequestRefused",
    "ServerFailed",
    "ServerUnreachable",
    "SyncClient",
    "SyncError",
    "SyncProgress",
    "SyncReport",
    "enroll",
]
