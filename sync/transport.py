"""How the device talks to the county server over httpx: trust, signing, retries, errors.

- `check_url` refuses plain http outside loopback; `trust_for` pins the certificate the
  enrolment QR code named (a county may run its own CA) or uses the system's CAs.
- `DeviceSignature` is the request signature as an `httpx.Auth` flow: it signs each
  request (``sync.protocol.signing_text`` over the body as sent) and, answered
  ``401 clock_skew``, corrects its clock offset from the server's time and signs again;
  answered ``401 replayed`` (a retried request whose nonce the server saw), it signs anew.
- `RetryTransport` resends on a lost connection, a 5xx or a 429, with exponential backoff
  and jitter, and meters the traffic (`Traffic`); it reads each answer whole, so an answer cut
  short is retried too.
- `map_exceptions` is the one table from transport and TLS errors to `sync.errors`;
  `raise_for` turns an error answer (JSON ``{"code", "message"}``) into one.

`open_client` puts these together; `read_answer` validates a 200 answer into its wire
model once, at the edge, or raises `MalformedAnswer`.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import ipaddress
import os
import random
import socket
import ssl
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, TypeAdapter, ValidationError

from sync.errors import (
    CertificateMismatch,
    DeviceRevoked,
    EnrollmentFailed,
    InsecureServer,
    MalformedAnswer,
    ProtocolMismatch,
    RequestRefused,
    ServerFailed,
    ServerUnreachable,
    SyncError,
)
from sync.protocol import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_PROTOCOL,
    HEADER_SERVER_TIME,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_WORKER,
    PROTOCOL_VERSION,
    signing_text,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# JSON bodies over this size go gzip'd (photos go as they are).
GZIP_OVER_BYTES = 1024

# --- trust ----------------------------------------------------------------------------


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
        raise SyncError("sync.bad_url", url=url)
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


@functools.lru_cache(maxsize=8)
def _pinned(cert_pem: str) -> ssl.SSLContext:
    return pinned_context(cert_pem)


def trust_for(url: str, cert_pem: str | None) -> ssl.SSLContext | bool:
    """The TLS trust for `url`: the pinned certificate, the system's CAs, or none for
    plain http (loopback only, see `check_url`); contexts are built once, not per sync."""
    if not url.startswith("https"):
        return False
    if cert_pem:
        return _pinned(cert_pem)
    return _system_context()


# --- errors ---------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _certificate_refused(exc: BaseException) -> bool:
    return any(
        isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE" in str(e) for e in _chain(exc)
    )


# Transport and TLS errors to ours, first match wins (like httpx's map_exceptions).
EXCEPTION_MAP: tuple[tuple[Callable[[BaseException], bool], type[SyncError]], ...] = (
    (_certificate_refused, CertificateMismatch),
    (lambda exc: isinstance(exc, (httpx.TransportError, OSError)), ServerUnreachable),
)


def translate(exc: BaseException) -> SyncError | None:
    """Our error for a transport or TLS failure, or None if it is not one."""
    for matches, ours in EXCEPTION_MAP:
        if matches(exc):
            return ours()
    return None


@contextmanager
def map_exceptions() -> Iterator[None]:
    """Transport and TLS failures inside the block raise as `sync.errors` (see the table)."""
    try:
        yield
    except (httpx.TransportError, OSError) as exc:
        ours = translate(exc)
        if ours is None:
            raise
        raise ours from None


def error_body(response: httpx.Response) -> tuple[str, str]:
    """The code and message of an error answer ("" for what is not one)."""
    try:
        data = response.json()
        return str(data.get("code", "")), str(data.get("message", ""))
    except (ValueError, AttributeError):
        return "", ""


def raise_for(response: httpx.Response) -> None:
    """Raise the `SyncError` an answer other than 200 stands for."""
    code, message = error_body(response)
    status = response.status_code
    if status == 426 or code == "protocol_version":
        raise ProtocolMismatch()
    if code == "device_revoked":
        raise DeviceRevoked()
    if status >= 500 or status == 429:
        raise ServerFailed()
    if code == "code_unusable":
        if message:
            raise EnrollmentFailed("sync.enrolment_refused", said=message)
        raise EnrollmentFailed("sync.code_unusable")
    if code == "clock_skew":
        raise RequestRefused("sync.clock_skew")
    if code == "replayed":
        raise RequestRefused("sync.replayed")
    if message:
        raise RequestRefused("sync.refused", said=message)
    raise RequestRefused("sync.refused_status", status=status)


def read_answer(response: httpx.Response, model: type[M]) -> M:
    """A 200 answer as its wire model, or the `SyncError` it stands for: an error answer
    as `raise_for` says, anything that is not the model as `MalformedAnswer`."""
    return _validated(response, model.model_validate_json)


def read_answers(response: httpx.Response, model: type[M]) -> list[M]:
    """A 200 answer that is a JSON list of `model` (see `read_answer`)."""
    return _validated(response, _list_of(model).validate_json)


@functools.cache
def _list_of(model: type[M]) -> TypeAdapter[list[M]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _validated(response: httpx.Response, validate: Callable[[bytes], T]) -> T:
    if response.status_code != 200:
        raise_for(response)
    try:
        return validate(response.content)
    except ValidationError:
        raise MalformedAnswer() from None


# --- signing --------------------------------------------------------------------------


class DeviceSignature(httpx.Auth):
    """Signs each request as this device and worker (Ed25519, see `sync.protocol`).

    Answered ``401 clock_skew``, it takes the server's time as its offset and signs
    again; answered ``401 replayed``, it signs again with a new nonce; at most
    `attempts` times in all, then the last answer stands."""

    requires_request_body = True
    requires_response_body = True

    def __init__(
        self,
        key: Ed25519PrivateKey,
        device_id: str,
        worker_id: str,
        *,
        attempts: int = 5,
        wall_ms: Callable[[], int] | None = None,
    ) -> None:
        self._key = key
        self.device_id = device_id
        self.worker_id = worker_id
        self.attempts = max(1, attempts)
        self._wall = wall_ms or (lambda: int(time.time() * 1000))
        self.offset_ms = 0

    def headers(self, method: str, target: str, body: bytes) -> dict[str, str]:
        """The signature headers of a request to `target` (path and query) whose body goes
        on the wire as `body`."""
        stamp = str(self._wall() + self.offset_ms)
        nonce = os.urandom(16).hex()
        text = signing_text(method, target, stamp, nonce, hashlib.sha256(body).hexdigest())
        return {
            HEADER_DEVICE: self.device_id,
            HEADER_WORKER: self.worker_id,
            HEADER_TIMESTAMP: stamp,
            HEADER_NONCE: nonce,
            HEADER_SIGNATURE: base64.b64encode(self._key.sign(text)).decode(),
        }

    def sign(self, request: httpx.Request) -> None:
        """Set the signature headers of `request` (its body is as it goes on the wire)."""
        target = request.url.raw_path.decode("ascii")
        request.headers.update(self.headers(request.method, target, request.content))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for attempt in range(self.attempts):
            self.sign(request)
            response = yield request
            if response.status_code != 401 or attempt == self.attempts - 1:
                return
            code, _ = error_body(response)
            if code == "clock_skew":
                server_ms = response.headers.get(HEADER_SERVER_TIME, "")
                if server_ms.isdigit():
                    self.offset_ms = int(server_ms) - self._wall()
            elif code != "replayed":
                return


# --- retries and traffic --------------------------------------------------------------


@dataclass
class Traffic:
    """What went over the wire: answers received, and bytes as sent and received
    (compressed), request lines and headers included on the way out."""

    round_trips: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


def wire_size(request: httpx.Request) -> int:
    """Bytes of the request as sent: request line, headers and (compressed) body."""
    head = len(request.method) + len(request.url.raw_path) + 11
    head += sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
    return head + len(request.content)


class RetryTransport(httpx.BaseTransport):
    """Sends through `inner`, again after a lost connection, a 5xx or a 429 (exponential
    backoff with jitter), up to `attempts` times; a refused certificate is never retried.
    The last failure stands: raised, or the last answer returned."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        attempts: int = 5,
        backoff_s: float = 0.25,
        traffic: Traffic | None = None,
    ) -> None:
        self.inner = inner
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.traffic = traffic if traffic is not None else Traffic()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for attempt in range(self.attempts):
            if attempt:
                delay = self.backoff_s * (2 ** (attempt - 1))
                time.sleep(delay * (0.5 + random.random()))
            last = attempt == self.attempts - 1
            try:
                response = self.inner.handle_request(request)
                response.read()  # a connection lost mid-answer is retried like any other
            except (httpx.TransportError, OSError) as exc:
                if last or not isinstance(translate(exc), ServerUnreachable):
                    raise
                continue
            self.traffic.round_trips += 1
            self.traffic.bytes_sent += wire_size(request)
            self.traffic.bytes_received += response.num_bytes_downloaded
            if last or not (response.status_code >= 500 or response.status_code == 429):
                return response
        raise ServerUnreachable()  # not reached: the last attempt returns or raises

    def close(self) -> None:
        self.inner.close()


