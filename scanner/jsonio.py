"""JSON that a user, a repository or a cache hands spillguard (notebooks, baselines, other scanners'
reports, cache entries), parsed with its nesting bounded. The standard parser recurses once per level:
a few kilobytes of `[` would raise RecursionError wherever the parse happens, so the depth is measured
first, without recursion, and a document nested deeper than any real one is refused as a ValueError."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 100  # notebooks nest about 6 levels, baselines and reports 4

# a string literal (skipped whole: brackets inside it are text), or one bracket
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class TooDeep(ValueError):
    """Values nested more than the limit."""


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in `text` nest more than `limit` levels, counting brackets outside
    string literals (malformed text gives some answer; the parser then rejects it)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case, at the cost of two counts
    depth = 0
    for found in _STRUCTURE.finditer(text):
        token = found.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def loads(data: str | bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` of a document nested at most `limit` levels deep. Raises ValueError: invalid JSON
    (json.JSONDecodeError), bytes that are not UTF-8 (UnicodeDecodeError), or TooDeep."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if too_deep(text, limit):
        raise TooDeep(f"values nested more than {limit} levels deep")
    try:
        return json.loads(text)
    except RecursionError:  # a stack already deep when called: still an answer, never a crash
        raise TooDeep(f"values nested too deeply to parse (limit {limit})") from None
