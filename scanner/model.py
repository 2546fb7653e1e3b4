"""Frozen records shared by every layer. No behaviour beyond trivial properties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from enum import Enum

# Rule records live in scanner.rule; every record is importable from here.
from scanner.rule import Allowlist as Allowlist
from scanner.rule import Companion as Companion
from scanner.rule import Confidence as Confidence
from scanner.rule import ContextSpec as ContextSpec
from scanner.rule import Examples as Examples
from scanner.rule import FileMatch as FileMatch
from scanner.rule import Remediation as Remediation
from scanner.rule import Rule as Rule
from scanner.rule import Severity as Severity


class ReviewStatus(str, Enum):
    """How a baseline entry was reviewed (`spillguard baseline audit`)."""

    UNREVIEWED = "unreviewed"
    REAL = "real"  # a real secret: must be rotated; keeps failing the run until removed
    FALSE_POSITIVE = "false_positive"
    ACCEPTED_RISK = "accepted_risk"  # real but accepted, with a reason (and ideally an expiry)


HIGH_CONFIDENCE = 0.9  # a context-scored finding's score from which its confidence level is high


@dataclass(frozen=True)
class Judgement:
    """Context scoring's verdict on one candidate: a confidence from 0 to 1, the reasons that weighed
    most (in words, never the value), and the features it was computed from."""

    confidence: float
    reasons: tuple[str, ...]
    features: tuple[str, ...] = ()


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
    judgement: Judgement | None = None  # context-scored rules only


# Where a finding that no file holds is reported: a commit message, a git note (scanner.sources).
MESSAGE_PATH = "(commit message)"
NOTE_PATH_PREFIXES = ("(git note on ", "(git notes) ")
NOTICE_BINARY = "binary, not scanned"  # the notice of a file skipped as binary


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
    cell_column: int | None = None  # notebooks: column within the cell's line; `column` is the file's

    @property
    def in_file(self) -> bool:
        """False for a commit message or a git note, which no file holds."""
        return self.path != MESSAGE_PATH and not self.path.startswith(NOTE_PATH_PREFIXES)


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
    confidence: float | None = None  # context-scored rules: how sure the engine is, 0 to 1
    reasons: tuple[str, ...] = ()  # context-scored rules: what weighed most in `confidence`

    def severity_for(self, rule: Rule) -> Severity:
        """The severity this finding is reported and judged at: its own, else its rule's."""
        return self.severity or rule.severity

    def confidence_for(self, rule: Rule) -> Confidence:
        """The rule's confidence, or for a context-scored finding the level of its score: below the
        rule's `full`, low; from it, medium, and high from HIGH_CONFIDENCE on."""
        if self.confidence is None or rule.context is None:
            return rule.confidence
        if self.confidence < rule.context.full:
            return Confidence.LOW
        return Confidence.HIGH if self.confidence >= HIGH_CONFIDENCE else Confidence.MEDIUM


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
    line_map: tuple[int, ...] | None = None  # the file line of each of its lines, and where in that
    # file line each line's JSON-encoded text starts: (1-based column, whether non-ASCII characters
    # are written as \u escapes); column 0 when it was not found
    column_map: tuple[tuple[int, bool], ...] | None = None


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

    @staticmethod
    def total(items: Sequence[ScanStats], cached: int = 0) -> ScanStats:
        """The counts of `items` added up (and `cached` more cached blobs): one pass per count, not
        one new object per item, for the history audit's thousands of blobs. Every field is a count."""
        added = {name: sum(getattr(s, name) for s in items) for name in _STATS_FIELDS}
        return ScanStats(**{**added, "cached": added["cached"] + cached})


_STATS_FIELDS = tuple(f.name for f in fields(ScanStats))


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
