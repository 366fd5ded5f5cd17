"""Serve the field app for browser tests: `python -m tests.e2e.serve DATA_DIR PORT`."""

from __future__ import annotations

import sys
from pathlib import Path

from app.main import run_web

if __name__ == "__main__":
    run_web(Path(sys.argv[1]), int(sys.argv[2]))
