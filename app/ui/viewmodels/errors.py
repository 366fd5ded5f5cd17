"""Turn any error into one sentence a worker can act on, in Chinese (or English)."""

from __future__ import annotations

import logging
import traceback

from pydantic import ValidationError

from app.domain.labels import text
from app.store.errors import StoreError

log = logging.getLogger("doorstep.ui")

# pydantic's own messages for the commonest checks, said plainly.
_PYDANTIC = {
    "missing": "form.required",
    "string_too_short": "form.required",
    "string_too_long": "form.too_long",
    "too_long": "form.too_long",
    "finite_number": "form.not_number",
    "greater_than_equal": "form.not_negative",
    "int_parsing": "form.not_number",
    "date_from_datetime_parsing": "form.bad_date",
    "date_parsing": "form.bad_date",
}


def _sync_error() -> type[Exception]:
    """The sync client's error class (its messages are written for people), if present."""
    try:
        from sync.client import SyncError
    except ImportError:
        return UserError
    return SyncError


class UserError(Exception):
    """An action cannot go ahead; the message is already the sentence to show."""


def field_errors(exc: ValidationError, lang: str = "zh") -> dict[str, str]:
    """Per form field, the first problem pydantic found ("" for record-wide rules)."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = str(err["loc"][0]) if err.get("loc") else ""
        key = _PYDANTIC.get(err["type"])
        if key is not None:
            message = text(key, lang)
        else:
            message = str(err.get("msg", ""))
            # Our own validators raise ValueError("中文…"); pydantic prefixes it.
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        out.setdefault(loc, message)
    return out


def user_message(exc: BaseException, lang: str = "zh") -> str:
    """The one sentence to show for `exc`; unexpected errors are logged without values."""
    if isinstance(exc, UserError | StoreError | _sync_error()):
        return str(exc)
    if isinstance(exc, ValidationError):
        problems = field_errors(exc, lang)
        return next(iter(problems.values()), text("error.invalid", lang))
    if isinstance(exc, ValueError) and exc.args and isinstance(exc.args[0], str):
        # Domain errors (InvalidIdNumber, IllegalTransition, ShareNotAllowed...) speak Chinese.
        return exc.args[0]
    if isinstance(exc, PermissionError) and exc.args:
        return str(exc.args[0])
    # A bug: log where it happened, never the message (it may hold personal data).
    log.error(
        "unexpected %s\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))
    )
    return text("error.unexpected", lang)
