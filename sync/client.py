"""The device's sync client: push, then pull, then the photos (同步).

`SyncClient.sync()` pushes every pending mutation (`PushRequest` batches), uploads the
photos the server lacks, pulls the change feed page by page (`PullPage`), then downloads
the photos its records name (see `sync.protocol` for the guarantees). Every answer is
validated into its wire model once, as it arrives (`sync.transport.read_answer`); how the
requests travel (trust, signature, retries) is `sync.transport`, enrolment is
`sync.enrolment`, the photos are `sync.photos`. Every failure is a `SyncError` whose
message is one Chinese sentence; nothing queued is ever dropped by a failed sync, and a
photo that fails to travel waits for the next one. Answered ``device_revoked``, the
client wipes the worker's sandbox (`Sandbox.wipe_store`) and raises `DeviceRevoked`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from app.domain.codes import COORDINATING_ROLES
from app.domain.projects import ProjectBook
from app.domain.recipients import OrganisationRef
from app.domain.shares import CountyShare
from app.domain.staff import Staff
from app.domain.wishes import DonorContact
from app.memory import collector_paused
from app.store.repositories.sync_state import PullState
from app.store.sandbox import Sandbox
from app.store.store import Mutation, Store
from sync import replica
from sync.errors import DeviceRevoked, NotEnrolled, SyncError
from sync.photos import PhotoQueue
from sync.protocol import (
    DEFAULT_PAGE,
    HEADER_REASON_CODES,
    MAX_BATCH,
    ConflictOut,
    DonorList,
    MutationIn,
    MutationKind,
    PullPage,
    PushRequest,
    PushResponse,
)
from sync.transport import (
    DeviceSignature,
    Traffic,
    check_url,
    open_client,
    raise_for,
    read_answer,
    read_answers,
    send,
)

SERVER_URL_ENV = "DOORSTEP_SERVER_URL"
# Renumbering the outbox more often than this in one sync means another copy of this
# store is pushing under the same device at the same time.
MAX_RENUMBERS = 3


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


def _wire(m: Mutation) -> MutationIn:
    """An outbox entry as it goes in a push (built from the store's own rows, unchecked)."""
    return MutationIn.model_construct(
        seq=m.seq,
        mutation_id=m.mutation_id,
        record_type=m.record_type,
        record_id=m.record_id,
        kind=cast(MutationKind, m.kind),
        kind_version=m.kind_version,
        base_seq=m.base_seq,
        hlc=m.hlc,
        payload=m.payload,
    )


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
        with store.unit_of_work() as uow:
            enrolment = uow.sync_state.enrolment()
        if enrolment is None:
            raise NotEnrolled()
        self.worker = enrolment.worker
        self.url = check_url(server_url or os.environ.get(SERVER_URL_ENV) or enrolment.server_url)
        self._cert = enrolment.cert_pem
        self._transport = transport
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.batch_size = batch_size
        self.auth = DeviceSignature(
            Ed25519PrivateKey.from_private_bytes(enrolment.signing_key),
            store.device_id,
            enrolment.worker.id,
            attempts=attempts,
            wall_ms=wall_ms,
        )
        self._traffic = Traffic()
        self._report = SyncReport()

    @contextmanager
    def _connected(self) -> Iterator[httpx.Client]:
        """A signed, retrying client for one sync or review call; a revoked device's
        sandbox wipes itself before `DeviceRevoked` goes on."""
        client = open_client(
            self.url,
            self._cert,
            transport=self._transport,
            auth=self.auth,
            attempts=self.attempts,
            backoff_s=self.backoff_s,
            traffic=self._traffic,
            timeout_s=self.timeout_s,
        )
        try:
            with client:
                yield client
        except DeviceRevoked:
            Sandbox.wipe_store(self.store)
            raise

    # --- sync -------------------------------------------------------------------------

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push everything pending, then pull until the feed is drained."""
        self._report = report = SyncReport()
        self._traffic = Traffic()
        started = time.perf_counter()
        photos = PhotoQueue(self.store, lambda: self._photo_moved(photos, progress))
        try:
            with self._connected() as client:
                self._push(client, progress)
                photos.upload(client)
                self._pull(client, progress)
                photos.download(client)
                if self.worker.role in COORDINATING_ROLES:
                    self._keep_donors(client)
        finally:
            report.round_trips = self._traffic.round_trips
            report.bytes_sent = self._traffic.bytes_sent
            report.bytes_received = self._traffic.bytes_received
        report.photos_up, report.photos_down = photos.uploaded, photos.downloaded
        report.photos_pending = photos.waiting()
        report.seconds = time.perf_counter() - started
        with self.store.unit_of_work() as uow:
            uow.sync_state.set_last_sync(datetime.now().isoformat(timespec="seconds"))
            uow.commit()
        return report

    @staticmethod
    def _photo_moved(photos: PhotoQueue, progress: Callable[[SyncProgress], None] | None) -> None:
        if progress:
            progress(SyncProgress("photos", photos.uploaded + photos.downloaded))

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
            request = PushRequest.model_construct(
                mutations=[_wire(m) for m in batch], client_hlc=self.store.clock.last
            )
            response = send(
                client,
                "POST",
                "/v1/push",
                request.model_dump_json().encode(),
                headers={HEADER_REASON_CODES: "1"},  # rejections said in the chosen language
            )
            answer = read_answer(response, PushResponse)
            self.store.clock.observe(answer.server_hlc)
            result = replica.apply_answers(self.store, batch, answer.answers, answer.watermark)
            self._report.pushed += result.pushed
            self._report.rejected += result.rejected
            self._report.conflicts += result.conflicts
            done += result.pushed + result.rejected
            if result.renumbered:
                renumbered += 1
                if renumbered > MAX_RENUMBERS:  # another copy of this store keeps pushing
                    raise SyncError("sync.seq_clash")
            if progress:
                progress(SyncProgress("push", done, max(total, done)))

    def _pull_target(self, state: PullState) -> str:
        backfill = state.backfill
        if backfill:
            return (
                f"/v1/pull?after={backfill.cursor}&limit={self.page_size}"
                f"&areas={','.join(backfill.areas)}&until={backfill.until}"
            )
        with self.store.unit_of_work() as uow:
            digest = uow.staff.digest()
            organisations, projects = uow.organisations.digest(), uow.projects.digest()
            shares, held = uow.county_shares.held()
        return (
            f"/v1/pull?after={state.cursor}&limit={self.page_size}&staff={digest}"
            f"&organisations={organisations}&projects={projects}"
            f"&shares={shares}&shares_held={held}"
        )

    def _page(self, client: httpx.Client, target: str) -> PullPage:
        return read_answer(send(client, "GET", target), PullPage)

    def _pull(self, client: httpx.Client, progress: Callable[[SyncProgress], None] | None) -> None:
        """Pages until the feed is drained; the next page is fetched while this one is
        written (each page still commits with its own cursor, so resuming stays exact).
        A page is thousands of short-lived dicts: the cyclic collector pauses meanwhile."""
        with collector_paused(), ThreadPoolExecutor(max_workers=1) as fetcher:
            ahead: tuple[str, Future[PullPage]] | None = None
            while True:
                state = replica.pull_state(self.store)
                target = self._pull_target(state)
                if ahead is not None and ahead[0] == target:
                    page = ahead[1].result()
                else:
                    if ahead is not None:
                        ahead[1].cancel()
                    page = self._page(client, target)
                ahead = None
                steady = not state.backfill and tuple(sorted(page.scope)) == state.scope
                if page.more and steady:
                    following = self._pull_target(state.after(page.cursor))
                    ahead = (following, fetcher.submit(self._page, client, following))
                self.store.clock.observe(page.server_hlc)
                result = replica.apply_page(self.store, page, backfill=bool(state.backfill))
                self._keep_staff(page)
                self._keep_organisations(page)
                self._keep_projects(page)
                self._keep_shares(page)
                self._report.pulled += result.pulled
                self._report.evicted += result.evicted
                if progress:
                    progress(SyncProgress("pull", self._report.pulled))
                if result.scope_changed or state.backfill or page.more or page.shares_more:
                    continue
                if replica.pull_state(self.store).backfill:
                    continue
                return

    def _keep_staff(self, page: PullPage) -> None:
        """The staff of this worker's scope, sent on the last page when they changed, so
        that reports pick 责任人 as the server does; kept with their digest in one unit of
        work, so the digest never names a staff list the store does not hold."""
        if page.staff is None:
            return
        with self.store.unit_of_work() as uow:
            uow.staff.put(Staff.from_json(m.model_dump() for m in page.staff), page.staff_digest)
            uow.commit()

    def _keep_organisations(self, page: PullPage) -> None:
        """The organisations serving this worker's scope, sent on the last page when they
        changed: what the consent and referral forms choose recipients from, offline."""
        if page.organisations is None:
            return
        found = []
        for info in page.organisations:
            with contextlib.suppress(ValueError):  # a kind this version does not know
                found.append(OrganisationRef.from_json(info.model_dump()))
        with self.store.unit_of_work() as uow:
            uow.organisations.put(found, page.organisations_digest)
            uow.commit()

    def _keep_donors(self, client: httpx.Client) -> None:
        """The donors of the claimed wishes in this coordinator's scope, in place of the
        ones held (sealed in the store: personal data)."""
        answer = read_answer(send(client, "GET", "/v1/wishes/donors"), DonorList)
        with self.store.unit_of_work() as uow:
            uow.donors.put(DonorContact.from_json(d.model_dump()) for d in answer.donors)
            uow.commit()

    def _keep_projects(self, page: PullPage) -> None:
        """The service projects and organisations of this worker's scope, sent on the last
        page when they changed (reference data for matching needs and recording
        deliveries); a book this version cannot read is left unkept (and asked for again)."""
        if page.projects is None:
            return
        try:
            book = ProjectBook.model_validate(page.projects)
        except ValidationError:
            return
        with self.store.unit_of_work() as uow:
            uow.projects.put(book, page.projects_digest)
            uow.commit()

    def _keep_shares(self, page: PullPage) -> None:
        """The county's share log of this scope's households logged since the cursor held,
        sent on the last page (sealed: it says who was referred to whom); kept with the
        cursor they reach in one unit of work. Several pages when much was logged
        (`shares_more`: the pull asks again from the new cursor)."""
        if page.shares_cursor is None or (not page.shares and not page.shares_reset):
            return
        shares = [CountyShare.from_json(s.model_dump()) for s in page.shares or ()]
        with self.store.unit_of_work() as uow:
            uow.county_shares.keep(shares, page.shares_cursor, reset=page.shares_reset)
            uow.commit()

    # --- review (coordinators, online) -------------------------------------------------

    def conflicts(self) -> list[ConflictOut]:
        """Open conflicts in this worker's scope (coordinators)."""
        with self._connected() as client:
            return read_answers(send(client, "GET", "/v1/conflicts"), ConflictOut)

    def revert_conflict(self, conflict_id: str) -> None:
        """Put the overwritten value back; every device receives it at its next pull."""
        with self._connected() as client:
            response = send(client, "POST", f"/v1/conflicts/{conflict_id}/revert", b"{}")
            if response.status_code != 200:
                raise_for(response)
