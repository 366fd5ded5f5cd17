"""The device takes a consent's purpose only from the list, as the server does (one rule,
`ConsentEvent.check_create`): a grant naming any other purpose is refused before it is
queued — through the store, the consent service (its evidence photo not kept) and an
import — in the server's sentence; a listed purpose, by its code or by its words as typed
before the list, is saved; a consent typed before the list can still be withdrawn; a
saved consent is not edited into another purpose. Real encrypted SQLite stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.domain.codes import ConsentAction, ConsentMethod, DataCategory
from app.domain.records import ConsentEvent, Household, Person
from app.services.consents import Consents
from app.services.photos import Photo
from app.store.errors import IllegalEdit
from app.store.store import Store
from app.store.transfer import ImportFailed, import_records, record_line
from sync import merge
from tests.said import said
from tests.store.helpers import household_with_members

UNLISTED = "同意的共享目的须从列表中选择（如救助帮扶转介、微心愿发布），此项同意未被接受。"


def _event(h: Household, p: Person, purpose: str, action: ConsentAction) -> ConsentEvent:
    return ConsentEvent(
        area_code=h.area_code,
        household_id=h.id,
        person_id=p.id,
        action=action,
        recipient="金华市慈善总会",
        purpose=purpose,
        data_categories=[DataCategory.IDENTITY],
        method=ConsentMethod.SIGNATURE,
        occurred_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
        recorded_by="w",
    )


def _grant(h: Household, p: Person, purpose: str) -> ConsentEvent:
    return _event(h, p, purpose, ConsentAction.GRANT)


def _server_refusal(event: ConsentEvent) -> str:
    with pytest.raises(merge.Rejected) as refused:
        merge.create(
            "consent", event.id, event.content(),
            hlc="x", seq=1, device_id="d", worker_id="w",
        )  # fmt: skip
    return said(refused.value)


@pytest.mark.parametrize("purpose", ["随便写的目的", "助学帮扶", "WISH", "other", "微心愿"])
def test_a_grant_with_a_purpose_off_the_list_is_refused_before_it_is_queued(
    store: Store, purpose: str
) -> None:
    household, (member, _) = household_with_members()
    store.add_many([household, member])
    queued = len(store.pending())
    typed = _grant(household, member, purpose)

    with pytest.raises(IllegalEdit) as refused:
        store.add(typed)

    assert said(refused.value) == UNLISTED == _server_refusal(typed)
    assert len(store.pending()) == queued
    assert not store.exists("consent", typed.id)


@pytest.mark.parametrize("purpose", ["wish", "charity_help", "对接慈善帮扶资源", "救助帮扶转介"])
def test_a_grant_with_a_listed_purpose_is_saved(store: Store, purpose: str) -> None:
    household, (member, _) = household_with_members()
    grant = _grant(household, member, purpose)
    store.add_many([household, member, grant])
    assert store.get(ConsentEvent, grant.id).purpose == purpose
    assert grant.id in {m.record_id for m in store.pending()}


def test_a_consent_typed_before_the_list_can_still_be_withdrawn(store: Store) -> None:
    household, (member, _) = household_with_members()
    typed = _grant(household, member, "助学帮扶")
    store.add_many([household, member])
    store.add_many([typed], queue=False)  # as the county sent it back
    withdrawal = _event(household, member, "助学帮扶", ConsentAction.WITHDRAW)
    store.add(withdrawal.model_copy(update={"seen": [typed.id]}))
    assert withdrawal.id in {m.record_id for m in store.pending()}


def test_the_consent_service_keeps_nothing_of_a_refused_grant(store: Store) -> None:
    household, (member, _) = household_with_members()
    store.add_many([household, member])
    queued, photos = len(store.pending()), store.photo_counts()

    with pytest.raises(IllegalEdit) as refused:
        Consents(store).record(
            _grant(household, member, "生活帮扶"), Photo(b"\xff\xd8\xff\xe0 signature"), "consent"
        )

    assert said(refused.value) == UNLISTED
    assert len(store.pending()) == queued
    assert store.photo_counts() == photos  # the evidence went with the grant


def test_an_import_refuses_a_grant_off_the_list_with_the_line(store: Store, tmp_path: Path) -> None:
    household, (member, _) = household_with_members()
    path = tmp_path / "in.jsonl"
    lines = [household, member, _grant(household, member, "生活帮扶")]
    path.write_text("".join(record_line(r) + "\n" for r in lines), encoding="utf-8")

    with pytest.raises(ImportFailed) as failed:
        import_records(store, path)

    [line] = failed.value.errors
    assert line.line == 3
    assert said(line.problem) == UNLISTED
    assert not store.exists("household", household.id)  # nothing of the file


def test_a_saved_consent_is_not_edited_into_another_purpose(store: Store) -> None:
    household, (member, _) = household_with_members()
    grant = _grant(household, member, "wish")
    store.add_many([household, member, grant])
    queued = len(store.pending())

    with pytest.raises(IllegalEdit):
        store.update(store.get(ConsentEvent, grant.id).model_copy(update={"purpose": "生活帮扶"}))

    assert len(store.pending()) == queued
    assert store.get(ConsentEvent, grant.id).purpose == "wish"
