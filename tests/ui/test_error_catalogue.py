"""Every error code raised in the tree has a sentence in Chinese and in English; an unknown
code, or a sentence missing a parameter, is said by the fallback naming the code."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from app.domain.codes import WishState
from app.domain.errors import DoorstepError
from app.domain.identity import InvalidIdNumber, parse_id_number
from app.domain.records import CHECKS, IllegalChange
from app.domain.wishes import IllegalTransition
from app.ui.catalogue import ERRORS, message

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def _sources() -> list[Path]:
    return sorted(p for top in ("app", "sync") for p in (ROOT / top).rglob("*.py"))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _bindings(tree: ast.Module, module: str) -> dict[str, str]:
    """What each name a module binds by an import or a class stands for, qualified."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (alias.asname and alias.name) or (
                    alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ClassDef):
            names[node.name] = f"{module}.{node.name}"
    return names


def _resolve(expr: ast.expr, names: dict[str, str]) -> str:
    """The qualified name an expression (`Name`, `module.Name`) stands for, or ""."""
    if isinstance(expr, ast.Name):
        return names.get(expr.id, "")
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        base = names.get(expr.value.id)
        return f"{base}.{expr.attr}" if base else ""
    return ""


PARSED = {_module(p): ast.parse(p.read_text(), str(p)) for p in _sources()}
BINDINGS = {module: _bindings(tree, module) for module, tree in PARSED.items()}


def _error_classes() -> tuple[set[str], set[str]]:
    """DoorstepError and every class derived from it, by qualified name; and those of them
    built by a constructor of their own (`WrongPin(remaining)`), not by a code."""
    bases: dict[str, set[str]] = {}
    own_init: set[str] = set()
    for module, tree in PARSED.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                name = f"{module}.{node.name}"
                bases[name] = {_resolve(b, BINDINGS[module]) for b in node.bases}
                if any(isinstance(f, ast.FunctionDef) and f.name == "__init__" for f in node.body):
                    own_init.add(name)
    found = {"app.domain.errors.DoorstepError"}
    while more := {c for c, bs in bases.items() if c not in found and bs & found}:
        found |= more
    own_init = (own_init & found) - {"app.domain.errors.DoorstepError"}
    while more := {c for c in found - own_init if bases.get(c, set()) & own_init}:
        own_init |= more
    return found, own_init


def _code_of(call: ast.Call, where: str) -> str | None:
    """The literal code a call passes first (`self` aside), None if it passes none."""
    args = [a for a in call.args if not (isinstance(a, ast.Name) and a.id == "self")]
    if not args:
        return None
    assert not isinstance(args[0], ast.JoinedStr), f"a code is a literal: {where}"
    if isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
        return args[0].value
    return None  # a layer's own constructor (LineError(line, problem)), or `like`


def _raised_codes() -> dict[str, list[str]]:
    """Every code the tree names: each error class's `default_code`, the first argument of
    each call of an error class and of the `__init__` of its base inside one; and the codes
    pydantic's checks are said by (`CHECKS`). A code must be a literal."""
    classes, built_otherwise = _error_classes()
    found = {code: ["app/domain/records.py CHECKS"] for code in CHECKS.values()}
    for module, tree in PARSED.items():
        names = BINDINGS[module]
        calls: list[ast.Call] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and f"{module}.{node.name}" in classes:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Assign | ast.AnnAssign):
                        targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                        if any(isinstance(t, ast.Name) and t.id == "default_code" for t in targets):
                            assert isinstance(inner.value, ast.Constant), module
                            found.setdefault(inner.value.value, []).append(module)
                    elif (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "__init__"
                    ):
                        calls.append(inner)
            elif isinstance(node, ast.Call):
                callee = _resolve(node.func, names)
                if callee in classes and callee not in built_otherwise:
                    calls.append(node)
        for call in calls:
            code = _code_of(call, f"{module}:{call.lineno}")
            if code is not None:
                found.setdefault(code, []).append(f"{module}:{call.lineno}")
    return found


RAISED = _raised_codes()


def test_the_walk_finds_the_codes_of_every_layer() -> None:
    """A walk that found nothing would pass every code: it finds codes of each layer."""
    for code in (
        "id_number.check_digit",
        "change.insert_only",
        "push.not_there",
        "import.line",
        "pin.wrong",
        "sync.seq_clash",
    ):
        assert code in RAISED, code
    assert len(RAISED) > 80


@pytest.mark.parametrize("code", sorted(RAISED))
def test_every_code_raised_has_chinese_and_english(code: str) -> None:
    assert CODE.match(code), f"{code!r} is not a code (raised at {RAISED[code]})"
    assert code in ERRORS, f"{code} (raised at {RAISED[code][0]}) has no sentence"
    zh, en = ERRORS[code]
    assert (zh and en and zh != en) or zh == en == "{detail}" or "{" in zh
    assert re.search(r"[\u4e00-\u9fff]", zh) or zh.startswith("{"), zh
    assert not re.search(r"[\u4e00-\u9fff]", en.replace("5月1日", "")), en
    names = {f[1] for f in string.Formatter().parse(zh) if f[1]}
    assert names == {f[1] for f in string.Formatter().parse(en) if f[1]}, code


def test_every_sentence_is_raised_somewhere() -> None:
    assert set(ERRORS) - set(RAISED) == set()


def test_a_sentence_in_each_language_with_its_parameters() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number("330702194001021230")
    assert caught.value.code == "id_number.check_digit"
    assert message(caught.value) == "身份证号校验位不正确"
    assert message(caught.value, "en") == "The ID number's check digit is wrong"
    moved = IllegalTransition(
        "wish.transition", current=WishState.REJECTED, target=WishState.CLAIMED
    )
    assert message(moved) == "心愿状态不能从「rejected」变为「claimed」"
    assert message(moved, "en") == "A wish cannot go from “Rejected” to “Claimed”"


def test_nested_errors_record_types_and_fields_are_said_in_the_same_language() -> None:
    edit = IllegalChange("change.insert_only", record="visit")
    assert message(edit) == "探访记录保存后不可修改，请新增一条更正记录。"
    assert message(edit, "en").startswith("A visit cannot change once saved")
    missing = DoorstepError("consent.not_covered", missing=["health", "id_number"])
    wrapped = DoorstepError("push.referral_consent", problem=missing)
    assert message(wrapped) == "同意不包含所需的数据类别：健康状况、身份证号，转介未被接受。"
    assert message(wrapped, "en").startswith(
        "The consent does not cover the data categories needed: Health, "
    )
    # Across the wire the categories come back as plain codes, and are said the same way.
    again = DoorstepError.from_wire(wrapped.code, wrapped.wire_params())
    assert message(again) == message(wrapped)


def test_an_unknown_code_or_a_missing_parameter_is_said_by_the_fallback() -> None:
    assert message(DoorstepError("no.such_code")) == "操作未能完成（错误代码 no.such_code）。"
    assert message(DoorstepError("no.such_code"), "en") == (
        "The action could not be completed (error code no.such_code)."
    )
    assert "indicator.measured" in message(DoorstepError("indicator.measured"))


def test_str_of_an_error_is_its_code_alone() -> None:
    """Logs and tracebacks never carry a parameter (it may be an ID number)."""
    error = DoorstepError("import.no_person", id="330702194001021234")
    assert str(error) == "import.no_person" and "3307" not in repr(error)
