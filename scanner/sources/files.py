"""Reads one file from disk, counting (and naming) what it skips. The first bytes decide whether it is
text at all, so a large binary file is never read past them; a text file is read once, into one buffer
no larger than the file."""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass

from scanner.bounded import NotRegularFile
from scanner.model import Notice, ScanStats
from scanner.sources.decode import SNIFF_BYTES, Encoding, sniff
from scanner.sources.workdir import FileRef

BINARY = "binary, not scanned"


def too_large(limit: int) -> str:
    return f"larger than --max-file-size ({limit:,} bytes), not scanned"


@dataclass(frozen=True)
class ReadResult:
    stats: ScanStats
    notice: Notice | None = None
    data: bytes | bytearray | None = None  # the file's bytes, when it is text to scan
    encoding: Encoding | None = None


def _read_all(handle: io.BufferedReader, head: bytes, size: int, limit: int) -> bytearray | None:
    """`head` and the rest of the file in one buffer (sized from `size`, the file's size when opened,
    so nothing is copied), or None when the file turns out longer than `limit`."""
    buffer = bytearray(max(size, len(head)) + 1)  # one byte more tells a file that grew
    buffer[: len(head)] = head
    filled = len(head)
    with memoryview(buffer) as view:
        while filled < len(buffer):
            got = handle.readinto(view[filled:])
            if not got:
                break
            filled += got
    if filled == len(buffer):  # grown since it was measured: read the rest the slow way
        buffer += handle.read(limit + 1 - filled)
        filled = len(buffer)
    if filled > limit:
        return None
    del buffer[filled:]
    return buffer


# Not following a link, nor blocking on a FIFO: a file swapped for either after it was listed is
# refused (OSError, NotRegularFile) instead of followed or waited on.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def read_file(ref: FileRef, max_size: int) -> ReadResult:
    try:
        info = os.stat(ref.fs_path, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            # the walker hands over directories it could not list, and named FIFOs or devices
            kind = "directory cannot be listed" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return ReadResult(ScanStats(skipped_unreadable=1), Notice(ref.path, kind))
        if info.st_size > max_size:
            return ReadResult(ScanStats(skipped_large=1), Notice(ref.path, too_large(max_size)))
        with open(os.open(ref.fs_path, _FLAGS), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise NotRegularFile
            head = handle.read(min(SNIFF_BYTES, max_size + 1))
            encoding = sniff(head)
            if encoding is None:
                return ReadResult(ScanStats(skipped_binary=1), Notice(ref.path, BINARY))
            data = _read_all(handle, head, os.fstat(handle.fileno()).st_size, max_size)
    except NotRegularFile:
        return ReadResult(ScanStats(skipped_unreadable=1), Notice(ref.path, "replaced while scanned"))
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        return ReadResult(ScanStats(skipped_unreadable=1), Notice(ref.path, reason))
    if data is None:
        return ReadResult(ScanStats(skipped_large=1), Notice(ref.path, too_large(max_size)))
    return ReadResult(ScanStats(files=1, bytes=len(data)), data=data, encoding=encoding)
