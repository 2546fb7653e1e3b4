"""One file read from disk into a `ReadResult`: its text as chunks (a notebook's cells one by one), what
reading it counted, a notice naming what it skipped (binary, too large, unreadable). The record every
scan mode's per-file step takes (scanner.modes.file_step); git blobs and changes are read into it too.

The first bytes decide whether a file is text at all, so a large binary file is never read past them;
a text file is read once, into one buffer no larger than the file; a text longer than the window size
is kept as bytes (`long`), decoded and scanned window by window (scanner.sources.windows)."""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass, replace

from scanner.bounded import NotRegularFile
from scanner.model import NOTICE_BINARY, Chunk, Notice, ScanStats
from scanner.sources.file_walk import FileRef
from scanner.sources.notebook import notebook_chunks
from scanner.sources.text import SNIFF_BYTES, Encoding, decode_with, sniff
from scanner.sources.windows import LongText, fits_whole

BINARY = NOTICE_BINARY


def too_large(limit: int) -> str:
    return f"larger than --max-file-size ({limit:,} bytes), not scanned"


@dataclass(frozen=True)
class ReadResult:
    chunks: tuple[Chunk, ...]
    stats: ScanStats
    notice: Notice | None = None
    text: str | None = None  # the decoded file when read whole, for file rules that look at content
    long: tuple[LongText, ...] = ()  # texts too long to decode whole: scanned window by window


def text_read(
    data: bytes | bytearray, encoding: Encoding, stats: ScanStats, chunk: Chunk, notebooks: bool = True
) -> ReadResult:
    """Text bytes (in `encoding`) as a ReadResult: decoded whole (with `notebooks`, a notebook cell by
    cell), or kept as a LongText. `chunk` gives the path and the fields every chunk keeps (first line,
    commit, blob)."""
    if not fits_whole(data, encoding):
        return ReadResult((), stats, long=(LongText(data, encoding, chunk),))
    text = decode_with(data, encoding)
    cells = (
        notebook_chunks(chunk.path, text, chunk.blob) if notebooks and chunk.path.endswith(".ipynb") else None
    )
    return ReadResult(cells if cells is not None else (replace(chunk, text=text),), stats, text=text)


# Not following a link, nor blocking on a FIFO: a file swapped for either after it was listed is
# refused (OSError, NotRegularFile) instead of followed or waited on.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


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


def read_file(ref: FileRef, max_size: int) -> ReadResult:
    try:
        info = os.stat(ref.fs_path, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            # the walker hands over directories it could not list, and named FIFOs or devices
            kind = "directory cannot be listed" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, kind))
        if info.st_size > max_size:
            return ReadResult((), ScanStats(skipped_large=1), Notice(ref.path, too_large(max_size)))
        with open(os.open(ref.fs_path, _FLAGS), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise NotRegularFile
            head = handle.read(min(SNIFF_BYTES, max_size + 1))
            encoding = sniff(head)
            if encoding is None:
                return ReadResult((), ScanStats(skipped_binary=1), Notice(ref.path, BINARY))
            data = _read_all(handle, head, os.fstat(handle.fileno()).st_size, max_size)
    except NotRegularFile:
        return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, "replaced while scanned"))
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, reason))
    except ValueError:  # a path holding a NUL (a baseline entry's path under review): no such file
        return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, "no such file or directory"))
    if data is None:
        return ReadResult((), ScanStats(skipped_large=1), Notice(ref.path, too_large(max_size)))
    return text_read(data, encoding, ScanStats(files=1, bytes=len(data)), Chunk(path=ref.path, text=""))
