"""A git repository through pygit2, and the objects in it: opening it, resolving revisions, blobs
(read in scanner.sources.git_blobs, re-exported here), commit metadata, where hooks and the shared git
directory are, and the little the CLI asks of the work tree and the index (the versions a conflicted
merge left).
Nothing here writes to the repository, but `set_config` (the baseline's merge driver, on request)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pygit2

from scanner.errors import GitError
from scanner.model import MESSAGE_PATH as MESSAGE_PATH  # where a commit message is reported
from scanner.model import CommitInfo
from scanner.sources.git_blobs import BLOB_TYPE as BLOB_TYPE
from scanner.sources.git_blobs import BlobText as BlobText
from scanner.sources.git_blobs import blob_text as blob_text
from scanner.sources.git_blobs import read_blob as read_blob
from scanner.sources.git_blobs import read_blob_data as read_blob_data
from scanner.sources.git_blobs import read_blob_file as read_blob_file
from scanner.sources.git_blobs import read_blob_text as read_blob_text

GITLINK = 0o160000

# What callers outside sources/ hold a repository as (they pass it back here, never use it directly).
Repository = pygit2.Repository


def is_partial(repo: pygit2.Repository) -> bool:
    """Whether the repository is a partial clone (cloned with --filter): it lacks, by design, the
    objects it never fetched, and libgit2 cannot fetch them on demand as git does."""
    try:
        return any(
            (entry.name.startswith("remote.") and entry.name.endswith(".promisor") and entry.value == "true")
            or entry.name == "extensions.partialclone"
            for entry in repo.config
        )
    except (pygit2.GitError, ValueError):
        return False


def fsck_hint(repo: pygit2.Repository) -> str:
    """What to do about a missing object: `git fsck` is not the answer in a partial clone."""
    if is_partial(repo):
        return "a partial clone (cloned with --filter) lacks what it never fetched: audit a full clone"
    return "run `git fsck`"


def common_dir(repo: pygit2.Repository) -> Path:
    """The git directory shared by all work trees of a repository: a linked worktree's own git
    directory names it in a `commondir` file; elsewhere it is the git directory itself."""
    gitdir = Path(repo.path)
    try:
        common = (gitdir / "commondir").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        common = ""
    return (gitdir / common).resolve() if common else gitdir


def hooks_dir(repo: pygit2.Repository) -> Path:
    """Where git looks for this repository's hooks: `core.hooksPath` when set (relative to the work
    tree, where hooks run), else the `hooks` directory of the common git directory."""
    configured = repo.config["core.hooksPath"] if "core.hooksPath" in repo.config else None  # noqa: SIM401 (no .get)
    if configured:
        path = Path(os.path.expanduser(str(configured)))
        return path if path.is_absolute() else Path(repo.workdir or repo.path) / path
    return common_dir(repo) / "hooks"


def open_repo(start: Path) -> pygit2.Repository:
    # Like git itself, do not re-hash every object read (libgit2's default, SHA-1DC, costs about a
    # third of a history audit). Corruption is still caught by zlib's checksum on each object and
    # named in the error; `git fsck` is the tool that verifies hashes.
    pygit2.option(pygit2.enums.Option.ENABLE_STRICT_HASH_VERIFICATION, 0)
    try:
        found = pygit2.discover_repository(str(start))
    except pygit2.GitError as exc:  # a `.git` file that is not a gitfile, a gitdir that is not one
        raise GitError(f"cannot open the git repository: {exc}") from None
    if found is None:
        raise GitError(f"{start}: not inside a git repository")
    try:
        return pygit2.Repository(found)
    except pygit2.GitError as exc:
        raise GitError(f"{found}: cannot open the repository ({exc})") from None


class Reopened:
    """The repository at `git_dir` (its `git_dir()`), opened again once in each process that reads from
    it, as a pool worker does (a process forked from one that had opened it opens its own), and kept
    while this object lives: opening it for each batch of blobs read the pack indexes again, about a
    tenth of a millisecond each time."""

    def __init__(self, git_dir: str) -> None:
        self.git_dir = git_dir
        self._opened: tuple[int, pygit2.Repository] | None = None

    def repository(self) -> pygit2.Repository:
        pid = os.getpid()
        if self._opened is None or self._opened[0] != pid:
            self._opened = (pid, pygit2.Repository(self.git_dir))
        return self._opened[1]


def git_dir(repo: pygit2.Repository) -> str:
    return str(repo.path)


def head_is_unborn(repo: pygit2.Repository) -> bool:
    """Whether HEAD names a branch with no commit yet (a new repository)."""
    return bool(repo.head_is_unborn)


def missing_object_error(repo: pygit2.Repository, message: str) -> GitError:
    """The error that stops a scan on an object it could not read (`message` names it)."""
    return GitError(f"{repo.path}: {message}; {fsck_hint(repo)}, or pass --skip-errors to count it and go on")


def work_tree(repo: pygit2.Repository) -> Path | None:
    """The root of the repository's work tree; None for a bare repository."""
    return Path(repo.workdir) if repo.workdir else None


