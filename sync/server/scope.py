"""Scope: the areas a worker serves, as SQL filters and checks on area codes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import false, or_

from app.domain.areas import in_scope


def area_filter(column: Any, codes: Iterable[str]) -> Any:
    """SQL: the column's 12-digit code starts with one of the scope codes."""
    clauses = [column.like(f"{code}%") for code in codes if code.isdigit()]
    return or_(*clauses) if clauses else false()


def within(code: str, scope: Iterable[str]) -> bool:
    """A scope code (6/9/12 digits) that lies inside the worker's scope."""
    return in_scope(code, tuple(scope))


__all__ = ["area_filter", "in_scope", "within"]
