"""An exclusive lock on a file that its writers replace by renaming a new file over it (scanner.atomic),
so that two read-modify-write runs (two `baseline update`s at once) never lose each other's changes.

The lock is held on the file itself (flock), so no lock file is ever left in the work tree; a waiter
that gets the lock after the file was replaced under it takes the lock on the new file instead. Where the
platform has no flock, or the file does not exist yet (or is no regular file: the reader that follows
says what is wrong with it), there is nothing to lock.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock
    fcntl = None  # type: ignore[assignment]

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def _open(path: Path) -> int | None:
    try:
        handle = os.open(path, _FLAGS)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        return None
    return handle


def _same_file(handle: int, path: Path) -> bool:
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(handle)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


@contextlib.contextmanager
def locked(path: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Holds an exclusive lock on `path` for the block; `waiting()` is called once if another process
    holds it (the caller says so before blocking)."""
    while True:
        handle = _open(path) if fcntl is not None else None
        if handle is None:
            yield
            return
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None:
                    waiting()
                    waiting = None
                fcntl.flock(handle, fcntl.LOCK_EX)
            if _same_file(handle, path):
                yield
                return
        finally:
            os.close(handle)  # releases the lock
