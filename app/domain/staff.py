"""Staff (工作人员) and the rule that makes one of them a household's 责任人.

The county server and the device attribute households to workers with this one rule, so
that a report by worker or team gives the same rows on both (issue 5):

- 责任人: the active field worker (role worker or coordinator) whose narrowest scope code
  covers the household's village (the village itself, then its township, then its
  county); among several at that level the 救助协理员 first, then 网格员, 社工, 民政干部,
  志愿者, then the lowest id.
- A village no such worker covers has no 责任人 here: `Caseload` then falls back to the
  household's last visitor (see app.domain.coverage).

Staff are not assisted persons, but a name is still personal: the server sends a device
only the staff whose areas overlap its scope (`Staff.of_scope`), and the device keeps
them sealed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.domain.codes import Role, Team

RESPONSIBLE_ROLES = frozenset({Role.WORKER.value, Role.COORDINATOR.value})
TEAM_RANK = (
    Team.COORDINATOR,  # 村（社区）救助协理员
    Team.GRID_WORKER,
    Team.SOCIAL_WORKER,
    Team.CIVIL_AFFAIRS,
    Team.VOLUNTEER,
)
_RANK = {t.value: i for i, t in enumerate(TEAM_RANK)}


class Located(Protocol):
    """What the rule reads of a household: its id and its 12-digit village code."""

    @property
    def id(self) -> str: ...
    @property
    def area_code(self) -> str: ...


def overlaps(code: str, scope: Iterable[str]) -> bool:
    """An area code (6/9/12 digits) lies inside a scope code or holds one."""
    return any(code.startswith(s) or s.startswith(code) for s in scope)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of one of the 五支队伍 as reports see them: no personal data but the name."""

    id: str
    name: str
    role: str
    team: str
    active: bool = True
    areas: tuple[str, ...] = ()

    @property
    def can_be_responsible(self) -> bool:
        """Active and in the field (worker or coordinator): supervisors and admins are not."""
        return self.active and self.role in RESPONSIBLE_ROLES

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "team": self.team,
            "active": self.active,
            "areas": list(self.areas),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StaffMember:
        return cls(
            str(data["id"]),
            str(data.get("name", "")),
            str(data.get("role", "")),
            str(data.get("team", "")),
            bool(data.get("active", True)),
            tuple(str(code) for code in data.get("areas", ())),
        )


@dataclass(frozen=True)
class Staff:
    """The workers a report knows, by id, and each scope code's candidates for 责任人."""

    members: tuple[StaffMember, ...] = ()
    _by_scope: dict[str, tuple[int, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        best = self._by_scope
        for m in self.members:
            if not m.can_be_responsible:
                continue
            candidate = (_RANK.get(m.team, len(_RANK)), m.id)
            for code in m.areas:
                if code not in best or candidate < best[code]:
                    best[code] = candidate

    @property
    def names(self) -> dict[str, str]:
        """Worker id → name, for the rows of a report by worker."""
        return {m.id: m.name for m in self.members}

    @property
    def teams(self) -> dict[str, str]:
        """Worker id → team, the `worker_teams` of a Caseload."""
        return {m.id: m.team for m in self.members}

    def responsible(self, village: str) -> str | None:
        """The 责任人 of a village's households (see the module's rule), or None."""
        for code in (village, village[:9], village[:6]):
            found = self._by_scope.get(code)
            if found is not None:
                return found[1]
        return None

    def of_scope(self, scope: Sequence[str]) -> Staff:
        """The staff a device of `scope` needs: those with an area overlapping it, with only
        those areas (enough for every village inside the scope: its township and county
        codes overlap the scope too)."""
        kept: list[StaffMember] = []
        for m in self.members:
            areas = tuple(code for code in m.areas if overlaps(code, scope))
            if areas:
                kept.append(StaffMember(m.id, m.name, m.role, m.team, m.active, areas))
        return Staff(tuple(kept))

    def to_json(self) -> list[dict[str, Any]]:
        return [m.to_json() for m in self.members]

    @classmethod
    def from_json(cls, data: Iterable[Mapping[str, Any]]) -> Staff:
        return cls(tuple(StaffMember.from_json(item) for item in data))


def responsible_for(households: Iterable[Located], staff: Staff) -> dict[str, str]:
    """Household id → 责任人 for the households whose village someone covers; the others
    are left out (a Caseload gives them their last visitor)."""
    by_village: dict[str, str | None] = {}
    out: dict[str, str] = {}
    for h in households:
        village = h.area_code
        if village not in by_village:
            by_village[village] = staff.responsible(village)
        worker = by_village[village]
        if worker is not None:
            out[h.id] = worker
    return out
