"""Frozen records shared by every layer. No behaviour beyond trivial properties."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


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


class ReviewStatus(str, Enum):
    """How a baseline entry was reviewed (`spillguard baseline audit`)."""

    UNREVIEWED = "unreviewed"
    REAL = "real"  # a real secret: must be rotated; keeps failing the run until removed
    FALSE_POSITIVE = "false_positive"
    ACCEPTED_RISK = "accepted_risk"  # real but accepted, with a reason (and ideally an expiry)


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

    @property
    def is_generic(self) -> bool:
        return self.id.startswith("generic.")


@dataclass(frozen=True)
class Span:
    """Character offsets [start, end) into a chunk's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Match:
    """A confirmed secret inside the engine. Holds the raw secret: never leaves the engine's caller
    except through `Finding`, which keeps only a hash and a redacted preview."""

    rule_id: str
    span: Span
    secret_span: Span
    secret: str
    entropy: float
    decoded: str | None = None  # how the secret was encoded where it sits: base64, json-escaped


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    commit: str | None = None
    blob: str | None = None
    cell: int | None = None  # notebooks: 1-based cell number
    cell_line: int | None = None  # notebooks: line within the cell; `line` is then the file's line


@dataclass(frozen=True)
class Finding:
    rule_id: str
    location: Location
    secret_hash: str
    fingerprint: str
    preview: str
    entropy: float
    secret: str | None = None  # only set when the user asked to reveal secrets
    decoded: str | None = None  # found after decoding the text at the location: base64, json-escaped
    severity: Severity | None = None  # overrides the rule's severity (raised by an exposure)
    exposure: str | None = None  # how far the value travels beyond the repository: client-bundle

    def severity_for(self, rule: Rule) -> Severity:
        """The severity this finding is reported and judged at: its own, else its rule's."""
        return self.severity or rule.severity


@dataclass(frozen=True)
class Chunk:
    """A piece of text to scan and where it came from. `first_line` is the line number of the text's
    first line in the original file (1 for whole files)."""

    path: str
    text: str
    first_line: int = 1
    commit: str | None = None
    blob: str | None = None
    cell: int | None = None  # a notebook cell's part: its number, and
    line_map: tuple[int, ...] | None = None  # the file line of each of its lines


@dataclass(frozen=True)
class ScanStats:
    files: int = 0
    bytes: int = 0
    skipped_binary: int = 0
    skipped_large: int = 0
    skipped_unreadable: int = 0
    skipped_allowlisted: int = 0
    timeouts: int = 0
    cached: int = 0  # blobs whose results came from the history cache

    def __add__(self, other: ScanStats) -> ScanStats:
        return ScanStats(
            files=self.files + other.files,
            bytes=self.bytes + other.bytes,
            skipped_binary=self.skipped_binary + other.skipped_binary,
            skipped_large=self.skipped_large + other.skipped_large,
            skipped_unreadable=self.skipped_unreadable + other.skipped_unreadable,
            skipped_allowlisted=self.skipped_allowlisted + other.skipped_allowlisted,
            timeouts=self.timeouts + other.timeouts,
            cached=self.cached + other.cached,
        )


@dataclass(frozen=True)
class Notice:
    """Something the user should know that did not stop the scan (a skipped file, a regex timeout)."""

    path: str
    message: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author: str
    date: str  # ISO 8601 with the author's offset


@dataclass(frozen=True)
class SecretGroup:
    """One secret (rule and value) across history: where it was first introduced, every path that has
    held it, how many commits introduced it, and whether HEAD still holds it."""

    rule_id: str
    preview: str
    first: Location
    paths: tuple[str, ...]
    commits: int
    present_at_head: bool
    fingerprints: tuple[str, ...]
    blobs: tuple[str, ...] = ()  # every blob that holds it (none for a commit message)


@dataclass(frozen=True)
class KnownMark:
    """How a finding stands in the baseline."""

    status: ReviewStatus
    reason: str | None
    failing: bool  # real, or past its expiry: still fails the run (scanner.decision.still_failing)
    expires: str | None = None


@dataclass(frozen=True)
class BaselineView:
    """The baseline's verdict on a report: findings absent from `known` are new."""

    known: tuple[tuple[str, KnownMark], ...]  # finding fingerprint -> mark
    gone: int  # baseline entries in the scanned scope that were not found
    show_known: bool = False


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]
    stats: ScanStats
    notices: tuple[Notice, ...] = ()
    seconds: float = 0.0
    commits: tuple[CommitInfo, ...] = ()
    groups: tuple[SecretGroup, ...] = ()
    baseline: BaselineView | None = None
    # a history audit: what it could not read (a shallow clone...), one sentence each; None elsewhere
    history_gaps: tuple[str, ...] | None = None


DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
DEFAULT_REGEX_TIMEOUT = 2.0


@dataclass(frozen=True)
class Policy:
    """Everything the user decided: which rules, what to ignore, how much to read, what to reveal."""

    allowlist: Allowlist = field(default_factory=Allowlist)
    disabled_rules: tuple[str, ...] = ()
    extra_rule_files: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT
    reveal_secrets: bool = False
