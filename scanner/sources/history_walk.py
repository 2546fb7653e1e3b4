"""Every commit reachable from the chosen refs, and every blob they introduced, for a full-history
audit. Blobs are identified by id, so each one is read and scanned once however many commits and paths
hold it; a blob's first appearance in topological order is where it was introduced.

The commits are ordered by libgit2's topological walk (oldest first), sorted ahead in a thread when the
caller can start one early (`Listing`); what each introduced and removed is read with `git log`
(scanner.sources.history_log), or through pygit2's tree diff for a commit git does not report, or from
the history cache for a commit diffed before. Each introduction is handed to `on_introduced` as it is
read, so blobs can be scanned while the walk goes on."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

import pygit2

from scanner.errors import GitError
from scanner.model import CommitInfo
from scanner.sources import history_log
from scanner.sources.git import GITLINK, commit_diff, commit_info, fsck_hint
from scanner.sources.history_log import Changes, Places
from scanner.sources.history_refs import NOTE_PATHS, note_path, notes_commits, ref_state, tips
from scanner.sources.paths import display_path

__all__ = [
    "NOTE_PATHS",
    "Changes",
    "CommitInfos",
    "HistoryIndex",
    "Listing",
    "head_blobs",
    "partial_index",
    "ref_state",
    "walk",
]


class CommitInfos(dict[str, CommitInfo]):
    """Commit sha -> author and date, read from the repository the first time one is asked for: an
    audit reports a handful of the commits it walks."""

    def __init__(self, repo: pygit2.Repository | None = None) -> None:
        super().__init__()
        self._repo = repo

    def __missing__(self, sha: str) -> CommitInfo:
        commit = self._repo[sha] if self._repo is not None else None
        if not isinstance(commit, pygit2.Commit):
            raise KeyError(sha)
        info = self[sha] = commit_info(commit)
        return info


@dataclass
class HistoryIndex:
    """What the walk found, in the parent process."""

    commits: CommitInfos = field(default_factory=CommitInfos)
    order: dict[str, int] = field(default_factory=dict)  # commit sha -> topological position
    messages: list[tuple[str, str]] = field(default_factory=list)  # (commit sha, message)
    # blob id -> every (commit sha, path) that introduced it, in walk order
    occurrences: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # commits diffed by this walk (not known from a cache): walk key -> (introduced, removed)
    fresh: dict[str, Changes] = field(default_factory=dict)
    # Removal events, for the credential inventory: blob id -> every (commit sha, path) whose diff
    # deleted or replaced it there (the old side of D, M and T deltas), in walk order
    removals: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def walk_key(commit: pygit2.Commit) -> str:
    """What a commit introduced depends on its tree and its parents as this repository sees them,
    not only on its id: a shallow clone's boundary commits have no parents until it is deepened (and
    a replacement can change either). So a remembered diff is keyed by all three."""
    parents = ",".join(str(parent) for parent in commit.parent_ids)
    return f"{commit.id} {commit.tree_id} {parents}"


def _changes(repo: pygit2.Repository, commit: pygit2.Commit, notes: bool = False) -> Changes:
    """The (blob, path) pairs a commit introduced against its first parent, and those it removed: a
    deleted file, or the old content of a changed one (a removal event for the inventory). In a notes
    commit (`notes`), paths are where the notes are reported (`note_path`)."""
    introduced: Places = []
    removed: Places = []

    def shown(path: str) -> str:
        return note_path(display_path(path)) if notes else display_path(path)

    for delta in commit_diff(repo, commit).deltas:
        old, new = delta.old_file, delta.new_file
        if delta.status_char() != "A" and old.mode != GITLINK and old.id != new.id:
            removed.append((str(old.id), shown(old.path)))
        if delta.status_char() == "D" or new.mode == GITLINK:
            continue
        introduced.append((str(new.id), shown(new.path)))
    return introduced, removed


class _Diffs:
    """The changes of the commits to diff, in walk order: from git while it reports them, else from
    pygit2 (`use_git` False: pygit2 only)."""

    def __init__(
        self, repo: pygit2.Repository, wanted: list[str], notes: frozenset[str], use_git: bool
    ) -> None:
        self._repo = repo
        self._notes = notes

        paths: dict[bytes, str] = {}  # raw path -> as shown: most paths recur in commit after commit

        def shown(sha: str, raw: bytes) -> str:
            path = paths.get(raw)
            if path is None:
                path = paths[raw] = history_log.shown_path(raw)
            return note_path(path) if sha in notes else path

        self._git: Iterator[tuple[str, Changes]] | None = (
            history_log.changes(str(repo.path), wanted, shown) if wanted and use_git else None
        )

    def of(self, commit: pygit2.Commit, sha: str) -> Changes:
        if self._git is not None:
            reported = next(self._git, None)
            if reported is not None and reported[0] == sha:
                return reported[1]
            self.close()  # git stopped, or is out of step: pygit2 from here on
        return _changes(self._repo, commit, sha in self._notes)

    def close(self) -> None:
        if self._git is not None:
            self._git.close()  # type: ignore[attr-defined]
            self._git = None


def _walker(repo: pygit2.Repository, starts: list[pygit2.Oid]) -> pygit2.Walker:
    """Every commit reachable from `starts`, oldest first, in libgit2's topological order."""
    walker = repo.walk(starts[0], pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    for extra in starts[1:]:
        walker.push(extra)
    return walker


class Listing:
    """The commits a walk from `refs` visits, sorted in a thread of its own. libgit2 reads every
    commit to sort them (50 ms for flask's 5,572, before the first is known), and does so without
    holding the GIL: the CLI starts a listing as soon as it knows it audits a history, and loads the
    rules and the audit's modules meanwhile. The walk from the same commits takes it over (`take`);
    whatever went wrong here is left to the walk, which lists the commits itself and says what.
    Leaving the context waits for the thread (it reads the repository it was given), unless an error
    or Ctrl-C is on its way out: the process is about to end, and sorting a large history (seconds,
    for a million commits) would hold up the message. The thread only reads, and is a daemon."""

    def __init__(self, repo: pygit2.Repository, refs: tuple[str, ...]) -> None:
        self._refs = refs
        self._sorted: tuple[list[pygit2.Oid], Iterable[pygit2.Commit]] | None = None
        self._thread = threading.Thread(target=self._sort, args=(repo,), name="listing", daemon=True)
        self._thread.start()

    def _sort(self, repo: pygit2.Repository) -> None:
        try:
            starts = tips(repo, self._refs)
            if starts:
                walker = _walker(repo, starts)
                first = next(walker, None)  # the sort: all the work, done before the first commit
                self._sorted = (starts, [] if first is None else itertools.chain((first,), walker))
        except Exception:  # noqa: BLE001 - the walk meets it again, and reports it
            self._sorted = None

    def take(self, refs: tuple[str, ...], starts: list[pygit2.Oid]) -> Iterable[pygit2.Commit] | None:
        """The sorted commits, once, to a walk from the same refs and commits; else None."""
        self._thread.join()
        listed, self._sorted = self._sorted, None
        if listed is None or refs != self._refs or listed[0] != starts:
            return None
        return listed[1]

    def __enter__(self) -> Listing:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self._thread.join()


def walk(
    repo: pygit2.Repository,
    refs: tuple[str, ...],
    known: Callable[[str], Changes | None] = lambda _sha: None,
    on_commit: Callable[[], None] | None = None,
    on_introduced: Callable[[str, str, str], None] | None = None,
    use_git: bool = True,
    remember: bool = True,
    listing: Listing | None = None,
) -> HistoryIndex:
    """Walks every commit oldest first. `known(walk key)` may return the (blob, path) lists a commit
    introduced and removed, remembered from an earlier walk, so only new commits are diffed; those are
    listed in `index.fresh` (unless not `remember`: an audit without a cache). `on_introduced(blob,
    commit, path)` is called for each blob a commit introduced, as soon as it is read, and
    `on_commit()` after each commit. `listing`: the commits sorted already, if it sorted the same."""
    index = HistoryIndex(commits=CommitInfos(repo))
    starts = tips(repo, refs)
    if not starts:
        return index
    listed = listing.take(refs, starts) if listing is not None else None
    walker = _walker(repo, starts) if listed is None else listed
    diffs = None
    try:
        notes = notes_commits(repo, refs)
        commits = [(commit, str(commit.id), walk_key(commit) if remember else "") for commit in walker]
        remembered = [known(key) for _, _, key in commits] if remember else [None] * len(commits)
        wanted = [sha for (_, sha, _), got in zip(commits, remembered, strict=True) if got is None]
        diffs = _Diffs(repo, wanted, notes, use_git)
        for (commit, sha, key), changes in zip(commits, remembered, strict=True):
            index.order[sha] = len(index.order)
            index.messages.append((sha, commit.message))
            if changes is None:
                changes = diffs.of(commit, sha)
                if remember:
                    index.fresh[key] = changes
            for blob, path in changes[0]:
                index.occurrences.setdefault(blob, []).append((sha, path))
                if on_introduced is not None:
                    on_introduced(blob, sha, path)
            for blob, path in changes[1]:
                index.removals.setdefault(blob, []).append((sha, path))
            if on_commit is not None:
                on_commit()
    except (pygit2.GitError, KeyError, ValueError) as exc:
        raise GitError(
            f"{repo.path}: cannot walk the history ({type(exc).__name__}: {exc}); {fsck_hint(repo)}"
        ) from None
    finally:
        if diffs is not None:
            diffs.close()
    return index


def partial_index(
    repo: pygit2.Repository,
    commits: tuple[tuple[int, CommitInfo], ...],
    occurrences: tuple[tuple[str, tuple[tuple[str, str], ...]], ...],
    messages: tuple[str, ...],
    removals: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (),
) -> HistoryIndex:
    """The part of a known history that is to be scanned again, without walking it: the commits
    named (with their walk positions), where the blobs sit and where they were removed, and the
    messages, read again from their commits."""
    index = HistoryIndex(commits=CommitInfos(repo))
    for position, info in commits:
        index.commits[info.sha] = info
        index.order[info.sha] = position
    for blob, places in occurrences:
        index.occurrences[blob] = list(places)
    for blob, places in removals:
        index.removals[blob] = list(places)
    for sha in messages:
        try:
            commit = repo[sha]
        except (pygit2.GitError, KeyError, ValueError):
            commit = None
        if not isinstance(commit, pygit2.Commit):
            raise GitError(f"{repo.path}: commit {sha} is missing or corrupted; run `git fsck`")
        index.messages.append((sha, commit.message))
    return index


def head_blobs(repo: pygit2.Repository) -> set[str]:
    """Ids of every blob in HEAD's tree (empty for an unborn HEAD)."""
    if repo.head_is_unborn:
        return set()
    try:
        return _tree_blobs(repo, repo.head.peel(pygit2.Tree))
    except (pygit2.GitError, KeyError, ValueError):
        raise GitError(f"{repo.path}: a tree of HEAD is missing or corrupted; run `git fsck`") from None


def _tree_blobs(repo: pygit2.Repository, top: pygit2.Tree) -> set[str]:
    found: set[str] = set()
    stack = [top]
    while stack:
        tree = stack.pop()
        for entry in tree:
            if entry.type_str == "tree":
                subtree = repo[entry.id]
                if isinstance(subtree, pygit2.Tree):
                    stack.append(subtree)
            elif entry.type_str == "blob":
                found.add(str(entry.id))
    return found
