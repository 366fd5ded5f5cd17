"""The sync bar (同步) and the sync problems screen (同步问题).

The bar always says: online or offline, how many changes wait to be sent, when the last
sync finished, and the last error; `run()` pushes and pulls with progress. The problems
screen lists rejected changes and conflicts with both values side by side; a coordinator
keeps either value.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from app.domain.labels import field_label, text
from app.store.store import LAST_SYNC_META
from app.ui.viewmodels.errors import UserError, user_message
from app.ui.viewmodels.settings import enrolled_server
from app.ui.viewmodels.workspace import Workspace

RECORD_KEYS = ("household", "person", "visit", "need", "consent", "wish", "referral")


class Syncer(Protocol):
    def sync(self, progress: Callable[[Any], None] | None = None) -> Any: ...


SyncerFactory = Callable[[Workspace, str | None], Syncer]


def default_syncer(workspace: Workspace, server_url: str | None) -> Syncer:
    """The real sync client for the unlocked store (optionally at an overriding address)."""
    try:
        from sync.client import SyncClient
    except ImportError:
        raise UserError(text("sync.unavailable")) from None
    return SyncClient(workspace.store, server_url or None)


def reachable(url: str, timeout_s: float = 1.5) -> bool:
    """A TCP connection to the server's host and port opens (no request is sent)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            return True
    except OSError:
        return False


class SyncVM:
    """State of the sync bar; `run()` blocks, so the view calls it off the UI loop."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        lang: str = "zh",
        server_override: str = "",
        syncer: SyncerFactory = default_syncer,
    ) -> None:
        self.ws = workspace
        self.lang = lang
        self.server_override = server_override
        self.syncer = syncer
        self.online: bool | None = None
        self.syncing = False
        self.progress = ""
        self.fraction: float | None = None
        self.error = ""
        self.result = ""
        self.on_change: Callable[[], None] | None = None
        self.refresh()
        workspace.store.on_queued(self._queued)

    def _queued(self) -> None:
        """A change was saved on some screen: 待上传 counts it at once."""
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    @property
    def server_url(self) -> str:
        return self.server_override or enrolled_server(self.ws)

    def refresh(self) -> None:
        """Re-read the counts from the store (cheap)."""
        counts = self.ws.store.outbox_counts()
        self.pending = counts.get("pending", 0)
        self.dead = counts.get("dead", 0)
        self.last_sync = self.ws.store.meta(LAST_SYNC_META) or ""

    def check_online(self) -> bool:
        url = self.server_url
        self.online = bool(url) and reachable(url)
        return self.online

    # --- what the bar says ------------------------------------------------------------

    def status_line(self) -> str:
        if self.syncing:
            return self.progress or text("sync.syncing", self.lang)
        if not self.server_url:
            state = text("sync.not_enrolled", self.lang)
        elif self.online:
            state = text("sync.online", self.lang)
        else:
            state = text("sync.offline", self.lang)
        parts = [state, text("sync.pending", self.lang, n=self.pending)]
        parts.append(
            text("sync.last", self.lang, when=_short(self.last_sync))
            if self.last_sync
            else text("sync.never", self.lang)
        )
        if self.dead:
            parts.append(text("sync.rejected_count", self.lang, n=self.dead))
        return " · ".join(parts)

    # --- syncing ----------------------------------------------------------------------

    def run(self, on_progress: Callable[[], None] | None = None) -> bool:
        """Push then pull; True when both completed. Errors end up in `error`."""
        if self.syncing:
            return False
        self.syncing, self.error, self.result = True, "", ""
        self.progress, self.fraction = text("sync.syncing", self.lang), None

        def progress(p: Any) -> None:
            phase = getattr(p, "phase", "")
            done, total = getattr(p, "done", 0), getattr(p, "total", None)
            key = {"push": "sync.pushing", "photos": "sync.photos"}.get(phase, "sync.pulling")
            self.progress = text(key, self.lang, n=done)
            self.fraction = (done / total) if total else None
            if on_progress is not None:
                on_progress()

        try:
            report = self.syncer(self.ws, self.server_override or None).sync(progress)
        except Exception as exc:
            self.error = user_message(exc, self.lang)
            self.online = not _is_unreachable(exc)
            return False
        finally:
            self.syncing = False
            self.progress, self.fraction = "", None
            if not self.ws.locked:
                self.refresh()
        self.online = True
        self.result = report.one_line() if hasattr(report, "one_line") else ""
        self.last_sync = self.ws.store.meta(LAST_SYNC_META) or ""
        self.ws.reload()
        return True


def _is_unreachable(exc: Exception) -> bool:
    return type(exc).__name__ in {"ServerUnreachable", "ConnectError", "TimeoutException"}


def _short(iso: str) -> str:
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return when.strftime("%m-%d %H:%M")


# --- sync problems -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A rejected change or a conflict, with both sides to compare."""

    key: str  # "dead:<seq>" or "conflict:<id>"
    kind: str  # "rejected" | "conflict"
    record: str  # what record, in words
    field: str
    mine: str  # the value this device sent
    theirs: str  # the server's value, or its reason for refusing
    note: str


