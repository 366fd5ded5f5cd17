"""What a person reads for an error, for tests that check the sentence: `said(exc)` in
Chinese (or English), and `refused(kind, pattern)`, pytest.raises matching the sentence.

Errors carry codes (`app.domain.errors`); the sentence is the UI catalogue's
(`app.ui.catalogue.message`), so a test of the words goes through it, as the CLI, the
server and the screens do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import ValidationError

from app.domain.errors import DoorstepError
from app.ui.catalogue import message


def said(exc: BaseException, lang: str = "zh") -> str:
    """The sentence of a coded error; for a ValidationError every problem, each as said."""
    if isinstance(exc, DoorstepError):
        return message(exc, lang)
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            cause = (err.get("ctx") or {}).get("error")
            parts.append(message(cause, lang) if isinstance(cause, DoorstepError) else err["msg"])
        return "\n".join([str(exc), *parts])
    return str(exc)


@contextmanager
def refused(kind: type[BaseException], pattern: str, lang: str = "zh") -> Iterator[Any]:
    """pytest.raises(kind), and the sentence said for it matches `pattern` (re.search)."""
    with pytest.raises(kind) as caught:
        yield caught
    sentence = said(caught.value, lang)
    assert re.search(pattern, sentence), sentence
