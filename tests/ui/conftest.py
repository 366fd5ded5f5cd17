"""Fixtures for view-model tests: a real encrypted store in tmp_path, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.codes import Category, PersonFlag
from app.domain.identity import make_id_number
from app.domain.records import Household, Person
from app.store.sandbox import open_store
from app.ui.viewmodels.workspace import Workspace
from tests.ui.builders import PIN, Roster, make_roster, make_sandbox

TODAY = date(2026, 5, 20)  # a Wednesday
NOW = datetime(2026, 5, 20, 10, 30)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def roster() -> Roster:
    """30 households over three villages, plus 欧阳秀兰 (特困, a major event yesterday)."""
    roster = make_roster(30, today=TODAY)
    household = Household(
        area_code="330702102201",
        address="岩头村3组88号",
        phone="13905791234",
        categories=[Category.TEKUN],
    )
    roster.households.append(household)
    roster.persons += [
        Person(
            area_code=household.area_code,
            household_id=household.id,
            name="欧阳秀兰",
            id_number=make_id_number("330702", date(1950, 3, 8), 123),
            relation="户主",
            flags=[PersonFlag.MAJOR_EVENT],
            major_event_date=TODAY - timedelta(days=1),
            major_event_note="老伴去世",
        ),
        Person(
            area_code=household.area_code,
            household_id=household.id,
            name="欧阳小明",
            id_number=make_id_number("330702", date(2015, 6, 1), 457),
            relation="孙子",
        ),
    ]
    return roster


def ouyang(ws: Workspace) -> str:
    """The id of 欧阳秀兰's household."""
    return next(h.id for h in ws.roster.households.values() if h.address == "岩头村3组88号")


@pytest.fixture
def data_dir(tmp_path: Path, roster: Roster) -> Path:
    make_sandbox(tmp_path, roster)
    return tmp_path


@pytest.fixture
def ws(data_dir: Path, clock: Clock) -> Iterator[Workspace]:
    from app.store.sandbox import list_sandboxes

    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    workspace = Workspace(sandbox, store, clock=clock)
    yield workspace
    workspace.lock()
