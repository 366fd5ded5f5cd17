"""The Doorstep sync protocol, version 1: wire models and the rules both ends keep.

Guarantees
----------
1. **Exactly-once effect.** Every local change is written with an outbox mutation in one
   SQLite transaction and numbered by the device (``seq``, never reused). The server
   applies a push batch in one transaction that also stores each mutation's answer and
   digest under (device, seq) and raises the device's watermark (the highest seq it
   logged; sent at enrolment and in every push answer). A batch sent twice (a lost
   answer, a retry, a duplicated request) is answered from that log and changes nothing.
   A seq at or below the watermark sent with other content than was logged (a device
   restored from a backup, or a copied data dir, numbering new work again) is answered
   ``renumber``, as is every later mutation of its batch, and nothing of it is applied:
   the device renumbers its pending mutations after the watermark, in order, and sends
   them again, so new work is never mistaken for a retry.
2. **An answer for every mutation, and a queue that never sticks.** Each mutation is
   ``applied``, ``merged`` (combined with concurrent edits of other fields),
   ``conflict`` (a concurrent edit of the same field was overwritten and logged for a
   coordinator), ``rejected`` with a one-sentence reason (and, to a device that sends
   ``Doorstep-Reason-Codes: 1``, its code and parameters), or ``renumber`` (above).
   A rule a mutation breaks, a record over ``app.domain.records.MAX_RECORD_BYTES`` or a value the database
   refuses (the batch is then applied again with each mutation in a savepoint of its
   own) rejects that mutation alone. Rejections go to the device's dead-letter list with
   the server's copy of the record; later mutations go on.
3. **Resumable, scoped pull.** The change feed is ordered by a server sequence that
   commits in order (writers serialise on one counter row), never by wall clock. Pages
   carry a cursor; the device commits each page and its cursor in one transaction, so an
   interrupted pull resumes at the last page. Only records whose area lies in the
   worker's areas (a 6-digit county, 9-digit township or 12-digit village code) are
   sent; when the scope shrinks or a household moves away the device evicts the rest.
   One exception: a township's festival list (``campaign``, nothing personal) also
   reaches the devices of its villages, whose households on it arrive as usual.
4. **No silent overwrite.** Merge rules live in ``sync.merge``: visits and consent events
   are insert-only; household, person and other mutable records merge per field by HLC
   (ties broken by device id) and every overwritten concurrent value is kept as a
   conflict; consent state is folded from events with withdrawal winning; wish state
   changes are compare-and-set on the server, and publish / claim happen only there.
5. **Local edits stay on top.** Records with pending mutations keep the local overlay
   over what the server sends until the server has answered them.

Transport
---------
HTTPS (plain http only to loopback), JSON bodies, gzip in both directions (photos go as
raw image bytes, uncompressed), every request carrying ``Doorstep-Protocol: 1``. A device
signs each request with its Ed25519 key (registered at enrolment): the signature covers
method, path and query, timestamp, nonce and the SHA-256 of the body as sent (gzip'd
when it is), so the server checks it before inflating or parsing anything; an unknown
device and a bad signature get the same ``401 unauthorized``. The server refuses a stale
timestamp or a nonce it has seen (``replayed``); the answer carries the server time so
a device with a wrong clock corrects its offset and signs again. Unauthenticated
requests (enrolment, refused signatures) are limited per client address (``429``).
Errors are JSON ``{"code", "message"}``.

Endpoints (all under ``/v1``)
-----------------------------
- ``POST /enroll`` — one-time code + device public key → device id, worker, scope, the
  county's X25519 recovery key, server HLC. Codes expire and work once.
- ``POST /push`` — ``PushRequest`` → ``PushResponse`` (one ``MutationAnswer`` each).
- ``GET /pull?after=SEQ&limit=N[&areas=CODE,...&until=SEQ][&staff=DIGEST][&organisations=DIGEST]``
  ``[&projects=DIGEST][&shares=CURSOR&shares_held=N]`` →
  ``PullPage``: changes (type, seq, full record), evictions, next cursor, whether more
  follows, server HLC and the worker's current scope. ``areas``/``until`` backfill areas
  added to a scope. The last page of the steady feed carries ``staff_digest``, and
  ``staff`` (the workers whose areas overlap the caller's scope, so that the device's
  reports pick each household's 责任人 as the server's do) only when that digest differs
  from the request's ``staff``: no extra round trip. The device keeps them sealed.
  Likewise ``organisations_digest`` and ``organisations`` (those serving an area of the
  scope, inactive ones too: name, kind, credit code, areas, need areas, active) against the
  request's ``organisations``: reference data the consent and referral forms choose from.
  A device that sends ``projects=DIGEST`` (possibly empty) gets ``projects_digest`` on
  that page too, and ``projects`` (the service projects and organisations serving its
  scope, `app.domain.projects.ProjectBook`: reference data, nothing personal) when the
  digest differs; an older device that does not ask is sent neither.
  A device that sends ``shares=CURSOR&shares_held=N`` gets the county's share log (each
  view or export of a person's data by a charity's console user, of the households in its
  scope) on that page the same way, incrementally: ``shares_cursor`` always, and
  ``shares`` (``ShareEntry``, oldest first, at most ``SHARES_PAGE``) only when entries
  after ``CURSOR`` were logged; ``shares_more`` when more follow (the device asks again,
  from the new cursor). ``N`` is how many entries the device holds: when the server counts
  another number of entries up to ``CURSOR`` in the scope (the scope changed, or an entry
  committed late behind the cursor), the page starts again from the beginning with
  ``shares_reset`` and the device drops what it held. A quiet sync costs nothing more.
- ``GET /staff`` → ``StaffList``: the same staff list, on its own.
- ``GET /shares`` → ``ShareList``: the share log whole (at most ``SHARES_MAX``, newest
  first), for devices that do not ask for it on the pull.
- ``GET /conflicts``, ``POST /conflicts/{id}/revert`` — coordinators review conflicts.
- ``POST /wishes/{id}/publish``, ``POST /wishes/{id}/claim`` — server-only transitions.
- ``PUT /photos/{id}?record_id=ID`` — one photo or drawn signature, the body its bytes
  (``Content-Type: image/jpeg`` or ``image/png``, checked against the magic bytes; at
  most ``app.domain.records.MAX_PHOTO_BYTES``, else 413) with its SHA-256 in
  ``Doorstep-Content-SHA256`` (a mismatch is 400 ``hash_mismatch``) → ``PhotoReceipt``. Idempotent: the same id with the
  same bytes is 200 again and changes nothing; other bytes under a stored id are 409
  ``photo_exists``. The record must be on the server, in the caller's scope, and name the
  photo in a field this device wrote, else 409 ``record_not_synced`` (the same answer for
  all, so nothing leaks; the device retries at its next sync).
- ``GET /photos/{id}`` → the bytes, with ``Content-Type`` and ``Doorstep-Content-SHA256``;
  404 unless the photo's record lies in the caller's scope. Every read is audit-logged.
- Admin: workers, scope, enrolment codes (QR PNG), device revocation. A revoked device
  is answered ``401 device_revoked`` and wipes its sandbox.

A sync is: push every pending batch, then upload each photo the server does not hold
yet, then pull pages until ``more`` is false, then download the photos that records on
the device refer to and it lacks (at most ``MAX_PHOTOS_PER_SYNC`` requests or
``MAX_PHOTO_BYTES_PER_SYNC`` per sync; the rest next time). The device observes the
server HLC each round trip and the server clamps device stamps more than five minutes
ahead of its own clock.

On the device: ``sync.transport`` (trust, the signature as an ``httpx.Auth`` flow, retries,
the error table), ``sync.enrolment``, ``sync.client`` (push, then pull), ``sync.replica``
(what a page or an answer changes, each one unit of work on the store, whose SQL is the
store's ``uow.replication`` and whose cursor, scope and watermark are ``uow.sync_state``)
and ``sync.photos`` (the photo queue). The clock is ``app.domain.clock``. Every answer is validated once, as it arrives, into
the models below; one that is not (``MalformedAnswer``: "服务器发来的数据有误…") stops
the sync and changes nothing.

Photos
------
Photos travel beside the records, not in the outbox: a record names its photo by id
(``photo_id``, ``evidence_photo_id``, ``fulfilment_photo_id``). The device keeps each
photo sealed in its store, in a queue (``sync.photos``: queued up, queued down, synced,
archived when no record names it any more), synced only after the server's 200, so
a lost answer means one harmless PUT more, never a lost or doubled photo. A failed
upload or download leaves the photo queued and does not fail the record sync; the sync
summary counts the photos still waiting. A pulled record that names a photo the device
lacks queues it for download; records evicted from the device take their photos along.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain.codes import DiscoveryReview
from app.domain.records import NOTE_MAX_CHARS, SHORT_TEXT_MAX_CHARS

PROTOCOL_VERSION = 1

HEADER_PROTOCOL = "Doorstep-Protocol"
HEADER_DEVICE = "Doorstep-Device"
HEADER_WORKER = "Doorstep-Worker"
HEADER_TIMESTAMP = "Doorstep-Timestamp"
HEADER_NONCE = "Doorstep-Nonce"
HEADER_SIGNATURE = "Doorstep-Signature"
HEADER_SERVER_TIME = "Doorstep-Server-Time"
HEADER_CONTENT_SHA256 = "Doorstep-Content-SHA256"
# A device that reads a rejection's code and parameters sends "1": only then does a push
# answer carry them (an older device refuses fields it does not know).
HEADER_REASON_CODES = "Doorstep-Reason-Codes"

MAX_BATCH = 500
DEFAULT_PAGE = 2000
MAX_PAGE = 5000
MAX_PHOTOS_PER_SYNC = 200
MAX_PHOTO_BYTES_PER_SYNC = 50 * 1024 * 1024

# The photo types the server takes, by the bytes their files start with.
PHOTO_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}

AnswerStatus = Literal["applied", "merged", "conflict", "rejected", "renumber"]
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


class StaffInfo(Wire):
    """A worker of the device's scope, for reports by 责任人 and team (no personal data
    but the name); `areas` are only those overlapping the device's scope."""

    id: str
    name: str
    role: str
    team: str
    active: bool = True
    areas: list[str]


