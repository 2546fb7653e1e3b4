"""Compiles the prefilter's keyword tables (`scanner.engine.index.KeywordTables`): every rule keyword,
the base64 and URL-encoded forms that trigger decoding, and which rules each keyword points to. Deriving
the encoded forms of a few hundred keywords takes longer than scanning a small commit, so the derived
tables are kept in the user cache (scanner.user_cache), keyed by the spillguard version, this
derivation's format, and every rule's keywords and pattern (the patterns give the spellings); the
compiled prefilter has its own entry."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, fields

from scanner import __version__, jsonio, user_cache
from scanner.engine.encoded import CONTAINER_WORDS, encoded_keyword_literals, url_keyword_forms
from scanner.engine.index import KeywordTables
from scanner.model import Rule
from scanner.ruleset.prefilter_cache import cached_prefilter

TABLES_FORMAT = 1  # raise when what the tables are derived from, or how, changes


@dataclass(frozen=True)
class _Derived:
    """What is cached: the keyword tables without their lengths and prefilter (see KeywordTables)."""

    keywords: tuple[str, ...]
    plain: int
    containers: int  # ids from here on: container words as written (CONTAINER_WORDS)
    url_forms: int  # ids from here on: keywords as URL encoding writes them (`begin%20rsa`)
    rules: tuple[tuple[int, ...], ...]

    def to_json(self) -> bytes:
        rules = [list(r) for r in self.rules]
        document = [list(self.keywords), self.plain, self.containers, self.url_forms, rules]
        return json.dumps(document, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> _Derived:
        keywords, plain, containers, url_forms, rules = jsonio.loads(data)
        derived = cls(
            tuple(str(k) for k in keywords),
            int(plain),
            int(containers),
            int(url_forms),
            tuple(tuple(int(n) for n in r) for r in rules),
        )
        if len(derived.rules) != len(derived.keywords) or not 0 <= plain <= containers <= url_forms:
            raise ValueError("inconsistent keyword tables")
        return derived


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


def _derive(rules: tuple[Rule, ...]) -> _Derived:
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
    return _Derived(
        keywords=(*keywords, *encoded, *containers, *url_forms),
        plain=len(keywords),
        containers=len(keywords) + len(encoded),
        url_forms=len(keywords) + len(encoded) + len(containers),
        rules=(*(tuple(r) for r in by_keyword), *(() for _ in (*encoded, *containers, *url_forms))),
    )


def _entry(rules: tuple[Rule, ...]) -> str:
    material = json.dumps(
        [__version__, TABLES_FORMAT, CONTAINER_WORDS, [[rule.keywords, rule.pattern] for rule in rules]],
        ensure_ascii=True,
    )
    return f"keyword-tables-{hashlib.sha256(material.encode()).hexdigest()[:32]}.json"


def _fits(derived: _Derived, rules: tuple[Rule, ...]) -> bool:
    """Whether cached tables can belong to `rules` (the key makes that so; this guards against an
    entry damaged in place): the same rule keywords, and only positions of existing rules."""
    plain = sorted({k for rule in rules for k in rule.keywords})
    return list(derived.keywords[: derived.plain]) == plain and all(
        0 <= n < len(rules) for positions in derived.rules for n in positions
    )


def keyword_tables(rules: tuple[Rule, ...], backend: str) -> KeywordTables:
    """The tables for `rules`, from the user cache when derived before, with their prefilter."""
    entry = _entry(rules)
    derived = None
    cached = user_cache.read(entry)
    if cached is not None:
        with contextlib.suppress(ValueError, TypeError):
            derived = _Derived.from_json(cached)
    if derived is None or not _fits(derived, rules):
        derived = _derive(rules)
        user_cache.write(entry, derived.to_json())
    return KeywordTables(
        **{f.name: getattr(derived, f.name) for f in fields(_Derived)},
        lengths=tuple(len(k) for k in derived.keywords),
        prefilter=cached_prefilter(derived.keywords, backend),
    )
