"""The county's share log as devices keep it (共享记录): each time a charity's console user saw
or exported a person's data, as the county server logged it (GB/T 35273 §9.2) — when, which
organisation, seen or exported, the purpose, the data categories, whose. The server sends
a device the entries of its scope's households logged since the last it holds, on the pull;
the device keeps them sealed and shows a household's on its screen, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CountyShare:
    """One disclosure to a charity, as the county logged it."""

    at: str  # ISO moment (UTC)
    organisation: str  # the organisation's name
    action: str  # viewed | exported
    purpose: str
    data_categories: tuple[str, ...]
    household_id: str
    person_id: str
    id: int = 0  # the server's number for the entry: the log's order

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "organisation": self.organisation,
            "action": self.action,
            "purpose": self.purpose,
            "data_categories": list(self.data_categories),
            "household_id": self.household_id,
            "person_id": self.person_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CountyShare:
        return cls(
            str(data["at"]),
            str(data["organisation"]),
            str(data["action"]),
            str(data["purpose"]),
            tuple(str(c) for c in data.get("data_categories") or ()),
            str(data["household_id"]),
            str(data["person_id"]),
            int(data.get("id") or 0),
        )
