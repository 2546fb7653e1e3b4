"""Text from git, through pygit2: what is staged (pre-commit) and what a range of commits added (CI,
pre-push). Only added lines are yielded, grouped in runs of consecutive lines with their real line
numbers, unless whole files are asked for. Nothing here writes to the repository."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from scanner.errors import GitError
from scanner.model import Chunk, CommitInfo, Notice, ScanStats
from scanner.sources.paths import display_path
from scanner.sources.text import decode

GITLINK = 0o160000
MESSAGE_PATH = "(commit message)"
UNMERGED = (
    "unmerged (a merge conflict not resolved yet), so not scanned: resolve it, `git add` it, scan again"
)


@dataclass(frozen=True)
class ReadLimits:
    """How blobs are read: the size above which they are skipped, and whether an unreadable (missing
    or corrupted) object is counted and skipped instead of stopping the scan."""

    max_size: int
    skip_errors: bool = False


@dataclass(frozen=True)
class GitItem:
    """One piece of git text to scan, or a skip to count, or (new_file) a file that appears, for the
    file rules: its path, blob id and commit."""

    chunk: Chunk | None
    stats: ScanStats
    notice: Notice | None = None
    new_file: tuple[str, str, str | None] | None = None


def blob_text(repo: pygit2.Repository, oid: str, max_size: int) -> str | None:
    """A blob's text for the file rules that look at content; None when binary, too large or
    unreadable (then only path-only rules can match)."""
    try:
        data = read_blob(repo, oid, max_size)
    except GitError:
        return None
    return None if data is None else decode(data)


def fsck_hint(repo: pygit2.Repository) -> str:
    """What to do about a missing object. A partial clone (cloned with --filter) lacks the objects it
    never fetched by design, and libgit2 cannot fetch them on demand as git does: `git fsck` is not
    the answer there."""
    try:
        partial = any(
            (entry.name.startswith("remote.") and entry.name.endswith(".promisor") and entry.value == "true")
            or entry.name == "extensions.partialclone"
            for entry in repo.config
        )
    except (pygit2.GitError, ValueError):
        partial = False
    if partial:
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
    found = pygit2.discover_repository(str(start))
    if found is None:
        raise GitError(f"{start}: not inside a git repository")
    try:
        return pygit2.Repository(found)
    except pygit2.GitError as exc:
        raise GitError(f"{found}: cannot open the repository ({exc})") from None


def _added_runs(patch: Any) -> Iterator[tuple[int, bytes]]:
    """(first line number, bytes) for each run of consecutive added lines of a patch."""
    start, expected = 0, -1
    lines: list[bytes] = []
    for hunk in patch.hunks:
        for line in hunk.lines:
            if line.origin != "+":
                continue
            if lines and line.new_lineno == expected:
                lines.append(line.raw_content)
            else:
                if lines:
                    yield start, b"".join(lines)
                start, lines = line.new_lineno, [line.raw_content]
            expected = line.new_lineno + 1
    if lines:
        yield start, b"".join(lines)


BLOB_TYPE = 3  # GIT_OBJECT_BLOB


def read_blob(repo: pygit2.Repository, oid: pygit2.Oid | str, max_size: int) -> bytes | None:
    """The bytes of the blob with this id, or None when it is larger than `max_size` (told from the
    object header, before any content is read). A missing or corrupted object is an error naming it."""
    try:
        _kind, size = repo.odb.read_header(oid)
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(f"{repo.path}: object {oid} is missing or corrupted (try `git fsck`)") from None
    return None if size > max_size else read_blob_data(repo, oid)


def read_blob_data(repo: pygit2.Repository, oid: pygit2.Oid | str) -> bytes:
    """The bytes of a blob whose size the caller has checked already, straight from the object
    database (about twice as fast as building a Blob object). A missing or corrupted object, or one
    that is not a blob, is an error naming it."""
    try:
        kind, data = repo.odb.read(oid)
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(f"{repo.path}: object {oid} is missing or corrupted (try `git fsck`)") from None
    if kind != BLOB_TYPE:
        raise GitError(f"{repo.path}: object {oid} is not a blob")
    return bytes(data)


def _blob_item(
    repo: pygit2.Repository,
    oid: pygit2.Oid,
    path: str,
    limits: ReadLimits,
    commit: str | None,
    first_line: int = 1,
    data: bytes | None = None,
) -> GitItem:
    if data is None:
        try:
            data = read_blob(repo, oid, limits.max_size)
        except GitError as exc:
            if not limits.skip_errors:
                raise
            return GitItem(None, ScanStats(skipped_unreadable=1), Notice(path, exc.message))
        if data is None:
            return GitItem(None, ScanStats(skipped_large=1))
    text = decode(data)
    if text is None:
        return GitItem(None, ScanStats(skipped_binary=1))
    chunk = Chunk(path=path, text=text, first_line=first_line, commit=commit, blob=str(oid))
    return GitItem(chunk, ScanStats(bytes=len(data)))


def _diff_items(
    repo: pygit2.Repository, diff: Any, limits: ReadLimits, commit: str | None, all_lines: bool
) -> Iterator[GitItem]:
    diff.find_similar()
    for position, delta in enumerate(diff.deltas):
        new = delta.new_file
        if delta.status_char() == "D" or new.mode == GITLINK:
            continue
        path = display_path(new.path)
        if delta.status == pygit2.enums.DeltaStatus.CONFLICTED:  # nothing staged to judge yet
            yield GitItem(None, ScanStats(), Notice(path, UNMERGED))
            continue
        if delta.status_char() in "ARC":  # the file appears at this path
            yield GitItem(None, ScanStats(), new_file=(path, str(new.id), commit))
        if all_lines:
            item = _blob_item(repo, new.id, path, limits, commit)
            yield GitItem(item.chunk, item.stats + ScanStats(files=1), item.notice)
            continue
        try:
            _kind, size = repo.odb.read_header(new.id)
            if size > limits.max_size:  # decided before any content is read
                yield GitItem(None, ScanStats(skipped_large=1))
                continue
            patch = diff[position]
        except (KeyError, ValueError, pygit2.GitError):
            message = f"object {new.id} (at {path}) is missing or corrupted"
            if not limits.skip_errors:
                raise GitError(f"{repo.path}: {message}; {fsck_hint(repo)}, or pass --skip-errors") from None
            yield GitItem(None, ScanStats(skipped_unreadable=1), Notice(path, message))
            continue
        if delta.is_binary or patch.delta.is_binary:
            yield GitItem(None, ScanStats(skipped_binary=1))
            continue
        yield GitItem(None, ScanStats(files=1))
        for first_line, data in _added_runs(patch):
            yield _blob_item(repo, new.id, path, limits, commit, first_line, data)


def staged_items(repo: pygit2.Repository, limits: ReadLimits, all_lines: bool = False) -> Iterator[GitItem]:
    """What the next commit would add: the index against HEAD (all of it on an unborn branch). Inside a
    hook run by `git commit -a` or `git commit PATH`, git points GIT_INDEX_FILE at the index that will
    be committed; that one is read."""
    index_file = os.environ.get("GIT_INDEX_FILE")
    index = pygit2.Index(index_file) if index_file else repo.index
    if repo.head_is_unborn:
        for entry in index:
            if entry.mode == GITLINK:
                continue
            path = display_path(entry.path)
            yield GitItem(None, ScanStats(), new_file=(path, str(entry.id), None))
            item = _blob_item(repo, entry.id, path, limits, None)
            yield GitItem(item.chunk, item.stats + ScanStats(files=1), item.notice)
        return
    try:
        tree = repo.head.peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(
            f"{repo.path}: HEAD's commit or tree is missing or corrupted; run `git fsck`"
        ) from None
    diff = tree.diff_to_index(index, context_lines=0)
    yield from _diff_items(repo, diff, limits, None, all_lines)


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


def range_commits(repo: pygit2.Repository, base: str | None, head: str) -> list[pygit2.Commit]:
    """Commits reachable from `head` but not from `base`, oldest first. `base` may be `--remotes`:
    everything not yet on any remote-tracking branch (a new branch being pushed)."""
    tip = resolve(repo, head)
    walker = repo.walk(tip.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    if base == "--remotes":
        for name in repo.references:
            if name.startswith("refs/remotes/"):
                walker.hide(repo.references[name].peel(pygit2.Commit).id)
    elif base is not None:
        walker.hide(resolve(repo, base).id)
    return list(walker)


def commit_info(commit: pygit2.Commit) -> CommitInfo:
    from datetime import datetime, timedelta, timezone

    author = commit.author
    zone = timezone(timedelta(minutes=author.offset))
    date = datetime.fromtimestamp(author.time, zone).isoformat()
    return CommitInfo(sha=str(commit.id), author=f"{author.name} <{author.email}>", date=date)


def commit_items(repo: pygit2.Repository, commit: pygit2.Commit, limits: ReadLimits) -> Iterator[GitItem]:
    """Lines a commit added (merges: against their first parent) and its message."""
    sha = str(commit.id)
    message = commit.message
    yield GitItem(Chunk(path=MESSAGE_PATH, text=message, commit=sha), ScanStats(bytes=len(message)))
    yield from _diff_items(repo, commit_diff(repo, commit, context_lines=0), limits, sha, all_lines=False)


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
