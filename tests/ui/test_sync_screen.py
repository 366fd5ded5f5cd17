"""The sync problems screen: which household and record, in words, with only the actions
that can work; resolving one clears the sync result line (views over a Session)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.domain.records import Household
from app.store.sandbox import list_sandboxes, open_store
from sync import replica
from sync.protocol import MutationAnswer
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import INTERACTIVE, Client, label_of


def test_the_problems_screen_in_words_with_only_what_can_work(data_dir: Path, clock: Clock) -> None:
    sandbox = list_sandboxes(data_dir)[0]
    store = open_store(sandbox, sandbox.unlock(PIN))
    try:
        home = next(h for h in store.load_all(Household) if h.address == "岩头村3组88号")
        store.update(home.model_copy(update={"address": "岩头村3组90号"}))
        sent = store.pending()
        answer = {"seq": sent[0].seq, "status": "rejected", "reason": "该家庭已迁出本村。"}
        restored = {"record": home.model_dump(mode="json"), "server_seq": 3}
        replica.apply_answers(store, sent, [MutationAnswer.model_validate(answer | restored)])
    finally:
        store.close()

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        assert client.shell is not None and client.shell.sync_bar is not None
        client.shell.sync_bar.vm.result = "同步完成：上传 1 条，下载 0 条，冲突 0 条，被拒绝 1 条。"
        client.shell.open("sync-problems")
        assert client.has_text("被拒绝的修改 · 欧阳秀兰家")
        assert client.has_text("家庭 · 住址") and client.has_text("岩头村3组90号")
        assert client.has_text("重新提交也会被拒绝")
        labels = [label_of(c) for c in client.controls() if isinstance(c, INTERACTIVE)]
        assert "放弃本机的修改" in labels and "打开该家庭" in labels
        assert "重新提交本机的修改" not in labels
        await client.click("放弃本机的修改")
        assert client.has_text("没有需要处理的同步问题。")
        assert not any("被拒绝" in t for t in client.texts())

    asyncio.run(go())
