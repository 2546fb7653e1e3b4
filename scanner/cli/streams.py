"""Standard output and error as spillguard writes them. A report that cannot be written (standard
output closed, a full disk, /dev/full) raises OutputError, which the CLI turns into one line and exit 2;
a reader that goes away (`spillguard scan | head`) raises ReaderGone once (not an OSError, which click
would turn into exit 1, the code for findings); a standard error that
cannot be written is given up on silently, since nothing could report it. After a failure, whatever is
still buffered is dropped, so the interpreter's own last flush cannot fail again."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable
from typing import Any

from scanner.errors import OutputError


class ReaderGone(Exception):
    """The reader of standard output closed it (EPIPE)."""


class _Raw(io.RawIOBase):
    """Writes to a file descriptor (None: it was closed when spillguard started)."""

    def __init__(self, fd: int | None, name: str, strict: bool) -> None:
        super().__init__()
        self._fd, self._name, self._strict = fd, name, strict
        self._failed = False

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._fd is not None and os.isatty(self._fd)

    def fileno(self) -> int:
        if self._fd is None:
            raise io.UnsupportedOperation(f"{self._name} is closed")
        return self._fd

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if self._failed:
            return size  # already reported: drop the rest
        if self._fd is None:
            return self._fail(f"{self._name} is closed", size)
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            self._failed = True
            if self._strict:
                raise ReaderGone from None
            return size
        except OSError as exc:
            return self._fail(f"cannot write to {self._name} ({exc.strerror or exc})", size)

    def _fail(self, message: str, size: int) -> int:
        self._failed = True
        if self._strict:
            raise OutputError(f"{message}; a report can be written to a file with -o FILE")
        return size


def _usable(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _reserve(fd: int) -> None:
    """Points a closed descriptor 0, 1 or 2 at /dev/null, so that no file spillguard opens later (a
    report, the history cache) takes its number and receives what is meant for the terminal."""
    null = os.open(os.devnull, os.O_RDWR)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)


def _wrap(current: Any, fd: int, name: str, strict: bool) -> io.TextIOWrapper:
    raw = _Raw(fd if current is not None else None, name, strict)
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=getattr(current, "encoding", None) or "utf-8",
        errors=getattr(current, "errors", None) or "strict",
        line_buffering=bool(getattr(current, "line_buffering", False)),
    )


def guard() -> Callable[[], None]:
    """Replaces the process's real sys.stdout and sys.stderr with guarded ones (streams a caller has
    already replaced, as click's test runner does, are left alone); returns what restores them."""
    saved = sys.stdout, sys.stderr
    closed = [fd for fd in (0, 1, 2) if not _usable(fd)]
    for fd in closed:
        _reserve(fd)
    if sys.stdout is sys.__stdout__:
        sys.stdout = _wrap(None if 1 in closed else sys.stdout, 1, "standard output", strict=True)
    if sys.stderr is sys.__stderr__:
        sys.stderr = _wrap(None if 2 in closed else sys.stderr, 2, "standard error", strict=False)

    def restore() -> None:
        for stream in (sys.stdout, sys.stderr):
            if stream not in saved:
                with contextlib.suppress(OSError, OutputError):
                    stream.flush()
        sys.stdout, sys.stderr = saved

    return restore
