"""Turns one raw YAML rule mapping into a `Rule`, collecting every problem instead of stopping at the
first one."""

from __future__ import annotations

from typing import Any

import regex

from scanner.engine.checksums import VALIDATORS
from scanner.engine.width import MAX_WINDOW, UNBOUNDED, max_match_width
from scanner.model import (
    Allowlist,
    Confidence,
    Examples,
    FileMatch,
    Remediation,
    Rule,
    Severity,
)
from scanner.ruleset.companion import parse_companion
from scanner.ruleset.context_spec import parse_context
from scanner.ruleset.fields import Problems, enum_value, flag, regexes, str_list, str_value

RULE_ID = regex.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")

REQUIRED = ("id", "name", "description", "severity", "confidence")
OPTIONAL = (
    "keywords",
    "pattern",
    "files",
    "entropy",
    "checksum",
    "allowlist",
    "tags",
    "references",
    "remediation",
    "examples",
    "max_width",
    "paths",
    "companion",
    "context",
    "anchored",
)
KNOWN = frozenset(REQUIRED + OPTIONAL)


def _keywords(raw: dict[str, Any], problems: Problems) -> tuple[str, ...]:
    keywords = str_list(raw.get("keywords"), "keywords", problems, required=True)
    for keyword in keywords:
        if not keyword.isascii() or keyword != keyword.lower() or len(keyword) < 2:
            problems.add("keywords", f"{keyword!r} must be lowercase ASCII of 2 or more characters")
    return keywords


def _pattern(raw: dict[str, Any], problems: Problems, compile_pattern: bool) -> tuple[str, int]:
    pattern = str_value(raw, "pattern", problems)
    if not pattern:
        return "", 0
    if "(?P<secret>" not in pattern:
        problems.add("pattern", "must capture the credential in a named group (?P<secret>...)")
    if compile_pattern:
        try:
            regex.compile(pattern)
        except regex.error as exc:
            problems.add("pattern", f"is not a valid regex: {exc}")
            return pattern, 0
    stated = raw.get("max_width")
    if stated is not None:
        if not isinstance(stated, int) or isinstance(stated, bool) or not 0 < stated <= MAX_WINDOW:
            problems.add("max_width", f"must be an integer from 1 to {MAX_WINDOW}")
            return pattern, 0
        return pattern, stated
    if not compile_pattern:
        return pattern, 0  # built-in rule: checked by the test suite, width computed on first use
    width = max_match_width(pattern)
    if width is None:
        problems.add("pattern", "uses syntax only `regex` knows; state its longest match in max_width")
        return pattern, 0
    if width >= UNBOUNDED or width > MAX_WINDOW:
        problems.add(
            "pattern",
            f"can match unboundedly long text; bound every repeat ({{m,n}}, not * or +) "
            f"so a match is at most {MAX_WINDOW} characters",
        )
        return pattern, 0
    return pattern, width


def _entropy(raw: dict[str, Any], problems: Problems) -> float | None:
    value = raw.get("entropy")
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"min"}:
        problems.add("entropy", "must be a mapping {min: NUMBER}")
        return None
    minimum = value["min"]
    if isinstance(minimum, bool) or not isinstance(minimum, (int, float)) or not 0 <= minimum <= 8:
        problems.add("entropy", "min must be a number from 0 to 8 (bits per character)")
        return None
    return float(minimum)


