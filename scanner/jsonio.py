"""JSON that a user, a repository or a cache hands spillguard (notebooks, baselines, other scanners'
reports, cache entries), parsed with its nesting bounded. The standard parser recurses once per level:
a few kilobytes of `[` would raise RecursionError wherever the parse happens, so the depth is measured
first, without recursion, and a document nested deeper than any real one is refused as a ValueError."""

from __future__ import annotations

import itertools
import json
import operator
import re
from typing import Any

MAX_JSON_DEPTH = 100  # notebooks nest about 6 levels, baselines and reports 4

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # a string literal: brackets inside it are text
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_TWICE_OPEN = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


class TooDeep(ValueError):
    """Values nested more than the limit."""


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in `text` nest more than `limit` levels, counting brackets outside
    string literals (malformed text gives some answer; the parser then rejects it). All at C speed
    (a megabyte of rule cache in milliseconds): the strings and everything but brackets dropped, the
    depth after the k-th bracket is twice the opening ones among the first k, less k."""
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case, at the cost of two counts
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii").translate(_TWICE_OPEN)
    depths = map(operator.sub, itertools.accumulate(brackets), itertools.count(1))
    return max(depths, default=0) > limit


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
