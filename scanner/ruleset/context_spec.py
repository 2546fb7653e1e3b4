"""The optional `context` field of a content rule: which name kinds a context-scored rule reports and
from which confidence (see scanner.engine.context)."""

from __future__ import annotations

from typing import Any

from scanner.model import ContextSpec
from scanner.ruleset.fields import Problems, str_list

CONTEXT_KINDS = ("password", "secret", "token", "api_key", "key", "plain_key", "auth", "credential", "salt")


def _unit(raw: dict[str, Any], key: str, problems: Problems) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        problems.add(f"context.{key}", "must be a number from 0 to 1 (a confidence)")
        return 0.0
    return float(value)


def parse_context(raw: Any, pattern: str, problems: Problems) -> ContextSpec | None:
    """`context: {kinds: [...], report: R, full: F, name: N}`: a context-scored rule."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add("context", "must be a mapping with kinds, report, full and optional name")
        return None
    unknown = set(raw) - {"kinds", "report", "full", "name"}
    if unknown:
        problems.add("context", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    kinds = str_list(raw.get("kinds"), "context.kinds", problems, required=True)
    for kind in kinds:
        if kind not in CONTEXT_KINDS:
            problems.add("context.kinds", f"{kind!r} is not one of {', '.join(CONTEXT_KINDS)}")
    report, full = _unit(raw, "report", problems), _unit(raw, "full", problems)
    if report > full:
        problems.add("context", "report must not be above full")
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        problems.add("context.name", "must be a non-empty string")
        name = None
    if name is None and pattern and "(?P<name>" not in pattern:
        problems.add(
            "pattern", "of a context-scored rule must capture the name in (?P<name>...) or set context.name"
        )
    return ContextSpec(kinds=kinds, report=report, full=full, name=name)
