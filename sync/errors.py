"""The device's sync failures (同步错误): codes and parameters, said by the UI's catalogue
(`app.ui.catalogue.message`) as one sentence for the person at the device.

Every failure of enrolment, push, pull or the photo queue is a `SyncError`; nothing queued
is dropped by one. `sync.transport.map_exceptions` turns transport errors into these, and
`sync.transport.raise_for` turns the server's JSON error answers into them.
"""

from __future__ import annotations

from app.domain.errors import DoorstepError


class SyncError(DoorstepError):
    """Base of sync failures: the data stays on the device."""

    default_code = "sync.failed"


class ServerUnreachable(SyncError):
    default_code = "sync.unreachable"


class ServerFailed(SyncError):
    default_code = "sync.server_failed"


class MalformedAnswer(SyncError):
    """A 200 answer that is not the protocol's message (`sync.protocol`): nothing of it is
    written, and the sync stops before it."""

    default_code = "sync.malformed_answer"


class DeviceRevoked(SyncError):
    default_code = "sync.revoked"


class ProtocolMismatch(SyncError):
    default_code = "sync.protocol"


class CertificateMismatch(SyncError):
    default_code = "sync.certificate"


class InsecureServer(SyncError):
    default_code = "sync.insecure"


class NotEnrolled(SyncError):
    default_code = "sync.not_enrolled"


class EnrollmentFailed(SyncError):
    default_code = "sync.enrolment_failed"


class RequestRefused(SyncError):
    """The server refused a request (4xx); `said` is the server's own sentence, if any."""

    default_code = "sync.refused"
