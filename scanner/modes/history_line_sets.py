"""Where the lines worth a look sit in a history audit's blobs with the pyahocorasick backend
(scanner.modes.history_line_places has the Hyperscan way): pyahocorasick is slow per character, so a
blob's distinct lines are set against those seen before (a set difference, at C speed) and only the new
ones go through the prefilter; where the lines holding something sit is then found by searching for each
(at C speed too)."""

from __future__ import annotations

import codecs

from scanner.engine.lines import MIDDLE, LinePlan
from scanner.modes.history_line_places import BlobLines, place_of, splittable

FIND_AT_MOST = 8  # distinct lines looked for one by one in a blob; more, and its lines are walked


def byte_offset(line: bytes, chars: int) -> int:
    """The byte offset in UTF-8 `line` of the ASCII character at character offset `chars` of its text
    (decoded with invalid bytes replaced, as the memo decodes it)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    count = 0
    for offset in range(len(line)):
        out = decoder.decode(line[offset : offset + 1])
        if line[offset] < 0x80 and count + len(out) - 1 == chars:  # what was pending, then this one
            return offset
        count += len(out)
    return len(line)


def by_set(
    blobs: list[BlobLines], plan: LinePlan
) -> tuple[list[bool], list[list[bytes]], dict[int, set[bytes]]]:
    """The distinct lines of each blob against those seen: the new ones scanned after the batch. Also
    each usable blob's lines, in order."""
    novel: dict[int, set[bytes]] = {}
    split: list[list[bytes]] = []
    usable = [splittable(item.text.data) for item in blobs]
    blobs = [item for item, ok in zip(blobs, usable, strict=True) if ok]
    for item in blobs:
        lines = item.text.data.split(b"\n")
        split.append(lines)
        fresh = set(lines) - item.memo.seen
        if fresh:
            novel.setdefault(id(item.memo), set()).update(fresh)
    return usable, split, novel


def lines_of(item: BlobLines, lines: list[bytes], plan: LinePlan) -> None:
    """The places of the lines of `item` that hold something, and its hits of whole-text rules. Its
    first and last lines are at their own places; a line is looked for with `bytes.find` (at C
    speed), or, when many are, its lines are walked once."""
    data, memo = item.text.data, item.memo
    size = len(data)
    last = len(lines) - 2 if data.endswith(b"\n") else len(lines) - 1  # the last line's index
    dirty = set(lines[1:last]) & memo.found.keys() if len(lines) > 2 else set()
    starts = (0, size - len(lines[last]) - (1 if data.endswith(b"\n") else 0))
    for start, line in zip(starts, (lines[0], lines[last]), strict=True):
        if line in memo.hit:
            item.lines.append((start, place_of(start, start + len(line), size), line))
    if len(dirty) > FIND_AT_MOST:
        offset = len(lines[0]) + 1
        for line in lines[1:last]:
            if line in dirty:
                item.lines.append((offset, MIDDLE, line))
            offset += len(line) + 1
    else:
        for line in dirty:
            pattern = b"\n" + line + b"\n"
            at = data.find(pattern)
            while at >= 0:
                start = at + 1
                if start + len(line) < size - 1:  # not the last line: its break is not the final one
                    item.lines.append((start, MIDDLE, line))
                at = data.find(pattern, start + len(line))
    item.lines.sort()
    for start, _where, line in item.lines:
        hits = memo.found.get(line)  # hits are the line's own wherever it sits
        if hits is not None and hits.whole_hits:
            ascii_line = line.isascii()
            item.whole.extend(
                (start + (s if ascii_line else byte_offset(line, s)), k) for s, k in hits.whole_hits
            )
    lengths = plan.lengths
    item.whole.sort(key=lambda hit: hit[0] + lengths[hit[1]])  # the prefilter's order