def _allowlist(raw: Any, problems: Problems, compile_patterns: bool) -> Allowlist:
    if raw is None:
        return Allowlist()
    if not isinstance(raw, dict):
        problems.add("allowlist", "must be a mapping with regexes, stopwords and/or paths")
        return Allowlist()
    unknown = set(raw) - {"regexes", "stopwords", "paths"}
    if unknown:
        problems.add("allowlist", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    patterns = str_list(raw.get("regexes"), "allowlist.regexes", problems)
    for pattern in patterns if compile_patterns else ():  # built-in rules: checked by the test suite
        try:
            regex.compile(pattern)
        except regex.error as exc:
            problems.add("allowlist.regexes", f"{pattern!r} is not a valid regex: {exc}")
    return Allowlist(
        regexes=patterns,
        stopwords=str_list(raw.get("stopwords"), "allowlist.stopwords", problems),
        paths=str_list(raw.get("paths"), "allowlist.paths", problems),
    )


def _remediation(raw: Any, problems: Problems) -> Remediation:
    if not isinstance(raw, dict):
        problems.add("remediation", "is missing (needs summary, rotate steps, optional revoke_url)")
        return Remediation(summary="", rotate=())
    unknown = set(raw) - {"summary", "rotate", "revoke_url"}
    if unknown:
        problems.add("remediation", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    summary = str_value(raw, "summary", problems)
    rotate = str_list(raw.get("rotate"), "remediation.rotate", problems, required=True)
    revoke = raw.get("revoke_url")
    if revoke is not None and not (isinstance(revoke, str) and revoke.startswith("https://")):
        problems.add("remediation.revoke_url", "must be an https:// URL")
        revoke = None
    return Remediation(summary=summary, rotate=rotate, revoke_url=revoke)


def _examples(raw: Any, keywords: tuple[str, ...], paths: tuple[str, ...], problems: Problems) -> Examples:
    if not isinstance(raw, dict):
        problems.add("examples", "is missing (needs positive and negative lists)")
        return Examples((), ())
    unknown = set(raw) - {"positive", "negative", "path"}
    if unknown:
        problems.add("examples", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    positive = str_list(raw.get("positive"), "examples.positive", problems, required=True)
    negative = str_list(raw.get("negative"), "examples.negative", problems, required=True)
    for number, example in enumerate(positive, 1):
        if keywords and not any(k in example.lower() for k in keywords):
            problems.add("examples.positive", f"example {number} contains none of the keywords")
    return Examples(positive, negative, _example_path(raw.get("path"), paths, problems))


def _example_path(raw: Any, paths: tuple[str, ...], problems: Problems) -> str | None:
    """A path-scoped rule's examples run at `examples.path`, which must be one its `paths` accept."""
    if raw is None:
        if paths:
            problems.add("examples.path", "is missing (a rule with `paths` is tested at this path)")
        return None
    if not isinstance(raw, str) or not raw.strip():
        problems.add("examples.path", "must be a non-empty string")
        return None
    if not paths:
        problems.add("examples.path", "applies only to a rule with `paths`")
    elif not any(_searches(pattern, raw) for pattern in paths):
        problems.add("examples.path", f"{raw!r} is matched by none of the rule's paths")
    return raw


def _searches(pattern: str, path: str) -> bool:
    try:
        return regex.search(pattern, path) is not None
    except regex.error:
        return True  # already reported by fields.regexes


def _files(raw: Any, problems: Problems) -> FileMatch:
    if not isinstance(raw, dict):
        problems.add("files", "must be a mapping with paths, and optional exclude and content")
        return FileMatch(())
    unknown = set(raw) - {"paths", "exclude", "content"}
    if unknown:
        problems.add("files", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    content = raw.get("content")
    if content is not None:
        content = regexes([content], "files.content", problems)[0] if isinstance(content, str) else None
        if content is None:
            problems.add("files.content", "must be a regex string")
    return FileMatch(
        paths=regexes(raw.get("paths"), "files.paths", problems, required=True),
        exclude=regexes(raw.get("exclude"), "files.exclude", problems),
        content=content,
    )


def _file_rule_fields(raw: dict[str, Any], problems: Problems) -> FileMatch:
    for field in (
        "keywords",
        "pattern",
        "entropy",
        "checksum",
        "max_width",
        "paths",
        "companion",
        "context",
        "anchored",
    ):
        if field in raw:
            problems.add(field, "does not apply to a file rule (one with `files`)")
    return _files(raw["files"], problems)


def parse_rule(raw: Any, source: str, compile_pattern: bool = True) -> tuple[Rule | None, list[str]]:
    """Returns the rule, or None and the list of problems (each naming the field)."""
    problems = Problems()
    if not isinstance(raw, dict):
        return None, ["is not a mapping"]
    unknown = set(raw) - KNOWN
    if unknown:
        problems.add(", ".join(sorted(map(str, unknown))), "unknown field")
    rule_id = str_value(raw, "id", problems)
    if rule_id and not RULE_ID.match(rule_id):
        problems.add("id", "must be lowercase dotted, like provider.kind")
    checksum = raw.get("checksum")
    if checksum is not None and (not isinstance(checksum, str) or checksum not in VALIDATORS):
        problems.add("checksum", f"unknown validator {checksum!r}; known: {', '.join(VALIDATORS)}")
    files = _file_rule_fields(raw, problems) if "files" in raw else None
    keywords = _keywords(raw, problems) if files is None else ()
    pattern, width = _pattern(raw, problems, compile_pattern) if files is None else ("", 0)
    paths = regexes(raw.get("paths"), "paths", problems) if files is None else ()
    if "paths" in raw and files is None and not paths and isinstance(raw["paths"], list):
        problems.add("paths", "must not be empty (leave it out to scan every file)")
    rule = Rule(
        id=rule_id,
        name=str_value(raw, "name", problems),
        description=str_value(raw, "description", problems),
        severity=enum_value(raw, "severity", Severity, problems) or Severity.MEDIUM,
        confidence=enum_value(raw, "confidence", Confidence, problems) or Confidence.LOW,
        keywords=keywords,
        pattern=pattern,
        max_width=width,
        remediation=_remediation(raw.get("remediation"), problems),
        examples=_examples(raw.get("examples"), keywords, paths, problems),
        files=files,
        paths=paths,
        companion=parse_companion(raw.get("companion"), problems, compile_pattern) if files is None else None,
        source=source,
        min_entropy=_entropy(raw, problems),
        checksum=checksum if isinstance(checksum, str) else None,
        allowlist=_allowlist(raw.get("allowlist"), problems, compile_pattern),
        tags=str_list(raw.get("tags"), "tags", problems),
        references=str_list(raw.get("references"), "references", problems),
        context=parse_context(raw.get("context"), pattern, problems) if files is None else None,
        anchored=flag(raw, "anchored", problems),
    )
    return (None, problems.items) if problems.items else (rule, [])
