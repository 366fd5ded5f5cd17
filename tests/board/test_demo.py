"""`doorstep demo` publishes the demo's approved wishes to the board and says where it is."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.demo.launch import DemoPlan, start_server
from tests.sync.conftest import free_port


def test_the_demo_server_publishes_demo_wishes_to_the_board(tmp_path: Path) -> None:
    said: list[str] = []
    plan = DemoPlan(tmp_path, server_port=free_port())  # the demo's 300 households
    ctx = start_server(plan, said.append)
    try:
        [line] = [s for s in said if s.startswith("发布演示心愿")]
        published = int(line.split("：")[1].split()[0])
        assert published > 0
        # And its service projects, with deliveries for the project indicators.
        [projects] = [s for s in said if s.startswith("登记演示服务项目")]
        assert projects.startswith("登记演示服务项目：5 个，服务记录 ")
        assert int(projects.rsplit(" ", 2)[1]) > 50
        board = httpx.get(f"{plan.server_url}/wishes", timeout=30)
        assert board.status_code == 200 and f"共 {published} 个心愿" in board.text
    finally:
        ctx.db.dispose()  # type: ignore[attr-defined]
