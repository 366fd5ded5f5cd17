"""Who a consent or a referral shares with (共享对象): one organisation, or a class of them.

`ConsentEvent.recipient` and `Referral.recipient` hold a stable reference, never a name:

- the organisation's id (``organisations.id`` on the county server, a UUID, as devices
  receive the organisations) — one organisation of the county's list; its id never changes,
  even when its name or credit code is corrected;
- ``class:<kind code>`` — every organisation of that kind, as a fixed code
  (``class:alliance_member``: 助联体成员单位). Only the classes in `RECIPIENT_CLASSES` may be
  consented to;
- anything else — a recipient typed as free text before recipients were chosen from the
  list: it keeps working as it always did (shown as it is, matched only by equal text).

A referral goes to one organisation (its id); a consent to that organisation or to a class
it belongs to covers it (`Recipient.refs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.domain.ids import is_record_id
from app.domain.organisations import OrganisationKind

CLASS_PREFIX = "class:"

# The classes a person may consent to as a whole (DOMAIN.md: "a class such as 助联体 member
# charities"); a broader class would not be the specific consent PIPL art. 23 asks for.
RECIPIENT_CLASSES: tuple[OrganisationKind, ...] = (OrganisationKind.ALLIANCE_MEMBER,)


def organisation_ref(organisation_id: str) -> str:
    """The recipient reference of one organisation: its id."""
    return organisation_id


def class_ref(kind: OrganisationKind) -> str:
    """The recipient reference of every organisation of `kind`."""
    return f"{CLASS_PREFIX}{kind.value}"


def organisation_id_of(ref: str) -> str | None:
    """The organisation id a reference names, or None (a class or free text)."""
    return ref if is_record_id(ref) else None


def class_of(ref: str) -> OrganisationKind | None:
    """The kind a class reference names, or None (an organisation, free text, or a class
    that is not one of `RECIPIENT_CLASSES`)."""
    if not ref.startswith(CLASS_PREFIX):
        return None
    try:
        kind = OrganisationKind(ref[len(CLASS_PREFIX) :])
    except ValueError:
        return None
    return kind if kind in RECIPIENT_CLASSES else None


def classes_for(kind: OrganisationKind) -> frozenset[str]:
    """The class references an organisation of `kind` belongs to (its kind says it is a
    member of the 助联体, say)."""
    return frozenset({class_ref(kind)}) if kind in RECIPIENT_CLASSES else frozenset()


@dataclass(frozen=True)
class Recipient:
    """A recipient as the consent gate checks it: its reference and the class references
    it belongs to (an organisation's, from its kind; none for a class or free text)."""

    ref: str
    classes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def organisation(cls, organisation_id: str, kind: OrganisationKind) -> Recipient:
        return cls(organisation_ref(organisation_id), classes_for(kind))

    def refs(self) -> tuple[str, ...]:
        """Every recipient reference a consent may name to cover this recipient: its own
        first, then its classes."""
        return (self.ref, *sorted(self.classes - {self.ref}))


@dataclass(frozen=True)
class OrganisationRef:
    """An organisation as devices keep it (reference data, nothing personal): what the
    consent and referral forms list and what the screens name recipients by."""

    id: str
    name: str
    kind: OrganisationKind
    credit_code: str
    areas: tuple[str, ...] = ()
    need_areas: tuple[str, ...] = ()
    active: bool = True

    @property
    def ref(self) -> str:
        return organisation_ref(self.id)

    @property
    def recipient(self) -> Recipient:
        return Recipient.organisation(self.id, self.kind)

    def serves(self, area_code: str) -> bool:
        """Serves `area_code` (a county, township or village code): one contains the other."""
        return any(area_code.startswith(a) or a.startswith(area_code) for a in self.areas)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> OrganisationRef:
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            kind=OrganisationKind(str(data["kind"])),
            credit_code=str(data.get("credit_code") or ""),
            areas=strings("areas"),
            need_areas=strings("need_areas"),
            active=bool(data.get("active", True)),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind.value,
            "credit_code": self.credit_code,
            "areas": list(self.areas),
            "need_areas": list(self.need_areas),
            "active": self.active,
        }


def serving(organisations: Iterable[OrganisationRef], area_code: str) -> list[OrganisationRef]:
    """The organisations a consent or a referral made in `area_code` may name: the active
    ones serving it (a closed organisation, or one serving elsewhere, is not offered)."""
    return [o for o in organisations if o.active and o.serves(area_code)]


def recipient_for(ref: str, organisations: Iterable[OrganisationRef]) -> Recipient:
    """The recipient `ref` names, with its classes when it is a known organisation."""
    wanted = organisation_id_of(ref)
    if wanted is not None:
        for org in organisations:
            if org.id == wanted:
                return org.recipient
    return Recipient(ref)
