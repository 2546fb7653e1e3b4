"""Writing a file so that no reader ever sees it half-written, and an interrupted write leaves nothing
behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def write_text(path: Path, content: str, mode: int | None = None) -> None:
    """A regular file (or a new one) is written to a temporary file beside it and renamed over it;
    a device or FIFO (/dev/null, /dev/stdout, a pipe) is written into, never replaced. Raises OSError."""
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    if special:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(content)
        return
    write_text_bytes(path, content.encode("utf-8"), mode)


def write_text_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """Writes `data` to a temporary file beside `path` and renames it over `path` (a regular or new
    file). Raises OSError."""
    directory = path.parent if str(path.parent) else Path(".")
    import tempfile  # imported here: most runs write no file

    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
