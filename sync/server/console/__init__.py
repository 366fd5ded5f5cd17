"""The county web console (`/console`): server-rendered pages for desk staff, supervisors,
coordinators and charities, served by the county server over its own services.

- `access`: the role matrix and the one gate every console route passes;
- `accounts`: console accounts, sign-in, lock-out and sessions (in the database);
- `web`: templates, cookies, security headers, error pages;
- `routes/`: one module per feature; `templates/` and `static/` beside them.

Pages are plain HTML (Jinja2, autoescaped), Chinese, for a phone and a desk, printable;
no script runs and nothing loads from another site.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from app.assets import ASSETS_DIR
from sync.server.console.access import authorise
from sync.server.console.routes import (
    audit,
    auth,
    campaigns,
    charity_reports,
    coverage,
    deliveries,
    disclosures,
    discoveries,
    indicator_notes,
    indicators,
    ledgers,
    organisations,
    printing,
    projects,
    referrals,
    users,
    wishes,
)
from sync.server.console.web import PREFIX, STATIC_DIR, install_error_pages


def install(app: FastAPI) -> None:
    """Add the console's routes, static files and error pages to the server (its security
    headers are the outermost middleware: `sync.server.app`)."""
    router = APIRouter(prefix=PREFIX, dependencies=[Depends(authorise)], include_in_schema=False)
    router.add_api_route("", auth.home, methods=["GET"], name="home")
    for feature in (
        auth.router,
        organisations.router,
        projects.router,
        deliveries.router,
        users.router,
        coverage.router,
        audit.router,
        wishes.router,
        ledgers.router,
        indicators.router,
        indicator_notes.router,
        printing.router,
        referrals.router,
        disclosures.router,
        discoveries.router,
        charity_reports.router,
        campaigns.router,
    ):
        router.include_router(feature)
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="console_static")
    # The bundled CJK font, for a browser with no CJK font of its own (see console.css).
    app.mount(f"{PREFIX}/fonts", StaticFiles(directory=ASSETS_DIR / "fonts"), name="console_fonts")
    install_error_pages(app)
