"""The sync bar (同步) and the sync problems screen (同步问题).

The bar always says: online or offline, how many changes wait to be sent, when the last
sync finished, and the last error; `run()` pushes and pulls with progress. The problems
screen lists rejected changes and conflicts with both values side by side; a coordinator
keeps either value.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

from app.domain.codes import (
    Category,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralStatus,
    WishState,
)
from app.domain.errors import DoorstepError
from app.domain.records import (
    RECORD_TYPES,
    ConsentEvent,
    Household,
    Need,
    Person,
    Referral,
    Visit,
    Wish,
)
from app.store.errors import StoreError
from app.ui.catalogue import CODE_LABELS, field_label, label, message, text
from app.ui.viewmodels.errors import UserError, user_message
from app.ui.viewmodels.recipients import recipient_name
from app.ui.viewmodels.workspace import Workspace

RECORD_KEYS = (
    "household",
    "person",
    "visit",
    "need",
    "consent",
    "wish",
    "referral",
    "delivery",
)


class Syncer(Protocol):
    def sync(self, progress: Callable[[Any], None] | None = None) -> Any: ...


SyncerFactory = Callable[[Workspace, str | None], Syncer]


def default_syncer(workspace: Workspace, server_url: str | None) -> Syncer:
    """The real sync client for the unlocked store (optionally at an overriding address)."""
    try:
        return workspace.sync.client(server_url or None)
    except ImportError:
        raise UserError(text("sync.unavailable")) from None


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
        workspace.sync.on_queued(self._queued)

    def problem_resolved(self) -> None:
        """A sync problem was dealt with: the last sync's result line no longer holds."""
        self.result = ""
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    def _queued(self) -> None:
        """A change was saved on some screen: 待上传 counts it at once."""
        self.refresh()
        if self.on_change is not None:
            self.on_change()

    @property
    def server_url(self) -> str:
        return self.server_override or self.ws.sync.server_address()

    def refresh(self) -> None:
        """Re-read the counts from the store (cheap)."""
        counts = self.ws.sync.outbox_counts()
        self.pending = counts.get("pending", 0)
        self.dead = counts.get("dead", 0)
        self.last_sync = self.ws.sync.last_sync()

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
        self.last_sync = self.ws.sync.last_sync()
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
    """A rejected change or a conflict, in words, with both sides and what can be done."""

    key: str  # "dead:<seq>" or "conflict:<id>"
    kind: str  # "rejected" | "conflict"
    household: str  # whose record, e.g. "欧阳秀兰家"
    household_id: str  # "" when the household is not on this device
    record: str  # which record, in words: 微心愿「一台电暖器」
    field: str  # what changed, in words: 状态, 住址
    mine: str  # the value this device sent
    theirs: str  # the server's value, or its reason for refusing
    actions: tuple[str, ...]  # what can work: keep_server, keep_mine, retry


