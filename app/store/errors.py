"""Errors of the store; each message is one sentence a person can act on."""

from __future__ import annotations

from app.domain.errors import DoorstepError


class StoreError(Exception):
    """Base class for store errors."""


class WrongPin(StoreError):
    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__(f"PIN 不正确，还可尝试 {remaining} 次。")


class TryLater(StoreError):
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(f"PIN 错误次数过多，请在 {seconds} 秒后再试。")


class LockedOut(StoreError):
    def __init__(self) -> None:
        super().__init__("PIN 错误次数过多，本账户已锁定，请联系县级管理员用托管密钥恢复。")


class Locked(StoreError):
    def __init__(self) -> None:
        super().__init__("数据已锁定，请先输入 PIN 解锁。")


class IntegrityError(StoreError):
    """A stored value failed authentication: it was damaged or tampered with."""

    def __init__(self, record_type: str, record_id: str, column: str) -> None:
        self.record_type = record_type
        self.record_id = record_id
        self.column = column
        super().__init__(
            f"记录 {record_type}/{record_id} 的字段 {column} 无法通过完整性校验（已损坏或被篡改）。"
        )


class NotFound(StoreError):
    def __init__(self, record_type: str, record_id: str) -> None:
        super().__init__(f"找不到记录 {record_type}/{record_id}。")


class SandboxError(StoreError):
    """The sandbox files are missing, malformed or from an unknown format."""


class IllegalEdit(StoreError, DoorstepError):
    """The change breaks a rule of the domain (insert-only records, wish lifecycle...): the
    domain's code and parameters (`IllegalEdit.like`)."""

    default_code = "change.illegal"


class RecordTooLarge(IllegalEdit):
    """A record too large to sync (`sync.protocol.MAX_RECORD_BYTES`): refused before queuing."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        super().__init__("record.too_large", kb=-(-size // 1024), limit_kb=limit // 1024)
