"""Writing an export to disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_file(path: str | Path, data: bytes) -> Path:
    """Write an export atomically: a reader never sees half a file."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
