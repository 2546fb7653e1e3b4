"""Where the lines worth a look sit in a history audit's blobs (scanner.modes.history_lines), found the
way the keyword backend makes cheapest, and what the memo keeps of the lines of each path class.

- Hyperscan runs over every blob's bytes at C speed: the lines holding a keyword hit are looked up;
  over a later version of a path, only where it differs from the last one read (history_versions),
  the lines before and after that are the last version's;
- pyahocorasick is slow per character, so a blob's distinct lines are set against those seen before
  (scanner.modes.history_line_sets)."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scanner.engine.lines import FIRST, LAST, LAST_BREAK, MIDDLE, Hit, LineFound, LinePlan
from scanner.engine.noise import MINIFIED_MEAN_LINE, MINIFIED_MIN_SIZE, minified
from scanner.engine.regions import RegionMemo
from scanner.modes.history_versions import Version, Versions, Zones, zones
from scanner.sources.git import BlobText
from scanner.sources.text import UTF8
from scanner.sources.windows import fits_whole

# Characters that a case-insensitive pattern takes for the ASCII letters i, k and s (engine.firstset),
# where the prefilter sees no keyword: a blob holding one is scanned whole.
FOLDS = ("\u0130".encode(), "\u212a".encode(), "\u017f".encode())

ByteHits = Callable[[bytes], tuple["array[int]", "array[int]"]]


@dataclass
class ClassMemo:
    """What is known of the lines of one path class."""

    seen: set[bytes] = field(default_factory=set)  # scanned in the middle of a text
    found: dict[bytes, LineFound] = field(default_factory=dict)  # those of them holding something
    hit: set[bytes] = field(default_factory=set)  # those of them with a keyword hit
    edges: dict[tuple[int, bytes], LineFound] = field(default_factory=dict)  # (place, line) -> found
    regions: RegionMemo = field(default_factory=RegionMemo)  # what whole-text rules found, by region


@dataclass
class BlobLines:
    """A blob of the batch the memo may split, and what it found of it so far."""

    blob: str
    path: str
    text: BlobText
    memo: ClassMemo
    lines: list[tuple[int, int, bytes]] = field(default_factory=list)  # (byte offset, place, line)
    whole: list[Hit] = field(default_factory=list)  # hits (byte offsets) of keywords of whole-text rules
    version: Version | None = None  # what is kept of it for the next version of its path
    earlier: Version | None = None  # the version of its path read before it, and where it differs
    zone: Zones | None = None
    changed_whole: list[Hit] = field(default_factory=list)  # with `earlier`: the hits of `whole` in `zone`
    tail: int | None = None  # where the line of its first container word starts: the rest scanned together


def readable(blob: BlobText, path: str) -> bool:
    """What the memo can split at all: UTF-8 without a byte-order mark, not a notebook (read cell by
    cell), not a text scanned in windows."""
    return blob.encoding == UTF8 and not path.endswith(".ipynb") and fits_whole(blob.data, blob.encoding)


def splittable(data: bytes) -> bool:
    """A readable text the memo can split: more than one line, not minified, and no character that
    case-insensitive patterns take for an ASCII letter."""
    return several_lines(data) and fold_free(data)


def several_lines(data: bytes) -> bool:
    """More than one line, and not minified."""
    first = data.find(b"\n")
    if first < 0 or first == len(data) - 1:
        return False  # one line: its first is its last
    if len(data) >= MINIFIED_MIN_SIZE:  # as many breaks as a text that is not minified needs?
        need = -(-len(data) // MINIFIED_MEAN_LINE)
        breaks = data.count(b"\n", 0, 64 * need)
        if breaks < need and data.count(b"\n") < need and minified(data.decode("utf-8", "replace")):
            return False  # bytes overcount characters: the text decides
    return True


def fold_free(data: bytes) -> bool:
    """No character that case-insensitive patterns take for an ASCII letter (searched for one by one:
    `in` is a fast search, an alternation of byte strings is not)."""
    return data.isascii() or not any(fold in data for fold in FOLDS)


def place_of(start: int, end: int, size: int) -> int:
    if start == 0:
        return FIRST
    if end == size:
        return LAST
    return LAST_BREAK if end == size - 1 else MIDDLE


def characters(data: bytes, offsets: list[int]) -> dict[int, int]:
    """Character offsets of the byte offsets `offsets` of UTF-8 `data` (each at an ASCII byte)."""
    if data.isascii():
        return {offset: offset for offset in offsets}
    found: dict[int, int] = {}
    last = chars = 0
    for offset in sorted(set(offsets)):
        chars += len(data[last:offset].decode("utf-8", "replace"))
        found[offset] = chars
        last = offset
    return found


def by_bytes(
    blobs: list[BlobLines], plan: LinePlan, byte_hits: ByteHits, versions: Versions
) -> tuple[list[bool], dict[int, set[bytes]]]:
    """Hyperscan over each blob (over a later version of a path, only where it differs from the last
    one read: scanner.modes.history_versions): the lines of its hits, the new ones scanned after the
    batch."""
    usable = []
    novel: dict[int, set[bytes]] = {}
    for item in blobs:
        fresh = novel.setdefault(id(item.memo), set())
        item.version = _lines_of_hits(item, plan, byte_hits, versions.get(item.path), fresh)
        # a version with a container word is not kept: the next version looks at all of its text
        versions.put(item.path, item.version if item.tail is None else None)
        usable.append(item.version is not None)
    return usable, novel


def _lines_of_hits(
    item: BlobLines, plan: LinePlan, byte_hits: ByteHits, old: Version | None, fresh: set[bytes]
) -> Version | None:
    """Fills in `item`'s lines and whole-text hits; the version to keep, or None when the blob is not
    to be split (it is scanned whole)."""
    data = item.text.data
    if old is None:
        base, changed, shift = 0, len(data), 0
        parts = _Parts((), (), (), ())
    else:
        zone = zones(old.data, data)
        base, changed, shift = zone.start, zone.end, zone.shift
        parts = _Parts.of(old, base, changed - shift)
        item.earlier, item.zone = old, zone
    starts, keywords = byte_hits(data[base:changed] if base or changed < len(data) else data)
    clean: bool | None = None
    if starts or parts.before or parts.after:  # no hit: nothing to find, however the text is
        clean = _may_split(item, plan, starts, keywords, base, changed, old)
        if not clean:
            return None
    size, seen, lines, whole = len(data), item.memo.seen, item.lines, plan.whole

    def keep(first: int, line: bytes) -> None:
        end = first + len(line)
        if first and end < size - 1:
            lines.append((first, MIDDLE, line))
            if line not in seen:
                fresh.add(line)
        else:
            lines.append((first, place_of(first, end, size), line))

    for first, _where, line in parts.before:
        keep(first, line)
    in_zone = item.changed_whole
    end = -1
    for start, keyword in zip(starts, keywords, strict=True):
        start += base
        if keyword in whole:
            in_zone.append((start, keyword))
        if start < end:
            continue  # on the line found last
        first = data.rfind(b"\n", 0, start) + 1
        end = data.find(b"\n", start)
        if end < 0:
            end = size
        keep(first, data[first:end])
    for first, _where, line in parts.after:
        keep(first + shift, line)
    item.whole = [
        *parts.whole_before,
        *in_zone,
        *((at + shift, keyword) for at, keyword in parts.whole_after),
    ]
    if item.tail is not None:
        item.lines = [entry for entry in lines if entry[0] < item.tail]
    return Version(data, tuple(item.lines), tuple(item.whole), clean)


@dataclass(frozen=True)
class _Parts:
    """What an earlier version gives of the unchanged parts of a new one: the lines (with a hit) and
    the hits of whole-text rules before the change, and those after it (at the earlier offsets)."""

    before: Sequence[tuple[int, int, bytes]]
    after: Sequence[tuple[int, int, bytes]]
    whole_before: Sequence[Hit]
    whole_after: Sequence[Hit]

    @staticmethod
    def of(old: Version, start: int, cut: int) -> _Parts:
        """`start`: where the change starts; `cut`: where the unchanged part after it starts in `old`."""
        lines, whole = old.lines, old.whole
        return _Parts(
            lines[: bisect.bisect_left(lines, start, key=_offset)],
            lines[bisect.bisect_left(lines, cut, key=_offset) :],
            whole[: bisect.bisect_left(whole, start, key=_offset)],
            whole[bisect.bisect_left(whole, cut, key=_offset) :],
        )


def _may_split(
    item: BlobLines,
    plan: LinePlan,
    starts: array[int],
    keywords: array[int],
    base: int,
    changed: int,
    old: Version | None,
) -> bool:
    """Whether the memo can split a text with hits (`starts`, `keywords`: those in [base, changed)):
    several lines, not minified, no character that case-insensitive patterns read as an ASCII
    letter, and no container word on its first line; a container word further down sets `item.tail`.
    Only what changed is looked at where the earlier version is known to be free of both."""
    data = item.text.data
    if not several_lines(data):
        return False
    if not plan.containers.isdisjoint(keywords):  # (a version holding one is never kept: Versions)
        first = min(s for s, k in zip(starts, keywords, strict=True) if k in plan.containers) + base
        item.tail = data.rfind(b"\n", 0, first) + 1
        if item.tail == 0:
            return False  # from the first line on: the text is scanned whole
    # an earlier version free of them: only what differs may hold one (no character holds a line break)
    known = old is not None and old.fold_free is True
    return fold_free(data[base:changed] if known else data)


def _offset(entry: tuple[int, int, bytes] | Hit) -> int:
    return entry[0]
