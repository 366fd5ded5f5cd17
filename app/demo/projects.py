"""Demo service projects (慈善帮扶项目库) and their deliveries to households, deterministic
for a seed, so that the demo's project indicators (服务项目在册困难群众覆盖率, 救助帮扶类服务
项目累计数, 引入慈善资源…, 公益创投…) are not empty and a household's 已获帮扶 shows help from
several sources — a few of them twice in one month in the same need area, as a coordinator
should notice.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.codes import NeedArea, NeedStatus
from app.domain.projects import FundingSource
from app.domain.records import Delivery, Household, Need


@dataclass(frozen=True)
class DemoProject:
    """One demo project, owned by the organisation of `owner` (a key of the caller's
    organisations: "charity", "social_work", "market")."""

    name: str
    owner: str
    funding: FundingSource
    need_areas: tuple[NeedArea, ...]
    budget_yuan: int
    capacity: int
    brand: bool
    services: tuple[tuple[str, int], ...]  # (service, value in 元) a delivery picks from


DEMO_PROJECTS: tuple[DemoProject, ...] = (
    DemoProject(
        "安地镇困难老人助餐服务", "charity", FundingSource.FUNDRAISING,
        (NeedArea.LIVING, NeedArea.CARE), 180_000, 120, True,
        (("上门送餐 20 次", 300), ("老年食堂就餐补贴", 150)),
    ),
    DemoProject(
        "困境儿童助学圆梦计划", "social_work", FundingSource.VENTURE,
        (NeedArea.EDUCATION,), 60_000, 40, False,
        (("学习用品和校服", 400), ("课业辅导 8 次", 640)),
    ),
    DemoProject(
        "大病医疗救助慈善信托", "charity", FundingSource.TRUST,
        (NeedArea.MEDICAL,), 500_000, 60, False,
        (("住院自付费用补助", 2000), ("陪同复诊交通补贴", 200)),
    ),
    DemoProject(
        "居家养老上门服务（政府购买）", "social_work", FundingSource.PURCHASED_SERVICE,
        (NeedArea.CARE, NeedArea.LIVING), 240_000, 150, False,
        (("助洁助浴 4 次", 320), ("精神慰藉探访", 0)),
    ),
    DemoProject(
        "幸福超市爱心物资专项基金", "market", FundingSource.SPECIAL_FUND,
        (NeedArea.LIVING,), 80_000, 200, False,
        (("米油等生活物资", 260), ("冬季棉被", 180)),
    ),
)  # fmt: skip


def demo_deliveries(
    households: Iterable[Household],
    needs: Iterable[Need],
    projects: Mapping[str, DemoProject],
    *,
    today: date,
    seed: int = 1,
    share: float = 0.45,
) -> list[Delivery]:
    """Deliveries this year (up to `today`) to about `share` of the registered households:
    one to three each, answering an open need of the project's area where the household
    has one; every tenth household served also gets a second source in the same month and
    need area. `projects` maps each project's id to what it is."""
    rng = random.Random(seed)
    by_household: dict[str, list[Need]] = {}
    for need in needs:
        by_household.setdefault(need.household_id, []).append(need)
    ids = sorted(projects)
    start = date(today.year, 1, 1)
    span = max((today - start).days, 0)
    out: list[Delivery] = []
    served = 0
    for household in sorted(households, key=lambda h: h.id):
        if not household.categories or rng.random() > share:
            continue
        served += 1
        for _ in range(rng.randint(1, 3)):
            project_id = rng.choice(ids)
            day = start + timedelta(days=rng.randint(0, span))
            out.append(
                _delivery(rng, household, project_id, projects[project_id], day, by_household)
            )
        if served % 10 == 0:
            first = out[-1]
            area = first.area
            others = [p for p in ids if p != first.project_id and area in projects[p].need_areas]
            if others:
                project_id = rng.choice(others)
                out.append(
                    _delivery(
                        rng, household, project_id, projects[project_id], first.delivered_on,
                        by_household, area,
                    )
                )  # fmt: skip
    return out


OPEN = frozenset({NeedStatus.REASONABLE, NeedStatus.MATCHED, NeedStatus.REFERRED})


def _delivery(
    rng: random.Random,
    household: Household,
    project_id: str,
    project: DemoProject,
    day: date,
    needs: Mapping[str, Sequence[Need]],
    area: NeedArea | None = None,
) -> Delivery:
    area = area or rng.choice(project.need_areas)
    service, value = rng.choice(project.services)
    answered = next(
        (
            n.id
            for n in needs.get(household.id, ())
            if n.area == area and n.status in OPEN and n.raised_on <= day
        ),
        None,
    )
    return Delivery(
        id=_id(rng),
        household_id=household.id,
        area_code=household.area_code,
        project_id=project_id,
        need_id=answered,
        area=area,
        delivered_on=day,
        service=service,
        value_yuan=value,
    )


def _id(rng: random.Random) -> str:
    """A UUIDv7-shaped id from the seed (the demo is the same every run)."""
    value = rng.getrandbits(128)
    hexed = f"{value:032x}"
    return f"{hexed[:8]}-{hexed[8:12]}-7{hexed[13:16]}-8{hexed[17:20]}-{hexed[20:32]}"
