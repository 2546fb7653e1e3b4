"""Which rules are line-local (scanner.engine.locality), kept in the user cache (scanner.user_cache):
proving it parses every pattern, about a third of a second for the built-in rules, which a repeated
history audit answered from its cache would otherwise pay each time. Keyed by the spillguard version,
the source of the proof's modules (a change to the proof is never answered by an older one) and every
field of every rule (the proof reads patterns, keywords, companions, widths, and treats a field it does
not know as a reason not to call a rule local)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from scanner import __version__, user_cache
from scanner.engine import keyword_shapes, locality, width
from scanner.engine.locality import line_local
from scanner.model import Rule

LOCALITY_FORMAT = 2  # raise when what the proof reads, or how, changes


@cache
def _proof_source() -> str:
    """A digest of the modules the proof runs in."""
    digest = hashlib.sha256()
    for module in (locality, keyword_shapes, width):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def _entry(rules: tuple[Rule, ...]) -> str:
    material = repr((__version__, LOCALITY_FORMAT, _proof_source(), rules)).encode("utf-8", "surrogatepass")
    return f"line-local-{hashlib.sha256(material).hexdigest()[:32]}.txt"


def cached_locality(rules: tuple[Rule, ...]) -> tuple[bool, ...]:
    """Per rule, whether it is line-local: from the user cache when proven before."""
    name = _entry(rules)
    stored = user_cache.read(name)
    if stored is not None and len(stored) == len(rules) and set(stored) <= {ord("0"), ord("1")}:
        return tuple(byte == ord("1") for byte in stored)
    found = tuple(line_local(rule) for rule in rules)
    user_cache.write(name, bytes(ord("1") if local else ord("0") for local in found))
    return found
