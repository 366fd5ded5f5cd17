"""The organisations serving the worker's scope (`app.domain.recipients.OrganisationRef`), as
the server last sent them with a pull, with their digest so the server resends them only
when they changed. Reference data, nothing personal: kept in the plaintext meta, like the
area names."""

from __future__ import annotations

import json

from app.domain.recipients import OrganisationRef
from app.store.repositories.settings import SettingsRepository

ORGANISATIONS_META = "organisations"  # meta key: JSON list of the organisations
DIGEST_META = "organisations_digest"  # meta key: the digest sent with them


class OrganisationRepository:
    """The organisations the consent and referral forms choose from."""

    def __init__(self, settings: SettingsRepository) -> None:
        self._settings = settings

    def all(self) -> list[OrganisationRef]:
        """Every organisation kept (inactive ones too), in the server's order; none before
        the first pull that sent them, or when the value does not read as such a list."""
        try:
            found = json.loads(self._settings.meta(ORGANISATIONS_META) or "[]")
            return [OrganisationRef.from_json(o) for o in found]
        except (ValueError, TypeError, KeyError, AttributeError):
            return []

    def digest(self) -> str:
        """The digest the server sent with the organisations last kept ("" if none)."""
        return self._settings.meta(DIGEST_META) or ""

    def put(self, organisations: list[OrganisationRef], digest: str) -> None:
        """Keep the organisations with their digest (in the caller's unit of work, so the
        two never disagree)."""
        value = json.dumps([o.to_json() for o in organisations], ensure_ascii=False)
        self._settings.set_meta(ORGANISATIONS_META, value)
        self._settings.set_meta(DIGEST_META, digest)
