"""The engine's index: the rules as the matcher runs them. Pure: no I/O, nothing shared globally.

Its keyword tables and prefilter are supplied by whoever builds the index (`scanner.ruleset.compiled`
builds them, with the user cache, and every scan mode has them built before its first scan). The rest
is compiled here the first time a scan needs it, a memo private to this object: compiling every pattern
up front costs more than scanning a small tree, so each pattern is compiled the first time one of its
keywords is hit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import regex

from scanner.engine.companion import reach
from scanner.engine.filters import CompiledAllowlist, compile_allowlist
from scanner.engine.firstset import guarded
from scanner.engine.prefilter import Prefilter
from scanner.engine.width import MAX_WINDOW, max_match_width
from scanner.model import Rule

if TYPE_CHECKING:
    from scanner.engine.region_facts import RegionFacts


@dataclass(frozen=True)
class KeywordTables:
    """The prefilter and what its hit ids mean. Ids below `plain` are rule keywords; the base64 forms
    of every keyword (and of container words such as `auths`) come after: a hit there triggers
    decoding, not a rule, so their entries in `rules` are empty."""

    keywords: tuple[str, ...]
    plain: int
    containers: int  # ids from here on: container words as written (engine.encoded.CONTAINER_WORDS)
    url_forms: int  # ids from here on: keywords as URL encoding writes them (`begin%20rsa`)
    rules: tuple[tuple[int, ...], ...]  # per keyword id: the positions of the rules it points to
    lengths: tuple[int, ...]  # per keyword id: its length
    prefilter: Prefilter


@dataclass(frozen=True)
class CompiledFileRule:
    position: int
    rule: Rule
    paths: tuple[regex.Pattern[str], ...]
    exclude: tuple[regex.Pattern[str], ...]
    content: regex.Pattern[str] | None


class RuleIndex(ABC):
    """Rules by position, with what the matcher needs for each: keyword tables and prefilter (supplied
    by the builder, `tables`), and patterns, windows, path scopes, allowlists and file rules (compiled
    here on first use)."""

    def __init__(self, rules: tuple[Rule, ...], backend: str = "auto") -> None:
        self.rules = rules
        self.backend = backend
        self.rule_by_id: dict[str, Rule] = {rule.id: rule for rule in rules}
        # rules for multi-line blocks (PEM and PGP keys): their keywords may sit JSON-escaped in a string
        self.multiline: tuple[bool, ...] = tuple("-----BEGIN" in rule.pattern for rule in rules)
        # 0 = not computed yet (built-in rules are parsed without it, to keep start-up short)
        self.widths: list[int] = [reach(rule, rule.max_width) if rule.max_width else 0 for rule in rules]
        self.scoped: tuple[bool, ...] = tuple(bool(rule.paths) for rule in rules)
        self.anchored: tuple[bool, ...] = tuple(rule.anchored for rule in rules)
        self._patterns: dict[int, regex.Pattern[str]] = {}
        self._by_text: dict[str, regex.Pattern[str]] = {}  # rules sharing a pattern compile it once
        self._companions: dict[int, regex.Pattern[str]] = {}
        self._scopes: dict[int, tuple[regex.Pattern[str], ...]] = {}
        self._allowlists: dict[int, CompiledAllowlist | None] = {}

    @property
    @abstractmethod
    def tables(self) -> KeywordTables:
        """The keyword tables and prefilter, from the builder of the index."""

    def prepare(self) -> None:
        """Builds what every scan needs, before the first one: the keyword tables (with whatever I/O
        their builder does) and the file rules. Before a pool forks, too, so workers inherit them
        instead of each building its own."""
        _ = self.tables, self.file_rules

    @cached_property
    def locality(self) -> tuple[bool, ...]:
        """Per rule position, whether the rule is line-local (engine.locality), for the history
        audit's line memo; a builder may supply it from a cache."""
        from scanner.engine.locality import line_local  # only history audits need it

        return tuple(line_local(rule) for rule in self.rules)

    @cached_property
    def known_region_facts(self) -> dict[int, RegionFacts]:
        """What a builder knows already (from a cache) of the rules that are not line-local, by
        position (engine.region_facts); what it does not know is worked out when first needed."""
        return {}

    @cached_property
    def rule_keyword_ids(self) -> tuple[tuple[int, ...], ...]:
        """Per rule position, the ids of the keywords that point to it (the inverse of `keyword_rules`)."""
        found: list[list[int]] = [[] for _ in self.rules]
        for kid, positions in enumerate(self.tables.rules):
            for position in positions:
                found[position].append(kid)
        return tuple(map(tuple, found))

    @cached_property
    def path_rules(self) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
        """What a file's path can change (engine.lines.path_class): the positions of the rules scoped to
        some paths, those of the rules whose allowlist names paths, and whether any rule scores context."""
        return (
            tuple(p for p, is_scoped in enumerate(self.scoped) if is_scoped),
            tuple(p for p, rule in enumerate(self.rules) if rule.allowlist.paths),
            any(rule.context is not None for rule in self.rules),
        )

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

    def reads_content(self, path: str) -> bool:
        """Whether a file rule that also looks at the file's text (`content`) matches `path`: only then
        is the text of a file known by its diff alone worth reading for the file rules."""
        return any(
            rule.content is not None and any(p.search(path) for p in rule.paths) for rule in self.file_rules
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

    def companion(self, position: int) -> regex.Pattern[str]:
        """The compiled companion pattern of a pair rule (one that has a companion), on first use."""
        compiled = self._companions.get(position)
        if compiled is None:
            companion = self.rules[position].companion
            assert companion is not None  # asked only for pair rules
            compiled = regex.compile(companion.pattern)
            self._companions[position] = compiled
        return compiled

    def width(self, position: int) -> int:
        """The rule's longest match, computed on first use; an unparsable or unbounded built-in
        pattern (which the test suite rejects) falls back to the largest window."""
        width = self.widths[position]
        if width == 0:
            computed = max_match_width(self.rules[position].pattern)
            width = MAX_WINDOW if computed is None else min(computed, MAX_WINDOW)
            width = reach(self.rules[position], width)
            self.widths[position] = width
        return width
