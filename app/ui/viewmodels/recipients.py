"""How forms and screens name and offer recipients (共享对象): an organisation by its name, a
class by its label, an older free-text recipient as it was typed (`app.domain.recipients`).

`RecipientList` is the one list both forms offer: the consent form the classes and the
organisations, the referral form the organisations alone (a referral goes to one)."""

from __future__ import annotations

from collections.abc import Iterable

from pypinyin import lazy_pinyin

from app.domain.recipients import (
    RECIPIENT_CLASSES,
    OrganisationRef,
    class_of,
    class_ref,
    recipient_for,
    serving,
)
from app.ui.catalogue import label, text


def recipient_name(ref: str, organisations: Iterable[OrganisationRef], lang: str = "zh") -> str:
    """The name people read for a recipient reference."""
    for org in organisations:
        if org.id == ref:
            return org.name if org.active else text("recipient.inactive", lang, name=org.name)
    kind = class_of(ref)
    if kind is not None:
        return text("recipient.class", lang, kind=label(kind, lang))
    return ref


def _by_pinyin(organisation: OrganisationRef) -> tuple[str, str]:
    return (" ".join(lazy_pinyin(organisation.name)), organisation.name)


class RecipientList:
    """The recipients a form for a household in `area_code` offers, as (reference, name):
    with `classes`, the classes first (全体助联体成员单位); then the active organisations
    serving the area (`app.domain.recipients.serving`), in pinyin order — from the
    organisations the last sync sent."""

    def __init__(
        self,
        organisations: Iterable[OrganisationRef],
        area_code: str,
        lang: str = "zh",
        *,
        classes: bool,
    ) -> None:
        self.organisations = list(organisations)
        self.lang = lang
        offered = [
            (class_ref(k), text("recipient.class", lang, kind=label(k, lang)))
            for k in (RECIPIENT_CLASSES if classes else ())
        ]
        orgs = sorted(serving(self.organisations, area_code), key=_by_pinyin)
        self.choices: list[tuple[str, str]] = offered + [(o.id, o.name) for o in orgs]

    @property
    def synced(self) -> bool:
        """Whether any organisation has reached the device yet."""
        return bool(self.organisations)

    def offers(self, ref: str) -> bool:
        return any(ref == offered for offered, _ in self.choices)

    def name(self, ref: str) -> str:
        return recipient_name(ref, self.organisations, self.lang)

    def refs_covering(self, ref: str) -> tuple[str, ...]:
        """The references a consent may name to cover `ref` (itself, then its classes)."""
        return recipient_for(ref, self.organisations).refs()
