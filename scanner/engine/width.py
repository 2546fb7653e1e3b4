"""The longest text a pattern can match, so the engine can size its window around a keyword hit."""

from __future__ import annotations

import importlib
import itertools
import re
from re import error as re_error
from typing import Any

# Python's own regex parser (re._parser since 3.11, sre_parse before); it computes match widths.
sre_parse: Any = importlib.import_module(
    "re._parser" if hasattr(__import__("re"), "_parser") else "sre_parse"
)

# Anything at or above this is "unbounded" (`*`, `+`, `{n,}`).
UNBOUNDED = 1 << 24
# The widest window the engine searches around a keyword hit: no rule may match more.
MAX_WINDOW = 16384


_SECRET_GROUP = re.compile(r"\(\?P<secret>")


def python_parsable(pattern: str) -> str:
    """`pattern` as Python's parser takes it: `regex` lets several alternatives name their group
    `secret`, Python's parser does not, so each after the first is renamed (`secret1`, `secret2`...);
    what the pattern matches, and how wide, is the same."""
    count = itertools.count()
    return _SECRET_GROUP.sub(lambda _m: f"(?P<secret{next(count) or ''}>", pattern)


def max_match_width(pattern: str) -> int | None:
    """The maximum width in characters, UNBOUNDED for `*`/`+`, or None when Python's `re` cannot parse
    the pattern (syntax only the `regex` module knows); such rules must state `max_width`."""
    try:
        _, high = sre_parse.parse(python_parsable(pattern)).getwidth()
    except (re_error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    return min(int(high), UNBOUNDED)
