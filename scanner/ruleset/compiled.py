"""A rule set ready to scan with: one keyword prefilter over all rules, patterns compiled on first use.

Compiling every pattern up front costs more than scanning a small tree, so each pattern is compiled the
first time one of its keywords is hit. The memo is private to this object; nothing is shared globally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import regex

from scanner.engine.decode import CONTAINER_WORDS, encoded_keyword_literals, url_keyword_forms
from scanner.engine.filters import CompiledAllowlist, compile_allowlist
from scanner.engine.prefilter import Prefilter
from scanner.model import Rule
from scanner.ruleset.firstset import guarded
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


@dataclass(frozen=True)
class KeywordTables:
    """The prefilter and what its hit ids mean. Ids below `plain` are rule keywords; the base64 forms
    of every keyword (and of container words such as `auths`) come after: a hit there triggers
    decoding, not a rule, so their entries in `rules` are empty."""

    keywords: tuple[str, ...]
    plain: int
    containers: int  # ids from here on: container words as written (CONTAINER_WORDS)
    url_forms: int  # ids from here on: keywords as URL encoding writes them (`begin%20rsa`)
    rules: tuple[tuple[int, ...], ...]
    lengths: tuple[int, ...]
    prefilter: Prefilter


def _spellings(rules: tuple[Rule, ...]) -> dict[str, set[str]]:
    """Each keyword as its rules' patterns spell it (`AIza`, `eyJ`): the prefilter ignores case, but
    the base64 of a mixed-case prefix is neither that of its lower- nor of its upper-case form."""
    found: dict[str, set[str]] = {}
    for rule in rules:
        folded = rule.pattern.lower()
        if len(folded) != len(rule.pattern):  # a character whose lower case is longer: no offsets
            continue
        for keyword in rule.keywords:
            spelled = found.setdefault(keyword, set())
            start = folded.find(keyword)
            while start >= 0:
                spelled.add(rule.pattern[start : start + len(keyword)])
                start = folded.find(keyword, start + 1)
    return found


def _keyword_tables(rules: tuple[Rule, ...], backend: str) -> KeywordTables:
    keywords = sorted({k for rule in rules for k in rule.keywords})
    index = {k: i for i, k in enumerate(keywords)}
    by_keyword: list[list[int]] = [[] for _ in keywords]
    for position, rule in enumerate(rules):
        for keyword in rule.keywords:
            by_keyword[index[keyword]].append(position)
    triggers = (*keywords, *CONTAINER_WORDS)
    spellings = _spellings(rules)
    encoded = sorted(
        {lit for k in triggers for lit in encoded_keyword_literals(k, spellings.get(k, ()))} - set(keywords)
    )
    containers = tuple(word for word in CONTAINER_WORDS if word not in keywords and word not in encoded)
    taken = {*keywords, *encoded, *containers}
    url_forms = tuple(sorted({form for k in keywords for form in url_keyword_forms(k)} - taken))
    every = (*keywords, *encoded, *containers, *url_forms)
    return KeywordTables(
        keywords=every,
        plain=len(keywords),
        containers=len(keywords) + len(encoded),
        url_forms=len(keywords) + len(encoded) + len(containers),
        rules=(*(tuple(r) for r in by_keyword), *(() for _ in (*encoded, *containers, *url_forms))),
        lengths=tuple(len(k) for k in every),
        prefilter=cached_prefilter(every, backend),
    )


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
        self._patterns: dict[int, regex.Pattern[str]] = {}
        self._scopes: dict[int, tuple[regex.Pattern[str], ...]] = {}
        self._allowlists: dict[int, CompiledAllowlist | None] = {}

    def prepare(self) -> None:
        """Builds what every scan needs now, before a pool forks, so workers inherit it instead of
        each building its own."""
        _ = self.tables, self.file_rules

    @cached_property
    def tables(self) -> KeywordTables:
        return _keyword_tables(self.rules, self.backend)

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
            compiled = regex.compile(guarded(self.rules[position].pattern))
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
