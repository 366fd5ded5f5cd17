"""The consent and referral screens over a real Session without a client, at tablet and
laptop widths: the recipient chosen from the synced organisations, a refusal said, a
referral made and listed on the household screen."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.codes import DataCategory
from app.domain.records import Person, Referral
from app.store.sandbox import list_sandboxes, open_store
from tests.ui.builders import PIN
from tests.ui.conftest import TODAY, Clock
from tests.ui.harness import Client
from tests.ui.referring import CHARITY, CLOSED, ELSEWHERE, MEMBER
from tests.ui.test_views import SIZES, _unlabelled, _unlocked


def keep(data_dir: Path) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        with store.unit_of_work() as uow:
            uow.organisations.put([CHARITY, MEMBER, CLOSED, ELSEWHERE], "test-digest")
            uow.commit()
    finally:
        store.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_consent_to_a_listed_charity_then_refer(
    data_dir: Path, clock: Clock, size: tuple[int, int]
) -> None:
    keep(data_dir)

    async def go() -> None:
        client: Client = await _unlocked(data_dir, clock, size)
        await client.click("打开欧阳秀兰家")
        await client.click("转介")
        assert client.top().route == "/referral" and _unlabelled(client) == []
        await client.click("婺城区慈善总会")
        await client.click("转介")  # no consent yet
        assert client.snacks()[-1] == "未取得向「婺城区慈善总会」共享信息（对接慈善帮扶资源）的同意"
        client.shell.pop()

        await client.click("信息共享同意")
        assert not client.has_text("已停办的基金会") and not client.has_text("金东区社工站")
        await client.click("婺城区慈善总会")
        await client.click("口头同意（有见证人）")
        await client.type("见证人", "村主任")
        await client.click("记录同意")
        assert client.snacks()[-1] == "同意已记录。"
        assert client.has_text("婺城区慈善总会 · 对接慈善帮扶资源")
        client.shell.pop()

        await client.click("转介")
        await client.click("婺城区慈善总会")
        await client.click("健康状况")
        await client.click("转介")
        assert client.snacks()[-1] == "同意不包含所需的数据类别：健康状况"
        await client.click("健康状况")  # off again
        await client.click("转介")
        assert client.snacks()[-1] == "已转介，同步后送达机构。"
        assert client.top().route == "/household"
        assert client.has_text("欧阳秀兰 → 婺城区慈善总会") and client.has_text("已转介")

    asyncio.run(go())
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        [made] = store.load_all(Referral)
        assert made.recipient == CHARITY.id
    finally:
        store.close()


def test_todays_block_lists_a_late_referral_and_opens_its_household(
    data_dir: Path, clock: Clock
) -> None:
    keep(data_dir)
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        head = next(p for p in store.load_all(Person) if p.name == "欧阳秀兰")
        late = Referral(
            area_code=head.area_code,
            household_id=head.household_id,
            person_id=head.id,
            recipient=CHARITY.id,
            purpose="对接慈善帮扶资源",
            data_categories=[DataCategory.IDENTITY],
            referred_on=TODAY - timedelta(days=10),  # 2026-05-10: due by 05-17
        )
        store.add_many([late], queue=False)  # as a sync brought it: still unanswered
    finally:
        store.close()

    async def go() -> None:
        client: Client = await _unlocked(data_dir, clock)
        assert client.has_text("转介超期未答复 1 条")
        assert client.has_text("欧阳秀兰转介至婺城区慈善总会：5月10日（周日）转介，已 10 天未答复")
        assert _unlabelled(client) == []
        await client.click("打开欧阳秀兰家")
        assert client.top().route == "/household" and client.has_text("超期未答复")

    asyncio.run(go())
