"""Which rules are line-local (scanner.engine.locality), kept in the user cache (scanner.user_cache):
proving it parses every pattern, about a third of a second for the built-in rules, which a repeated
history audit answered from its cache would otherwise pay each time. Keyed by the spillguard version,
the source of the proof's modules (a change to the proof is never answered by an older one) and every
field of every rule (the proof reads patterns, keywords, companions, widths, and treats a field it does
not know as a reason not to call a rule local). Beside it, under the same key, what scanning the other
rules over regions needs (engine.region_facts), which every worker of every audit would otherwise work
out again."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from scanner import __version__, user_cache
from scanner.engine import keyword_shapes, locality, region_facts, width
from scanner.engine.locality import line_local
from scanner.engine.region_facts import RegionFacts
from scanner.model import Rule
from scanner.rule import rules_repr, tuple_repr

LOCALITY_FORMAT = 2  # raise when what the proof reads, or how, changes


@cache
def _proof_source() -> str:
    """A digest of the modules the proof runs in."""
    digest = hashlib.sha256()
    for module in (locality, keyword_shapes, width, region_facts):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def _entry(rules: tuple[Rule, ...], kind: str = "line-local", suffix: str = "txt") -> str:
    parts = (repr(__version__), repr(LOCALITY_FORMAT), repr(_proof_source()), rules_repr(rules))
    material = tuple_repr(parts).encode("utf-8", "surrogatepass")
    return f"{kind}-{hashlib.sha256(material).hexdigest()[:32]}.{suffix}"


def cached_locality(rules: tuple[Rule, ...]) -> tuple[bool, ...]:
    """Per rule, whether it is line-local: from the user cache when proven before."""
    name = _entry(rules)
    stored = user_cache.read(name)
    if stored is not None and len(stored) == len(rules) and set(stored) <= {ord("0"), ord("1")}:
        return tuple(byte == ord("1") for byte in stored)
    found = tuple(line_local(rule) for rule in rules)
    user_cache.write(name, bytes(ord("1") if local else ord("0") for local in found))
    return found


def cached_region_facts(rules: tuple[Rule, ...], local: tuple[bool, ...]) -> dict[int, RegionFacts]:
    """What scanning each rule that is not line-local over regions needs (engine.region_facts), by
    position: from the user cache when worked out before (a few milliseconds a rule otherwise, which
    every worker process of every audit would pay again)."""
    name = _entry(rules, "region-facts", "json")
    stored = user_cache.read(name)
    if stored is not None:
        try:
            loaded = {
                int(position): RegionFacts(behind, tuple(tuple(group) for group in literals))
                for position, (behind, literals) in json.loads(stored).items()
            }
        except (ValueError, TypeError, AttributeError):
            loaded = None  # unreadable: worked out again and written anew
        if loaded is not None and all(map(_well_formed, loaded.values())):
            return loaded
    found = {p: region_facts.region_facts(rule) for p, rule in enumerate(rules) if not local[p]}
    table = {str(p): [facts.behind, [list(group) for group in facts.literals]] for p, facts in found.items()}
    user_cache.write(name, json.dumps(table, sort_keys=True).encode())
    return found


def _well_formed(facts: RegionFacts) -> bool:
    behind_ok = facts.behind is None or (isinstance(facts.behind, int) and facts.behind >= 0)
    return behind_ok and all(isinstance(text, str) for group in facts.literals for text in group)
