"""Validated rules to JSON and back, for the user cache of the built-in rule set: loading 200 rules
from one JSON document skips parsing and checking 90 files on every run. The cache entry is keyed by
the spillguard version and the text of every rule file, so it is only ever read back by the code that
wrote it; anything that does not decode is an error the caller answers by loading the files again."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from scanner import jsonio
from scanner.model import (
    Allowlist,
    Companion,
    Confidence,
    ContextSpec,
    Examples,
    FileMatch,
    Remediation,
    Rule,
    Severity,
)


def rules_to_json(rules: tuple[Rule, ...]) -> bytes:
    return json.dumps([asdict(rule) for rule in rules], separators=(",", ":")).encode("utf-8")


def _strings(values: list[str]) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in values):
        raise TypeError("expected strings")
    return tuple(values)


def _context(raw: dict[str, Any]) -> ContextSpec:
    return ContextSpec(_strings(raw["kinds"]), float(raw["report"]), float(raw["full"]), raw["name"])


def _rule(raw: dict[str, Any]) -> Rule:
    remediation, examples = raw["remediation"], raw["examples"]
    allowlist, files, context = raw["allowlist"], raw["files"], raw["context"]
    return Rule(
        id=raw["id"],
        name=raw["name"],
        description=raw["description"],
        severity=Severity(raw["severity"]),
        confidence=Confidence(raw["confidence"]),
        keywords=_strings(raw["keywords"]),
        pattern=raw["pattern"],
        max_width=raw["max_width"],
        remediation=Remediation(
            remediation["summary"], _strings(remediation["rotate"]), remediation["revoke_url"]
        ),
        examples=Examples(_strings(examples["positive"]), _strings(examples["negative"]), examples["path"]),
        source=raw["source"],
        min_entropy=raw["min_entropy"],
        checksum=raw["checksum"],
        allowlist=Allowlist(
            _strings(allowlist["regexes"]), _strings(allowlist["stopwords"]), _strings(allowlist["paths"])
        ),
        tags=_strings(raw["tags"]),
        references=_strings(raw["references"]),
        files=None
        if files is None
        else FileMatch(_strings(files["paths"]), _strings(files["exclude"]), files["content"]),
        paths=_strings(raw["paths"]),
        companion=_companion(raw["companion"]),
        context=None if context is None else _context(context),
        anchored=bool(raw["anchored"]),
    )


def _companion(raw: dict[str, Any] | None) -> Companion | None:
    if raw is None:
        return None
    pattern, lines = raw["pattern"], raw["within_lines"]
    if not isinstance(pattern, str) or not isinstance(lines, int):
        raise TypeError("expected a companion pattern and line count")
    return Companion(pattern, lines)


def rules_from_json(data: bytes) -> tuple[Rule, ...]:
    """Raises ValueError, KeyError or TypeError for anything but what `rules_to_json` wrote."""
    decoded = jsonio.loads(data)
    if not isinstance(decoded, list):
        raise TypeError("expected a list of rules")
    return tuple(_rule(raw) for raw in decoded)
