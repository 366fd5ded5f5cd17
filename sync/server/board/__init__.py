"""The public wish board (`/wishes`): published wishes for donors, with no sign-in.

- `listing`: the board's read side (the published minimum only, filtered, paged);
- `publishing`: approved → published with its listing, the story screened for the
  household's personal data (used by the device endpoint and the console);
- `claims`: a donor's claim — checks, rate limits in the database, one winner, the code;
- `web` and `routes`: the pages (Jinja2 over the console's environment, no script).

It answers with the console's security headers (CSP, frame and referrer rules, no-store).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sync.server.board.routes import router
from sync.server.board.web import PREFIX, STATIC_DIR, install_error_pages


def install(app: FastAPI) -> None:
    """Add the board's pages and its stylesheet to the server (its security headers are the
    outermost middleware: `sync.server.app`)."""
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="board_static")
    install_error_pages(app)
