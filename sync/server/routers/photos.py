"""Photos: upload beside the records, download for records in scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sync.protocol import HEADER_CONTENT_SHA256, PHOTO_MAGIC, PhotoReceipt
from sync.server.auth import Caller, authenticated, context
from sync.server.context import ServerContext
from sync.server.routers import v1_router
from sync.server.services import photos as service

router = v1_router(tags=["photos"])
PhotoId = Annotated[str, Path(min_length=36, max_length=36, description="UUID")]
_IMAGE: dict[str, Any] = {
    mime: {"schema": {"type": "string", "format": "binary"}} for mime in PHOTO_MAGIC
}


@router.put(
    "/v1/photos/{photo_id}",
    response_model=PhotoReceipt,
    openapi_extra={"requestBody": {"required": True, "content": _IMAGE}},
)
async def put_photo(
    request: Request,
    photo_id: PhotoId,
    record_id: str = Query(min_length=36, max_length=36, description="the record it belongs to"),
    sha256: str = Header("", alias=HEADER_CONTENT_SHA256, max_length=128),
    caller: Caller = Depends(authenticated),
    ctx: ServerContext = Depends(context),
) -> PhotoReceipt:
    """Store a photo once (JPEG or PNG bytes, their SHA-256 in a header); a repeat is 200."""
    content = await request.body()
    return await run_in_threadpool(
        lambda: service.store(
            ctx,
            caller,
            photo_id,
            record_id=record_id,
            mime=request.headers.get("content-type", ""),
            sha256=sha256,
            content=content,
        )
    )


@router.get(
    "/v1/photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": _IMAGE, "description": "the photo's bytes"}},
)
async def get_photo(
    photo_id: PhotoId,
    caller: Caller = Depends(authenticated),
    ctx: ServerContext = Depends(context),
) -> Response:
    """A photo of a record in the caller's scope (404 for any other); every read is audited."""
    photo = await run_in_threadpool(service.fetch, ctx, caller, photo_id)
    return Response(
        photo.content, media_type=photo.mime, headers={HEADER_CONTENT_SHA256: photo.sha256}
    )
