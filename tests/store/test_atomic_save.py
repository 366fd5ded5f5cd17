"""A photo is kept with the record that names it or not at all: a save killed or refused
after the photo is written leaves neither photo nor record (app/services, one unit of work)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy.exc

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory, NeedArea
from app.domain.records import ConsentEvent, Need
from app.services.casework import Casework
from app.services.consents import Consents
from app.services.drafts import Drafts
from app.services.photos import Photo
from app.services.visits import Visits
from app.store.errors import NotFound
from app.store.sandbox import Sandbox, open_store
from app.store.store import Store
from tests.conftest import TEST_PIN
from tests.store.helpers import household_with_members, visit_for

ROOT = Path(__file__).resolve().parents[2]
PHOTO = Photo(b"\xff\xd8\xff\xe0 a visit photo", "image/jpeg")
FORM = "care"
NOTHING = {"upload": 0, "download": 0}

# The child opens the real store, keeps a draft of the form, and saves the visit with its
# photo through the service; the records' write is replaced by a SIGKILL of the process, so
# it dies after the photo is written and before the visit is.
CHILD = """
import os, signal, sys
from datetime import datetime
from pathlib import Path
from app.domain.records import Visit
from app.services.drafts import Drafts
from app.services.photos import Photo
from app.services.visits import Visits
from app.store.repositories.photos import PhotoRepository
from app.store.repositories.records import RecordRepository
from app.store.sandbox import Sandbox, open_store

sandbox = Sandbox(Path(sys.argv[1]))
store = open_store(sandbox, sandbox.unlock(sys.argv[2]))
visit = Visit.model_validate_json(sys.argv[3])
marker = Path(sys.argv[4])
Drafts(store).keep("care", visit.household_id, {"observations": "typed"}, datetime(2026, 11, 20))
attach = PhotoRepository.attach

def attach_then_mark(self, *args, **kwargs):
    photo_id = attach(self, *args, **kwargs)
    marker.write_text(photo_id)
    return photo_id

def killed(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

PhotoRepository.attach = attach_then_mark
RecordRepository.add_many = killed
Visits(store).save(visit, [], Photo(b"\\xff\\xd8 photo", "image/jpeg"), "care")
raise SystemExit("not killed")
"""


def _reopen(path: Path) -> Store:
    sandbox = Sandbox(path)
    return open_store(sandbox, sandbox.unlock(TEST_PIN))


def test_a_save_killed_between_photo_and_visit_keeps_neither(new_sandbox, tmp_path: Path) -> None:
    sandbox, key = new_sandbox()
    store = open_store(sandbox, key)
    household, members = household_with_members(1)
    store.add_many([household, *members])
    store.close()
    visit = visit_for(household)
    marker = tmp_path / "photo-written"

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(sandbox.path),
            TEST_PIN,
            visit.model_dump_json(),
            str(marker),
        ],
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert child.returncode == -signal.SIGKILL, child.stderr
    assert marker.read_text(), "the photo was written before the process died"
    store = _reopen(sandbox.path)
    try:
        assert store.photo_counts() == NOTHING and store.photos_to_upload() == []
        assert not store.exists("visit", visit.id)
        with pytest.raises(NotFound):
            store.get_photo(marker.read_text())
        kept = Drafts(store).find(FORM, household.id)
        assert kept is not None and kept.content == {"observations": "typed"}, "the form waits"
    finally:
        store.close()


def test_a_visit_refused_after_its_photo_keeps_neither(store: Store) -> None:
    household, members = household_with_members(1)
    store.add_many([household, *members])
    need = store.add(_need(household.id, household.area_code))
    Drafts(store).keep(FORM, household.id, {"observations": "typed"}, datetime(2026, 11, 20))
    visit = visit_for(household)

    with pytest.raises(sqlalchemy.exc.IntegrityError):  # the same need again: refused
        Visits(store).save(visit, [need.model_copy()], PHOTO, FORM)

    assert store.photo_counts() == NOTHING
    assert not store.exists("visit", visit.id)
    assert Drafts(store).find(FORM, household.id) is not None
    saved = Visits(store).save(visit, [], PHOTO, FORM)
    assert store.get_photo(saved.photo_id or "") == (PHOTO.content, PHOTO.mime)
    assert store.photos_to_upload() == [(saved.photo_id, visit.id)]
    assert Drafts(store).find(FORM, household.id) is None


def test_a_fulfilment_refused_after_its_photo_keeps_neither(store: Store) -> None:
    household, _ = household_with_members(1)
    store.add(household)
    never_stored = _need(household.id, household.area_code)

    with pytest.raises(NotFound):
        Casework(store).move(never_stored, PHOTO, "fulfilment_photo_id")

    assert store.photo_counts() == NOTHING


def test_a_consent_refused_after_its_evidence_keeps_neither(store: Store) -> None:
    household, members = household_with_members(1)
    store.add_many([household, *members])
    event = store.add(_grant(household.id, household.area_code, members[0].id))
    Drafts(store).keep("consent", household.id, {"method": "signature"}, datetime(2026, 11, 20))

    with pytest.raises(sqlalchemy.exc.IntegrityError):  # the same event again: refused
        Consents(store).record(
            event.model_copy(update={"evidence_photo_id": None}), PHOTO, "consent"
        )

    assert store.photo_counts() == NOTHING
    assert Drafts(store).find("consent", household.id) is not None
    stored = store.load_all(ConsentEvent, household_id=household.id)
    assert [e.evidence_photo_id for e in stored] == [None], "the first event, unchanged"


def _need(household_id: str, area_code: str) -> Need:
    return Need(
        area_code=area_code,
        household_id=household_id,
        area=NeedArea.HOUSING,
        description="屋顶漏雨",
        raised_on=date(2026, 11, 20),
    )


def _grant(household_id: str, area_code: str, person_id: str) -> ConsentEvent:
    return ConsentEvent(
        area_code=area_code,
        household_id=household_id,
        person_id=person_id,
        action=ConsentAction.GRANT,
        recipient="金华市慈善总会",
        purpose="charity_help",
        data_categories=[DataCategory.IDENTITY],
        method=ConsentMethod.VERBAL,
        witness="李四",
        occurred_at=datetime(2026, 11, 20, 10, 0),
        recorded_by="w-001",
    )
