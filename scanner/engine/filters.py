"""False-positive filters applied to a candidate secret after its pattern matched."""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import regex

from scanner.engine.public_values import PUBLIC_EXAMPLES
from scanner.model import Allowlist

# Words that mark documentation values and templates, never real credentials (case-insensitive).
PLACEHOLDER_WORDS: tuple[str, ...] = (
    "example",
    "xxxx",
    "your_",
    "your-",
    "yourkey",
    "placeholder",
    "changeme",
    "change_me",
    "dummy",
    "redacted",
    "sample",
    "fake_",
    "fake-",
    "insert",
    "replace_me",
    "****",
    "....",
)

_TEMPLATE = regex.compile(
    r"<[^<>\n]{1,64}>"  # <token>
    r"|\$\{[^}\n]{0,64}\}"  # ${VAR}
    r"|\{\{[^\n]{0,64}\}\}"  # {{ var }}
    r"|\$\([^)\n]{0,64}\)"  # $(cmd)
    r"|%\([^)\n]{1,64}\)s"  # %(name)s
    r"|^\$[A-Za-z_][A-Za-z0-9_]{0,64}$"  # $VAR
)

_RUNS = (
    string.digits + string.digits,
    string.ascii_lowercase,
    string.ascii_uppercase,
)


def _is_simple_run(value: str) -> bool:
    """One repeated character, or a slice of 0123456789 / abc... ."""
    if len(set(value)) <= 1:
        return True
    return len(value) >= 6 and any(value in run for run in _RUNS)


def is_placeholder(secret: str) -> bool:
    """Documentation values, providers' published test keys and templates. Multi-line secrets (key
    blocks) are left to their own pattern, which demands a real body: a random base64 body holds `xxxx`
    often enough to matter."""
    if "\n" in secret:
        return False
    if secret in PUBLIC_EXAMPLES:  # published test and example keys (engine.public_values)
        return True
    lowered = secret.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return True
    if _TEMPLATE.search(secret):
        return True
    return _is_simple_run(secret)


@dataclass(frozen=True)
class CompiledAllowlist:
    regexes: tuple[regex.Pattern[str], ...]
    stopwords: tuple[str, ...]
    paths: tuple[str, ...]

    def allows_secret(self, secret: str) -> bool:
        lowered = secret.lower()
        if any(word in lowered for word in self.stopwords):
            return True
        return any(p.search(secret) for p in self.regexes)

    def allows_path(self, path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, glob) for glob in self.paths)


@lru_cache(maxsize=256)
def compile_allowlist(allowlist: Allowlist) -> CompiledAllowlist:
    return CompiledAllowlist(
        regexes=tuple(regex.compile(r) for r in allowlist.regexes),
        stopwords=tuple(w.lower() for w in allowlist.stopwords),
        paths=allowlist.paths,
    )


INLINE_MARKER = "spillguard:allow"


def inline_allowed(lines: Iterable[str], rule_id: str) -> bool:
    """True if any of the lines carries `spillguard:allow` or `spillguard:allow=<ids>` naming the rule."""
    for line in lines:
        start = line.find(INLINE_MARKER)
        while start != -1:
            rest = line[start + len(INLINE_MARKER) :]
            if not rest.startswith("="):
                return True
            ids = regex.match(r"=([A-Za-z0-9_.,-]+)", rest)
            if ids and rule_id in ids.group(1).split(","):
                return True
            start = line.find(INLINE_MARKER, start + 1)
    return False
