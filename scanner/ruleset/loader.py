"""Finds rule files, parses and validates them, and reports every problem in one error."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

from scanner import user_cache
from scanner.errors import ConfigError, RuleError
from scanner.model import Rule
from scanner.ruleset.schema import parse_rule
from scanner.yamlio import load_yaml, read_text

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
            return json.loads(cached)
        except ValueError:
            pass
    data = load_yaml(text, name, RuleError)
    with contextlib.suppress(TypeError, ValueError):  # YAML that JSON cannot hold: parsed again
        user_cache.write(entry, json.dumps(data).encode("utf-8"))
    return data


def parse_rule_text(text: str, name: str, compile_patterns: bool = True) -> tuple[Rule, ...]:
    data = _parsed_yaml(text, name)
    if not isinstance(data, dict) or set(data) != {"rules"} or not isinstance(data["rules"], list):
        raise RuleError(f"{name}: expected a mapping with one key `rules` holding a list of rules")
    rules: list[Rule] = []
    problems: list[str] = []
    for position, raw in enumerate(data["rules"], 1):
        rule, found = parse_rule(raw, name, compile_patterns)
        if rule is not None:
            rules.append(rule)
        label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        where = f"rule '{label}'" if label else f"rule #{position}"
        problems.extend(f"{where} {problem}" for problem in found)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise RuleError(f"{name}: {count}: " + "; ".join(problems))
    return tuple(rules)


def load_rule_file(path: Path, compile_patterns: bool = True) -> tuple[Rule, ...]:
    return parse_rule_text(read_text(path, RuleError), _display(path), compile_patterns)


def check_unique(rules: tuple[Rule, ...]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{rule.source}: rule '{rule.id}' duplicates the id of a rule in {seen[rule.id]}")
        seen[rule.id] = rule.source


def load_rules(
    extra_files: tuple[str, ...] = (),
    disabled: tuple[str, ...] = (),
    include_builtin: bool = True,
) -> tuple[Rule, ...]:
    """Built-in rules (patterns validated by the test suite and compiled lazily) plus user rule files
    (validated eagerly, since a typo there should fail now, not at the first keyword hit)."""
    rules: list[Rule] = []
    if include_builtin:
        for path in builtin_rule_files():
            rules.extend(load_rule_file(path, compile_patterns=False))
    for name in extra_files:
        rules.extend(load_rule_file(Path(name), compile_patterns=True))
    combined = tuple(rules)
    check_unique(combined)
    known = {rule.id for rule in combined}
    unknown = sorted(set(disabled) - known)
    if unknown:
        raise ConfigError(f"cannot disable unknown rule id(s): {', '.join(unknown)}")
    return tuple(rule for rule in combined if rule.id not in set(disabled))
