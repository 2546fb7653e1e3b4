"""Blobs read through pygit2's object database: their bytes (sizes told from the object header first),
their text for the file rules, or a `ReadResult` as a file's is read. Re-exported by scanner.sources.git."""

from __future__ import annotations

from dataclasses import dataclass

import pygit2

from scanner.errors import GitError
from scanner.model import Chunk, Notice, ScanStats
from scanner.sources.reader import ReadResult, text_read
from scanner.sources.text import SNIFF_BYTES, Encoding, decode, sniff


def blob_text(repo: pygit2.Repository, oid: str, max_size: int) -> str | None:
    """A blob's text for the file rules that look at content; None when binary, too large or
    unreadable (then only path-only rules can match)."""
    try:
        data = read_blob(repo, oid, max_size)
    except GitError:
        return None
    return None if data is None else decode(data)


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


@dataclass(frozen=True)
class BlobText:
    """The bytes of a text blob, not decoded yet, and their encoding."""

    data: bytes
    encoding: Encoding

    def read(self, path: str, blob: str) -> ReadResult:
        """The blob read as `read_blob_file` reads it."""
        stats = ScanStats(files=1, bytes=len(self.data))
        return text_read(self.data, self.encoding, stats, Chunk(path=path, text="", blob=blob))


def read_blob_text(
    repo: pygit2.Repository, blob: str, path: str, max_size: int, commit: str | None = None
) -> BlobText | ReadResult:
    """The bytes of a text blob, or the ReadResult of a blob that is not read: too large (told from
    the object header, before any content is read), binary, or missing or corrupted (counted
    unreadable, with a notice naming it, the path it had and the commit that introduced it there)."""
    try:
        data = read_blob(repo, blob, max_size)
    except GitError:
        where = f"at {path} in commit {commit[:12]}" if commit else f"at {path}"
        notice = Notice(path, f"object {blob} ({where}) is missing or corrupted")
        return ReadResult((), ScanStats(skipped_unreadable=1), notice)
    if data is None:
        return ReadResult((), ScanStats(skipped_large=1))
    encoding = sniff(data[:SNIFF_BYTES])
    if encoding is None:
        return ReadResult((), ScanStats(skipped_binary=1))
    return BlobText(data, encoding)


def read_blob_file(
    repo: pygit2.Repository, blob: str, path: str, max_size: int, commit: str | None = None
) -> ReadResult:
    """A blob read as `scanner.sources.reader.read_file` reads a file: its text as chunks (a notebook's
    cells one by one) with its counts, or the count of a skip (see `read_blob_text`)."""
    found = read_blob_text(repo, blob, path, max_size, commit)
    return found if isinstance(found, ReadResult) else found.read(path, blob)
