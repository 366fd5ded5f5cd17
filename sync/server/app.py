"""The county server's ASGI app: `create_app(settings)` for uvicorn and the tests."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from sync.protocol import PROTOCOL_VERSION
from sync.server import errors
from sync.server.context import ServerContext
from sync.server.middleware import BodyLimit, ProtocolVersion
from sync.server.routers import admin, enroll, reports, review
from sync.server.routers import sync as sync_routes
from sync.server.settings import Settings


def create_app(settings: Settings | None = None, *, ctx: ServerContext | None = None) -> FastAPI:
    """The app over `settings` (migrating the database to the newest schema first)."""
    settings = settings or (ctx.settings if ctx is not None else Settings())
    ctx = ctx or ServerContext.open(settings)
    app = FastAPI(
        title="Doorstep county server",
        version=str(PROTOCOL_VERSION),
        description="Enrolment, sync (push / pull), review, admin and reports for Doorstep devices. "
        "Every /v1 request carries the Doorstep-Protocol header; errors are "
        '{"code", "message"}.',
    )
    app.state.ctx = ctx
    errors.install(app)
    routers = (enroll.router, sync_routes.router, review.router, admin.router, reports.router)
    for router in routers:
        app.include_router(router)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, object]:
        """Liveness: the server answers and knows its protocol version."""
        return {"ok": True, "protocol": PROTOCOL_VERSION}

    # Order: the outermost runs first. Body limit and gzip before anything reads a body.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    app.add_middleware(ProtocolVersion)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app