def unstaged_changes(repo: pygit2.Repository, path: Path, root: Path) -> bool:
    """Whether the file at `path` has changes in the work tree (under `root`) that are not staged:
    modified or deleted. A path outside `root`, or that git cannot tell about, has none."""
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
        flags = repo.status_file(relative)
    except (ValueError, KeyError, pygit2.GitError):
        return False
    return bool(flags & (pygit2.enums.FileStatus.WT_MODIFIED | pygit2.enums.FileStatus.WT_DELETED))


def user_email(repo: pygit2.Repository) -> str | None:
    """git's `user.email` as this repository sees it (its own config, then the user's), if set."""
    try:
        return str(repo.config["user.email"])
    except (KeyError, pygit2.GitError):
        return None


def absent_at_head(repo: pygit2.Repository, paths: Iterable[str]) -> frozenset[str]:
    """The paths (as reported: POSIX, relative to the work tree root) that HEAD's tree does not hold: a
    file deleted or renamed since the commit a finding came from. A name shown with `\\xNN` escapes (not
    UTF-8) is not looked up; nothing is absent when HEAD is unborn or unreadable."""
    try:
        tree = repo.head.peel(pygit2.Commit).tree
    except (pygit2.GitError, KeyError, ValueError):
        return frozenset()
    absent = set()
    for path in paths:
        if "\\x" in path:
            continue
        try:
            tree[path]
        except KeyError:
            absent.add(path)
    return frozenset(absent)


def conflict_stages(
    repo: pygit2.Repository, path: str
) -> tuple[bytes | None, bytes | None, bytes | None] | None:
    """The three versions a conflicted merge left of `path` (relative to the work tree root) in the
    index: the common ancestor's, ours, theirs (None where a side has no such file); None when the
    path is not in conflict."""
    conflicts = repo.index.conflicts
    if conflicts is None:
        return None
    try:
        stages = conflicts[path]
    except KeyError:
        return None
    ancestor, ours, theirs = (None if entry is None else read_blob_data(repo, entry.id) for entry in stages)
    return ancestor, ours, theirs


def set_config(repo: pygit2.Repository, key: str, value: str) -> None:
    """Sets `key` in the repository's own config (.git/config), like `git config key value`."""
    repo.config[key] = value


def has_commit(repo: pygit2.Repository, revision: str) -> bool:
    try:
        resolve(repo, revision)
    except GitError:
        return False
    return True


def resolve(repo: pygit2.Repository, revision: str) -> pygit2.Commit:
    try:
        return repo.revparse_single(revision).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        hint = " (in a shallow clone, fetch more history: actions/checkout with fetch-depth: 0)"
        raise GitError(f"unknown revision '{revision}'{hint if repo.is_shallow else ''}") from None


def commit_info(commit: pygit2.Commit) -> CommitInfo:
    from datetime import datetime, timedelta, timezone

    author = commit.author
    zone = timezone(timedelta(minutes=author.offset))
    date = datetime.fromtimestamp(author.time, zone).isoformat()
    return CommitInfo(sha=str(commit.id), author=f"{author.name} <{author.email}>", date=date)


def commit_diff(repo: pygit2.Repository, commit: pygit2.Commit, context_lines: int = 3) -> Any:
    """What a commit changed against its first parent (everything, for a root commit). A missing or
    corrupted tree or parent is an error naming it (pygit2's own `diff` turns that into a TypeError)."""
    new = _tree(repo, commit)
    if not commit.parents:
        return new.diff_to_tree(context_lines=context_lines, swap=True)
    try:
        parent = commit.parents[0]
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(
            f"{repo.path}: the parent {commit.parent_ids[0]} of commit {commit.id} is missing or "
            "corrupted; run `git fsck`"
        ) from None
    return _tree(repo, parent).diff_to_tree(new, context_lines=context_lines)


def _tree(repo: pygit2.Repository, commit: pygit2.Commit) -> pygit2.Tree:
    try:
        return commit.peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(
            f"{repo.path}: tree {commit.tree_id} of commit {commit.id} is missing or corrupted; "
            "run `git fsck`"
        ) from None


def head_file(path: Path, name: str, max_size: int) -> bytes | None:
    """The bytes of file `name` in the tree of HEAD's commit of the repository at `path` (a committed
    baseline, for a fleet audit of a bare mirror); None when there is no such file or HEAD has no
    commit, or it is larger than `max_size`. A corrupted object is an error naming it."""
    repo = open_repo(path)
    if repo.head_is_unborn:
        return None
    try:
        entry = _tree(repo, repo.head.peel(pygit2.Commit))[name]
    except KeyError:
        return None
    except (ValueError, pygit2.GitError):
        raise GitError(f"{repo.path}: HEAD's commit is missing or corrupted; run `git fsck`") from None
    if entry.filemode not in (pygit2.enums.FileMode.BLOB, pygit2.enums.FileMode.BLOB_EXECUTABLE):
        return None
    return read_blob(repo, entry.id, max_size)
