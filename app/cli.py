"""The `doorstep` command: thin entry points over the store, the sync client and the server.

Errors reach the operator as one sentence on stderr and a non-zero exit status, never a
traceback (set DOORSTEP_DEBUG=1 to see one). A wrong PIN exits with status 3.

Importing this module loads typer and the command tree only; each command imports the
store, the sync client or the county server when it runs, so help and every command start
fast (tests/test_cli.py checks which modules `doorstep --help` loads).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
import typer.main
from typer.core import TyperGroup

from app.domain.errors import DoorstepError
from app.store.errors import LockedOut, StoreError, TryLater, WrongPin
from sync.server.cli import server_app

if TYPE_CHECKING:
    from typer import _click as click  # the click typer vendors: its Context and Command

    from app.store.sandbox import Sandbox
    from app.store.store import Store

EXIT_FAILURE = 1
EXIT_WRONG_PIN = 3


class Doorstep(TyperGroup):
    """The top-level group. The county server's commands are built from their typer tree
    only when `doorstep server ...` runs; listing `doorstep`'s commands shows its help only."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return names if "server" in names else [*names, "server"]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "server" and cmd_name not in self.commands:
            return TyperGroup(name="server", help=server_app.info.help)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args[:1] == ["server"] and "server" not in self.commands:
            self.add_command(typer.main.get_command(server_app), "server")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=Doorstep,
    name="doorstep",
    help="Doorstep 入户走访：离线采集、加密存储、与县级平台同步。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
device_app = typer.Typer(help="本设备上的工作人员账户与数据。", no_args_is_help=True)
app.add_typer(device_app, name="device")

DataDir = Annotated[Path, typer.Option("--data-dir", help="本设备的数据目录。")]
WorkerOpt = Annotated[
    str | None, typer.Option("--worker", help="账户（工作人员姓名）；设备上只有一个账户时可省略。")
]


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def sentence(exc: BaseException) -> str:
    """What the operator reads for `exc`: a coded error in the catalogue's Chinese."""
    if isinstance(exc, DoorstepError):
        from app.ui.catalogue import message

        return message(exc)
    return str(exc)


def read_pin(env: str = "DOORSTEP_PIN", *, confirm: bool = False, prompt: str = "PIN") -> str:
    """The PIN from the environment, or asked on a terminal (twice when setting it)."""
    pin = os.environ.get(env)
    if pin:
        return pin
    if not sys.stdin.isatty():
        fail(f"请通过环境变量 {env} 提供 PIN，或在终端中运行以便输入。")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


