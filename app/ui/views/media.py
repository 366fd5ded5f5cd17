"""Location and photos: flet-geolocator and flet-camera, with a file fallback for photos.

Both are optional. When the device has no camera (or the browser refuses it), a photo
can be chosen as a file instead; when it has no location, the visit is saved without GPS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.ui import widgets as w

if TYPE_CHECKING:
    from app.ui.views.base import Host

IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


async def current_position(holder: dict[str, Any]) -> tuple[float, float, float | None]:
    """The device's position now (may take seconds); raises when unavailable."""
    import flet_geolocator as ftg

    geo = holder.get("geo")
    if geo is None:
        geo = holder["geo"] = ftg.Geolocator()
    position = await geo.get_current_position()
    if position.latitude is None or position.longitude is None:
        raise RuntimeError("no position")
    return (
        float(position.latitude),
        float(position.longitude),
        (float(position.accuracy) if position.accuracy is not None else None),
    )


async def pick_image(holder: dict[str, Any]) -> tuple[bytes, str] | None:
    """An image file chosen by the user, with its bytes; None if they cancelled."""
    picker = holder.get("picker")
    if picker is None:
        picker = holder["picker"] = ft.FilePicker()
    files = await picker.pick_files(
        allow_multiple=False,
        file_type=ft.FilePickerFileType.CUSTOM,
        allowed_extensions=list(IMAGE_TYPES),
        with_data=True,
    )
    if not files or files[0].bytes is None:
        return None
    name = files[0].name.lower()
    mime = IMAGE_TYPES.get(name.rsplit(".", 1)[-1], "image/jpeg")
    return bytes(files[0].bytes), mime


def open_camera(shell: Host, on_photo: Callable[[bytes], None]) -> None:
    """A dialog with the camera preview and a 拍照 button; errors become a message."""
    import flet_camera as fc

    camera = fc.Camera(expand=True, preview_enabled=True)
    status = w.muted(shell.t("media.camera_starting"))

    async def start() -> None:
        try:
            cameras = await camera.get_available_cameras()
            if not cameras:
                raise RuntimeError("no camera")
            back = next(
                (c for c in cameras if c.lens_direction == fc.CameraLensDirection.BACK), cameras[0]
            )
            await camera.initialize(back, fc.ResolutionPreset.MEDIUM, enable_audio=False)
            status.value = ""
        except Exception:
            status.value = shell.t("media.no_camera")
        w.update(status)

    async def take(_e: Any) -> None:
        try:
            content = await camera.take_picture()
        except Exception:
            shell.snack(shell.t("media.no_camera"), error=True)
            return
        shell.pop_dialog()
        on_photo(bytes(content))

    dialog = ft.AlertDialog(
        modal=True,
        title=ft.Text(shell.t("media.take_photo")),
        content=ft.Container(ft.Column([camera, status]), width=480, height=380),
        actions=[
            w.button(shell.t("common.cancel"), lambda _e: shell.pop_dialog(), kind="text"),
            w.button(shell.t("media.shoot"), shell.handler(take), icon=ft.Icons.CAMERA_ALT),
        ],
    )
    shell.show_dialog(dialog)
    shell.background(start())


def open_scanner(
    shell: Host, read: Callable[[bytes], str | None], on_read: Callable[[], None]
) -> None:
    """A dialog with the camera preview that reads a QR code. Where the platform streams
    frames (Android), each frame is given to `read` in turn (off the page's loop: reading
    takes a fraction of a second; frames arriving meanwhile are dropped) until it returns
    None (read); elsewhere (a browser tab) the 拍照识别 button tries one photo at a time
    and shows `read`'s reason when it fails. On success the dialog closes and `on_read`
    runs."""
    import asyncio

    import flet_camera as fc

    camera = fc.Camera(expand=True, preview_enabled=True)
    status = w.muted(shell.t("media.camera_starting"))
    state = {"busy": False, "done": False}

    async def attempt(image: bytes) -> str | None:
        if state["busy"] or state["done"]:
            return ""  # a frame arriving while the last is still being read is dropped
        state["busy"] = True
        try:
            reason = await asyncio.to_thread(read, image)
        finally:
            state["busy"] = False
        if reason is None and not state["done"]:
            state["done"] = True
            shell.pop_dialog()
            on_read()
        return reason

    async def frame(e: Any) -> None:
        await attempt(bytes(e.bytes))

    async def start() -> None:
        try:
            cameras = await camera.get_available_cameras()
            if not cameras:
                raise RuntimeError("no camera")
            back = next(
                (c for c in cameras if c.lens_direction == fc.CameraLensDirection.BACK), cameras[0]
            )
            await camera.initialize(back, fc.ResolutionPreset.MEDIUM, enable_audio=False)
            status.value = shell.t("media.scan_hint")
            if await camera.supports_image_streaming():
                camera.on_stream_image = frame
                w.update(camera)
                await camera.start_image_stream()
        except Exception:
            status.value = shell.t("media.no_camera")
        w.update(status)

    async def shoot(_e: Any) -> None:
        status.value = shell.t("media.scan_reading")
        w.update(status)
        try:
            content = await camera.take_picture()
        except Exception:
            shell.snack(shell.t("media.no_camera"), error=True)
            return
        reason = await attempt(bytes(content))
        if reason:
            status.value = reason
            w.update(status)

    async def close(_e: Any) -> None:
        state["done"] = True
        shell.pop_dialog()

    dialog = ft.AlertDialog(
        modal=True,
        title=ft.Text(shell.t("media.scan_title")),
        content=ft.Container(ft.Column([camera, status]), width=480, height=380),
        actions=[
            w.button(shell.t("common.cancel"), shell.handler(close), kind="text"),
            w.button(
                shell.t("media.scan_shoot"), shell.handler(shoot), icon=ft.Icons.QR_CODE_SCANNER
            ),
        ],
    )
    shell.show_dialog(dialog)
    shell.background(start())


def photo_buttons(
    t: Callable[..., str], on_camera: Callable[..., Any], on_pick: Callable[..., Any]
) -> list[ft.Control]:
    """The two ways to attach a photo: take one with the camera, or choose a file."""
    return [
        w.button(t("media.take_photo"), on_camera, kind="outlined", icon=ft.Icons.CAMERA_ALT),
        w.button(t("media.choose_photo"), on_pick, kind="outlined", icon=ft.Icons.IMAGE),
    ]
