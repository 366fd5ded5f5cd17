"""The UI's catalogue: what people read, in zh-CN (the default) and English.

Pure data and look-ups, no flet: the CLI, the exports and the county server use it too.
`labels` names every domain code, holds every UI string and the reports' words (`label`,
`text`, `measure_label`); `errors`
says an error (`app.domain.errors.DoorstepError`) as one sentence (`message`).
"""

from app.ui.catalogue.errors import ERRORS, message
from app.ui.catalogue.labels import (
    CODE_LABELS,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MEASURE_WORDS,
    RELATION_WORDS,
    UI,
    code_names,
    field_label,
    label,
    measure_label,
    purpose_label,
    relation_label,
    text,
)

__all__ = [
    "CODE_LABELS",
    "DEFAULT_LANGUAGE",
    "ERRORS",
    "LANGUAGES",
    "MEASURE_WORDS",
    "RELATION_WORDS",
    "UI",
    "all_text",
    "code_names",
    "field_label",
    "label",
    "measure_label",
    "message",
    "purpose_label",
    "relation_label",
    "text",
]


def all_text() -> str:
    """Every label, UI string and error sentence, for the bundled font to cover."""
    tables = [*CODE_LABELS.values(), *MEASURE_WORDS.values(), UI, RELATION_WORDS, ERRORS]
    return "".join(s for table in tables for pair in table.values() for s in pair)
