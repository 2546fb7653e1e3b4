"""Jupyter notebooks: each cell's source and text outputs become their own chunk, so findings say
"cell 3, line 2" (and the line of the .ipynb file that holds it) instead of a column in a huge JSON
line, and embedded images (base64 `image/*` outputs) are never scanned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scanner import jsonio
from scanner.model import Chunk

TEXT_MIME = ("text/plain", "text/markdown", "application/json", "text/x-python")


def _split(value: str) -> list[str]:
    """Lines as the engine counts them: ended by `\n` only (not `\r`, U+2028 or the other breaks
    `str.splitlines` knows), each keeping its ending."""
    parts = value.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _lines(value: Any) -> list[str] | None:
    """A multi-line string, or a list of strings (nbformat's one line per item; the items are joined
    and split again, so an item holding more lines, or one whose line goes on in the next item, still
    gives each line of the chunk its own entry in the line map)."""
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _split("".join(value))
    return None


def _output_parts(output: Any) -> Iterator[list[str]]:
    if not isinstance(output, dict):
        return
    kind = output.get("output_type")
    if kind == "stream":
        lines = _lines(output.get("text"))
        if lines:
            yield lines
    elif kind in ("execute_result", "display_data"):
        data = output.get("data")
        for mime in TEXT_MIME:
            lines = _lines(data.get(mime)) if isinstance(data, dict) else None
            if lines:
                yield lines
    elif kind == "error":
        lines = _lines(output.get("traceback"))
        if lines:
            yield [line if line.endswith("\n") else line + "\n" for line in lines]


class _Locator:
    """Finds the file line of each line string of a notebook. Cells come in file order, but a cell's
    keys may be in any order (Jupyter writes `outputs` before `source`), so each part of a cell is
    searched from the cell's start, and the next cell starts after the furthest point reached."""

    def __init__(self, raw: str) -> None:
        self._raw = raw
        self._cell_start = (0, 1)  # (offset, line) where the current cell's search begins
        self._furthest = (0, 1)
        self._cursor = (0, 1)

    def start_part(self) -> None:
        self._cursor = self._cell_start

    def end_cell(self) -> None:
        self._cell_start = self._furthest

    def line_of(self, value: str) -> tuple[int, tuple[int, bool]]:
        """The file line of `value` (a line of a cell), and the column of that file line where its
        JSON-encoded text starts, with whether it was encoded with \\u escapes (column 0: not found,
        the line is then the last one found before it)."""
        offset, line = self._cursor
        for ascii_only in (False, True):
            encoded = json.dumps(value, ensure_ascii=ascii_only)[1:-1]
            found = self._raw.find(encoded, offset) if encoded else -1
            if found != -1:
                self._cursor = (found, line + self._raw.count("\n", offset, found))
                self._furthest = max(self._furthest, self._cursor)
                return self._cursor[1], (found - self._raw.rfind("\n", 0, found), ascii_only)
        return self._cursor[1], (0, False)


def notebook_chunks(path: str, raw: str, blob: str | None = None) -> tuple[Chunk, ...] | None:
    """The cells of a notebook as chunks, or None when `raw` is not notebook JSON, or nests deeper than
    any notebook (then the file is scanned as text, so nothing in it goes unread)."""
    try:
        document = jsonio.loads(raw)
    except ValueError:
        return None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return None
    locator = _Locator(raw)
    chunks = []
    for index, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        parts = []
        source = _lines(cell.get("source"))
        if source:
            parts.append(source)
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            parts.extend(_output_parts(output))
        for lines in parts:
            locator.start_part()
            located = [locator.line_of(line) for line in lines]
            chunks.append(
                Chunk(
                    path=path,
                    text="".join(lines),
                    blob=blob,
                    cell=index,
                    line_map=tuple(line for line, _ in located),
                    column_map=tuple(column for _, column in located),
                )
            )
        locator.end_cell()
    return tuple(chunks)
