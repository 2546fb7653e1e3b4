"""What the next commit would add (the index against HEAD, all of it on an unborn branch) and what each
commit of a range added, one `ChangedFile` per file: its added lines, in runs of consecutive lines with
their real line numbers, as the chunks of a `ReadResult` (the whole file with `all_lines`). Through
pygit2; nothing here writes to the repository."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pygit2

from scanner.errors import GitError
from scanner.model import Chunk, Notice, ScanStats
from scanner.sources.git import GITLINK, MESSAGE_PATH, commit_diff, fsck_hint, read_blob, resolve
from scanner.sources.paths import display_path
from scanner.sources.reader import BINARY, ReadResult, text_read, too_large
from scanner.sources.text import SNIFF_BYTES, sniff
from scanner.sources.windows import LongText

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
class ChangedFile:
    """A file the index or a commit changes (or a commit's message): what was read of it, where it came
    from, and whether the file appears at this path (added, renamed or copied there), which is when the
    file rules apply to it."""

    path: str
    read: ReadResult
    blob: str | None = None
    commit: str | None = None
    appears: bool = False


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


def _whole(
    repo: pygit2.Repository, oid: pygit2.Oid, path: str, limits: ReadLimits, commit: str | None
) -> ReadResult:
    """The whole blob as one chunk, or as a long text (counted as a file whatever happens to it)."""
    try:
        data = read_blob(repo, oid, limits.max_size)
    except GitError as exc:
        if not limits.skip_errors:
            raise
        return ReadResult((), ScanStats(files=1, skipped_unreadable=1), Notice(path, exc.message))
    if data is None:
        return ReadResult((), ScanStats(files=1, skipped_large=1), Notice(path, too_large(limits.max_size)))
    encoding = sniff(data[:SNIFF_BYTES])
    if encoding is None:
        return ReadResult((), ScanStats(files=1, skipped_binary=1), Notice(path, BINARY))
    chunk = Chunk(path=path, text="", commit=commit, blob=str(oid))
    return text_read(data, encoding, ScanStats(files=1, bytes=len(data)), chunk, notebooks=False)


def _added(path: str, patch: Any, blob: str, commit: str | None) -> ReadResult:
    """The runs of added lines of a text file's patch (a long run kept as a long text, scanned in
    windows); a run that reads as binary is counted so."""
    chunks: list[Chunk] = []
    long: list[LongText] = []
    stats = ScanStats(files=1)
    for first_line, data in _added_runs(patch):
        encoding = sniff(data[:SNIFF_BYTES])
        if encoding is None:
            stats += ScanStats(skipped_binary=1)
            continue
        chunk = Chunk(path=path, text="", first_line=first_line, commit=commit, blob=blob)
        read = text_read(data, encoding, ScanStats(bytes=len(data)), chunk, notebooks=False)
        chunks.extend(read.chunks)
        long.extend(read.long)
        stats += read.stats
    return ReadResult(tuple(chunks), stats, long=tuple(long))


def _diff_changes(
    repo: pygit2.Repository, diff: Any, limits: ReadLimits, commit: str | None, all_lines: bool
) -> Iterator[ChangedFile]:
    diff.find_similar()
    for position, delta in enumerate(diff.deltas):
        new = delta.new_file
        if delta.status_char() == "D" or new.mode == GITLINK:
            continue
        path = display_path(new.path)
        if delta.status == pygit2.enums.DeltaStatus.CONFLICTED:  # nothing staged to judge yet
            yield ChangedFile(path, ReadResult((), ScanStats(), Notice(path, UNMERGED)))
            continue
        blob = str(new.id)
        appears = delta.status_char() in "ARC"  # the file appears at this path
        if all_lines:
            yield ChangedFile(path, _whole(repo, new.id, path, limits, commit), blob, commit, appears)
            continue
        try:
            _kind, size = repo.odb.read_header(new.id)
            if size > limits.max_size:  # decided before any content is read
                read = ReadResult((), ScanStats(skipped_large=1), Notice(path, too_large(limits.max_size)))
                yield ChangedFile(path, read, blob, commit, appears)
                continue
            patch = diff[position]
        except (KeyError, ValueError, pygit2.GitError):
            message = f"object {new.id} (at {path}) is missing or corrupted"
            if not limits.skip_errors:
                raise GitError(f"{repo.path}: {message}; {fsck_hint(repo)}, or pass --skip-errors") from None
            read = ReadResult((), ScanStats(skipped_unreadable=1), Notice(path, message))
            yield ChangedFile(path, read, blob, commit, appears)
            continue
        if delta.is_binary or patch.delta.is_binary:
            read = ReadResult((), ScanStats(skipped_binary=1), Notice(path, BINARY))
            yield ChangedFile(path, read, blob, commit, appears)
            continue
        yield ChangedFile(path, _added(path, patch, blob, commit), blob, commit, appears)


def staged_changes(
    repo: pygit2.Repository, limits: ReadLimits, all_lines: bool = False
) -> Iterator[ChangedFile]:
    """What the next commit would add: the index against HEAD (all of it on an unborn branch). Inside a
    hook run by `git commit -a` or `git commit PATH`, git points GIT_INDEX_FILE at the index that will
    be committed; that one is read. A bare repository has no index: an error."""
    if repo.is_bare:
        raise GitError(
            f"{repo.path}: a bare repository has no index, so nothing is staged; use --range or --history"
        )
    index_file = os.environ.get("GIT_INDEX_FILE")
    index = pygit2.Index(index_file) if index_file else repo.index
    if repo.head_is_unborn:
        for entry in index:
            if entry.mode == GITLINK:
                continue
            path = display_path(entry.path)
            read = _whole(repo, entry.id, path, limits, None)
            yield ChangedFile(path, read, str(entry.id), None, appears=True)
        return
    try:
        tree = repo.head.peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(
            f"{repo.path}: HEAD's commit or tree is missing or corrupted; run `git fsck`"
        ) from None
    diff = tree.diff_to_index(index, context_lines=0)
    yield from _diff_changes(repo, diff, limits, None, all_lines)


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


def commit_changes(
    repo: pygit2.Repository, commit: pygit2.Commit, limits: ReadLimits
) -> Iterator[ChangedFile]:
    """A commit's message, then the lines it added (merges: against their first parent)."""
    sha = str(commit.id)
    message = commit.message
    read = ReadResult((Chunk(path=MESSAGE_PATH, text=message, commit=sha),), ScanStats(bytes=len(message)))
    yield ChangedFile(MESSAGE_PATH, read, commit=sha)
    yield from _diff_changes(repo, commit_diff(repo, commit, context_lines=0), limits, sha, all_lines=False)
