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

from app.demo.charities import DEMO_CHARITIES, Charity

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
    *((c.username, "charity", c.shown) for c in DEMO_CHARITIES),
)
# The other owners of the demo's service projects (app/demo/projects.py): name, kind, code.
DEMO_PROJECT_OWNERS = {
    "social_work": ("婺城区阳光社工服务中心（演示）", "social_work", "52330702MJ88061304"),
    "market": ("安地镇幸福超市（演示）", "charity_supermarket", "53330702MJ88061402"),
}
# What each login shows first, as the demo prints it.
DEMO_CONSOLE_TOURS = {
    "demo-supervisor": "覆盖率逐级下钻、指标、台账、各机构的信息披露记录",
    "demo-coordinator": "待核实家庭（含慈善组织的反向转介）、超期未答复的转介",
    **{c.username: f"{c.name}的转介收件箱（各种状态）、反向转介" for c in DEMO_CHARITIES},
}
# 反向转介 the demo charities send at the first start: (charity username, name, situation,
# need areas); each becomes a 主动发现 household in the coordinator's queue.
DEMO_CHARITY_REPORTS = (
    ("demo-charity", "应雪琴", "独自抚养两个孩子，丈夫今年病故，无固定收入，房租已拖欠两个月。",
     ["living", "education"]),
    ("demo-charity2", "楼志明", "七十八岁独居老人，腿脚不便，社工探访时发现家中缺粮、无人照料。",
     ["care", "living"]),
)  # fmt: skip


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
    charities = demo_charities(ctx)
    if first_time:
        say(f"生成演示数据：{plan.households} 户（婺城区安地镇）…")
        exchange.load_demo(
            ctx,
            plan.households,
            seed=plan.seed,
            today=date.today(),
            scope=[DEMO_TOWNSHIP],
            charities=charities,
        )
        worker = admin.create_worker(
            ctx, DEMO_WORKER, "coordinator", "coordinator", [DEMO_TOWNSHIP]
        )
        (plan.data_dir / "demo-worker.txt").write_text(worker.id, encoding="utf-8")
        published = publishing.publish_approved(ctx, (DEMO_TOWNSHIP,), actor="demo")
        say(f"发布演示心愿到微心愿平台：{published} 个")
    demo_console_accounts(ctx, charities)
    if first_time:
        demo_charity_reports(ctx, charities)
        made, delivered = demo_library(ctx, charities[0].id)
        say(f"登记演示服务项目：{made} 个，服务记录 {delivered} 条")
        listed, visited = demo_festival_list(ctx, worker.id)
        say(f"生成演示节日走访清单：{listed} 户，已走访 {visited} 户")
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


def demo_library(ctx: ServerContext, charity_id: str, today: date | None = None) -> tuple[int, int]:
    """The demo's service projects (a social-work agency's and a charity supermarket's
    beside the demo charity's), with deliveries to the township's households this year."""
    from sync.server.services import organisations, projects

    owners = {"charity": charity_id}
    for key, (name, kind, credit_code) in DEMO_PROJECT_OWNERS.items():
        owners[key] = organisations.add_organisation(
            ctx,
            organisations.OrganisationInput(name, kind, credit_code, ["330702"], ["care"]),
            actor="demo",
        ).id
    return projects.load_demo_library(ctx, owners, [DEMO_TOWNSHIP], today=today or date.today())


def demo_festival_list(
    ctx: ServerContext, coordinator_id: str, today: date | None = None
) -> tuple[int, int]:
    """The township's last 重阳节 list (app.demo.campaigns) made by the demo coordinator,
    with its visits; returns (households on it, visited)."""
    from sqlalchemy import select
    from sqlmodel import col

    from app.assets import load_visit_policy
    from app.demo.campaigns import demo_campaign
    from app.domain.records import Household, Person
    from sync.server.services.exchange import load_records
    from sync.server.services.staff import read_staff
    from sync.server.tables import RecordRow

    with ctx.db.reading() as s:
        rows = s.execute(
            select(col(RecordRow.type), col(RecordRow.data)).where(
                col(RecordRow.type).in_(("household", "person")),
                col(RecordRow.area_code).startswith(DEMO_TOWNSHIP),
            )
        ).all()
        staff = read_staff(s)
    made = demo_campaign(
        DEMO_TOWNSHIP,
        [Household.from_stored(d) for t, d in rows if t == "household"],
        [Person.from_stored(d) for t, d in rows if t == "person"],
        staff,
        coordinator_id,
        today=today or date.today(),
        elderly_age=load_visit_policy().elderly_age,
    )
    if made is None:
        return 0, 0
    load_records(ctx, [made.campaign, *made.visits, *made.assignments], actor="demo")
    return len(made.assignments), len(made.visits)


