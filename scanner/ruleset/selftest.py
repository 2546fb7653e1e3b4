"""Runs every rule's own examples through the whole engine.

A positive example must produce its rule, also when its matched text is embedded in common file contexts
(.env, JSON, YAML, Python, shell) and at the right line and column there; a negative must not. For a pair
rule the embedded text is the whole lines from its match to the nearest match of its companion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

from scanner.engine.file_rules import scan_path
from scanner.engine.index import RuleIndex
from scanner.engine.scan import find_matches, scan_chunk
from scanner.model import Chunk, Match, Policy, Rule
from scanner.ruleset.compiled import CompiledRuleset

_BEFORE = "# generated context\nname = 'spillguard self-test'\n"
_AFTER = "\n# end of context\n"


@dataclass(frozen=True)
class Placed:
    """A file text with the matched text embedded at `offset`; continuation lines of a multi-line match
    are indented by `indent` spaces."""

    text: str
    offset: int
    indent: int = 0


@dataclass(frozen=True)
class Context:
    name: str
    render: Callable[[str], Placed | None]  # match text -> file, or None when it cannot be embedded


def _at(before: str, text: str, after: str, indent: int = 0) -> Placed:
    return Placed(before + text + after, len(before), indent)


def _env(text: str) -> Placed | None:
    return None if "\n" in text else _at(f"{_BEFORE}SELFTEST_VALUE=", text, _AFTER)


def _json(text: str) -> Placed | None:
    if '"' in text or "\\" in text or "\n" in text:
        return None
    return _at('{\n  "name": "self-test",\n  "value": "', text, '"\n}\n')


def _yaml(text: str) -> Placed | None:
    if "\n" in text:
        head = "name: self-test\nvalue: |\n  "
        body = text.replace("\n", "\n  ")
        return Placed(f"{head}{body}\nnext: true\n", len(head), 2)
    return None if "'" in text else _at("name: self-test\nvalue: '", text, "'\n")


def _python(text: str) -> Placed | None:
    return None if '"""' in text else _at(f'{_BEFORE}VALUE = """', text, f'"""{_AFTER}')


def _shell(text: str) -> Placed | None:
    if "'" in text or "\n" in text:
        return None
    return _at("#!/bin/sh\nset -eu\nexport SELFTEST_VALUE='", text, '\'\nrun_tool "$SELFTEST_VALUE"\n')


CONTEXTS = (
    Context("env", _env),
    Context("json", _json),
    Context("yaml", _yaml),
    Context("python", _python),
    Context("shell", _shell),
)


def _position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def expected_position(placed: Placed, matched: str, offset_in_match: int) -> tuple[int, int]:
    """Where the secret must be reported once `matched` is embedded as `placed`."""
    lead = matched[:offset_in_match]
    if "\n" not in lead:
        return _position(placed.text, placed.offset + offset_in_match)
    line, _ = _position(placed.text, placed.offset)
    return line + lead.count("\n"), len(lead) - lead.rfind("\n") + placed.indent


DEFAULT_PATH = "selftest.txt"


def _found_at(
    rule: Rule, text: str, ruleset: RuleIndex, policy: Policy, path: str = DEFAULT_PATH
) -> set[tuple[int, int]]:
    result = scan_chunk(Chunk(path=path, text=text), ruleset, policy)
    return {(f.location.line, f.location.column) for f in result.findings if f.rule_id == rule.id}


def _check_scoped_rule(rule: Rule, ruleset: RuleIndex, policy: Policy) -> list[str]:
    """A rule with `paths` reads one kind of file (a Dockerfile, a CI workflow), so its examples are
    whole files of that kind, scanned at `examples.path` and not embedded in other contexts; the
    first positive must also be ignored at a path outside the scope."""
    path = rule.examples.path or DEFAULT_PATH
    problems = [
        f"positive example {number} is not detected at {path}"
        for number, example in enumerate(rule.examples.positive, 1)
        if not _found_at(rule, example, ruleset, policy, path)
    ]
    problems += [
        f"negative example {number} is detected at {path}"
        for number, example in enumerate(rule.examples.negative, 1)
        if _found_at(rule, example, ruleset, policy, path)
    ]
    if rule.examples.positive and _found_at(rule, rule.examples.positive[0], ruleset, policy):
        problems.append(f"positive example 1 is detected at {DEFAULT_PATH}, outside the rule's paths")
    return problems


