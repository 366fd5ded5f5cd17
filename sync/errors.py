"""The device's sync failures: each one sentence for the person at the device (同步错误).

Every failure of enrolment, push, pull or the photo queue is a `SyncError`; nothing queued
is dropped by one. `sync.transport.map_exceptions` turns transport errors into these, and
`sync.transport.raise_for` turns the server's JSON error answers into them.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of sync failures; the message is one sentence for the person at the device."""

    message = "同步失败，数据已保留在本机，请稍后再试。"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class ServerUnreachable(SyncError):
    message = "无法连接服务器，数据已保留在本机，请稍后再试。"


class ServerFailed(SyncError):
    message = "服务器暂时出错，数据已保留在本机，请稍后再试。"


class MalformedAnswer(SyncError):
    """A 200 answer that is not the protocol's message (`sync.protocol`): nothing of it is
    written, and the sync stops before it."""

    message = "服务器发来的数据有误，本机数据未受影响，请稍后再试或联系县级管理员。"


class DeviceRevoked(SyncError):
    message = "此设备已被县级管理员注销，本机上的账户数据已清除。"


class ProtocolMismatch(SyncError):
    message = "应用版本与服务器不兼容，请升级应用后再同步。"


class CertificateMismatch(SyncError):
    message = "服务器证书与登记时不一致，已停止连接以保护数据，请联系县级管理员。"


class InsecureServer(SyncError):
    message = "只能通过 HTTPS 连接服务器（本机地址除外）。"


class NotEnrolled(SyncError):
    message = "此账户尚未登记到县级服务器，请先用登记码完成设备登记。"


class EnrollmentFailed(SyncError):
    message = "设备登记失败。"


class RequestRefused(SyncError):
    """The server refused a request (4xx); the message is the server's sentence."""
