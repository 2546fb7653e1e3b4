"""A rule as the loader builds it and the engine runs it, and the records it is made of. Frozen, no
behaviour beyond trivial properties; re-exported by scanner.model with every other record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property


class Severity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


class Confidence(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _CONFIDENCE_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}
_CONFIDENCE_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


@dataclass(frozen=True)
class Remediation:
    summary: str
    rotate: tuple[str, ...]
    revoke_url: str | None = None


@dataclass(frozen=True)
class Allowlist:
    """Drops a candidate secret: `regexes` match the secret, `stopwords` are substrings of it,
    `paths` are glob patterns over the POSIX path of the file."""

    regexes: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.regexes or self.stopwords or self.paths)


@dataclass(frozen=True)
class Examples:
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    path: str | None = None  # where a path-scoped rule's examples are scanned (matches its `paths`)


@dataclass(frozen=True)
class FileMatch:
    """A file rule: the file itself is the leak (a committed .env, a private key file). `paths` and
    `exclude` are regexes searched in the POSIX path; `content`, when set, must also occur in the text
    (a .npmrc only counts when it holds auth)."""

    paths: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    content: str | None = None


@dataclass(frozen=True)
class Companion:
    """The other half of a credential pair: `pattern` must match within `within_lines` lines of a
    rule's secret (above, below or on its line) for the secret to count (an access key id near its
    secret, an account SID near its auth token)."""

    pattern: str
    within_lines: int


@dataclass(frozen=True)
class ContextSpec:
    """A context-scored rule (engine.context): the name kinds it reports (password, secret, token,
    api_key, key, auth, credential, salt), the lowest confidence it reports, the confidence from which
    a finding keeps the rule's severity (below, it is reported at low), and the name implied when the
    pattern captures none (a SQL statement, a command-line flag)."""

    kinds: tuple[str, ...]
    report: float
    full: float
    name: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    description: str
    severity: Severity
    confidence: Confidence
    keywords: tuple[str, ...]
    pattern: str
    max_width: int
    remediation: Remediation
    examples: Examples
    source: str
    min_entropy: float | None = None
    checksum: str | None = None
    allowlist: Allowlist = field(default_factory=Allowlist)
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    files: FileMatch | None = None  # set for file rules, which have no keywords and no pattern
    paths: tuple[str, ...] = ()  # content rules: regexes searched in the POSIX path; empty = every file
    companion: Companion | None = None  # content rules: the pair's other half, required nearby
    context: ContextSpec | None = None  # context-scored: a confidence per finding (engine.context)
    anchored: bool = False  # the pattern is matched where a keyword starts, not searched around it

    @property
    def is_generic(self) -> bool:
        return self.id.startswith("generic.")

    @cached_property
    def key_text(self) -> str:
        """repr(self), worked out once per rule: cache keys that change with any field of any rule are
        made of it (`rules_repr`), three of them at the start of each history audit."""
        return repr(self)


def rules_repr(rules: Iterable[Rule], as_list: bool = False) -> str:
    """repr() of a tuple of rules (a list, `as_list`), from each rule's `key_text`."""
    texts = [rule.key_text for rule in rules]
    if as_list:
        return "[" + ", ".join(texts) + "]"
    return tuple_repr(texts)


def tuple_repr(texts: Sequence[str]) -> str:
    """repr() of a tuple, from the repr() of each of its items: how cache keys built of `rules_repr`
    and other parts write the tuple of them."""
    return "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")"