class OrganisationInfo(Wire):
    """An organisation serving the device's scope (`app.domain.recipients.OrganisationRef`):
    reference data, nothing personal (no contact)."""

    id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    credit_code: str = Field(max_length=18)
    areas: list[str] = Field(max_length=2000)
    need_areas: list[str] = Field(max_length=20)
    active: bool = True


class StaffList(Wire):
    """``GET /v1/staff``: the staff of the caller's scope."""

    staff: list[StaffInfo]


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
    staff: list[StaffInfo] = Field(
        default_factory=list, description="the staff of the worker's scope (see GET /staff)"
    )
    watermark: int = Field(default=0, description="the device's push watermark (0: new)")


class MutationIn(Wire):
    """One outbox entry; `payload` is the content (create), changed fields (update) or
    ``{"from", "to", "fields"}`` (wish transition). A value out of JSON's range goes as
    it is (``Infinity``), for the server to reject that mutation with its reason."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

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
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="constants")

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
    code: str = Field(
        default="",
        description="a rejection's reason as a code (sync.merge.Rejected), for the device to "
        "say in its language; sent only to a device that asks (HEADER_REASON_CODES), "
        "absent from older servers and from answers replayed from the log",
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="the values the code's sentence is built from"
    )
    server_seq: int = 0
    duplicate: bool = False
    conflicts: list[ConflictInfo] = Field(default_factory=list)
    record: dict[str, Any] | None = Field(
        default=None, description="the server's copy after a rejection, when in scope"
    )


class PushResponse(Wire):
    answers: list[MutationAnswer]
    server_hlc: str
    watermark: int = Field(
        default=0, description="the highest seq of this device the server has logged"
    )


class Change(Wire):
    """A record as it now stands on the server (``t`` type, ``s`` its sequence)."""

    t: str
    s: int
    r: dict[str, Any]


class Eviction(Wire):
    t: str
    id: str
    s: int


class ShareInfo(Wire):
    """One time a charity's console user saw or exported a person's data (the county's
    share log, `app.domain.shares.CountyShare`)."""

    at: str = Field(max_length=40)
    organisation: str = Field(max_length=200)
    action: str = Field(max_length=20)
    purpose: str = Field(max_length=SHORT_TEXT_MAX_CHARS)
    data_categories: list[str] = Field(max_length=16)
    household_id: str = Field(max_length=64)
    person_id: str = Field(max_length=64)


class ShareList(Wire):
    """``GET /v1/shares``: the county's share log of the households in the caller's scope,
    newest first (at most `SHARES_MAX`)."""

    shares: list[ShareInfo]


SHARES_MAX = 1000  # the newest entries `GET /v1/shares` sends a device that asks there


class ShareEntry(ShareInfo):
    """One entry of the share log as it rides on a pull page: with the server's number for
    it (its order, and the cursor) and the area code it was logged under."""

    id: int = Field(ge=1, le=2**62)
    area_code: str = Field(max_length=12)


SHARES_PAGE = 500  # share log entries at most on one pull page


class PullPage(Wire):
    changes: list[Change]
    evictions: list[Eviction]
    cursor: int
    more: bool
    server_hlc: str
    scope: list[str]
    # The last page of the steady feed: the digest of the scope's staff, and the staff
    # themselves unless the request's `staff` digest matched.
    staff_digest: str = ""
    staff: list[StaffInfo] | None = None
    # The same for the organisations serving the scope (reference data for the consent
    # and referral forms), against the request's `organisations` digest.
    organisations_digest: str = ""
    organisations: list[OrganisationInfo] | None = None
    # The same for the service projects of the scope, to a device that asked for them
    # (a `ProjectBook` as JSON: the device parses it, and keeps its old one if it cannot).
    projects_digest: str = ""
    projects: dict[str, Any] | None = None
    # The county's share log after the request's `shares` cursor, to a device that asked
    # for it: the cursor to send next, the entries (oldest first), whether more follow,
    # and whether the device drops what it held first (`shares_reset`).
    shares_cursor: int | None = None
    shares: list[ShareEntry] | None = Field(default=None, max_length=SHARES_PAGE)
    shares_more: bool = False
    shares_reset: bool = False


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


class FoundOut(Wire):
    """A 主动发现 household awaiting a coordinator's decision (GET /v1/discoveries)."""

    household_id: str
    area_code: str
    address: str
    head: str
    found_by: str
    by_charity: bool
    found_on: date | None = None
    why: str
    review: str  # "" (awaiting) or "applying"
    match: str | None = None  # the registered household its ID numbers point to


