"""Turn any error into one sentence a worker can act on, in Chinese (or English)."""

from __future__ import annotations

import logging
import traceback

from pydantic import ValidationError

from app.domain.errors import DoorstepError
from app.ui.catalogue import message, text

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


class UserError(Exception):
    """An action cannot go ahead; the message is already the sentence to show."""


def field_errors(exc: ValidationError, lang: str = "zh") -> dict[str, str]:
    """Per form field, the first problem pydantic found ("" for record-wide rules)."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = str(err["loc"][0]) if err.get("loc") else ""
        key = _PYDANTIC.get(err["type"])
        if key is not None:
            said = text(key, lang)
        else:
            cause = (err.get("ctx") or {}).get("error")
            said = (
                message(cause, lang)
                if isinstance(cause, DoorstepError)
                else str(err.get("msg", "")).removeprefix("Assertion failed, ")
            )
        out.setdefault(loc, said)
    return out


def user_message(exc: BaseException, lang: str = "zh") -> str:
    """The one sentence to show for `exc`; unexpected errors are logged without values."""
    if isinstance(exc, DoorstepError):
        return message(exc, lang)
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, ValidationError):
        problems = field_errors(exc, lang)
        return next(iter(problems.values()), text("error.invalid", lang))
    # A bug: log where it happened, never the message (it may hold personal data).
    log.error(
        "unexpected %s\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__))
    )
    return text("error.unexpected", lang)