# Rejections that can go through later, once the server holds what the change needs (its
# household, its person, the worker's scope): only these are offered to be sent again.
# By code, or, from a server that sends no code, by words of its sentence.
RETRYABLE_CODES = frozenset({"push.no_household", "push.not_there", "push.no_person"})
RETRYABLE = ("所属家庭不存在", "记录不存在或不在您的负责范围内", "所涉及的家庭成员不存在")
_QUOTED_CODE = re.compile(r"「([a-z_]+)」")
# The codes a field holds, where a code alone would be ambiguous.
FIELD_CODES: dict[str, tuple[type[StrEnum], ...]] = {
    "state": (WishState,),
    "status": (NeedStatus, ReferralStatus),
    "area": (NeedArea,),
    "categories": (Category,),
    "flags": (PersonFlag,),
}


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
        self.dead = self.ws.sync.dead_letters()
        self.conflicts = self.ws.sync.conflicts()

    @property
    def can_resolve(self) -> bool:
        return self.ws.profile.is_coordinator

    def problems(self) -> list[Problem]:
        out = []
        for m in self.dead:
            household_id, record = self._describe(m.record_type, m.record_id, m.payload)
            field, mine = self._change(m.kind, m.payload)
            if m.reason_code:
                reason = self._words(
                    message(DoorstepError.from_wire(m.reason_code, m.reason_params), self.lang)
                )
                retry = m.reason_code in RETRYABLE_CODES
            else:  # from a server that sends its sentence alone
                reason = self._words(m.reason or text("sync.refused", self.lang))
                retry = any(fragment in reason for fragment in RETRYABLE)
            out.append(
                Problem(
                    key=f"dead:{m.seq}",
                    kind="rejected",
                    household=self._household(household_id),
                    household_id=household_id if household_id in self.ws.roster.households else "",
                    record=record,
                    field=field,
                    mine=mine,
                    theirs=reason,
                    actions=("keep_server", "retry") if retry else ("keep_server",),
                )
            )
        for c in self.conflicts:
            details = c.get("details") or {}
            name = str(details.get("field", ""))
            household_id, record = self._describe(c.get("record_type", ""), c.get("record_id", ""))
            out.append(
                Problem(
                    key=f"conflict:{c['id']}",
                    kind="conflict",
                    household=self._household(household_id),
                    household_id=household_id if household_id in self.ws.roster.households else "",
                    record=record,
                    field=field_label(name, self.lang),
                    mine=self._value(name, details.get("lost")),
                    theirs=self._value(name, details.get("kept")),
                    actions=("keep_server", "keep_mine"),
                )
            )
        return out

    # --- in words ---------------------------------------------------------------------

    def _describe(self, type_name: str, record_id: str, payload: Any = None) -> tuple[str, str]:
        """(household id, the record in words) for a record of this device."""
        kind = text(f"record.{type_name}", self.lang) if type_name in RECORD_KEYS else type_name
        record_type = RECORD_TYPES.get(type_name)
        if record_type is None:
            return "", kind
        try:
            found = self.ws.sync.record(record_type, record_id)
        except StoreError:
            # Not on this device (a refused creation, a record that left the scope): what
            # the change itself carried still names it.
            sent = payload if isinstance(payload, dict) else {}
            name = sent.get("title") or sent.get("name") or self._recipient(sent.get("recipient"))
            household_id = str(sent.get("household_id") or "")
            return household_id, f"{kind}「{name}」" if isinstance(name, str) and name else kind
        if isinstance(found, Household):
            return found.id, kind
        household_id = str(getattr(found, "household_id", ""))
        if isinstance(found, Wish):
            return household_id, f"{kind}「{found.title}」"
        if isinstance(found, Need):
            return (
                household_id,
                f"{kind}「{label(found.area, self.lang)}：{_clip(found.description)}」",
            )
        if isinstance(found, Visit):
            return household_id, f"{kind} {found.visited_at:%Y-%m-%d}"
        if isinstance(found, Person):
            return household_id, f"{kind}「{found.name}」"
        if isinstance(found, ConsentEvent):
            return household_id, f"{kind}（{self._recipient(found.recipient)}）"
        if isinstance(found, Referral):
            return household_id, f"{kind}「{self._recipient(found.recipient)}」"
        return household_id, kind

    def _recipient(self, ref: Any) -> str:
        """A recipient by its name (an organisation, a class), or as it was typed."""
        if not isinstance(ref, str) or not ref:
            return ""
        return recipient_name(ref, self.ws.referrals.organisations(), self.lang)

    def _household(self, household_id: str) -> str:
        if not household_id:
            return text("sync.household_gone", self.lang)
        if household_id in self.ws.roster.households:
            return text("sync.household_of", self.lang, name=self.ws.household_title(household_id))
        return text("sync.household_gone", self.lang)

    def _change(self, kind: str, payload: Any) -> tuple[str, str]:
        """(what changed, the value sent) for an outbox payload, in words."""
        if not isinstance(payload, dict):
            return "", "—"
        if kind == "transition":
            return field_label("state", self.lang), text(
                "sync.state_change",
                self.lang,
                source=self._value("state", payload.get("from")),
                target=self._value("state", payload.get("to")),
            )
        if kind == "create":
            return text("sync.new_record", self.lang), text("sync.new_record_sent", self.lang)
        fields = payload.get("fields", payload)
        if not isinstance(fields, dict) or not fields:
            return "", "—"
        names = sorted(fields)
        what = "、".join(field_label(n, self.lang) for n in names)
        return what, "；".join(self._value(n, fields[n]) for n in names)

    def _value(self, name: str, value: Any) -> str:
        """A value as people read it: codes by their labels, lists joined, empty as —."""
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, list):
            return "、".join(self._value(name, v) for v in value)
        if isinstance(value, str):
            return _code_label(value, self.lang, FIELD_CODES.get(name, ())) or value
        if isinstance(value, bool):
            return text("sync.yes" if value else "sync.no", self.lang)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    def _words(self, reason: str) -> str:
        """A server's reason with any code it quotes (「cancelled」) in words (「已取消」)."""
        return _QUOTED_CODE.sub(
            lambda m: f"「{_code_label(m.group(1), self.lang, (WishState,)) or m.group(1)}」",
            reason,
        )

    def keep_server(self, key: str) -> bool:
        """Accept what the server holds: the problem is closed, nothing is sent."""
        return self._resolve(key, keep_mine=False)

    def keep_mine(self, key: str) -> bool:
        """Put this device's value back: the server writes it as a new change (online)."""
        return self._resolve(key, keep_mine=True)

    def _resolve(self, key: str, *, keep_mine: bool) -> bool:
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
                self.ws.sync.resolve_conflict(ident, keep_mine=keep_mine)
            elif kind == "dead":
                self.ws.sync.resolve_dead_letter(int(ident), retry=keep_mine)
            else:
                raise UserError(text("error.invalid", self.lang))
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.load()
        return True


def _clip(value: str, limit: int = 20) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _code_label(value: str, lang: str, first: tuple[type[StrEnum], ...] = ()) -> str:
    """The label of a stable code (a wish state, a category…), or "" for other text; the
    enums in `first` are asked first ("rejected" is a wish state and a category)."""
    for enum in (*first, *CODE_LABELS):
        if value in enum._value2member_map_:
            return label(enum(value), lang)
    return ""
