"""The per-user cache directory for derived data that only saves time (compiled prefilter databases,
parsed rule files): $SPILLGUARD_CACHE_DIR, else $XDG_CACHE_HOME/spillguard, else ~/.cache/spillguard.
Entries are keyed by a hash of what they were derived from; a missing, unreadable or unwritable cache
means doing the work again, never a different result."""

from __future__ import annotations

import os
from pathlib import Path

from scanner.atomic import write_text_bytes


def cache_dir() -> Path:
    explicit = os.environ.get("SPILLGUARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spillguard"


def read(name: str) -> bytes | None:
    try:
        return (cache_dir() / name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes) -> None:
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_bytes(path, data)
    except OSError:
        pass  # a read-only home: the work is simply done again next time
