"""The longest text a pattern can match, so the engine can size its window around a keyword hit."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_parse

from re import error as re_error

# Anything at or above this is "unbounded" (`*`, `+`, `{n,}`).
UNBOUNDED = 1 << 24


def max_match_width(pattern: str) -> int | None:
    """The maximum width in characters, UNBOUNDED for `*`/`+`, or None when Python's `re` cannot parse
    the pattern (syntax only the `regex` module knows); such rules must state `max_width`."""
    try:
        _, high = sre_parse.parse(pattern).getwidth()
    except (re_error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    return min(int(high), UNBOUNDED)
