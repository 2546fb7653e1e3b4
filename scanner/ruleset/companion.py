"""The optional `companion` field of a content rule: the other half of a credential pair that must
match near the secret (see scanner.engine.companion)."""

from __future__ import annotations

from typing import Any

import regex

from scanner.engine.companion import MAX_LINES
from scanner.model import Companion
from scanner.ruleset.fields import Problems


def parse_companion(raw: Any, problems: Problems, compile_pattern: bool) -> Companion | None:
    """`{pattern: REGEX, within_lines: 0..MAX_LINES}`, or None when the field is absent."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"pattern", "within_lines"}:
        problems.add("companion", "must be a mapping with pattern and within_lines")
        return None
    pattern, lines = raw["pattern"], raw["within_lines"]
    ok = True
    if not isinstance(pattern, str) or not pattern:
        problems.add("companion.pattern", "must be a non-empty regex string")
        ok = False
    elif compile_pattern:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            problems.add("companion.pattern", f"is not a valid regex: {exc}")
            ok = False
    if isinstance(lines, bool) or not isinstance(lines, int) or not 0 <= lines <= MAX_LINES:
        problems.add("companion.within_lines", f"must be an integer from 0 to {MAX_LINES}")
        ok = False
    return Companion(pattern, lines) if ok else None
