"""The base of every error the domain, the store and sync raise: a code and parameters.

An error says what went wrong as a stable code (``"wish.reject_reason"``) and the values
that sentence needs (``limit=500``), never as a sentence: what a person reads, in the
language they chose, is the UI's catalogue's job (`app.ui.catalogue.message`), like the
server's `ApiError` codes. ``str(error)`` is the code alone, so a log line or a traceback
never carries a parameter (they may be personal data).

Subclasses keep their types (``except NotFound`` still works) and each names the code it
raises when none is given (`default_code`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, Self


class DoorstepError(Exception):
    """An error with a stable `code` and the `params` its sentence is built from."""

    default_code: ClassVar[str] = "error"

    def __init__(self, code: str | None = None, /, **params: object) -> None:
        self.code = code or self.default_code
        self.params = params
        super().__init__(self.code)

    @classmethod
    def like(cls, other: DoorstepError) -> Self:
        """An error of this type saying what `other` says (same code and parameters): a
        layer re-raising a lower layer's refusal under its own type."""
        return cls(other.code, **other.params)

    def wire_params(self) -> dict[str, Any]:
        """The parameters as JSON can carry them: a nested error as ``{"code", "params"}``,
        a code (StrEnum) as its value, a list item by item, anything else as text."""
        return {name: _wire(value) for name, value in self.params.items()}

    @classmethod
    def from_wire(cls, code: str, params: Mapping[str, Any]) -> DoorstepError:
        """The error `wire_params` described (its nested errors rebuilt)."""
        return cls(code, **{name: _unwire(value) for name, value in params.items()})


def _wire(value: Any) -> Any:
    if isinstance(value, DoorstepError):
        return {"code": value.code, "params": value.wire_params()}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _unwire(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"code", "params"}:
        return DoorstepError.from_wire(str(value["code"]), value["params"] or {})
    if isinstance(value, list):
        return [_unwire(item) for item in value]
    return value
