"""Bounded reads of the small files a user or a repository hands spillguard (rule files, the config,
a baseline): never more than a limit, and never from a FIFO or a device, which would block or never
end."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(Exception):
    """What the path is instead of a regular file, as a message."""


def read_bounded(path: str | Path, limit: int, follow_links: bool = True) -> bytes:
    """At most `limit` bytes of a regular file. Opened without blocking (and, with `follow_links`
    False, without following a link: OSError) and checked before reading, so a FIFO or a device such as
    /dev/zero is refused (NotRegularFile) instead of hanging."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "is a directory, expected a file" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise NotRegularFile(kind)
        return handle.read(limit)
