"""Every commit reachable from the chosen refs, and every blob they introduced, for a full-history
audit. Blobs are identified by id, so each one is read and scanned once however many commits and paths
hold it; a blob's first appearance in topological order is where it was introduced."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pygit2

from scanner.errors import GitError
from scanner.model import CommitInfo
from scanner.sources.git import GITLINK, commit_diff, commit_info, common_dir, fsck_hint, resolve
from scanner.sources.paths import display_path

DEFAULT_REF_PREFIXES = ("refs/heads/", "refs/remotes/", "refs/tags/", "refs/stash", "refs/notes/")
NOTES = "refs/notes/"

Places = list[tuple[str, str]]  # (blob id, path)
Changes = tuple[Places, Places]  # what one commit's first-parent diff introduced, and what it removed


@dataclass
class HistoryIndex:
    """What the walk found. Built once, in the parent process, before any blob is read."""

    commits: dict[str, CommitInfo] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # commit sha -> topological position
    messages: list[tuple[str, str]] = field(default_factory=list)  # (commit sha, message)
    # blob id -> every (commit sha, path) that introduced it, in walk order
    occurrences: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # commits diffed by this walk (not known from a cache): walk key -> (introduced, removed)
    fresh: dict[str, Changes] = field(default_factory=dict)
    # Removal events, for the credential inventory: blob id -> every (commit sha, path) whose diff
    # deleted or replaced it there (the old side of D, M and T deltas), in walk order
    removals: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


STASH = "refs/stash"


def stash_entries(repo: pygit2.Repository) -> list[str]:
    """Every stash entry (stash@{0}, stash@{1}, ...), newest first: refs/stash points at the newest
    only; all of them are in its reflog."""
    if STASH not in repo.references:
        return []
    try:
        return [str(entry.oid_new) for entry in repo.references[STASH].log()]
    except (pygit2.GitError, KeyError, ValueError):
        return []  # no readable reflog: refs/stash itself is still a tip


def tips(repo: pygit2.Repository, refs: tuple[str, ...]) -> list[pygit2.Oid]:
    """Commit ids to start from: the named refs, or every branch, remote branch, tag and stash entry."""
    if refs:
        return [resolve(repo, name).id for name in refs]
    found = []
    for name in repo.references:
        if not name.startswith(DEFAULT_REF_PREFIXES):
            continue
        target = repo.references[name].target
        try:
            found.append(repo.references[name].peel(pygit2.Commit).id)
        except (pygit2.InvalidSpecError, ValueError):
            continue  # a tag of a tree or blob holds no commit
        except (pygit2.GitError, KeyError):
            raise GitError(
                f"{repo.path}: {display_path(name)} points to {target}, which is missing or corrupted; "
                "run `git fsck`"
            ) from None
    if not found and not repo.head_is_unborn:
        try:
            found.append(repo.head.peel(pygit2.Commit).id)
        except (pygit2.GitError, KeyError, ValueError):
            raise GitError(f"{repo.path}: HEAD's commit is missing or corrupted; run `git fsck`") from None
    for sha in stash_entries(repo):  # the newest is refs/stash again: a repeated tip is walked once
        try:
            found.append(repo[sha].peel(pygit2.Commit).id)
        except (pygit2.GitError, KeyError, ValueError):
            message = f"stash entry {sha} is missing or corrupted; run `git fsck`"
            raise GitError(f"{repo.path}: {message}") from None
    return found


def ref_state(repo: pygit2.Repository, refs: tuple[str, ...]) -> str | None:
    """A digest of everything that decides which commits an audit of `refs` walks: every reference's
    name and target, HEAD's, and every stash entry. Objects never change under their ids, so two
    audits with the same digest walk the same history. None for a shallow clone, whose reachable
    history also changes when it is deepened, with no reference moving."""
    if repo.is_shallow:
        return None
    digest = hashlib.sha256(repr(refs).encode("utf-8", "surrogatepass"))
    try:
        head = repo.lookup_reference("HEAD").target
        references = repo.listall_reference_objects()
    except (pygit2.GitError, KeyError, ValueError):
        return None
    digest.update(f"HEAD {head}\n".encode("utf-8", "surrogatepass"))
    with contextlib.suppress(OSError):  # a grafts file changes the history walked, no reference moving
        digest.update(b"grafts " + (common_dir(repo) / "info" / "grafts").read_bytes())
    digest.update(f"stash {' '.join(stash_entries(repo))}\n".encode())
    for reference in sorted(references, key=lambda r: str(r.name)):
        digest.update(f"{reference.name} {reference.target}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def walk_key(commit: pygit2.Commit) -> str:
    """What a commit introduced depends on its tree and its parents as this repository sees them,
    not only on its id: a shallow clone's boundary commits have no parents until it is deepened (and
    a replacement can change either). So a remembered diff is keyed by all three."""
    parents = ",".join(str(parent) for parent in commit.parent_ids)
    return f"{commit.id} {commit.tree_id} {parents}"


def note_path(path: str) -> str:
    """Where a note is reported: the object it annotates (a notes tree names each note by that id,
    split into directories when there are many: `ab/cdef...`), like a commit message's path."""
    target = path.replace("/", "")
    if len(target) in (40, 64) and all(ch in "0123456789abcdef" for ch in target):
        return f"(git note on {target[:12]})"
    return f"(git notes) {path}"


def notes_commits(repo: pygit2.Repository, refs: tuple[str, ...]) -> frozenset[str]:
    """The commits of every notes ref (refs/notes/*) an audit walks: what they add are notes."""
    tips = []
    for name in repo.references:
        if name.startswith(NOTES) and (not refs or name in refs):
            try:
                tips.append(repo.references[name].peel(pygit2.Commit).id)
            except (pygit2.InvalidSpecError, ValueError):
                continue  # not a commit: no notes tree
    if not tips:
        return frozenset()
    walker = repo.walk(tips[0])
    for tip in tips[1:]:
        walker.push(tip)
    return frozenset(str(commit.id) for commit in walker)


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


def walk(
    repo: pygit2.Repository,
    refs: tuple[str, ...],
    known: Callable[[str], Changes | None] = lambda _sha: None,
    on_commit: Callable[[], None] | None = None,
) -> HistoryIndex:
    """Walks every commit oldest first. `known(walk key)` may return the (blob, path) lists a commit
    introduced and removed, remembered from an earlier walk, so only new commits are diffed; those are
    listed in `index.fresh`. `on_commit()` is called after each commit."""
    index = HistoryIndex()
    starts = tips(repo, refs)
    if not starts:
        return index
    walker = repo.walk(starts[0], pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    for extra in starts[1:]:
        walker.push(extra)
    try:
        notes = notes_commits(repo, refs)
        for commit in walker:
            sha = str(commit.id)
            index.commits[sha] = commit_info(commit)
            index.order[sha] = len(index.order)
            index.messages.append((sha, commit.message))
            key = walk_key(commit)
            changes = known(key)
            if changes is None:
                changes = index.fresh[key] = _changes(repo, commit, sha in notes)
            for blob, path in changes[0]:
                index.occurrences.setdefault(blob, []).append((sha, path))
            for blob, path in changes[1]:
                index.removals.setdefault(blob, []).append((sha, path))
            if on_commit is not None:
                on_commit()
    except (pygit2.GitError, KeyError, ValueError) as exc:
        raise GitError(
            f"{repo.path}: cannot walk the history ({type(exc).__name__}: {exc}); {fsck_hint(repo)}"
        ) from None
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
    index = HistoryIndex()
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
