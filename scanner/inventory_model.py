"""Records of the credential inventory (`spillguard inventory`): one `Credential` per secret however many
paths, commits and refs hold it, and the `Inventory` of a repository. Built by scanner.credentials,
compared with a previous inventory by scanner.inventory_changes, written by the inventory reporters.

A credential is identified by a keyed hash of its secret hash under the repository's inventory key
(scanner.inventory_key), never by the secret or an unsalted hash of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from scanner.model import CommitInfo, Notice, ReviewStatus, Rule, ScanStats, Severity

INVENTORY_FORMAT = "spillguard-inventory"
INVENTORY_SCHEMA = 1


class State(str, Enum):
    OPEN = "open"  # in a tree: at a ref tip (or in the scanned directory), or in a commit message
    HISTORY_ONLY = "history-only"  # removed from every ref tip, still reachable in history


class Change(str, Enum):
    """How a credential stands against the previous inventory (`--since-inventory`)."""

    NEW = "new"  # not in the previous inventory
    REMOVED = "removed"  # open before, now only in history or gone: rotation still to confirm
    REOPENED = "reopened"  # only in history before, in a tree again
    UNCHANGED = "unchanged"


class Action(str, Enum):
    ROTATE_AND_REMOVE = "rotate-and-remove"  # open: rotate it, then remove it from every branch and tag
    ROTATE_AND_PURGE = "rotate-and-purge"  # only in history: rotate it, then purge the history
    NONE = "none"  # reviewed as a false positive or an accepted risk that has not expired


@dataclass(frozen=True)
class Event:
    """Where a credential was first introduced: the commit (None in a directory scan), its author and
    date, the path and line."""

    path: str
    line: int
    commit: CommitInfo | None = None


@dataclass(frozen=True)
class RefRemoval:
    """A commit that removed the credential from the tree, and the refs where it is the newest such
    commit (their tips do not hold it)."""

    commit: CommitInfo
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Window:
    """From the first commit that held it to its removal from every ref tip; `end` None while open (or
    when no commit removed it, as when only a stash holds it or a merge dropped it). `days` counts whole
    days from `start` to `end`, or to the inventory's date while open; None without a history."""

    start: str | None
    end: str | None
    open: bool
    days: int | None


@dataclass(frozen=True)
class Review:
    """The baseline's review of the credential's findings, combined: real if any is, else unreviewed if
    any is (or is not in the baseline), else an accepted risk (the earliest expiry) if any is, else a
    false positive. `expired`: a review past its expiry, due again."""

    status: ReviewStatus = ReviewStatus.UNREVIEWED
    reason: str | None = None
    expires: str | None = None
    expired: bool = False
    in_baseline: bool = False


@dataclass(frozen=True)
class Credential:
    id: str
    rule: Rule  # the most specific rule that found it (a provider's before a generic one, then severity)
    rules: tuple[str, ...]  # every rule that found it
    severity: Severity  # the highest of its findings'
    preview: str
    first: Event
    paths: tuple[str, ...]
    commits: int  # commits that introduced it (0 in a directory scan)
    authors: tuple[str, ...]  # who introduced it, in order of first introduction
    held_at: tuple[str, ...]  # refs whose tip holds it
    removals: tuple[RefRemoval, ...]  # oldest first
    dropped: tuple[str, ...]  # refs whose history held it, dropped by a merge rather than a commit
    window: Window
    in_history: bool | None  # still reachable in history; None for a directory scan
    in_messages: bool  # found in a commit message (stays in history until it is rewritten)
    review: Review
    secret: str | None = None  # only with --show-secrets
    change: Change | None = None  # with --since-inventory
    order: int = 0  # walk position of its first commit: credentials are listed oldest first

    @property
    def provider(self) -> str:
        return self.rule.id.split(".", 1)[0]

    @property
    def kind(self) -> str:
        return self.rule.id.split(".", 1)[-1]

    @property
    def state(self) -> State:
        return State.OPEN if self.window.open else State.HISTORY_ONLY

    @property
    def action(self) -> Action:
        settled = self.review.status in (ReviewStatus.FALSE_POSITIVE, ReviewStatus.ACCEPTED_RISK)
        if settled and not self.review.expired:
            return Action.NONE
        return Action.ROTATE_AND_REMOVE if self.window.open else Action.ROTATE_AND_PURGE


@dataclass(frozen=True)
class Previous:
    """A credential of the previous inventory, as its JSON gives it."""

    id: str
    state: State
    rule_id: str
    severity: Severity
    preview: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    """The difference from a previous inventory: `gone` lists its credentials found nowhere now (their
    change is `removed`)."""

    since: str  # the previous inventory's date
    counts: tuple[tuple[Change, int], ...]
    gone: tuple[Previous, ...] = ()


@dataclass(frozen=True)
class Inventory:
    source: str  # "history" or "directory"
    as_of: str  # ISO date the open windows are counted to
    key_id: str  # which inventory key the ids are under (scanner.inventory_key.key_id)
    credentials: tuple[Credential, ...]
    name: str = ""  # the repository's (or directory's) name, for headings
    fail_on: Severity = Severity.LOW  # the --fail-on threshold the reports mark failing credentials by
    tips: tuple[tuple[str, str], ...] = ()  # (ref, commit) of every tip looked at
    stats: ScanStats = field(default_factory=ScanStats)
    notices: tuple[Notice, ...] = ()
    baseline: bool = False  # whether review statuses come from a baseline
    changes: Changes | None = None
