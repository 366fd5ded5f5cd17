"""The demo workers (五支队伍) and the team that serves each village.

Every village has its 救助协理员 and one or two 网格员 and 志愿者; every township a
民政干部 (coordinator for the township) and a 社工 who covers its villages; every county a
supervisor. Visits in a village are made by its team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.demo import names
from app.demo.randomness import DemoRandom, Weighted, birth_for_age, start_of
from app.domain.codes import Role, Team


@dataclass(frozen=True)
class DemoWorker:
    """A worker account of the demo: scope codes are villages (12 digits), townships (9)
    for coordinators, or a county (6) for supervisors."""

    id: str
    name: str
    team: Team
    role: Role
    areas: list[str]


# Who makes a home visit, by team (网格员 and 协理员 do most of them).
_HOME_VISITORS = Weighted(
    {"grid": 35, "coordinator": 30, "volunteer": 15, "civil": 10, "social": 10}
)
_QUALITY = Weighted({0.97: 65, 0.92: 25, 0.8: 10})


@dataclass
class VillageTeam:
    """The workers who visit one village, and how reliably they keep to the schedule."""

    village: str
    coordinator: DemoWorker  # 村（社区）救助协理员
    grid: list[DemoWorker]
    volunteers: list[DemoWorker]
    civil: DemoWorker  # 乡镇（街道）民政干部
    social: DemoWorker
    quality: float  # share of visit windows the team covers
    everyone: list[DemoWorker] = field(default_factory=list)
    _by_team: dict[str, list[DemoWorker]] = field(default_factory=dict)
    _others: dict[str, list[str]] = field(default_factory=dict)  # worker id -> the rest

    def __post_init__(self) -> None:
        self.everyone = [self.coordinator, *self.grid, *self.volunteers, self.civil, self.social]
        self._by_team = {
            "grid": self.grid,
            "volunteer": self.volunteers,
            "coordinator": [self.coordinator],
            "civil": [self.civil],
            "social": [self.social],
        }
        self._others = {w.id: [o.name for o in self.everyone if o is not w] for w in self.everyone}

    def home_visitor(self, rng: DemoRandom) -> DemoWorker:
        return rng.choice(self._by_team[_HOME_VISITORS.pick(rng)])

    def caller(self, rng: DemoRandom) -> DemoWorker:
        """Phone and video visits: the coordinator or a grid worker."""
        return self.coordinator if rng.chance(0.6) else rng.choice(self.grid)

    def knocker(self, rng: DemoRandom) -> DemoWorker:
        """敲门问需求 rounds are walked by grid workers, the coordinator and volunteers."""
        roll = rng.random()
        if roll < 0.5:
            return rng.choice(self.grid)
        return self.coordinator if roll < 0.8 else rng.choice(self.volunteers)

    def companions(self, rng: DemoRandom, worker: DemoWorker, share: float = 0.4) -> list[str]:
        """Names of the team members who came along, often nobody."""
        if not rng.chance(share):
            return []
        return rng.some(self._others[worker.id], 1, 2 if rng.chance(0.2) else 1)

    def someone_else(self, rng: DemoRandom, worker: DemoWorker) -> DemoWorker:
        return rng.choice([w for w in self.everyone if w.id != worker.id])


class Roster:
    """Creates the workers of the villages a demo fills, each township's and county's once."""

    def __init__(self, rng: DemoRandom, today: date) -> None:
        self.rng = rng
        self.today = today
        self.workers: list[DemoWorker] = []
        self._township: dict[str, tuple[DemoWorker, DemoWorker]] = {}
        self._counties: set[str] = set()

    def _worker(self, team: Team, role: Role, areas: list[str]) -> DemoWorker:
        rng = self.rng
        gender = rng.choice("MF")
        birth = birth_for_age(rng, self.today, rng.randint(24, 58))
        joined = start_of(self.today - timedelta(days=rng.randint(400, 3000)))
        worker = DemoWorker(
            rng.record_id(joined), names.full_name(rng, gender, birth.year), team, role, areas
        )
        self.workers.append(worker)
        return worker

    def team_for(self, village: str, households: int) -> VillageTeam:
        county, township = village[:6], village[:9]
        if county not in self._counties:
            self._counties.add(county)
            self._worker(Team.CIVIL_AFFAIRS, Role.SUPERVISOR, [county])
        if township not in self._township:
            civil = self._worker(Team.CIVIL_AFFAIRS, Role.COORDINATOR, [township])
            social = self._worker(Team.SOCIAL_WORKER, Role.WORKER, [])
            self._township[township] = (civil, social)
        civil, social = self._township[township]
        social.areas.append(village)
        coordinator = self._worker(Team.COORDINATOR, Role.WORKER, [village])
        grid = [self._worker(Team.GRID_WORKER, Role.WORKER, [village])]
        if households > 50:
            grid.append(self._worker(Team.GRID_WORKER, Role.WORKER, [village]))
        volunteers = [
            self._worker(Team.VOLUNTEER, Role.WORKER, [village])
            for _ in range(self.rng.randint(1, 2))
        ]
        quality = _QUALITY.pick(self.rng)
        return VillageTeam(village, coordinator, grid, volunteers, civil, social, quality)