# --- the client -----------------------------------------------------------------------


def encode(body: bytes | None, content_type: str) -> tuple[bytes | None, dict[str, str]]:
    """The body as it goes on the wire and its headers: JSON over 1 KiB gzip'd, photos as
    they are. The signature covers these bytes, so the server checks it before inflating."""
    if body is None:
        return None, {}
    headers = {"Content-Type": content_type}
    if len(body) > GZIP_OVER_BYTES and content_type == "application/json":
        return gzip.compress(body, compresslevel=5), headers | {"Content-Encoding": "gzip"}
    return body, headers


def open_client(
    url: str,
    cert_pem: str | None,
    *,
    transport: httpx.BaseTransport | None = None,
    auth: httpx.Auth | None = None,
    attempts: int = 1,
    backoff_s: float = 0.25,
    traffic: Traffic | None = None,
    timeout_s: float = 30.0,
) -> httpx.Client:
    """An httpx client for the server at `url`: its trust, the protocol header, `auth`
    on every request, and retries over `transport` (a plain HTTP transport by default)."""
    inner = transport or httpx.HTTPTransport(verify=trust_for(url, cert_pem))
    return httpx.Client(
        base_url=url,
        auth=auth,
        transport=RetryTransport(inner, attempts=attempts, backoff_s=backoff_s, traffic=traffic),
        timeout=httpx.Timeout(timeout_s, connect=10.0),
        headers={HEADER_PROTOCOL: str(PROTOCOL_VERSION), "Accept-Encoding": "gzip"},
    )


def send(
    client: httpx.Client,
    method: str,
    target: str,
    body: bytes | None = None,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One request (retried, signed, as the client was opened) with its body encoded
    (`encode`); its failures raise as `sync.errors`, the answer is read whole."""
    content, content_headers = encode(body, content_type)
    with map_exceptions():
        return client.request(
            method, target, content=content, headers=content_headers | (headers or {})
        )
