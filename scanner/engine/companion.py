"""Credential pairs whose halves sit on separate lines. Pure.

A rule with a `companion` (an access key id for a secret key, an account SID for an auth token) reports
its secret only when the companion's pattern also matches within `within_lines` lines of it, above,
below or on the same line, and not inside the secret itself.

The prefilter finds a rule by its keywords, which may be those of either half, so such a rule's window
around a keyword hit must reach that many lines: `reach` widens it to `LINE_REACH` characters a line.
"""

from __future__ import annotations

import regex

from scanner.model import Rule

LINE_REACH = 400  # characters a line the window allows for; the line count itself is checked exactly
MAX_LINES = 10


def reach(rule: Rule, width: int) -> int:
    """The rule's window half-width: its pattern's longest match, or, for a pair rule, enough for the
    lines between the halves, whichever is larger."""
    if rule.companion is None:
        return width
    return max(width, (rule.companion.within_lines + 1) * LINE_REACH)


def _lines_start(text: str, position: int, lines: int) -> int:
    """Offset of the start of the line `lines` lines above the one holding `position`."""
    for _ in range(lines + 1):
        position = text.rfind("\n", 0, position)
        if position < 0:
            return 0
    return position + 1


def _lines_end(text: str, position: int, lines: int) -> int:
    """Offset of the end (before its newline) of the line `lines` lines below the one holding
    `position`."""
    for _ in range(lines + 1):
        position = text.find("\n", position)
        if position < 0:
            return len(text)
        position += 1
    return position - 1


def companion_near(
    text: str, start: int, end: int, pattern: regex.Pattern[str], lines: int, timeout: float
) -> bool:
    """Whether `pattern` matches within `lines` lines of text[start:end], outside that span."""
    low, high = _lines_start(text, start, lines), _lines_end(text, end, lines)
    for found in pattern.finditer(text, low, high, timeout=timeout):
        if found.end() <= start or found.start() >= end:
            return True
    return False
