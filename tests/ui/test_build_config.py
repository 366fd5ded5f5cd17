"""The Flet build configuration parses and names what the app uses; staging works."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build_scripts"))

import flet_build  # noqa: E402


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_flet_section_names_the_app() -> None:
    config = _pyproject()
    flet = config["tool"]["flet"]
    assert flet["product"] == "入户走访" and flet["bundle_id"] == "cn.jinhua.doorstep"
    assert {"location", "camera"} <= set(flet["permissions"])
    assert flet["android"]["permission"]["android.permission.ACCESS_BACKGROUND_LOCATION"] is False
    assert flet["app"]["module"] == "main"
    assert flet["web"]["cdn"] is False
    assert config["project"]["version"]


def test_dependencies_carry_the_extensions_and_android_pins() -> None:
    deps = " ".join(_pyproject()["project"]["dependencies"])
    for package in (
        "flet==1.0.5",
        "flet-geolocator==",
        "flet-camera==",
        "pydantic==",
        "cryptography>=43",
    ):
        assert package in deps, package
    assert "<44" in deps  # cryptography 43.x API on Android


def test_stage_holds_the_entry_point_assets_and_icon(tmp_path: Path) -> None:
    staged = flet_build.stage(tmp_path / "flet-app")
    entry = (staged / "main.py").read_text(encoding="utf-8")
    imports = [n for n in ast.walk(ast.parse(entry)) if isinstance(n, ast.ImportFrom)]
    assert [(n.module, [a.name for a in n.names]) for n in imports] == [("app.main", ["main"])]
    for path in (
        "app/main.py",
        "app/ui/shell.py",
        "sync/client.py",
        "assets/icon.png",
        "assets/fonts/NotoSansSC-Regular.otf",
        "assets/fonts/OFL.txt",
        "assets/policy/visit_policy.json",
        "pyproject.toml",
    ):
        assert (staged / path).is_file(), path
    assert not list(staged.rglob("__pycache__"))


def test_stage_leaves_the_county_server_out(tmp_path: Path) -> None:
    assert "sync/server" in _pyproject()["tool"]["flet"]["app"]["exclude"]
    staged = flet_build.stage(tmp_path / "flet-app")
    assert (ROOT / "sync" / "server" / "app.py").is_file()
    assert not (staged / "sync" / "server").exists()
    assert sorted(p.name for p in (staged / "sync").iterdir()) == sorted(
        p.name for p in (ROOT / "sync").glob("*.py")
    )


def test_the_staged_app_imports_every_screen_without_the_server(tmp_path: Path) -> None:
    """The app, its screens and the sync client load from the staged copy alone."""
    staged = flet_build.stage(tmp_path / "flet-app")
    screens = sorted(
        ".".join(p.relative_to(staged).with_suffix("").parts)
        for p in (staged / "app" / "ui").rglob("*.py")
        if p.name != "__init__.py"
    )
    # The development install's finder would find sync.server in the source tree; the
    # packaged app has no such finder, so the probe drops it first.
    probe = (
        "import importlib, sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
        f"for name in {[*screens, 'app.main', 'sync.client']!r}:\n"
        "    importlib.import_module(name)\n"
        f"assert all(m.__file__.startswith({str(staged)!r}) for m in map(sys.modules.get, "
        "['app.main', 'sync.client']))\n"
        "assert not any(m.startswith(('sync.server', 'fastapi')) for m in sys.modules)\n"
        "try:\n"
        "    import sync.server\n"
        "except ModuleNotFoundError:\n"
        "    print('no server')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(staged)}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=staged,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no server"


def test_desktop_target_follows_the_os() -> None:
    assert flet_build.flet_target("apk") == "apk"
    assert flet_build.flet_target("desktop") in {"linux", "macos", "windows"}


def test_the_build_scripts_call_the_stager() -> None:
    for target in ("apk", "desktop", "web"):
        script = (ROOT / "build_scripts" / f"build_{target}.sh").read_text(encoding="utf-8")
        assert f"build_scripts/flet_build.py {target}" in script