class Decision(Wire):
    """A coordinator's decision on a 主动发现 household (POST /v1/discoveries/{id})."""

    review: DiscoveryReview
    reason: str = Field(default="", max_length=NOTE_MAX_CHARS)


class DonorInfo(Wire):
    """The donor of a claimed wish (personal data: only to coordinators in its scope)."""

    wish_id: str = Field(max_length=64)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=20)
    delivery: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=100)


class DonorList(Wire):
    """``GET /v1/wishes/donors``: the donors of the claimed wishes in the caller's scope."""

    donors: list[DonorInfo]


class WishAction(Wire):
    claimed_by: str = Field(default="", max_length=SHORT_TEXT_MAX_CHARS)  # as on the Wish


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


class PhotoReceipt(Wire):
    """The server holds this photo (``duplicate``: it already did, nothing changed)."""

    id: str
    record_id: str
    sha256: str
    size: int
    duplicate: bool = False


def photo_type(content: bytes) -> str | None:
    """The MIME type the photo's magic bytes say (JPEG or PNG), or None."""
    for mime, magic in PHOTO_MAGIC.items():
        if content.startswith(magic):
            return mime
    return None


def signing_text(method: str, target: str, timestamp: str, nonce: str, body_sha256: str) -> bytes:
    """What a device signs: one line per part, the target being path plus query string."""
    return "\n".join(
        (f"doorstep/{PROTOCOL_VERSION}", method.upper(), target, timestamp, nonce, body_sha256)
    ).encode()
