"""A rule set ready to scan with: one keyword prefilter over all rules, patterns compiled on first use.

Compiling every pattern up front costs more than scanning a small tree, so each pattern is compiled the
first time one of its keywords is hit. The memo is private to this object; nothing is shared globally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import regex

from scanner.engine.filters import CompiledAllowlist, compile_allowlist
from scanner.engine.prefilter import Prefilter
from scanner.model import Rule
from scanner.ruleset.firstset import guarded
from scanner.ruleset.schema import MAX_WINDOW
from scanner.ruleset.tables import KeywordTables, keyword_tables
from scanner.ruleset.width import max_match_width


@dataclass(frozen=True)
class CompiledFileRule:
    position: int
    rule: Rule
    paths: tuple[regex.Pattern[str], ...]
    exclude: tuple[regex.Pattern[str], ...]
    content: regex.Pattern[str] | None


class CompiledRuleset:
    """Everything but the rule list is built on first use: a repeated history audit answered from
    its cache, for one, never needs the prefilter, a pattern or an allowlist."""

    def __init__(self, rules: tuple[Rule, ...], backend: str = "auto") -> None:
        self.rules = rules
        self.backend = backend
        self.rule_by_id: dict[str, Rule] = {rule.id: rule for rule in rules}
        # rules for multi-line blocks (PEM and PGP keys): their keywords may sit JSON-escaped in a string
        self.multiline: tuple[bool, ...] = tuple("-----BEGIN" in rule.pattern for rule in rules)
        # 0 = not computed yet (built-in rules are parsed without it, to keep start-up short)
        self.widths: list[int] = [rule.max_width for rule in rules]
        self.scoped: tuple[bool, ...] = tuple(bool(rule.paths) for rule in rules)
        self.anchored: tuple[bool, ...] = tuple(rule.anchored for rule in rules)
        self._patterns: dict[int, regex.Pattern[str]] = {}
        self._by_text: dict[str, regex.Pattern[str]] = {}  # rules sharing a pattern compile it once
        self._scopes: dict[int, tuple[regex.Pattern[str], ...]] = {}
        self._allowlists: dict[int, CompiledAllowlist | None] = {}

    def prepare(self) -> None:
        """Builds what every scan needs now, before a pool forks, so workers inherit it instead of
        each building its own."""
        _ = self.tables, self.file_rules

    @cached_property
    def tables(self) -> KeywordTables:
        return keyword_tables(self.rules, self.backend)

    @property
    def prefilter(self) -> Prefilter:
        return self.tables.prefilter

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.tables.keywords

    @property
    def plain_keywords(self) -> int:
        return self.tables.plain

    @property
    def keyword_rules(self) -> tuple[tuple[int, ...], ...]:
        return self.tables.rules

    @property
    def keyword_lengths(self) -> tuple[int, ...]:
        return self.tables.lengths

    def allowlist(self, position: int) -> CompiledAllowlist | None:
        """The rule's compiled allowlist (None when it has none), compiled the first time the rule
        produces a candidate."""
        if position not in self._allowlists:
            rule = self.rules[position]
            self._allowlists[position] = compile_allowlist(rule.allowlist) if rule.allowlist else None
        return self._allowlists[position]

    @cached_property
    def file_rules(self) -> tuple[CompiledFileRule, ...]:
        return tuple(
            CompiledFileRule(
                position,
                rule,
                tuple(regex.compile(p) for p in rule.files.paths),
                tuple(regex.compile(p) for p in rule.files.exclude),
                regex.compile(rule.files.content) if rule.files.content else None,
            )
            for position, rule in enumerate(self.rules)
            if rule.files is not None
        )

    def in_scope(self, position: int, path: str) -> bool:
        """Whether a rule with `paths` applies to the file at `path` (one of its regexes is found in
        it); the regexes are compiled the first time the rule's keyword is hit."""
        scope = self._scopes.get(position)
        if scope is None:
            scope = tuple(regex.compile(p) for p in self.rules[position].paths)
            self._scopes[position] = scope
        return any(p.search(path) for p in scope)

    def pattern(self, position: int) -> regex.Pattern[str]:
        compiled = self._patterns.get(position)
        if compiled is None:
            text = guarded(self.rules[position].pattern)
            compiled = self._by_text.get(text)
            if compiled is None:
                compiled = self._by_text[text] = regex.compile(text)
            self._patterns[position] = compiled
        return compiled

    def width(self, position: int) -> int:
        """The rule's longest match, computed on first use; an unparsable or unbounded built-in
        pattern (which the test suite rejects) falls back to the largest window."""
        width = self.widths[position]
        if width == 0:
            computed = max_match_width(self.rules[position].pattern)
            width = MAX_WINDOW if computed is None else min(computed, MAX_WINDOW)
            self.widths[position] = width
        return width

    # Pickling (process pools without fork): rebuild the prefilter instead of serialising it.
    def __getstate__(self) -> dict[str, Any]:
        return {"rules": self.rules, "backend": self.backend}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["rules"], state["backend"])  # type: ignore[misc]