class SyncProblemsVM:
    """Rejected changes and conflicts; a coordinator keeps the server's value or this one."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        lang: str = "zh",
        server_override: str = "",
        syncer: SyncerFactory = default_syncer,
    ) -> None:
        self.ws = workspace
        self.lang = lang
        self.server_override = server_override
        self.syncer = syncer
        self.message = ""
        self.load()

    def load(self) -> None:
        from app.store import replica

        self.dead = self.ws.store.dead_letters()
        self.conflicts = replica.local_conflicts(self.ws.store)

    @property
    def can_resolve(self) -> bool:
        return self.ws.profile.is_coordinator

    def problems(self) -> list[Problem]:
        out = []
        for m in self.dead:
            fields = m.payload.get("fields", m.payload) if isinstance(m.payload, dict) else {}
            for name, value in sorted(fields.items()):
                out.append(
                    Problem(
                        key=f"dead:{m.seq}",
                        kind="rejected",
                        record=self._record(m.record_type),
                        field=field_label(name, self.lang),
                        mine=_show(value),
                        theirs=m.reason or text("sync.refused", self.lang),
                        note=m.kind,
                    )
                )
                break
        for c in self.conflicts:
            details = c.get("details") or {}
            out.append(
                Problem(
                    key=f"conflict:{c['id']}",
                    kind="conflict",
                    record=self._record(c.get("record_type", "")),
                    field=field_label(str(details.get("field", "")), self.lang),
                    mine=_show(details.get("lost")),
                    theirs=_show(details.get("kept")),
                    note="",
                )
            )
        return out

    def _record(self, type_name: str) -> str:
        return text(f"record.{type_name}", self.lang) if type_name in RECORD_KEYS else type_name

    def keep_server(self, key: str) -> bool:
        """Accept what the server holds: the problem is closed, nothing is sent."""
        return self._resolve(key, keep_mine=False)

    def keep_mine(self, key: str) -> bool:
        """Put this device's value back: the server writes it as a new change (online)."""
        return self._resolve(key, keep_mine=True)

    def _resolve(self, key: str, *, keep_mine: bool) -> bool:
        from app.store import replica

        self.message = ""
        try:
            if not self.can_resolve:
                raise UserError(text("needs.coordinator_only", self.lang))
            kind, _, ident = key.partition(":")
            if kind == "conflict":
                if keep_mine:
                    client = self.syncer(self.ws, self.server_override or None)
                    revert = getattr(client, "revert_conflict", None)
                    if revert is None:
                        raise UserError(text("sync.unavailable", self.lang))
                    revert(ident)
                replica.resolve_conflict(self.ws.store, ident, keep_mine=keep_mine)
            elif kind == "dead":
                replica.resolve_dead_letter(self.ws.store, int(ident), retry=keep_mine)
            else:
                raise UserError(text("error.invalid", self.lang))
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.load()
        return True


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
