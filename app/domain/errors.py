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

from typing import ClassVar, Self


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
