"""The service projects and organisations serving the worker's scope (app.domain.projects),
as the server last sent them (on the last page of a pull, when they changed), with the
digest the device sends back. Reference data, nothing personal; sealed like the rest of
the settings all the same."""

from __future__ import annotations

from pydantic import ValidationError

from app.domain.projects import ProjectBook
from app.store.errors import IntegrityError
from app.store.repositories.settings import SettingsRepository

BOOK_SECRET = "reference.projects"  # sealed secret key: the ProjectBook as JSON
DIGEST_META = "projects_digest"  # meta key: the digest of the book last received


class ProjectBookRepository:
    """The project book as the server last sent it."""

    def __init__(self, settings: SettingsRepository) -> None:
        self._settings = settings

    def get(self) -> ProjectBook:
        """The book (empty before the server sent one); IntegrityError if unreadable."""
        value = self._settings.secret(BOOK_SECRET)
        if not value:
            return ProjectBook()
        try:
            return ProjectBook.model_validate_json(value)
        except ValidationError:
            raise IntegrityError("secrets", BOOK_SECRET, "value") from None

    def digest(self) -> str:
        """The digest the server sent with the book last kept ("" if none)."""
        return self._settings.meta(DIGEST_META) or ""

    def put(self, book: ProjectBook, digest: str | None = None) -> None:
        """Keep the book and, when given, its digest, in the same unit of work."""
        self._settings.set_secrets({BOOK_SECRET: book.model_dump_json()})
        if digest is not None:
            self._settings.set_meta(DIGEST_META, digest)
