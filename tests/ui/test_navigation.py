"""Navigation goes through one route table on the shell: every route opens its screen, and
screens reach each other by route name, never by importing the shell or another screen."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

from app.ui.shell import ROUTES
from app.ui.views.base import Screen
from app.ui.views.households import NewHouseholdScreen
from tests.ui.builders import PIN
from tests.ui.conftest import Clock
from tests.ui.harness import Client

VIEWS = Path(__file__).resolve().parents[2] / "app" / "ui" / "views"


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top, in functions and for type checking alike."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_every_route_names_a_screen_with_that_key() -> None:
    for name, route in ROUTES.items():
        screen = route.load()
        assert issubclass(screen, Screen) and screen.key == name, name


def test_screens_import_neither_the_shell_nor_each_other() -> None:
    screens = {route.module for route in ROUTES.values()}
    for path in sorted(VIEWS.glob("*.py")):
        module = f"app.ui.views.{path.stem}"
        imported = _imports(path)
        assert "app.ui.shell" not in imported, module
        assert imported & (screens - {module}) == set(), module


def test_a_reported_household_opens_in_the_forms_place(data_dir: Path, clock: Clock) -> None:
    """After 主动发现 is saved, its household shows; back goes to the list, not the form."""

    async def go() -> None:
        client = await Client(data_dir, clock=clock).start()
        await client.unlock(PIN)
        await client.tab("家庭")
        await client.click("主动发现")
        assert client.top().route == "/household-new"
        assert client.shell is not None
        form = client.shell.stack[-1]
        assert isinstance(form, NewHouseholdScreen)
        await client.click(form.vm.village_choices()[0][1])
        await client.type("户主姓名", "钱多多")
        await client.type("住址", "上坞村1组1号")
        await client.click("保存")
        assert client.top().route == "/household" and client.has_text("钱多多"), client.texts()
        assert [v.route for v in client.page.views] == ["/households", "/household"]
        client.shell.pop()
        assert [v.route for v in client.page.views] == ["/households"]

    asyncio.run(go())
