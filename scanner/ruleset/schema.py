"""Turns one raw YAML rule mapping into a `Rule`, collecting every problem instead of stopping at the
first one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import regex

from scanner.engine.checksums import VALIDATORS
from scanner.model import (
    Allowlist,
    Confidence,
    ContextSpec,
    Examples,
    FileMatch,
    Remediation,
    Rule,
    Severity,
)
from scanner.ruleset.width import UNBOUNDED, max_match_width

MAX_WINDOW = 16384
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
    "context",
    "anchored",
)
KNOWN = frozenset(REQUIRED + OPTIONAL)

T = TypeVar("T")


class Problems:
    """Accumulates `field: message` problems for one rule."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(f"field '{field}': {message}")


def _str(raw: dict[str, Any], key: str, problems: Problems) -> str:
    """A required, non-empty string field."""
    value = raw.get(key)
    if value is None:
        problems.add(key, "is missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.add(key, "must be a non-empty string")
        return ""
    return value


def _str_list(raw: Any, key: str, problems: Problems, required: bool = False) -> tuple[str, ...]:
    if raw is None:
        if required:
            problems.add(key, "is missing")
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v for v in raw):
        problems.add(key, "must be a list of non-empty strings")
        return ()
    if required and not raw:
        problems.add(key, "must not be empty")
    return tuple(raw)


def _enum(raw: dict[str, Any], key: str, kind: Callable[[str], T], problems: Problems) -> T | None:
    value = raw.get(key)
    try:
        return kind(value)  # type: ignore[arg-type]
    except ValueError:
        choices = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
        problems.add(key, f"must be one of {choices}, not {value!r}")
        return None


def _keywords(raw: dict[str, Any], problems: Problems) -> tuple[str, ...]:
    keywords = _str_list(raw.get("keywords"), "keywords", problems, required=True)
    for keyword in keywords:
        if not keyword.isascii() or keyword != keyword.lower() or len(keyword) < 2:
            problems.add("keywords", f"{keyword!r} must be lowercase ASCII of 2 or more characters")
    return keywords


def _pattern(raw: dict[str, Any], problems: Problems, compile_pattern: bool) -> tuple[str, int]:
    pattern = _str(raw, "pattern", problems)
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
    regexes = _str_list(raw.get("regexes"), "allowlist.regexes", problems)
    for pattern in regexes if compile_patterns else ():  # built-in rules: checked by the test suite
        try:
            regex.compile(pattern)
        except regex.error as exc:
            problems.add("allowlist.regexes", f"{pattern!r} is not a valid regex: {exc}")
    return Allowlist(
        regexes=regexes,
        stopwords=_str_list(raw.get("stopwords"), "allowlist.stopwords", problems),
        paths=_str_list(raw.get("paths"), "allowlist.paths", problems),
    )


def _flag(raw: dict[str, Any], key: str, problems: Problems) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        problems.add(key, "must be true or false")
        return False
    return value


CONTEXT_KINDS = ("password", "secret", "token", "api_key", "key", "auth", "credential", "salt")


def _unit(raw: dict[str, Any], key: str, problems: Problems) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        problems.add(f"context.{key}", "must be a number from 0 to 1 (a confidence)")
        return 0.0
    return float(value)


def _context(raw: Any, pattern: str, problems: Problems) -> ContextSpec | None:
    """`context: {kinds: [...], report: R, full: F, name: N}`: a context-scored rule."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add("context", "must be a mapping with kinds, report, full and optional name")
        return None
    unknown = set(raw) - {"kinds", "report", "full", "name"}
    if unknown:
        problems.add("context", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    kinds = _str_list(raw.get("kinds"), "context.kinds", problems, required=True)
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


def _remediation(raw: Any, problems: Problems) -> Remediation:
    if not isinstance(raw, dict):
        problems.add("remediation", "is missing (needs summary, rotate steps, optional revoke_url)")
        return Remediation(summary="", rotate=())
    unknown = set(raw) - {"summary", "rotate", "revoke_url"}
    if unknown:
        problems.add("remediation", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    summary = _str(raw, "summary", problems)
    rotate = _str_list(raw.get("rotate"), "remediation.rotate", problems, required=True)
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
    positive = _str_list(raw.get("positive"), "examples.positive", problems, required=True)
    negative = _str_list(raw.get("negative"), "examples.negative", problems, required=True)
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
        return True  # already reported by _regexes


def _regexes(raw: Any, field: str, problems: Problems, required: bool = False) -> tuple[str, ...]:
    values = _str_list(raw, field, problems, required)
    for value in values:
        try:
            regex.compile(value)
        except regex.error as exc:
            problems.add(field, f"{value!r} is not a valid regex: {exc}")
    return values


def _files(raw: Any, problems: Problems) -> FileMatch:
    if not isinstance(raw, dict):
        problems.add("files", "must be a mapping with paths, and optional exclude and content")
        return FileMatch(())
    unknown = set(raw) - {"paths", "exclude", "content"}
    if unknown:
        problems.add("files", f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    content = raw.get("content")
    if content is not None:
        content = _regexes([content], "files.content", problems)[0] if isinstance(content, str) else None
        if content is None:
            problems.add("files.content", "must be a regex string")
    return FileMatch(
        paths=_regexes(raw.get("paths"), "files.paths", problems, required=True),
        exclude=_regexes(raw.get("exclude"), "files.exclude", problems),
        content=content,
    )


def _file_rule_fields(raw: dict[str, Any], problems: Problems) -> FileMatch:
    for field in ("keywords", "pattern", "entropy", "checksum", "max_width", "paths", "context", "anchored"):
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
    rule_id = _str(raw, "id", problems)
    if rule_id and not RULE_ID.match(rule_id):
        problems.add("id", "must be lowercase dotted, like provider.kind")
    checksum = raw.get("checksum")
    if checksum is not None and (not isinstance(checksum, str) or checksum not in VALIDATORS):
        problems.add("checksum", f"unknown validator {checksum!r}; known: {', '.join(VALIDATORS)}")
    files = _file_rule_fields(raw, problems) if "files" in raw else None
    keywords = _keywords(raw, problems) if files is None else ()
    pattern, width = _pattern(raw, problems, compile_pattern) if files is None else ("", 0)
    paths = _regexes(raw.get("paths"), "paths", problems) if files is None else ()
    if "paths" in raw and files is None and not paths and isinstance(raw["paths"], list):
        problems.add("paths", "must not be empty (leave it out to scan every file)")
    rule = Rule(
        id=rule_id,
        name=_str(raw, "name", problems),
        description=_str(raw, "description", problems),
        severity=_enum(raw, "severity", Severity, problems) or Severity.MEDIUM,
        confidence=_enum(raw, "confidence", Confidence, problems) or Confidence.LOW,
        keywords=keywords,
        pattern=pattern,
        max_width=width,
        remediation=_remediation(raw.get("remediation"), problems),
        examples=_examples(raw.get("examples"), keywords, paths, problems),
        files=files,
        paths=paths,
        source=source,
        min_entropy=_entropy(raw, problems),
        checksum=checksum if isinstance(checksum, str) else None,
        allowlist=_allowlist(raw.get("allowlist"), problems, compile_pattern),
        tags=_str_list(raw.get("tags"), "tags", problems),
        references=_str_list(raw.get("references"), "references", problems),
        context=_context(raw.get("context"), pattern, problems) if files is None else None,
        anchored=_flag(raw, "anchored", problems),
    )
    return (None, problems.items) if problems.items else (rule, [])
