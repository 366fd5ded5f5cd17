"""The county server's ASGI app: `create_app(settings)` for uvicorn and the tests."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from sync.protocol import PROTOCOL_VERSION
from sync.server import board, console, errors
from sync.server.console.coverage import keep_summaries
from sync.server.console.web import SecurityHeaders
from sync.server.context import ServerContext
from sync.server.middleware import RequestGate
from sync.server.routers import (
    admin,
    discovery,
    enroll,
    photos,
    reports,
    review,
    shares,
    staff,
)
from sync.server.routers import sync as sync_routes
from sync.server.services.review import release_stale_claims
from sync.server.settings import Settings

log = logging.getLogger("doorstep.server")

RELEASE_EVERY_S = 3600.0  # how often the running server releases claims with no contact


class Ticker:
    """Runs `work(ctx)` at startup and then every `every_s` seconds, in a thread named
    `name`.

    Each run is short write transactions of its own; `stop()` wakes the thread and waits
    for a run in progress to finish. A failed run is logged (as `what`) and tried again at
    the next tick.
    """

    def __init__(
        self,
        ctx: ServerContext,
        name: str,
        every_s: float,
        work: Callable[[ServerContext], object],
        what: str,
    ) -> None:
        self.ctx = ctx
        self.every_s = every_s
        self.work = work
        self.what = what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.work(self.ctx)
            except Exception as exc:  # the database may be briefly away: try again next time
                errors.log_failure(exc, self.what)
            self._stop.wait(self.every_s)


def _release_claims(ctx: ServerContext) -> None:
    released = release_stale_claims(ctx)
    if released:
        log.info("released %d wish claims with no contact in time", len(released))


def create_app(settings: Settings | None = None, *, ctx: ServerContext | None = None) -> FastAPI:
    """The app over `settings` (migrating the database to the newest schema first)."""
    settings = settings or (ctx.settings if ctx is not None else Settings())
    ctx = ctx or ServerContext.open(settings)
    server_ctx = ctx

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tickers = [
            Ticker(
                server_ctx,
                "claim-releaser",
                RELEASE_EVERY_S,
                _release_claims,
                "releasing stale wish claims",
            )
        ]
        if settings.summary_refresh_s > 0:
            tickers.append(
                Ticker(
                    server_ctx,
                    "summary-keeper",
                    settings.summary_refresh_s,
                    keep_summaries,
                    "computing the desk pages' summaries ahead",
                )
            )
        for ticker in tickers:
            ticker.start()
        try:
            yield
        finally:
            for ticker in tickers:
                await asyncio.to_thread(ticker.stop)

    app = FastAPI(
        lifespan=lifespan,
        title="Doorstep county server",
        version=str(PROTOCOL_VERSION),
        description="Enrolment, sync (push / pull), review, admin and reports for Doorstep devices. "
        "Every /v1 request carries the Doorstep-Protocol header and, except /v1/enroll, "
        "the device's signature headers (see sync.protocol); errors are "
        '{"code", "message"}.',
    )
    app.state.ctx = ctx
    errors.install(app)
    routers = (
        enroll.router,
        sync_routes.router,
        photos.router,
        staff.router,
        shares.router,
        review.router,
        discovery.router,
        admin.router,
        reports.router,
    )
    for router in routers:
        app.include_router(router)
    console.install(app)
    board.install(app)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, object]:
        """Liveness: the server answers and knows its protocol version."""
        return {"ok": True, "protocol": PROTOCOL_VERSION}

    # The outermost runs first: failures contained and logged without values, then the gate (route, protocol, budget, signature, then the
    # body) before anything reads a body; gzip'd answers inside it.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(
        RequestGate,
        ctx=ctx,
        routes=app.router.routes,
        max_bytes=settings.max_body_bytes,
        unsigned_per_minute=settings.unsigned_per_minute,
    )
    app.add_middleware(errors.ContainFailures)
    # Outside even that: the web pages' security headers reach every answer under their
    # prefixes, a contained failure's 500 and the gate's refusals included.
    app.add_middleware(SecurityHeaders, prefix=console.PREFIX)
    app.add_middleware(SecurityHeaders, prefix=board.PREFIX)
    return app