@contextmanager
def unlocked(data_dir: Path, worker: str | None = None) -> Iterator[tuple[Sandbox, Store]]:
    from app.store.sandbox import find_sandbox, open_store

    sandbox = find_sandbox(data_dir, worker)
    store = open_store(sandbox, sandbox.unlock(read_pin()))
    try:
        yield sandbox, store
    finally:
        store.close()


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; silent otherwise."""
    if not sys.stderr.isatty() or total <= 0:
        yield lambda _n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@device_app.command(
    "init", help="新建工作人员账户：单机（--worker）或向县级平台登记（--server --enroll-code）。"
)
def device_init(
    data_dir: DataDir,
    worker: Annotated[
        str | None, typer.Option("--worker", help="工作人员姓名（单机账户）。")
    ] = None,
    server: Annotated[str | None, typer.Option("--server", help="县级平台地址。")] = None,
    enroll_code: Annotated[str | None, typer.Option("--enroll-code", help="一次性注册码。")] = None,
) -> None:
    """Create a worker sandbox: standalone (--worker) or enrolled with the county server.

    The PIN is mixed with a secret in this machine's keystore (the OS keyring, or the
    development keystore DOORSTEP_DEV_KEYSTORE names); with none it must be a passphrase.
    """
    from app.store.keystore import default_keystore
    from app.store.sandbox import Sandbox, open_store
    from app.ui.catalogue.errors import keystore_name

    keystore = default_keystore()
    prompt = "PIN" if keystore is not None else "口令（至少 10 位，含字母和数字）"
    if server or enroll_code:
        if not (server and enroll_code):
            fail("注册设备需要同时提供 --server 和 --enroll-code。")
        from sync.enrolment import enroll

        pin = read_pin(confirm=True, prompt=prompt)
        sandbox = enroll(data_dir, server, enroll_code, pin, keystore=keystore)
    else:
        if not worker:
            fail("请用 --worker 提供工作人员姓名，或用 --server 和 --enroll-code 注册设备。")
        pin = read_pin(confirm=True, prompt=prompt)
        sandbox, key = Sandbox.create(data_dir, worker, pin, keystore=keystore)
        open_store(sandbox, key).close()
    typer.echo(f"已为「{sandbox.worker_name}」创建账户：{sandbox.path}")
    where = keystore_name(keystore.kind) if keystore is not None else "无（仅凭口令）"
    typer.echo(f"密钥库：{where}")


@device_app.command("demo-data", help="写入演示数据（仅本机，不进入同步队列）。")
def device_demo_data(
    data_dir: DataDir,
    households: Annotated[int, typer.Option("--households", min=1, max=200_000)],
    seed: Annotated[int, typer.Option("--seed")] = 1,
    worker: WorkerOpt = None,
) -> None:
    """Fill the sandbox with realistic demo households (local only, not queued for sync)."""
    from app.demo.generator import generate

    with unlocked(data_dir, worker) as (_sandbox, store):
        scope = (store.meta("scope") or "330702").split(",")
        data = generate(households, seed=seed, today=date.today(), scope=scope)
        records = list(data.records())
        with progress_bar(len(records), "写入演示数据") as advance:
            store.add_many(records, queue=False, progress=advance)
        store.settle_summaries()
        typer.echo(f"已写入 {len(records)} 条演示记录（{households} 户）。")


@device_app.command("export", help="导出全部记录为 JSON Lines（格式见 README），默认遮蔽个人信息。")
def device_export(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option("--out", help="输出的 JSON Lines 文件（不覆盖已有文件）。")],
    full: Annotated[
        bool,
        typer.Option(
            "--full/--mask",
            help="--mask（默认）遮蔽姓名、证件号、出生日期、电话和地址，仅供阅读；"
            "--full 导出完整明文，可再导入。",
        ),
    ] = False,
    skip_damaged: Annotated[
        bool, typer.Option("--skip-damaged", help="跳过损坏的记录，并在 stderr 列出。")
    ] = False,
    worker: WorkerOpt = None,
) -> None:
    """Export every record as JSON Lines, masked unless --full (format in the README)."""
    from app.reports.files import ExportExists
    from app.reports.masking import full_export_notice
    from app.store.transfer import export_records

    with unlocked(data_dir, worker) as (_sandbox, store):
        total = sum(store.counts().values())
        try:
            with progress_bar(total, "导出") as advance:
                report = export_records(
                    store, out, mask=not full, skip_damaged=skip_damaged, progress=advance
                )
        except ExportExists as exc:
            fail(sentence(exc))
        except OSError as exc:
            fail(f"无法写入 {out}：{exc.strerror or exc}。")
    for damaged in report.damaged:
        typer.echo(f"已跳过损坏的记录 {damaged.record_type}/{damaged.record_id}", err=True)
    if full:
        typer.echo(full_export_notice(out), err=True)
    form = "完整明文" if full else "已遮蔽"
    typer.echo(f"已导出 {report.written} 条记录（{form}）到 {out}。")


@device_app.command(
    "import", help="导入 JSON Lines：新编号为新增，已有编号为修改；全部进入同步队列。"
)
def device_import(
    data_dir: DataDir,
    file: Annotated[Path, typer.Argument(help="要导入的 JSON Lines 文件。")],
    worker: WorkerOpt = None,
) -> None:
    """Import records: new ids are created, known ids edited; all queued for sync. A masked
    export is refused in one sentence (MaskedImport, a StoreError)."""
    from app.store.transfer import ImportFailed, import_records

    if not file.is_file():
        fail(f"找不到文件 {file}。")
    with unlocked(data_dir, worker) as (_sandbox, store):
        with open(file, "rb") as fh:
            lines = sum(1 for _ in fh)
        try:
            with progress_bar(lines, "导入") as advance:
                report = import_records(store, file, progress=advance)
        except ImportFailed as exc:
            for error in exc.errors:
                typer.echo(sentence(error), err=True)
            fail(sentence(exc))
        store.settle_summaries()
    typer.echo(
        f"已导入：新增 {report.created} 条，修改 {report.updated} 条，未变 {report.unchanged} 条。"
    )


@device_app.command(
    "change-pin",
    help="更改 PIN（旧 PIN 用 DOORSTEP_PIN，新 PIN 用 DOORSTEP_NEW_PIN），数据无需重新加密。",
)
def device_change_pin(data_dir: DataDir, worker: WorkerOpt = None) -> None:
    """Change the PIN (old in DOORSTEP_PIN, new in DOORSTEP_NEW_PIN); nothing is re-encrypted."""
    from app.store.sandbox import find_sandbox

    sandbox = find_sandbox(data_dir, worker)
    old = read_pin()
    new = read_pin("DOORSTEP_NEW_PIN", confirm=True, prompt="新 PIN")
    sandbox.change_pin(old, new)
    typer.echo("PIN 已更改。")


@device_app.command("status", help="各类记录数量、待同步和被拒绝的更改。")
def device_status(data_dir: DataDir, worker: WorkerOpt = None) -> None:
    """Counts per record type and the changes waiting for sync."""
    from app.services.sync import SyncState

    with unlocked(data_dir, worker) as (sandbox, store):
        counts = store.counts()
        outbox = store.outbox_counts()
        photos = store.photo_counts()
        last_sync = SyncState(store).last_sync() or "从未同步"
    typer.echo(f"账户：{sandbox.worker_name}（设备 {sandbox.info.device_id}）")
    for type_name, n in counts.items():
        typer.echo(f"  {type_name:<10} {n}")
    typer.echo(f"待同步：{outbox['pending']}　被拒绝：{outbox['dead']}　上次同步：{last_sync}")
    typer.echo(f"照片：待上传 {photos['upload']} 张　待下载 {photos['download']} 张")


@device_app.command("sync", help="先上传本机更改，再下载；两者都完成才返回 0。")
def device_sync(
    data_dir: DataDir,
    server: Annotated[
        str | None,
        typer.Option("--server", help="覆盖登记的平台地址（也可用 DOORSTEP_SERVER_URL）。"),
    ] = None,
    worker: WorkerOpt = None,
) -> None:
    """Push pending changes, then pull; exits 0 only if both completed."""
    from sync.client import SyncClient
    from sync.errors import SyncError

    with unlocked(data_dir, worker) as (_sandbox, store):
        try:
            report = SyncClient(store, server).sync()
        except SyncError as exc:
            fail(sentence(exc))
        store.settle_summaries()
    typer.echo(report.one_line())


@device_app.command(
    "recover", help="用县级恢复私钥重新打开被锁定的账户；新 PIN 用 DOORSTEP_NEW_PIN。"
)
def device_recover(
    data_dir: DataDir,
    recovery_key: Annotated[Path, typer.Option("--recovery-key", help="县级恢复私钥文件。")],
    worker: WorkerOpt = None,
) -> None:
    """Reopen a locked-out sandbox with the county's recovery key; new PIN in DOORSTEP_NEW_PIN."""
    import base64

    from app.store.sandbox import find_sandbox

    sandbox = find_sandbox(data_dir, worker)
    try:
        private = base64.b64decode(recovery_key.read_text().strip(), validate=True)
    except (OSError, ValueError):
        fail(f"无法读取恢复私钥文件 {recovery_key}。")
    sandbox.recover(private, read_pin("DOORSTEP_NEW_PIN", confirm=True, prompt="新 PIN"))
    typer.echo("账户已恢复，请使用新 PIN 解锁。")


