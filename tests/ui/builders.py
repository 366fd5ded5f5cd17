"""Deterministic households for UI tests and the UI benchmark, written to a real store."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from app.domain.codes import Category, PersonFlag, Team, VisitMode, VisitOutcome
from app.domain.identity import make_id_number
from app.domain.records import Household, Person, Record, Visit
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store

PIN = "135790"
WORKER = "王网格"
VILLAGES = {
    "330702102201": "岩头村",
    "330702102202": "后溪村",
    "330702102203": "上坞村",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔"
GIVEN = "秀英桂兰建国志强明华玉珍丽娟伟芳军红海燕春梅金凤德福文斌永胜国平淑珍小红桂芝荣华卫东"
CATEGORY_MIX = [
    [Category.DIBAO],
    [Category.DIBAO],
    [Category.TEKUN],
    [Category.DIBIAN],
    [Category.LOW_INCOME],
    [Category.TEMPORARY_AID],
    [Category.DIBAO, Category.ORPHAN],
    [Category.LEFT_BEHIND_CHILD],
]


@dataclass
class Roster:
    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)

    def records(self) -> list[Record]:
        return [*self.households, *self.persons, *self.visits]


def make_roster(n: int, *, today: date, seed: int = 7, visits_per_household: int = 6) -> Roster:
    """`n` households over three villages, with members and a year of visits (some overdue)."""
    rng = random.Random(seed)
    roster = Roster()
    codes = list(VILLAGES)
    for i in range(n):
        village = codes[i % len(codes)]
        household = Household(
            area_code=village,
            address=f"{VILLAGES[village]}{i % 9 + 1}组{i + 1}号",
            phone=f"139{rng.randrange(10**8):08d}",
            categories=CATEGORY_MIX[i % len(CATEGORY_MIX)],
        )
        roster.households.append(household)
        size = 1 + i % 3
        for m in range(size):
            born = date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
            flags: list[PersonFlag] = []
            if m == 0 and i % 11 == 0:
                flags.append(PersonFlag.ELDERLY_ALONE)
                born = date(1938, born.month, born.day)
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            roster.persons.append(
                Person(
                    area_code=village,
                    household_id=household.id,
                    name=name,
                    id_number=make_id_number("330702", born, rng.randrange(1000)),
                    relation="户主" if m == 0 else "家庭成员",
                    flags=flags,
                    lives_alone=bool(flags),
                )
            )
        # Every third household has no visit in the last four months: overdue for most rules.
        gap_days = 130 if i % 3 == 0 else 0
        for v in range(visits_per_household):
            day = today - timedelta(days=gap_days + 5 + v * (360 // max(visits_per_household, 1)))
            roster.visits.append(
                Visit(
                    area_code=village,
                    household_id=household.id,
                    visited_at=datetime.combine(day, time(10, rng.randrange(60))),
                    worker_id="seed-worker",
                    team=Team.GRID_WORKER,
                    mode=VisitMode.HOME,
                    outcome=VisitOutcome.MET,
                    observations="老人精神尚可，家中整洁",
                )
            )
    return roster


def person_named(
    household: Household, name: str, id_number: str, *, flags: list[PersonFlag] | None = None
) -> Person:
    return Person(
        area_code=household.area_code,
        household_id=household.id,
        name=name,
        id_number=id_number,
        flags=flags or [],
    )


def make_sandbox(
    data_dir: Path, roster: Roster | None = None, *, worker: str = WORKER, pin: str = PIN
) -> Sandbox:
    """A worker sandbox (fast scrypt) holding `roster`, scoped to the test villages."""
    sandbox, key = Sandbox.create(data_dir, worker, pin, scrypt_n=2**10)
    store = open_store(sandbox, key)
    try:
        seed_profile(store)
        if roster is not None:
            store.add_many(roster.records(), queue=False)
    finally:
        store.close()
    return sandbox


def seed_profile(store: Store, *, role: str = "coordinator", team: str = "grid_worker") -> None:
    store.set_meta("scope", "330702102")
    store.set_meta("role", role)
    store.set_meta("team", team)
    store.set_meta("area_names", json.dumps(VILLAGES, ensure_ascii=False))
