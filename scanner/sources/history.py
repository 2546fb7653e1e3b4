"""Every commit reachable from the chosen refs, and every blob they introduced, for a full-history
audit. Blobs are identified by id, so each one is read and scanned once however many commits and paths
hold it; a blob's first appearance in topological order is where it was introduced."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pygit2

from scanner.errors import GitError
from scanner.model import CommitInfo
from scanner.sources.git import GITLINK, commit_diff, commit_info, resolve
from scanner.sources.paths import display_path

DEFAULT_REF_PREFIXES = ("refs/heads/", "refs/remotes/", "refs/tags/", "refs/stash")


@dataclass
class HistoryIndex:
    """What the walk found. Built once, in the parent process, before any blob is read."""

    commits: dict[str, CommitInfo] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)  # commit sha -> topological position
    messages: list[tuple[str, str]] = field(default_factory=list)  # (commit sha, message)
    # blob id -> every (commit sha, path) that introduced it, in walk order
    occurrences: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # commits diffed by this walk (not known from a cache): sha -> [(blob id, path), ...]
    fresh: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def tips(repo: pygit2.Repository, refs: tuple[str, ...]) -> list[pygit2.Oid]:
    """Commit ids to start from: the named refs, or every branch, remote branch, tag and stash."""
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
    return found


def _introduced(repo: pygit2.Repository, commit: pygit2.Commit) -> Iterator[tuple[str, str]]:
    for delta in commit_diff(repo, commit).deltas:
        if delta.status_char() == "D" or delta.new_file.mode == GITLINK:
            continue
        yield str(delta.new_file.id), display_path(delta.new_file.path)


def walk(
    repo: pygit2.Repository,
    refs: tuple[str, ...],
    known: Callable[[str], list[tuple[str, str]] | None] = lambda _sha: None,
) -> HistoryIndex:
    """Walks every commit oldest first. `known(sha)` may return the (blob, path) list a commit
    introduced, remembered from an earlier walk, so only new commits are diffed; those are listed in
    `index.fresh`."""
    index = HistoryIndex()
    starts = tips(repo, refs)
    if not starts:
        return index
    walker = repo.walk(starts[0], pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    for extra in starts[1:]:
        walker.push(extra)
    try:
        for commit in walker:
            sha = str(commit.id)
            index.commits[sha] = commit_info(commit)
            index.order[sha] = len(index.order)
            index.messages.append((sha, commit.message))
            introduced = known(sha)
            if introduced is None:
                introduced = list(_introduced(repo, commit))
                index.fresh[sha] = introduced
            for blob, path in introduced:
                index.occurrences.setdefault(blob, []).append((sha, path))
    except (pygit2.GitError, KeyError, ValueError) as exc:
        raise GitError(
            f"{repo.path}: cannot walk the history ({type(exc).__name__}: {exc}); run `git fsck`"
        ) from None
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
