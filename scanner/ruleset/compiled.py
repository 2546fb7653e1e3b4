"""A rule set ready to scan with: one keyword prefilter over all rules, patterns compiled on first use.

Compiling every pattern up front costs more than scanning a small tree, so each pattern is compiled the
first time one of its keywords is hit. The memo is private to this object; nothing is shared globally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

from scanner.engine.decode import CONTAINER_WORDS, encoded_keyword_literals
from scanner.engine.filters import CompiledAllowlist, compile_allowlist
from scanner.engine.prefilter import Prefilter
from scanner.model import Rule
from scanner.ruleset.prefilter_cache import cached_prefilter
from scanner.ruleset.schema import MAX_WINDOW
from scanner.ruleset.width import max_match_width


@dataclass(frozen=True)
class CompiledFileRule:
    position: int
    rule: Rule
    paths: tuple[regex.Pattern[str], ...]
    exclude: tuple[regex.Pattern[str], ...]
    content: regex.Pattern[str] | None


class CompiledRuleset:
    def __init__(self, rules: tuple[Rule, ...], backend: str = "auto") -> None:
        self.rules = rules
        self.backend = backend
        self.rule_by_id: dict[str, Rule] = {rule.id: rule for rule in rules}
        keywords = sorted({k for rule in rules for k in rule.keywords})
        index = {k: i for i, k in enumerate(keywords)}
        by_keyword: list[list[int]] = [[] for _ in keywords]
        for position, rule in enumerate(rules):
            for keyword in rule.keywords:
                by_keyword[index[keyword]].append(position)
        # The base64 forms of every keyword share the prefilter; a hit there triggers decoding, not a
        # rule, so their entries in keyword_rules are empty. Ids from `plain_keywords` on are those.
        triggers = (*keywords, *CONTAINER_WORDS)
        encoded = sorted({lit for k in triggers for lit in encoded_keyword_literals(k)} - set(keywords))
        self.plain_keywords = len(keywords)
        self.keywords: tuple[str, ...] = (*keywords, *encoded)
        self.keyword_rules: tuple[tuple[int, ...], ...] = (
            *(tuple(r) for r in by_keyword),
            *(() for _ in encoded),
        )
        self.keyword_lengths: tuple[int, ...] = tuple(len(k) for k in self.keywords)
        # rules for multi-line blocks (PEM and PGP keys): their keywords may sit JSON-escaped in a string
        self.multiline: tuple[bool, ...] = tuple("-----BEGIN" in rule.pattern for rule in rules)
        # 0 = not computed yet (built-in rules are parsed without it, to keep start-up short)
        self.widths: list[int] = [rule.max_width for rule in rules]
        self.allowlists: tuple[CompiledAllowlist | None, ...] = tuple(
            compile_allowlist(rule.allowlist) if rule.allowlist else None for rule in rules
        )
        self.prefilter: Prefilter = cached_prefilter(self.keywords, backend)
        self.file_rules: tuple[CompiledFileRule, ...] = tuple(
            CompiledFileRule(
                position,
                rule,
                tuple(regex.compile(p) for p in rule.files.paths),
                tuple(regex.compile(p) for p in rule.files.exclude),
                regex.compile(rule.files.content) if rule.files.content else None,
            )
            for position, rule in enumerate(rules)
            if rule.files is not None
        )
        self._patterns: dict[int, regex.Pattern[str]] = {}

    def pattern(self, position: int) -> regex.Pattern[str]:
        compiled = self._patterns.get(position)
        if compiled is None:
            compiled = regex.compile(self.rules[position].pattern)
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
