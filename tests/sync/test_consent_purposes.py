"""The server takes a consent's purpose only from the list (issue 13), by the rule the device
keeps (`ConsentEvent.check_create`): a grant a tampered app pushes with a typed purpose is
rejected with the reason (the other changes of its batch go on); a listed
purpose, by its code or by its words as typed before the list, is applied; a consent typed
before the list, already on the server, can still be withdrawn.

On SQLite and PostgreSQL, over a real server on loopback and real encrypted stores."""

from __future__ import annotations

from sqlmodel import col, select

from app.domain.codes import ConsentAction
from app.domain.consent import state_for
from app.domain.records import ConsentEvent
from app.store.errors import IllegalEdit
from sync.server.services import exchange
from sync.server.tables import RecordRow
from tests.said import refused
from tests.sync.conftest import VILLAGE_A
from tests.sync.forge import forge
from tests.sync.records import consent, household, person


def _consents(ctx) -> list[ConsentEvent]:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as s:
        rows = s.exec(select(RecordRow).where(col(RecordRow.type) == "consent")).all()
    return [ConsentEvent.from_stored(r.data) for r in rows]


def _with_purpose(event: ConsentEvent, purpose: str) -> ConsentEvent:
    return event.model_copy(update={"purpose": purpose})


def test_a_grant_with_a_typed_purpose_is_rejected_and_a_listed_one_applied(
    ctx, make_device
) -> None:
    device = make_device(areas=[VILLAGE_A])
    h = household(VILLAGE_A)
    p = person(h, "欧阳春花")
    typed = _with_purpose(consent(h, p, ConsentAction.GRANT, by=device.worker_id), "随便写的目的")
    listed = consent(
        h, p, ConsentAction.GRANT, recipient="class:alliance_member", by=device.worker_id
    )
    in_words = _with_purpose(
        consent(
            h,
            p,
            ConsentAction.GRANT,
            recipient="0192a000-0000-7000-8000-000000000001",
            by=device.worker_id,
        ),
        "对接慈善帮扶资源",
    )
    # The device refuses the typed one before queuing it (tests/store/test_consent_purposes.py);
    # a tampered app queues it anyway.
    with refused(IllegalEdit, "共享目的须从列表中选择"):
        device.store.add_many([h, p, typed])
    device.store.add_many([h, p])
    forge(device.store, "consent", typed.id, "create", typed.content())
    device.store.add_many([listed, in_words])

    report = device.sync()
    assert report.rejected == 1
    [dead] = device.store.dead_letters()
    assert dead.record_id == typed.id
    assert dead.reason == (
        "同意的共享目的须从列表中选择（如救助帮扶转介、微心愿发布），此项同意未被接受。"
    )
    assert {e.id for e in _consents(ctx)} == {listed.id, in_words.id}


def test_a_consent_typed_before_the_list_can_still_be_withdrawn(ctx, make_device) -> None:
    h = household(VILLAGE_A)
    p = person(h, "欧阳春花")
    typed = _with_purpose(consent(h, p, ConsentAction.GRANT), "助学帮扶")
    exchange.load_records(ctx, [h, p, typed])  # recorded before purposes were listed
    device = make_device(areas=[VILLAGE_A])
    device.sync()
    withdrawal = _with_purpose(
        consent(h, p, ConsentAction.WITHDRAW, seen=[typed.id], by=device.worker_id),
        typed.purpose,
    )
    device.store.add(withdrawal)
    assert device.sync().rejected == 0
    assert not state_for(_consents(ctx), p.id, typed.recipient, "助学帮扶").granted
