"""The longest text a pattern can match, so the engine can size its window around a keyword hit."""

from __future__ import annotations

import importlib
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


def max_match_width(pattern: str) -> int | None:
    """The maximum width in characters, UNBOUNDED for `*`/`+`, or None when Python's `re` cannot parse
    the pattern (syntax only the `regex` module knows); such rules must state `max_width`."""
    try:
        _, high = sre_parse.parse(pattern).getwidth()
    except (re_error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    return min(int(high), UNBOUNDED)
