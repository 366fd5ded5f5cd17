"""Writing an export to disk: a new file that only its owner can read, whole or absent.

Every file the project exports (JSON Lines, CSV, XLSX) carries personal data, masked or
not: it is created with O_EXCL and mode 0600, never overwrites a file, and a reader
never sees half of it.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600


class ExportExists(FileExistsError):
    """The target of an export already exists: an export never overwrites a file."""

    def __init__(self, path: Path) -> None:
        message = f"{path} 已存在，为免覆盖未写入：请换一个文件名，或先移走原来的文件。"
        super().__init__(errno.EEXIST, message, str(path))

    def __str__(self) -> str:
        return str(self.strerror)


@contextmanager
def new_file(path: str | Path) -> Iterator[BinaryIO]:
    """Create `path` (O_EXCL, 0600; ExportExists if it is there) and yield a binary file
    to write; when the block ends the path holds all of it, and after an error nothing."""
    target = Path(path)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        raise ExportExists(target) from None
    # The name is ours now; the content goes beside it and replaces the empty file whole.
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise


def write_file(path: str | Path, data: bytes) -> Path:
    """Write an export as `new_file` does: a new 0600 file, whole or absent."""
    target = Path(path)
    with new_file(target) as fh:
        fh.write(data)
    return target
