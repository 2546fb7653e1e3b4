"""The version of a path a history-audit worker read last, kept so that the next version of the same path
is looked at only where it differs (scanner.modes.history_line_places).

Most commits change a few lines of a file. Two versions share a prefix and a suffix; every line that
ends before the first difference, or starts after a line break inside the shared suffix, is the same
line in both, so its keyword hits are the old version's, at the same offset or shifted by the change in
length. Only the lines in between are given to the keyword backend again. Workers scan all versions of
a path (scanner.modes.history_scan's lanes), so the previous version is usually at hand; what is kept
is bounded in bytes, the least recently used paths dropped first."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from scanner.engine.lines import Hit
from scanner.engine.region_reuse import RegionsKept

KEEP_BYTES = 48 << 20  # versions kept per worker, at most about this many bytes of them


@dataclass
class Version:
    """A version whose lines the memo split: its bytes, each line holding a keyword hit (byte offset,
    place, line), its hits of keywords of whole-text rules, whether it is known to hold no character
    that case-insensitive patterns take for an ASCII letter (None: not looked at), and what the rules
    that are not line-local found in its regions (filled in when its findings are assembled)."""

    data: bytes
    lines: tuple[tuple[int, int, bytes], ...]
    whole: tuple[Hit, ...]
    fold_free: bool | None
    regions: RegionsKept = field(default_factory=RegionsKept)


@dataclass(frozen=True)
class Zones:
    """Where a new version differs from the old: lines before `start` are the old version's at the same
    offsets, lines from `end` on are the old version's from `end - shift` on; [start, end) is to be
    looked at again. Both are line starts (or the text's length)."""

    start: int
    end: int
    shift: int


def common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix: halves compared at C speed."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """The length of the longest common suffix, at most `limit`."""
    low, high, size_a, size_b = 0, limit, len(a), len(b)
    while low < high:
        middle = (low + high + 1) // 2
        if a[size_a - middle : size_a - low] == b[size_b - middle : size_b - low]:
            low = middle
        else:
            high = middle - 1
    return low


def zones(old: bytes, new: bytes) -> Zones:
    """The unchanged lines at both ends of `new` against `old`. A line is unchanged at the start when
    its line break lies before the first difference; at the end, when it starts after a line break
    that lies in the shared suffix. The last line of `new` is in an unchanged part only when that part
    is at the end: then it was the last of `old` too. (A version keeps only the lines that hold
    something and those at an edge of its text; no other can come to an edge but the last line.)"""
    prefix = common_prefix(old, new)
    suffix = common_suffix(old, new, min(len(old), len(new)) - prefix)
    start = new.rfind(b"\n", 0, prefix) + 1
    after = new.find(b"\n", len(new) - suffix)
    end = len(new) if after < 0 else after + 1
    if end == len(new):  # the new text's last line is looked at again: it may have been a middle one
        start = min(start, new.rfind(b"\n", 0, max(0, len(new) - 1)) + 1)
    return Zones(start, max(start, end), len(new) - len(old))


class Versions:
    """The last version read of each path, bounded in bytes (least recently used dropped first)."""

    def __init__(self, limit: int = KEEP_BYTES) -> None:
        self._limit = limit
        self._size = 0
        self._kept: OrderedDict[str, Version] = OrderedDict()

    def get(self, path: str) -> Version | None:
        return self._kept.get(path)

    def put(self, path: str, version: Version | None) -> None:
        """Keeps `version` as the last of `path` (None: nothing usable is known of it)."""
        old = self._kept.pop(path, None)
        if old is not None:
            self._size -= len(old.data)
        if version is None or len(version.data) > self._limit // 4:
            return
        self._kept[path] = version
        self._size += len(version.data)
        while self._size > self._limit:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped.data)
