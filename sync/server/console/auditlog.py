"""The audit log as the console searches it: newest first, by action, actor and day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from sync.server.console.accounts import CONSOLE_ACTOR
from sync.server.context import ServerContext
from sync.server.tables import AuditEntry, ConsoleUser, Worker

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What the reader asked for; empty fields do not filter."""

    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None  # inclusive
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int
    actions: list[str]  # every action in the log, for the filter's choices
    actors: dict[str, str]  # the page's actors by what the log holds, as people read them


SHELL_ACTORS = {"cli": "县级服务器命令行", "demo": "演示数据"}


def actor_names(session: Session, actors: set[str]) -> dict[str, str]:
    """Who each actor is: a console account's or a worker's name, or the shell."""
    named = {a: SHELL_ACTORS[a] for a in actors if a in SHELL_ACTORS}
    console = {a.removeprefix(CONSOLE_ACTOR): a for a in actors if a.startswith(CONSOLE_ACTOR)}
    for user_id, name in session.execute(
        select(col(ConsoleUser.id), col(ConsoleUser.name)).where(
            col(ConsoleUser.id).in_(list(console))
        )
    ):
        named[console[user_id]] = f"{name}（控制台）"
    for worker_id, name in session.execute(
        select(col(Worker.id), col(Worker.name)).where(col(Worker.id).in_(actors))
    ):
        named[worker_id] = name
    return named


def search(ctx: ServerContext, asked: AuditFilter) -> AuditPage:
    """One page of entries matching `asked`, newest first."""
    conditions = []
    if asked.action:
        conditions.append(col(AuditEntry.action) == asked.action)
    if asked.actor:
        conditions.append(col(AuditEntry.actor) == asked.actor)
    if asked.since:
        conditions.append(col(AuditEntry.at) >= datetime.combine(asked.since, time(), UTC))
    if asked.until:
        end = datetime.combine(asked.until + timedelta(days=1), time(), UTC)
        conditions.append(col(AuditEntry.at) < end)
    with ctx.db.reading() as s:
        total = int(
            s.execute(select(func.count()).select_from(AuditEntry).where(*conditions)).scalar_one()
        )
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, asked.page), pages)
        entries = list(
            s.exec(
                select(AuditEntry)
                .where(*conditions)
                .order_by(col(AuditEntry.id).desc())
                .offset((page - 1) * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
        )
        actions = sorted(s.exec(select(AuditEntry.action).distinct()))
        actors = actor_names(s, {e.actor for e in entries})
    return AuditPage(entries, total, page, pages, actions, actors)