@app.command(
    "demo", help="演示：县级服务器（SQLite，演示数据）+ 浏览器中的入户走访 App，打印地址和 PIN。"
)
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="演示数据目录。")] = Path(
        "demo-data"
    ),
    households: Annotated[int, typer.Option("--households", min=10, max=20_000)] = 300,
    port: Annotated[int, typer.Option("--port", help="App 的端口。")] = 8550,
    server_port: Annotated[int, typer.Option("--server-port", help="县级服务器的端口。")] = 8765,
    fresh: Annotated[bool, typer.Option("--fresh", help="删除旧的演示数据，重新开始。")] = False,
) -> None:
    """County server with demo data, a demo device enrolled, the app in a browser tab."""
    from app.demo.launch import DemoFailed, DemoPlan, run_demo

    plan = DemoPlan(data_dir, households, server_port=server_port, app_port=port, fresh=fresh)
    try:
        run_demo(plan, say=typer.echo)
    except DemoFailed as exc:
        fail(sentence(exc))


def main() -> None:
    """Console entry point: every known error becomes one sentence and an exit status."""
    try:
        app()
    except (WrongPin, TryLater, LockedOut) as exc:
        typer.echo(sentence(exc), err=True)
        sys.exit(EXIT_WRONG_PIN)
    except (StoreError, DoorstepError) as exc:
        typer.echo(sentence(exc), err=True)
        sys.exit(EXIT_FAILURE)
    except KeyboardInterrupt:
        typer.echo("已取消。", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("DOORSTEP_DEBUG"):
            raise
        typer.echo(f"意外错误：{type(exc).__name__}: {exc}".splitlines()[0], err=True)
        sys.exit(EXIT_FAILURE)
