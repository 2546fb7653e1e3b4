"""One file read from disk into a `ReadResult`: its text as chunks (a notebook's cells one by one), what
reading it counted, a notice when it could not be read. The record every scan mode's per-file step takes
(scanner.modes.file_step); git blobs are read into it too (scanner.sources.git.read_blob_file)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from scanner.bounded import NotRegularFile, read_bounded
from scanner.model import Chunk, Notice, ScanStats
from scanner.sources.file_walk import FileRef
from scanner.sources.notebook import notebook_chunks
from scanner.sources.text import decode


@dataclass(frozen=True)
class ReadResult:
    chunks: tuple[Chunk, ...]
    stats: ScanStats
    notice: Notice | None = None
    text: str | None = None  # the decoded file, for file rules that look at content


def text_chunks(path: str, text: str, blob: str | None = None) -> tuple[Chunk, ...]:
    """A file's text as chunks: a notebook's cells one by one, anything else whole."""
    if path.endswith(".ipynb"):
        cells = notebook_chunks(path, text, blob)
        if cells is not None:
            return cells
    return (Chunk(path=path, text=text, blob=blob),)


def read_file(ref: FileRef, max_size: int) -> ReadResult:
    try:
        info = os.stat(ref.fs_path, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            # the walker hands over directories it could not list, and named FIFOs or devices
            kind = "directory cannot be listed" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, kind))
        if info.st_size > max_size:
            return ReadResult((), ScanStats(skipped_large=1))
        # not following a link, nor blocking on a FIFO: a file swapped for either after the check
        # above is refused instead of followed or waited on
        data = read_bounded(ref.fs_path, max_size + 1, follow_links=False)
    except NotRegularFile:
        return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, "replaced while scanned"))
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        return ReadResult((), ScanStats(skipped_unreadable=1), Notice(ref.path, reason))
    if len(data) > max_size:
        return ReadResult((), ScanStats(skipped_large=1))
    text = decode(data)
    if text is None:
        return ReadResult((), ScanStats(skipped_binary=1))
    return ReadResult(text_chunks(ref.path, text), ScanStats(files=1, bytes=len(data)), text=text)
