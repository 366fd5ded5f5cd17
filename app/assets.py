"""The files under assets/ and the one loader of each policy file.

Policy that differs by county (visit frequencies, the target list) is data: a county
ships its own copy and points `DOORSTEP_POLICY_DIR` at it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from app.domain.indicators import TargetList
from app.domain.policy import VisitPolicy

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def policy_dir() -> Path:
    return Path(os.environ.get("DOORSTEP_POLICY_DIR") or ASSETS_DIR / "policy")


@cache
def load_visit_policy(path: Path | None = None) -> VisitPolicy:
    """The visit-frequency policy (Jinhua defaults of DOMAIN.md unless a county overrides)."""
    source = path or policy_dir() / "visit_policy.json"
    return VisitPolicy.model_validate_json(source.read_text(encoding="utf-8"))


@cache
def load_target_list(path: Path | None = None) -> TargetList:
    """The 2024–2026 target list of the implementation opinion's annex."""
    source = path or policy_dir() / "indicators.json"
    return TargetList.model_validate_json(source.read_text(encoding="utf-8"))
