"""Finds rule files, parses and validates them, and reports every problem in one error."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from scanner import __version__, jsonio, user_cache
from scanner.errors import ConfigError, RuleError
from scanner.model import Rule
from scanner.ruleset.schema import parse_rule
from scanner.ruleset.serial import rules_from_json, rules_to_json
from scanner.yamlio import load_yaml, read_text

MAX_LISTED = 20  # problems named in one error; the rest are counted

_PACKAGE = Path(__file__).resolve().parent.parent


def builtin_rules_dir() -> Path:
    """`scanner/rules` in an installed wheel; the top-level `rules/` in a source checkout."""
    installed = _PACKAGE / "rules"
    return installed if installed.is_dir() else _PACKAGE.parent / "rules"


def builtin_rule_files() -> tuple[Path, ...]:
    return tuple(sorted(builtin_rules_dir().glob("*.yml")))


def _display(path: Path) -> str:
    try:
        return f"rules/{path.resolve().relative_to(builtin_rules_dir()).as_posix()}"
    except ValueError:
        return str(path)


def _parsed_yaml(text: str, name: str) -> Any:
    """The YAML document, from the user cache when this exact text was parsed before (JSON loads about
    twenty times faster than YAML); every rule is validated from it all the same."""
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    entry = f"rules-{key}.json"
    cached = user_cache.read(entry)
    if cached is not None:
        try:
            return jsonio.loads(cached)
        except ValueError:
            pass
    data = load_yaml(text, name, RuleError)
    with contextlib.suppress(TypeError, ValueError):  # YAML that JSON cannot hold: parsed again
        user_cache.write(entry, json.dumps(data).encode("utf-8"))
    return data


# What a terminal would act on if a rule's name, description or remediation were printed: C0 controls
# but tab and newline, DEL, C1 controls, bidi marks, embeddings, overrides and isolates (Trojan Source).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _terminal_unsafe(raw: Any) -> list[str]:
    """Fields of a raw rule (examples aside: they are test input, never printed raw) holding a
    character that must not reach a terminal, e.g. `remediation.rotate[2]`."""
    if not isinstance(raw, dict):
        return []
    found = []
    stack: list[tuple[str, Any]] = [(str(key), value) for key, value in raw.items() if key != "examples"]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str) and _UNSAFE.search(value):
            found.append(where)
        elif isinstance(value, dict):
            stack.extend((f"{where}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return sorted(found)


def parse_rule_text(text: str, name: str, compile_patterns: bool = True) -> tuple[Rule, ...]:
    data = _parsed_yaml(text, name)
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        raise RuleError(f"{name}: expected a mapping with one key `rules` holding a list of rules")
    rules: list[Rule] = []
    problems: list[str] = []
    for position, raw in enumerate(data["rules"], 1):
        rule, found = parse_rule(raw, name, compile_patterns)
        unsafe = _terminal_unsafe(raw)
        found = [*found, *(f"field '{f}': holds a control or bidi character; escape it" for f in unsafe)]
        if rule is not None and not unsafe:
            rules.append(rule)
        label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        where = f"rule '{label}'" if label else f"rule #{position}"
        problems.extend(f"{where} {problem}" for problem in found)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise RuleError(f"{name}: {count}: " + "; ".join(problems[:MAX_LISTED]) + more)
    return tuple(rules)


def load_rule_file(path: Path, compile_patterns: bool = True) -> tuple[Rule, ...]:
    return parse_rule_text(read_text(path, RuleError), _display(path), compile_patterns)


def check_unique(rules: tuple[Rule, ...]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{rule.source}: rule '{rule.id}' duplicates the id of a rule in {seen[rule.id]}")
        seen[rule.id] = rule.source


def load_builtin_rules() -> tuple[Rule, ...]:
    """The built-in rules, from one user-cache entry when this spillguard version has validated these
    exact rule files before (one JSON document instead of 90 files parsed and checked), else from the
    files."""
    texts = [(path, read_text(path, RuleError)) for path in builtin_rule_files()]
    digest = hashlib.sha256(__version__.encode())
    for path, text in texts:
        digest.update(f"\0{path.name}\0{text}".encode("utf-8", "surrogatepass"))
    entry = f"builtin-rules-{digest.hexdigest()[:32]}.json"
    cached = user_cache.read(entry)
    if cached is not None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return rules_from_json(cached)
    rules = tuple(
        rule for path, text in texts for rule in parse_rule_text(text, _display(path), compile_patterns=False)
    )
    user_cache.write(entry, rules_to_json(rules))
    return rules


def load_rules(
    extra_files: tuple[str, ...] = (),
    disabled: tuple[str, ...] = (),
    include_builtin: bool = True,
) -> tuple[Rule, ...]:
    """Built-in rules (patterns validated by the test suite and compiled lazily) plus user rule files
    (validated eagerly, since a typo there should fail now, not at the first keyword hit)."""
    rules: list[Rule] = []
    if include_builtin:
        rules.extend(load_builtin_rules())
    for name in extra_files:
        rules.extend(load_rule_file(Path(name), compile_patterns=True))
    combined = tuple(rules)
    check_unique(combined)
    known = {rule.id for rule in combined}
    unknown = sorted(set(disabled) - known)
    if unknown:
        raise ConfigError(f"cannot disable unknown rule id(s): {', '.join(unknown)}")
    return tuple(rule for rule in combined if rule.id not in set(disabled))
