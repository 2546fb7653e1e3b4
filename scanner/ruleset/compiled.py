"""A rule set compiled into the engine's index (`scanner.engine.index.RuleIndex`): the keyword tables
and the prefilter are built here, from the user cache when derived before (scanner.ruleset.tables).

They are built on first use, not when the object is made: a repeated history audit answered from its
cache, for one, never needs them. Every scan mode calls `prepare()` before its first scan, so the user
cache is read and written then, never in the middle of a scan.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from scanner.engine.index import KeywordTables, RuleIndex
from scanner.ruleset.tables import keyword_tables

if TYPE_CHECKING:  # only history audits need region facts (and the pattern parsing behind them)
    from scanner.engine.region_facts import RegionFacts


class CompiledRuleset(RuleIndex):
    @cached_property
    def tables(self) -> KeywordTables:
        return keyword_tables(self.rules, self.backend)

    @cached_property
    def locality(self) -> tuple[bool, ...]:
        from scanner.ruleset.locality_cache import cached_locality  # only history audits need it

        return cached_locality(self.rules)

    @cached_property
    def known_region_facts(self) -> dict[int, RegionFacts]:
        from scanner.ruleset.locality_cache import cached_region_facts

        return cached_region_facts(self.rules, self.locality)

    # Pickling (process pools without fork): rebuild the prefilter instead of serialising it.
    def __getstate__(self) -> dict[str, Any]:
        return {"rules": self.rules, "backend": self.backend}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["rules"], state["backend"])  # type: ignore[misc]
