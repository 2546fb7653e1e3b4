"""A long text as the chunks the engine scans. A text of up to WINDOW bytes is decoded whole (one
chunk, or a notebook's cells: scanner.sources.reader). A longer one (a raised --max-file-size, a single
line of 100 MB) is a `LongText`, decoded and scanned in overlapping windows of about WINDOW bytes of
memory each, so memory holds the file's bytes and one window at a time, never the whole text (which
takes up to four bytes a character): each window reports only the findings that start in its own part,
where a match reaching up to MARGIN characters either side is seen whole, and `Piece.place` puts their
lines and columns back where they are in the file."""

from __future__ import annotations

import codecs
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace

from scanner.model import Chunk, Finding
from scanner.sources.text import Encoding

WINDOW = 16 * 1024 * 1024  # bytes: of a text scanned whole, and of memory one window's text takes
# Characters each side of a window's own part: more than any match reaches from where its secret starts
# (rule patterns are bounded; a decoded value looks at most 80 KiB around its trigger).
MARGIN = 256 * 1024
_BLOCK = 1024 * 1024  # bytes decoded at a time

Position = tuple[int, int]  # (line, column), 1-based


@dataclass(frozen=True)
class Piece:
    """One chunk to scan. A window also says the column of its first character on its first line, and
    the span of the file it reports on: from `start` (included) to `end` (excluded)."""

    chunk: Chunk
    column: int = 1
    start: Position | None = None
    end: Position | None = None

    def place(self, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        """The findings at their place in the file, those outside this piece's own part dropped."""
        if self.column == 1 and self.start is None and self.end is None:
            return findings
        placed = []
        first, shift = self.chunk.first_line, self.column - 1
        for finding in findings:
            loc = finding.location
            column = loc.column + shift if loc.line == first else loc.column
            end_column = loc.end_column + shift if loc.end_line == first else loc.end_column
            where = (loc.line, column)
            if (self.start is not None and where < self.start) or (
                self.end is not None and where >= self.end
            ):
                continue
            placed.append(replace(finding, location=replace(loc, column=column, end_column=end_column)))
        return tuple(placed)


def _advance(position: Position, text: str, upto: int) -> Position:
    """The position just after text[:upto], for `text` starting at `position`."""
    line, column = position
    newlines = text.count("\n", 0, upto)
    if not newlines:
        return line, column + upto
    return line + newlines, upto - text.rfind("\n", 0, upto)


def _decoded_blocks(data: bytes | bytearray, encoding: Encoding) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding.codec)("replace")
    view = memoryview(data)[encoding.bom :]
    block = _BLOCK
    for offset in range(0, len(view), block):
        yield decoder.decode(view[offset : offset + block])
    yield decoder.decode(b"", final=True)


def _windows(data: bytes | bytearray, encoding: Encoding, chunk: Chunk) -> Iterator[Piece]:
    """Windows of about WINDOW bytes of text in memory (more characters when they are narrow, fewer
    when wide); each starts 2 * MARGIN characters before the previous one ends, and owns the part from
    MARGIN after its start to MARGIN before its end."""
    blocks = _decoded_blocks(data, encoding)
    size, margin = WINDOW, MARGIN
    pending: list[str] = []
    held = 0  # bytes of memory the pending text takes
    position: Position = (chunk.first_line, 1)
    own: Position | None = None  # where this window's own part starts (None: at its first character)
    exhausted = False
    while True:
        while (held < size or sum(map(len, pending)) <= 4 * margin) and not exhausted:
            block = next(blocks, None)
            exhausted = block is None
            if block:
                pending.append(block)
                held += sys.getsizeof(block)
        text = "".join(pending)
        pending.clear()
        if exhausted:
            yield Piece(replace(chunk, text=text, first_line=position[0]), position[1], own, None)
            return
        cut = len(text) - 2 * margin
        rest = text[cut:]
        end = _advance(position, text, len(text) - margin)
        next_position = _advance(position, text, cut)
        yield Piece(replace(chunk, text=text, first_line=position[0]), position[1], own, end)
        del text  # while the next window fills, only the overlap is held
        pending.append(rest)
        held = sys.getsizeof(rest)
        position, own = next_position, end


def fits_whole(data: bytes | bytearray, encoding: Encoding) -> bool:
    """Whether the text is decoded and scanned whole: at most WINDOW bytes (a text takes about as
    much memory as its bytes: narrow characters one byte, wide ones as many as they are encoded in)."""
    return len(data) - encoding.bom <= WINDOW


@dataclass(frozen=True, eq=False)
class LongText:
    """A text too long to decode whole: its bytes, their encoding, and the chunk every window starts
    from (path, first line, commit, blob). `pieces()` decodes it window by window."""

    data: bytes | bytearray
    encoding: Encoding
    chunk: Chunk

    def pieces(self) -> Iterator[Piece]:
        return _windows(self.data, self.encoding, self.chunk)