def demo_charities(ctx: ServerContext) -> list[Charity]:
    """The demo's charities (app.demo.charities), registered once and found by their credit
    code at every later start; created before the households, which are referred to them."""
    from sync.server.services import organisations

    known = {o.credit_code: o for o in organisations.list_organisations(ctx)}
    out = []
    for spec in DEMO_CHARITIES:
        org = known.get(spec.credit_code) or organisations.add_organisation(
            ctx,
            organisations.OrganisationInput(
                spec.name,
                spec.kind.value,
                spec.credit_code,
                ["330702"],
                [a.value for a in spec.need_areas],
                spec.contact,
            ),
            actor="demo",
        )
        out.append(Charity(org.id, org.name, org.kind, org.need_areas))
    return out


def demo_console_accounts(ctx: ServerContext, charities: list[Charity] | None = None) -> None:
    """The console's demo accounts, each made once (a demo directory from before the
    console, or before the second charity, gets the missing ones at its next start)."""
    from sync.server.console import accounts
    from sync.server.errors import NotFound

    charities = charities if charities is not None else demo_charities(ctx)
    organisation = {spec.username: c.id for spec, c in zip(DEMO_CHARITIES, charities, strict=True)}
    scope = {"supervisor": ["330702"], "coordinator": [DEMO_TOWNSHIP], "charity": []}
    for username, role, shown in DEMO_CONSOLE_ACCOUNTS:
        try:
            accounts.find_account(ctx, username)
            continue
        except NotFound:
            pass
        accounts.add_account(
            ctx,
            username=username,
            name=shown,
            role=role,
            password=DEMO_CONSOLE_PASSWORD,
            areas=scope[role],
            organisation=organisation.get(username),
            actor="demo",
        )


def demo_charity_reports(ctx: ServerContext, charities: list[Charity]) -> int:
    """The demo charities' 反向转介, sent through the console's own service: 主动发现
    households waiting in the coordinator's queue. Returns how many were sent."""
    from app.domain.identity import make_id_number
    from sync.server.console import accounts
    from sync.server.services import charity_reports

    organisation = {spec.username: c.id for spec, c in zip(DEMO_CHARITIES, charities, strict=True)}
    sent = 0
    for i, (username, name, situation, needs) in enumerate(DEMO_CHARITY_REPORTS):
        org_id = organisation[username]
        villages = [
            code
            for code, _ in charity_reports.villages_served(ctx, org_id)
            if code.startswith(DEMO_TOWNSHIP)
        ]
        if not villages:
            continue
        born = date(1948, 3, 12) if "care" in needs else date(1986, 9, 3)
        form = charity_reports.ReportForm(
            name=name,
            id_number=make_id_number(DEMO_TOWNSHIP[:6], born, 601 + i),
            phone=f"1390579{6100 + i:04d}",
            village=villages[(3 * i + 1) % len(villages)],
            situation=situation,
            need_areas=list(needs),
        )
        account = accounts.find_account(ctx, username)
        charity_reports.submit(ctx, org_id, account.id, form)
        sent += 1
    return sent


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
        say(f"      看：{DEMO_CONSOLE_TOURS[username]}")
    say(f"  微心愿平台（公开，无需登录）：{plan.server_url}/wishes")
    say(f"  入户走访 App：{plan.app_url}")
    say(f"  演示账户：{DEMO_WORKER}　PIN：{DEMO_PIN}")
    say(f"  开发用密钥库（仅供演示，不保护任何数据）：{plan.keystore_dir}")
    say("  按 Ctrl+C 结束。")
    run_web(device_dir, plan.app_port, keystore=DevelopmentKeystore(plan.keystore_dir))
