"""HTTP routes, one module per resource; thin: they call services.

Every router is made by `v1_router`: its routes declare the protocol header in the OpenAPI
document and parse JSON bodies in the threadpool, never on the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from sync.server.auth import protocol_version


class ThreadpoolJsonRequest(Request):
    """A request whose JSON body is parsed in the threadpool."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = await run_in_threadpool(json.loads, await self.body())
        return self._json


class ThreadpoolJsonRoute(APIRoute):
    """A route whose handler sees `ThreadpoolJsonRequest`s (FastAPI's custom route class)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(ThreadpoolJsonRequest(request.scope, request.receive))

        return handle


def v1_router(**kwargs: Any) -> APIRouter:
    """An APIRouter for /v1 routes (protocol header declared, JSON parsed off the loop)."""
    return APIRouter(
        route_class=ThreadpoolJsonRoute, dependencies=[Depends(protocol_version)], **kwargs
    )
