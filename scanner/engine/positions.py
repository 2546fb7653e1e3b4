"""Character offsets to 1-based line and column numbers. LF and CRLF files give the same lines; a column
counts characters from the start of its line."""

from __future__ import annotations

import json


class LineIndex:
    """Answers offset -> (line, column); cheap for increasing offsets, correct for any order."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self._text = text
        self._first_line = first_line
        self._offset = 0
        self._line = first_line

    def locate(self, offset: int) -> tuple[int, int]:
        text = self._text
        if offset < self._offset:
            self._offset, self._line = 0, self._first_line
        self._line += text.count("\n", self._offset, offset)
        self._offset = offset
        line_start = text.rfind("\n", 0, offset) + 1
        return self._line, offset - line_start + 1


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the first character of the line holding `start` and the end of the line holding `end`."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, len(text) if last == -1 else last


def encoded_column(text: str, offset: int, start: tuple[int, bool]) -> int:
    """The file column of `offset` in `text` when the line holding it is written in the file as a JSON
    string (a notebook cell's line) starting at column `start[0]`, non-ASCII characters as \\u escapes
    when `start[1]`: the start plus the length of the encoded text before `offset` on its line. Column 0
    (not known) gives the column in `text`."""
    line_start = text.rfind("\n", 0, offset) + 1
    if not start[0]:
        return offset - line_start + 1
    return start[0] + len(json.dumps(text[line_start:offset], ensure_ascii=start[1])) - 2
