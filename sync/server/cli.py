"""`doorstep server ...`: run the county server and administer it from a shell.

Each command is thin: it opens the database (``--db`` or ``DOORSTEP_DATABASE_URL``,
migrating it to the newest schema), calls one service and prints the result. Errors are
one sentence on stderr and a non-zero exit, never a traceback.

This module is the command tree only: it imports typer and the standard library, and each
command imports the server (FastAPI, SQLAlchemy, the services) when it runs, so that
`doorstep --help`, `doorstep server --help` and every `doorstep device ...` start fast. A
missing server dependency becomes one sentence naming `doorstep[server]`.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sync.server.context import ServerContext
    from sync.server.services.reports import Export, ReportFormat

server_app = typer.Typer(
    name="server",
    help="县级服务器：运行、管理工作人员和设备、导入花名册、导出数据。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="DOORSTEP_DATABASE_URL", help="数据库地址（默认本目录下的 SQLite 文件）"
    ),
]


AdminOption = Annotated[
    str | None,
    typer.Option(
        "--admin",
        envvar="DOORSTEP_ADMIN",
        help="以这位管理员的身份操作：只能管理其负责区划内的人员和设备（记入审计日志）",
    ),
]


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def friendly(command: F) -> F:
    """Turn every expected failure into one sentence on stderr and exit status 1.

    The server's error types are imported only once a command has failed (it has imported
    them already by then), so that the command tree stays light."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ModuleNotFoundError as exc:
            missing = exc.name or "server"
            fail(
                f"县级平台需要额外的依赖（缺少 {missing}），请安装：pip install 'doorstep[server]'。"
            )
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            explain(exc)
            raise

    return wrapper  # type: ignore[return-value]


