"""The UI's catalogue: what people read, in zh-CN (the default) and English.

Pure data and look-ups, no flet: the CLI, the exports and the county server use it too.
`message` says an error (`app.domain.errors.DoorstepError`) as one sentence.
"""

from app.ui.catalogue.errors import ERRORS, message

__all__ = ["ERRORS", "message"]
