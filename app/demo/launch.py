"""`doorstep demo`: a county server on SQLite with demo data, and the field app in a browser tab.

One process: the county server (uvicorn) runs in a background thread on 127.0.0.1, a demo
device is enrolled with a one-time code and synced, and the Flet app serves the browser
on 127.0.0.1. A second run reuses the data directory (use --fresh to start over).

The demo PIN is six digits, which only a keystore makes safe: the demo device uses a
*development* keystore, plain files in DATA_DIR/development-keystore beside (not inside)
the device's data directory. It protects nothing and is never used outside the demo and
the tests; `doorstep device ...` on the demo device needs DOORSTEP_DEV_KEYSTORE set to it.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.server.context import ServerContext

DEMO_PIN = "123456"
DEMO_TOWNSHIP = "330702102"  # 婺城区安地镇
DEMO_WORKER = "演示协理员"
# The web console's demo accounts (user name, role, what the login shows) and password:
# fixed, printed, and usable only on this machine's loopback demo server.
DEMO_CONSOLE_PASSWORD = "demo-console-2026"
DEMO_CONSOLE_ACCOUNTS = (
    ("demo-supervisor", "supervisor", "县级督导"),
    ("demo-coordinator", "coordinator", "安地镇协调员"),
    ("demo-charity", "charity", "慈善总会工作人员"),
)
DEMO_CHARITY = ("婺城区慈善总会（演示）", "51330702MJ8806125M")  # name, 统一社会信用代码


class DemoFailed(RuntimeError):
    """The demo could not be started; the message says why in one sentence."""


@dataclass(frozen=True)
class DemoPlan:
    data_dir: Path
    households: int = 300
    seed: int = 1
    server_port: int = 8765
    app_port: int = 8550
    fresh: bool = False

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def device_dir(self) -> Path:
        return self.data_dir / "device"

    @property
    def keystore_dir(self) -> Path:
        """The demo's development keystore, outside the device's data directory."""
        return self.data_dir / "development-keystore"


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_server(plan: DemoPlan, say: Callable[[str], None]) -> object:
    """Open (and fill, the first time) the county database; serve it in a daemon thread."""
    import uvicorn

    from sync.server.app import create_app
    from sync.server.board import publishing
    from sync.server.context import ServerContext
    from sync.server.services import admin, exchange
    from sync.server.settings import Settings

    db_file = plan.data_dir / "county.db"
    first_time = not db_file.exists()
    ctx = ServerContext.open(
        Settings(database_url=f"sqlite:///{db_file}", public_url=plan.server_url)
    )
    admin.recovery_public_key(ctx)
    if first_time:
        say(f"生成演示数据：{plan.households} 户（婺城区安地镇）…")
        exchange.load_demo(
            ctx, plan.households, seed=plan.seed, today=date.today(), scope=[DEMO_TOWNSHIP]
        )
        worker = admin.create_worker(
            ctx, DEMO_WORKER, "coordinator", "coordinator", [DEMO_TOWNSHIP]
        )
        (plan.data_dir / "demo-worker.txt").write_text(worker.id, encoding="utf-8")
        published = publishing.publish_approved(ctx, (DEMO_TOWNSHIP,), actor="demo")
        say(f"发布演示心愿到微心愿平台：{published} 个")
    demo_console_accounts(ctx)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx=ctx), host="127.0.0.1", port=plan.server_port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, name="county-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise DemoFailed(f"县级服务器未能在端口 {plan.server_port} 启动。")
        time.sleep(0.05)
    return ctx


def demo_console_accounts(ctx: ServerContext) -> None:
    """The demo charity and the console's demo accounts, made once (a demo directory from
    before the console gets them at its next start)."""
    from sync.server.console import accounts
    from sync.server.errors import NotFound
    from sync.server.services import organisations

    try:
        accounts.find_account(ctx, DEMO_CONSOLE_ACCOUNTS[0][0])
        return
    except NotFound:
        pass
    name, credit_code = DEMO_CHARITY
    charity = organisations.add_organisation(
        ctx,
        organisations.OrganisationInput(
            name, "charity", credit_code, ["330702"], ["living", "care", "wish"], "0579-80000000"
        ),
        actor="demo",
    )
    scope = {"supervisor": ["330702"], "coordinator": [DEMO_TOWNSHIP], "charity": []}
    for username, role, shown in DEMO_CONSOLE_ACCOUNTS:
        accounts.add_account(
            ctx,
            username=username,
            name=shown,
            role=role,
            password=DEMO_CONSOLE_PASSWORD,
            areas=scope[role],
            organisation=charity.id if role == "charity" else None,
            actor="demo",
        )


def enrol_device(plan: DemoPlan, ctx: object, say: Callable[[str], None]) -> Path:
    """The demo device, enrolled once with a one-time code and synced at every start."""
    from app.store.keystore import DevelopmentKeystore
    from app.store.sandbox import find_sandbox, list_sandboxes, open_store
    from sync.client import SyncClient
    from sync.enrolment import enroll
    from sync.server.services import admin

    device_dir = plan.device_dir
    keystore = DevelopmentKeystore(plan.keystore_dir)
    if not list_sandboxes(device_dir, keystore):
        worker_id = (plan.data_dir / "demo-worker.txt").read_text(encoding="utf-8").strip()
        code = admin.issue_code(ctx, worker_id)  # type: ignore[arg-type]
        say("登记演示设备…")
        enroll(device_dir, plan.server_url, code.code, DEMO_PIN, keystore=keystore)
    sandbox = find_sandbox(device_dir, keystore=keystore)
    store = open_store(sandbox, sandbox.unlock(DEMO_PIN))
    try:
        say("同步…")
        say(SyncClient(store, plan.server_url).sync().one_line())
    finally:
        store.close()
    return device_dir


def run_demo(plan: DemoPlan, say: Callable[[str], None] = print) -> None:
    """Start everything, print the address and the PIN, and serve until interrupted."""
    for port in (plan.server_port, plan.app_port):
        if not _port_free(port):
            raise DemoFailed(f"端口 {port} 已被占用，请用 --port / --server-port 换一个。")
    if plan.fresh and plan.data_dir.exists():
        shutil.rmtree(plan.data_dir)
    plan.data_dir.mkdir(parents=True, exist_ok=True)
    ctx = start_server(plan, say)
    device_dir = enrol_device(plan, ctx, say)

    from app.main import run_web
    from app.store.keystore import DevelopmentKeystore

    say("")
    say(f"  县级服务器：{plan.server_url}  （接口文档 {plan.server_url}/docs）")
    say(f"  网页控制台：{plan.server_url}/console")
    for username, _, shown in DEMO_CONSOLE_ACCOUNTS:
        say(f"    {shown}：用户名 {username}　密码 {DEMO_CONSOLE_PASSWORD}")
    say(f"  微心愿平台（公开，无需登录）：{plan.server_url}/wishes")
    say(f"  入户走访 App：{plan.app_url}")
    say(f"  演示账户：{DEMO_WORKER}　PIN：{DEMO_PIN}")
    say(f"  开发用密钥库（仅供演示，不保护任何数据）：{plan.keystore_dir}")
    say("  按 Ctrl+C 结束。")
    run_web(device_dir, plan.app_port, keystore=DevelopmentKeystore(plan.keystore_dir))