def _check_file_rule(rule: Rule, ruleset: RuleIndex, policy: Policy) -> list[str]:
    """A file rule's examples are paths, optionally followed by the file's content on the next lines."""

    def fires(example: str) -> bool:
        path, _, content = example.partition("\n")
        return any(f.rule_id == rule.id for f in scan_path(path, content, ruleset, policy))

    problems = [
        f"positive example {n} is not detected"
        for n, example in enumerate(rule.examples.positive, 1)
        if not fires(example)
    ]
    problems += [
        f"negative example {n} is detected"
        for n, example in enumerate(rule.examples.negative, 1)
        if fires(example)
    ]
    return problems


def _with_companion(example: str, match: Match, rule: Rule) -> tuple[int, int]:
    """The text to embed: the match, and for a pair rule the whole lines from it to the nearest match of its
    companion."""
    start, end = match.span.start, match.span.end
    if rule.companion is None:
        return start, end
    secret = match.secret_span
    halves = [
        found.span()
        for found in regex.finditer(rule.companion.pattern, example)
        if found.end() <= secret.start or found.start() >= secret.end
    ]
    low, high = min(halves, key=lambda half: abs(half[0] - secret.start))
    first, last = min(start, low), max(end, high)  # whole lines: a keyword may sit beside the companion
    line_end = example.find("\n", last)
    return example.rfind("\n", 0, first) + 1, len(example) if line_end < 0 else line_end


def check_rule(rule: Rule, ruleset: RuleIndex, policy: Policy | None = None) -> list[str]:
    """Problems with one rule's examples; empty when every example behaves."""
    policy = policy or Policy()
    if rule.files is not None:
        return _check_file_rule(rule, ruleset, policy)
    if rule.paths:
        return _check_scoped_rule(rule, ruleset, policy)
    only = CompiledRuleset((rule,), ruleset.backend)
    problems: list[str] = []
    for number, example in enumerate(rule.examples.positive, 1):
        label = f"positive example {number}"
        if not _found_at(rule, example, ruleset, policy):
            problems.append(f"{label} is not detected")
            continue
        matches, _ = find_matches(example, only, policy, DEFAULT_PATH)
        first = min(matches, key=lambda m: m.span.start)
        start, end = _with_companion(example, first, rule)
        if rule.context:  # a context-scored rule reads the line its name sits on: embed it from its start
            start = example.rfind("\n", 0, start) + 1
        matched = example[start:end]
        offset_in_match = first.secret_span.start - start
        for context in CONTEXTS:
            placed = context.render(matched)
            if placed is None:
                continue
            expected = expected_position(placed, matched, offset_in_match)
            if expected not in _found_at(rule, placed.text, ruleset, policy):
                problems.append(
                    f"{label} is not detected at line {expected[0]}, column "
                    f"{expected[1]} when embedded in {context.name}"
                )
    for number, example in enumerate(rule.examples.negative, 1):
        if _found_at(rule, example, ruleset, policy):
            problems.append(f"negative example {number} is detected")
    return problems


def check_rules(rules: tuple[Rule, ...], ruleset: RuleIndex) -> list[str]:
    """One line per failing rule: `source: rule 'id': problem; problem`."""
    failures = []
    for rule in rules:
        problems = check_rule(rule, ruleset)
        if problems:
            failures.append(f"{rule.source}: rule '{rule.id}': " + "; ".join(problems))
    return failures