def explain(exc: Exception) -> None:
    """Exit with one sentence if `exc` is an expected failure; return if it is not."""
    from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

    from app.reports.files import ExportExists
    from sync.server.errors import ApiError
    from sync.server.sealing import SealBroken, ServerKeyMissing
    from sync.server.services.roster import RosterRefused

    if isinstance(exc, ServerKeyMissing):
        fail(str(exc))
    if isinstance(exc, SealBroken):
        fail("服务器密钥与数据库中加密保存的内容不匹配：请使用原来的服务器密钥。")
    if isinstance(exc, RosterRefused):
        typer.echo(str(exc), err=True)
        for line in exc.lines():
            typer.echo(line, err=True)
        raise typer.Exit(1) from None
    if isinstance(exc, ApiError):
        fail(exc.message)
    if isinstance(exc, ExportExists):
        fail(str(exc))
    if isinstance(exc, OperationalError | ArgumentError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        fail(f"无法打开数据库：{reason}")
    if isinstance(exc, SQLAlchemyError):
        fail(f"数据库操作失败：{type(exc).__name__}")
    if isinstance(exc, OSError):
        fail(f"文件操作失败：{exc.strerror or exc}（{exc.filename or ''}）")


def open_context(db: str | None) -> ServerContext:
    from sync.server.context import ServerContext
    from sync.server.settings import Settings

    settings = Settings() if db is None else Settings(database_url=db)
    return ServerContext.open(settings)


def acting(ctx: ServerContext, admin_id: str | None) -> dict[str, Any]:
    """The actor and scope of an admin command: the admin's own areas with --admin, else
    the county's shell (whoever holds the database), unscoped."""
    from sync.server.services import admin

    if admin_id is None:
        return {"actor": "cli", "scope": None}
    return {"actor": admin_id, "scope": admin.admin_scope(ctx, admin_id)}


@server_app.command()
@friendly
def run(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    cert: Annotated[str, typer.Option(envvar="DOORSTEP_TLS_CERT", help="TLS 证书（PEM）")] = "",
    key: Annotated[str, typer.Option(envvar="DOORSTEP_TLS_KEY", help="TLS 私钥（PEM）")] = "",
    workers: Annotated[int, typer.Option(help="进程数（仅 PostgreSQL 时大于 1）")] = 1,
) -> None:
    """运行县级服务器（uvicorn）。"""
    import uvicorn

    from sync.server.context import ServerContext
    from sync.server.services import admin
    from sync.server.settings import Settings

    settings = Settings() if db is None else Settings(database_url=db)
    settings.tls_cert, settings.tls_key = cert or settings.tls_cert, key or settings.tls_key
    if bool(settings.tls_cert) != bool(settings.tls_key):
        fail("启用 HTTPS 需要同时提供 --cert 和 --key。")
    ctx = ServerContext.open(settings)
    admin.recovery_public_key(ctx)
    if workers > 1:
        if ctx.db.is_sqlite:
            fail("SQLite 数据库只能用单个进程运行，请使用 PostgreSQL 或 --workers 1。")
        import os

        os.environ["DOORSTEP_DATABASE_URL"] = settings.database_url
        ctx.db.dispose()
        uvicorn.run(
            "sync.server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            ssl_certfile=settings.tls_cert or None,
            ssl_keyfile=settings.tls_key or None,
            log_level="warning",
        )
        return
    from sync.server.app import create_app

    uvicorn.run(
        create_app(settings, ctx=ctx),
        host=host,
        port=port,
        ssl_certfile=settings.tls_cert or None,
        ssl_keyfile=settings.tls_key or None,
        log_level="warning",
    )


@server_app.command("add-worker")
@friendly
def add_worker(
    name: Annotated[str, typer.Option("--name", help="姓名")],
    role: Annotated[str, typer.Option("--role", help="worker / coordinator / supervisor / admin")],
    team: Annotated[
        str,
        typer.Option(
            "--team", help="civil_affairs / coordinator / social_worker / volunteer / grid_worker"
        ),
    ],
    area: Annotated[list[str], typer.Option("--area", help="负责区划：6、9 或 12 位代码，可多次")],
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """新增工作人员，打印其编号。"""
    from sync.server.services import admin

    ctx = open_context(db)
    worker = admin.create_worker(ctx, name, role, team, area, **acting(ctx, admin_id))
    typer.echo(worker.id)


@server_app.command("set-areas")
@friendly
def set_areas(
    worker: Annotated[str, typer.Option("--worker", help="工作人员编号")],
    area: Annotated[list[str], typer.Option("--area", help="新的负责区划，可多次")],
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """调整工作人员的负责区划；其设备下次同步时移除范围外的数据。"""
    from sync.server.services import admin

    ctx = open_context(db)
    codes = admin.set_areas(ctx, worker, area, **acting(ctx, admin_id))
    typer.echo(" ".join(codes))


@server_app.command("enroll-code")
@friendly
def enroll_code(
    worker: Annotated[str, typer.Option("--worker", help="工作人员编号")],
    qr: Annotated[Path | None, typer.Option("--qr", help="同时保存二维码 PNG")] = None,
    hours: Annotated[
        int | None, typer.Option("--hours", min=1, max=24 * 30, help="有效小时数")
    ] = None,
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """生成一次性设备登记码（打印登记码，可另存二维码）。"""
    from sync.server.services import admin

    ctx = open_context(db)
    issued = admin.issue_code(ctx, worker, hours=hours, **acting(ctx, admin_id))
    if qr is not None:
        admin.qr_png(issued.qr_text, qr)
    typer.echo(issued.code)
    typer.echo(f"有效期至 {issued.expires_at:%Y-%m-%d %H:%M} UTC", err=True)


@server_app.command("revoke-device")
@friendly
def revoke_device(
    device: Annotated[str, typer.Option("--device", help="设备编号")],
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """注销设备：它下次连接时被拒绝并清除本机数据。"""
    from sync.server.services import admin

    ctx = open_context(db)
    admin.revoke_device(ctx, device, **acting(ctx, admin_id))
    typer.echo(f"设备 {device} 已注销。")


@server_app.command("import-roster")
@friendly
def import_roster(
    file: Annotated[Path, typer.Argument(help="花名册 CSV 或 XLSX（模板见 assets/templates）")],
    apply: Annotated[
        bool, typer.Option("--apply", help="写入数据库；不加时只试运行，打印将发生的变化")
    ] = False,
    confirm_leavers: Annotated[
        bool,
        typer.Option(
            "--confirm-leavers", help="确认：允许某乡镇（街道）超过政策比例的家庭标记为退出在册"
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """导入花名册：默认只试运行，加 --apply 才写入；有错误时逐行报告且不导入；重复导入不产生变化。"""
    from sync.server.services import roster

    if not file.is_file():
        fail(f"找不到文件：{file}")
    report = roster.import_roster(
        open_context(db), file, dry_run=not apply, confirm_leavers=confirm_leavers
    )
    typer.echo(report.one_line())
    for line in report.leaver_lines():
        typer.echo(f"  {line}")
    if not apply:
        typer.echo("以上为试运行，未写入任何数据；核对无误后加 --apply 导入。")


@server_app.command("demo-data")
@friendly
def demo_data(
    households: Annotated[int, typer.Option("--households", min=1, max=200_000, help="户数")],
    seed: Annotated[int, typer.Option("--seed", help="随机种子（同一种子生成相同数据）")] = 1,
    today: Annotated[
        str | None, typer.Option("--today", help="演示数据的“今天”（YYYY-MM-DD）")
    ] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="只生成这些区划（6、9 或 12 位），可多次")
    ] = None,
    db: DbOption = None,
) -> None:
    """生成演示数据（区划、工作人员和记录）并写入服务器。"""
    from sync.server.services import exchange

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD：{today}")
        return
    loaded = exchange.load_demo(open_context(db), households, seed=seed, today=day, scope=scope)
    for worker_id, name, areas in loaded.workers:
        typer.echo(f"{worker_id}\t{name}\t{areas}")
    typer.echo(f"已写入 {loaded.records} 条记录、{len(loaded.workers)} 名工作人员。", err=True)


@server_app.command()
@friendly
def export(
    out: Annotated[Path, typer.Option("--out", help="输出文件（JSON Lines，不覆盖已有文件）")],
    full: Annotated[
        bool,
        typer.Option(
            "--full/--mask",
            help="--mask（默认）遮蔽姓名、证件号、出生日期、电话等；--full 完整明文",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """导出全部记录为 JSON Lines（与设备导出格式相同，默认遮蔽），并记入审计日志。"""
    from app.reports.masking import full_export_notice
    from sync.server.services import exchange

    written = exchange.export_jsonl(open_context(db), out, mask=not full)
    if full:
        typer.echo(full_export_notice(out), err=True)
    form = "完整明文" if full else "已遮蔽"
    typer.echo(f"已导出 {written} 条记录（{form}）到 {out}。")


@server_app.command("recovery-key")
@friendly
def recovery_key(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="写入文件（权限 0600，不覆盖已有文件），而不是打印"),
    ] = None,
    remove: Annotated[
        bool,
        typer.Option("--remove", help="写入并核对文件后，从数据库删除私钥（转为离线保存）"),
    ] = False,
    db: DbOption = None,
) -> None:
    """打印县级恢复私钥（base64），或用 --out 写入文件、--remove 转为离线保存；每次读取都记入审计日志。"""
    from sync.server.services import admin

    if out is None:
        if remove:
            fail("--remove 需要同时用 --out 指定保存私钥的文件。")
        typer.echo(base64.b64encode(admin.recovery_private_key(open_context(db))).decode())
        return
    admin.write_recovery_key(open_context(db), out, remove=remove)
    if remove:
        typer.echo(f"恢复私钥已写入 {out}，并已从服务器数据库删除；请离线妥善保管此文件。")
    else:
        typer.echo(f"恢复私钥已写入 {out}（服务器上仍保留一份）。")


@server_app.command("release-claims")
@friendly
def release_claims(
    today: Annotated[
        str | None, typer.Option("--today", help="按这一天判断（YYYY-MM-DD，默认今天）")
    ] = None,
    db: DbOption = None,
) -> None:
    """释放超过联系期限（默认 7 天）仍未登记联系的心愿认领，心愿回到已发布。"""
    from sync.server.services import review

    day = _as_of(today)
    released = review.release_stale_claims(open_context(db), day)
    typer.echo(f"已释放 {len(released)} 个超期未联系的心愿认领。")


def _organisation_line(org: Any) -> str:
    from sync.server.console.labels import KIND_LABELS

    state = "" if org.active else "\t（已停用）"
    areas = " ".join(org.areas)
    return f"{org.id}\t{org.credit_code}\t{KIND_LABELS[org.kind]}\t{org.name}\t{areas}{state}"


@server_app.command("add-org")
@friendly
def add_org(
    name: Annotated[str, typer.Option("--name", help="机构名称")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="charity（慈善组织）、social_work（社工机构）、caring_company（爱心企业）、"
            "volunteer（志愿服务组织）、charity_supermarket（幸福超市/慈善超市）、"
            "alliance_member（助联体成员单位）、delivery_team（小特帮扶服务队）",
        ),
    ],
    credit_code: Annotated[str, typer.Option("--credit-code", help="统一社会信用代码（18位）")],
    area: Annotated[list[str], typer.Option("--area", help="服务区划：6、9 或 12 位代码，可多次")],
    need: Annotated[
        list[str] | None,
        typer.Option("--need", help="服务的需求领域：living、education、medical…，可多次"),
    ] = None,
    contact: Annotated[str, typer.Option("--contact", help="机构联系人和电话")] = "",
    db: DbOption = None,
) -> None:
    """登记帮扶机构（慈善组织、社工机构、爱心企业等），打印其编号。"""
    from sync.server.services import organisations

    entered = organisations.OrganisationInput(name, kind, credit_code, area, need or [], contact)
    org = organisations.add_organisation(open_context(db), entered)
    typer.echo(org.id)


@server_app.command("list-orgs")
@friendly
def list_orgs(
    all_: Annotated[bool, typer.Option("--all", help="包括已停用的机构")] = False,
    db: DbOption = None,
) -> None:
    """列出帮扶机构：编号、信用代码、类型、名称、服务区划（每行一个，制表符分隔）。"""
    from sync.server.services import organisations

    for org in organisations.list_organisations(open_context(db), include_inactive=all_):
        typer.echo(_organisation_line(org))


@server_app.command("deactivate-org")
@friendly
def deactivate_org(
    organisation: Annotated[str, typer.Argument(help="机构编号或统一社会信用代码")],
    db: DbOption = None,
) -> None:
    """停用帮扶机构（保留记录，不再作为转介和同意的对象）。"""
    from sync.server.services import organisations

    org = organisations.set_active(open_context(db), organisation, False)
    typer.echo(f"机构「{org.name}」已停用。")


@server_app.command("add-project")
@friendly
def add_project(
    name: Annotated[str, typer.Option("--name", help="项目名称")],
    organisation: Annotated[
        str, typer.Option("--organisation", help="实施机构编号或统一社会信用代码")
    ],
    need: Annotated[
        list[str], typer.Option("--need", help="帮扶的需求领域：living、education…，可多次")
    ],
    area: Annotated[list[str], typer.Option("--area", help="服务区划：6、9 或 12 位代码，可多次")],
    starts: Annotated[str, typer.Option("--starts", help="开始日期 YYYY-MM-DD")],
    funding: Annotated[
        str,
        typer.Option(
            "--funding",
            help="purchased_service（财政购买服务）、venture（公益创投）、fundraising（慈善募捐）、"
            "trust（慈善信托）、special_fund（专项基金）、welfare_lottery（福彩公益金）",
        ),
    ],
    ends: Annotated[str, typer.Option("--ends", help="结束日期 YYYY-MM-DD（长期项目不填）")] = "",
    budget: Annotated[str, typer.Option("--budget", help="预算（元）")] = "0",
    capacity: Annotated[str, typer.Option("--capacity", help="可服务户数")] = "0",
    brand: Annotated[bool, typer.Option("--brand", help="品牌项目（一县一品）")] = False,
    db: DbOption = None,
) -> None:
    """登记慈善帮扶项目库的服务项目，打印其编号。"""
    from sync.server.services import organisations, projects

    ctx = open_context(db)
    owner = organisations.find_organisation(ctx, organisation)
    entered = projects.ProjectInput(
        name, owner.id, need, area, starts, ends, funding, budget, capacity, brand
    )
    typer.echo(projects.add_project(ctx, entered).id)


@server_app.command("list-projects")
@friendly
def list_projects(
    all_: Annotated[bool, typer.Option("--all", help="包括已停止的项目")] = False,
    db: DbOption = None,
) -> None:
    """列出服务项目：编号、资金来源、起止日期、实施机构、名称（每行一个，制表符分隔）。"""
    from sync.server.services import projects

    for p in projects.list_projects(open_context(db), include_inactive=all_):
        period = f"{p.starts_on}~{p.ends_on or ''}"
        typer.echo("\t".join([p.id, p.funding.value, period, p.organisation_name, p.name]))


@server_app.command("add-user")
@friendly
def add_user(
    username: Annotated[str, typer.Option("--username", help="登录用户名（字母、数字）")],
    name: Annotated[str, typer.Option("--name", help="姓名")],
    role: Annotated[str, typer.Option("--role", help="admin / supervisor / coordinator / charity")],
    area: Annotated[
        list[str] | None,
        typer.Option("--area", help="负责区划：管理员、督导 6 位；协调员 9 或 12 位，可多次"),
    ] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="机构工作人员所属机构（编号或信用代码）")
    ] = None,
    second_factor: Annotated[
        bool, typer.Option("--totp", help="启用动态验证码（仅管理员、督导），打印绑定地址")
    ] = False,
    db: DbOption = None,
) -> None:
    """新增网页控制台账户；密码取自 DOORSTEP_CONSOLE_PASSWORD，或在终端输入两次。"""
    import os

    from sync.server.console import accounts, totp

    password = os.environ.get("DOORSTEP_CONSOLE_PASSWORD") or typer.prompt(
        "密码", hide_input=True, confirmation_prompt="再次输入密码"
    )
    account, secret = accounts.add_account(
        open_context(db),
        username=username,
        name=name,
        role=role,
        password=password,
        areas=area or [],
        organisation=organisation,
        second_factor=second_factor,
    )
    typer.echo(account.id)
    if secret is not None:
        typer.echo(
            f"动态验证码绑定地址（请用身份验证器应用添加）：{totp.provisioning_uri(secret, account.username)}"
        )


report_app = typer.Typer(
    name="report",
    help="报表：在册对象探访关爱率、重大变故响应率、预警、三年目标清单完成情况、节日走访清单（JSON / CSV / XLSX）。",
    no_args_is_help=True,
    add_completion=False,
)
server_app.add_typer(report_app)

FormatOption = Annotated[str, typer.Option("--format", help="json、csv 或 xlsx")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="输出文件（json、csv 不指定时打印到屏幕）")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="统计截止日（YYYY-MM-DD）；进行中的统计期默认为今天"),
]


def _as_of(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD：{text}")
        raise AssertionError("unreachable") from None


def _emit(export: Export, out: Path | None) -> None:
    from app.reports import write_file
    from sync.server.services import reports

    if out is not None:
        write_file(out, export.body)
        typer.echo(f"已写入 {out}（{len(export.body)} 字节）。", err=True)
    elif export.media_type == reports.MEDIA_TYPES[reports.ReportFormat.XLSX]:
        fail("XLSX 是二进制文件，请用 --out 指定输出文件。")
    else:
        typer.echo(export.body, nl=False)


PeriodOption = Annotated[
    str, typer.Option("--period", help="统计期：2026-11、2026-Q4、2026-H2 或 2026")
]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="分组：county、township、village、worker、team 或 category"),
]


def _report(
    db: str | None,
    admin_id: str | None,
    fmt: str,
    out: Path | None,
    export: Callable[[ServerContext, ReportFormat, str, Sequence[str] | None], Export],
) -> None:
    """What every report command does: open the database, act as the admin (scoped to their
    areas) or the county's shell, read the format, then write `export(ctx, format, actor,
    areas)` to the file or the screen. A command checks its own options before (--as-of)
    and inside `export` (the period, the grouping), in the order it always did."""
    from sync.server.services import reports

    ctx = open_context(db)
    who = acting(ctx, admin_id)
    form = reports.parse_format(fmt)
    _emit(export(ctx, form, who["actor"], who["scope"]), out)


@report_app.command("coverage")
@friendly
def report_coverage(
    period: PeriodOption,
    by: ByOption = None,
    fmt: FormatOption = "json",
    out: OutOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """在册对象探访关爱率：应探访、已探访、探访率，分组明细和逾期未探访名单（xlsx 含全部分组）。"""
    from sync.server.services import reports

    day = _as_of(as_of)
    _report(
        db,
        admin_id,
        fmt,
        out,
        lambda ctx, form, actor, areas: reports.coverage_export(
            ctx,
            reports.report_period(period),
            reports.report_breakdown(by),
            form,
            as_of=day,
            actor=actor,
            areas=areas,
        ),
    )


@report_app.command("major-events")
@friendly
def report_major_events(
    period: PeriodOption,
    by: ByOption = None,
    fmt: FormatOption = "json",
    out: OutOption = None,
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """重大变故响应率：统计期内发生（或登记）的重大变故数、按时上门数、响应率及分组明细（xlsx 含全部分组）。"""
    from sync.server.services import reports

    _report(
        db,
        admin_id,
        fmt,
        out,
        lambda ctx, form, actor, areas: reports.major_events_export(
            ctx,
            reports.report_period(period),
            reports.report_breakdown(by),
            form,
            actor=actor,
            areas=areas,
        ),
    )


@report_app.command("warnings")
@friendly
def report_warnings(
    by: Annotated[str, typer.Option("--by", help="分组：county、township 或 village")] = "village",
    fmt: FormatOption = "json",
    out: OutOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """预警：连续无人在家、合理需求久未处理、重大变故超时、收入低于提低线、长期未探访、标记与记录不符，按区划分组计数（xlsx 含预警名单，姓名脱敏）。"""
    from app.domain.coverage import Breakdown
    from sync.server.services import reports

    day = _as_of(as_of)
    _report(
        db,
        admin_id,
        fmt,
        out,
        lambda ctx, form, actor, areas: reports.warnings_export(
            ctx,
            reports.report_breakdown(by) or Breakdown.VILLAGE,
            form,
            today=day,
            actor=actor,
            areas=areas,
        ),
    )


@report_app.command("indicators")
@friendly
def report_indicators(
    year: Annotated[str, typer.Option("--year", help="年度，如 2026")],
    fmt: FormatOption = "json",
    out: OutOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """三年目标清单 20 项指标：系统统计 4 项，其余为民政局填报值，对照目标判断是否达标。"""
    from sync.server.services import reports

    day = _as_of(as_of)
    _report(
        db,
        admin_id,
        fmt,
        out,
        lambda ctx, form, actor, areas: reports.indicators_export(
            ctx, reports.report_year(year), form, as_of=day, actor=actor, areas=areas
        ),
    )


@report_app.command("campaigns")
@friendly
def report_campaigns(
    year: Annotated[str | None, typer.Option("--year", help="只看某年度的清单，如 2026")] = None,
    fmt: FormatOption = "json",
    out: OutOption = None,
    db: DbOption = None,
    admin_id: AdminOption = None,
) -> None:
    """节日走访清单：每份清单的走访对象、已走访、待走访户数，按村（社区）分列，及送达物资价值（元）。"""
    from sync.server.services import reports

    _report(
        db,
        admin_id,
        fmt,
        out,
        lambda ctx, form, actor, areas: reports.campaigns_export(
            ctx,
            form,
            year=reports.report_year(year) if year is not None else None,
            areas=areas,
            actor=actor,
        ),
    )


@server_app.command("set-indicator")
@friendly
def set_indicator(
    year: Annotated[str | None, typer.Option("--year", help="年度，如 2026")] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="指标代码（见 report indicators）")
    ] = None,
    value: Annotated[str | None, typer.Option("--value", help="填报值（按指标单位）")] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="批量填报：CSV 文件，列为 code,year,value")
    ] = None,
    db: DbOption = None,
) -> None:
    """填报民政局统计的指标值（单项，或用 --csv 批量；有错误时不保存任何一项）。"""
    from sync.server.services import reports

    if csv_file is not None:
        if code or value:
            fail("--csv 不能与 --code、--value 同时使用。")
        if not csv_file.is_file():
            fail(f"找不到文件：{csv_file}")
        count = reports.import_values(open_context(db), csv_file)
        typer.echo(f"已保存 {count} 项指标值。")
        return
    if not (year and code and value is not None):
        fail("请同时提供 --year、--code 和 --value，或用 --csv 批量填报。")
        return
    entered = reports.set_indicator(open_context(db), year, code, value)
    typer.echo(f"已保存 {entered.code} {entered.year} 年的值：{entered.value:g}。")


def main() -> None:  # pragma: no cover - `python -m sync.server.cli`
    server_app(prog_name="doorstep server")


if __name__ == "__main__":  # pragma: no cover
    main()
