"""Where the credentials a history audit found sat in the repository's history, as the credential
inventory needs it (records only; scanner.sources fills them, scanner.credentials reads them).

- `Trail`: for each blob that holds a finding, the commits whose first-parent diff introduced it at a
  path and those whose diff deleted or replaced it there (removal events), with the authors, dates and
  walk positions of those commits. The history walk records removal events for every blob; the audit
  keeps the trail of the few blobs with findings.
- `Presence`: for one credential (the (blob, path) pairs that hold one secret), which ref tips hold it,
  and for each ref whose tip no longer holds it, the commit that removed it there.

A `TipView` (the tips and each credential's presence, in a canonical order of the credentials' pairs)
is what the history cache keeps per ref state: nothing in it is derived from a secret (blob ids, paths,
commits and ref names, as the cache's audit snapshot already holds them).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import CommitInfo

Place = tuple[str, str]  # (commit sha, path)
Pair = tuple[str, str]  # (blob id, path)
Entries = tuple[tuple[str, tuple[Place, ...]], ...]  # blob id -> places, sorted by blob id


@dataclass(frozen=True)
class Trail:
    introduced: Entries  # blob -> every (commit, path) whose diff introduced it there
    removed: Entries  # blob -> every (commit, path) whose diff deleted or replaced it there
    commits: tuple[tuple[int, CommitInfo], ...]  # (walk position, info) of every commit named above


@dataclass(frozen=True)
class Group:
    """What holds one secret: the (blob, path) pairs, and the commits whose message holds it."""

    pairs: tuple[Pair, ...]
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tip:
    ref: str  # full name: refs/heads/main, refs/remotes/origin/main, refs/tags/v1.0 (or as given)
    commit: str


@dataclass(frozen=True)
class Removal:
    """A commit that removed a credential from the tree: the newest such commit in the history of
    each ref listed, whose tip no longer holds it."""

    commit: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Presence:
    held_at: tuple[str, ...] = ()  # refs whose tip's tree holds one of its pairs
    removals: tuple[Removal, ...] = ()  # oldest first
    # refs whose history held it and whose tip does not, with no single commit of theirs removing it
    # (a merge that resolved it away)
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class TipView:
    tips: tuple[Tip, ...]
    presence: tuple[Presence, ...]  # one per group, in the order the groups were given


@dataclass(frozen=True)
class Exposure:
    """What the inventory adds to a history audit's Report: the trail of the blobs with findings, the
    tips, and for each secret (by its secret hash: in memory only) what holds it and its presence."""

    trail: Trail
    tips: tuple[Tip, ...]
    credentials: tuple[tuple[str, Group, Presence], ...]
