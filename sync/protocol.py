"""The Doorstep sync protocol, version 1: wire models and the rules both ends keep.

Guarantees
----------
1. **Exactly-once effect.** Every local change is written with an outbox mutation in one
   SQLite transaction and numbered by the device (``seq``, never reused). The server
   applies a push batch in one transaction that also stores each mutation's answer under
   (device, seq) and raises the device's watermark. A batch sent twice (a lost answer, a
   retry, a duplicated request) is answered from that log and changes nothing.
2. **An answer for every mutation, and a queue that never sticks.** Each mutation is
   ``applied``, ``merged`` (combined with concurrent edits of other fields),
   ``conflict`` (a concurrent edit of the same field was overwritten and logged for a
   coordinator) or ``rejected`` with a one-sentence reason. Rejections go to the
   device's dead-letter list with the server's copy of the record; later mutations go on.
3. **Resumable, scoped pull.** The change feed is ordered by a server sequence that
   commits in order (writers serialise on one counter row), never by wall clock. Pages
   carry a cursor; the device commits each page and its cursor in one transaction, so an
   interrupted pull resumes at the last page. Only records whose area lies in the
   worker's areas (a 6-digit county, 9-digit township or 12-digit village code) are
   sent; when the scope shrinks or a household moves away the device evicts the rest.
4. **No silent overwrite.** Merge rules live in ``sync.merge``: visits and consent events
   are insert-only; household, person and other mutable records merge per field by HLC
   (ties broken by device id) and every overwritten concurrent value is kept as a
   conflict; consent state is folded from events with withdrawal winning; wish state
   changes are compare-and-set on the server, and publish / claim happen only there.
5. **Local edits stay on top.** Records with pending mutations keep the local overlay
   over what the server sends until the server has answered them.

Transport
---------
HTTPS (plain http only to loopback), JSON bodies, gzip in both directions, every request
carrying ``Doorstep-Protocol: 1``. A device signs each request with its Ed25519 key
(registered at enrolment): the signature covers method, path and query, timestamp,
nonce and the SHA-256 of the uncompressed body. The server refuses a stale timestamp or
a nonce it has seen (``replayed``); the answer carries the server time so a device with a
wrong clock corrects its offset and signs again. Errors are JSON ``{"code", "message"}``.

Endpoints (all under ``/v1``)
-----------------------------
- ``POST /enroll`` — one-time code + device public key → device id, worker, scope, the
  county's X25519 recovery key, server HLC. Codes expire and work once.
- ``POST /push`` — ``PushRequest`` → ``PushResponse`` (one ``MutationAnswer`` each).
- ``GET /pull?after=SEQ&limit=N[&areas=CODE,...&until=SEQ]`` → ``PullPage``: changes
  (type, seq, full record), evictions, next cursor, whether more follows, server HLC and
  the worker's current scope. ``areas``/``until`` backfill areas added to a scope.
- ``GET /conflicts``, ``POST /conflicts/{id}/revert`` — coordinators review conflicts.
- ``POST /wishes/{id}/publish``, ``POST /wishes/{id}/claim`` — server-only transitions.
- Admin: workers, scope, enrolment codes (QR PNG), device revocation. A revoked device
  is answered ``401 device_revoked`` and wipes its sandbox.

A sync is: push every pending batch, then pull pages until ``more`` is false; the device
observes the server HLC each round trip and the server clamps device stamps more than
five minutes ahead of its own clock.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

HEADER_PROTOCOL = "Doorstep-Protocol"
HEADER_DEVICE = "Doorstep-Device"
HEADER_WORKER = "Doorstep-Worker"
HEADER_TIMESTAMP = "Doorstep-Timestamp"
HEADER_NONCE = "Doorstep-Nonce"
HEADER_SIGNATURE = "Doorstep-Signature"
HEADER_SERVER_TIME = "Doorstep-Server-Time"

MAX_BATCH = 500
DEFAULT_PAGE = 2000
MAX_PAGE = 5000

AnswerStatus = Literal["applied", "merged", "conflict", "rejected"]
MutationKind = Literal["create", "update", "transition"]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Wire):
    """Every error answer: a stable code and one sentence for a person."""

    code: str
    message: str


class WorkerInfo(Wire):
    id: str
    name: str
    role: str
    team: str
    areas: list[str]


class EnrollRequest(Wire):
    code: str = Field(min_length=4, max_length=64)
    public_key: str = Field(min_length=40, max_length=64, description="Ed25519, base64")
    device_name: str = Field(default="", max_length=100)


class EnrollResponse(Wire):
    device_id: str
    worker: WorkerInfo
    recovery_public_key: str = Field(description="the county's X25519 key, base64")
    server_hlc: str
    protocol_version: int = PROTOCOL_VERSION
    area_names: dict[str, str] = Field(
        default_factory=dict,
        description="names of the worker's areas and of the counties and townships above them",
    )


class MutationIn(Wire):
    """One outbox entry; `payload` is the content (create), changed fields (update) or
    ``{"from", "to", "fields"}`` (wish transition)."""

    seq: int = Field(ge=1, le=2**62)
    mutation_id: str = Field(max_length=64)
    record_type: str = Field(max_length=32)
    record_id: str = Field(max_length=64)
    kind: MutationKind
    kind_version: int = Field(default=1, ge=1, le=1)
    base_seq: int = Field(default=0, ge=0, le=2**62)
    hlc: str = Field(max_length=120)
    payload: dict[str, Any]


class PushRequest(Wire):
    mutations: list[MutationIn] = Field(max_length=MAX_BATCH)
    client_hlc: str = Field(default="", max_length=120)


class ConflictInfo(Wire):
    id: str
    field: str
    kept: Any = None
    lost: Any = None
    kept_hlc: str
    lost_hlc: str


class MutationAnswer(Wire):
    seq: int
    status: AnswerStatus
    reason: str = ""
    server_seq: int = 0
    duplicate: bool = False
    conflicts: list[ConflictInfo] = Field(default_factory=list)
    record: dict[str, Any] | None = Field(
        default=None, description="the server's copy after a rejection, when in scope"
    )


class PushResponse(Wire):
    answers: list[MutationAnswer]
    server_hlc: str


class Change(Wire):
    """A record as it now stands on the server (``t`` type, ``s`` its sequence)."""

    t: str
    s: int
    r: dict[str, Any]


class Eviction(Wire):
    t: str
    id: str
    s: int


class PullPage(Wire):
    changes: list[Change]
    evictions: list[Eviction]
    cursor: int
    more: bool
    server_hlc: str
    scope: list[str]


class ConflictOut(Wire):
    id: str
    record_type: str
    record_id: str
    field: str
    kept: Any = None
    lost: Any = None
    kept_hlc: str
    lost_hlc: str
    kept_device: str
    lost_device: str
    state: str
    area_code: str


class WishAction(Wire):
    claimed_by: str = Field(default="", max_length=200)


class WorkerCreate(Wire):
    name: str = Field(min_length=1, max_length=50)
    role: str
    team: str
    areas: list[str] = Field(min_length=1, max_length=100)


class AreasUpdate(Wire):
    areas: list[str] = Field(min_length=1, max_length=100)


class EnrollCodeOut(Wire):
    code: str
    expires_at: str
    qr_text: str


class DeviceOut(Wire):
    id: str
    worker_id: str
    status: str
    enrolled_at: str


def signing_text(method: str, target: str, timestamp: str, nonce: str, body_sha256: str) -> bytes:
    """What a device signs: one line per part, the target being path plus query string."""
    return "\n".join(
        (f"doorstep/{PROTOCOL_VERSION}", method.upper(), target, timestamp, nonce, body_sha256)
    ).encode()
