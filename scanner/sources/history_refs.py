"""Where a history audit starts: the refs it walks (every branch, remote branch, tag, stash entry and
notes ref, or those named), a digest of their state (what decides the commits walked: the history cache
keys its snapshots on it), and where notes are reported."""

from __future__ import annotations

import contextlib
import hashlib

import pygit2

from scanner.errors import GitError
from scanner.sources.git import common_dir, resolve
from scanner.sources.paths import display_path

DEFAULT_REF_PREFIXES = ("refs/heads/", "refs/remotes/", "refs/tags/", "refs/stash", "refs/notes/")
NOTES = "refs/notes/"
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


NOTE_PATHS = ("(git note on ", "(git notes) ")  # how note_path names notes


def note_path(path: str) -> str:
    """Where a note is reported: the object it annotates (a notes tree names each note by that id,
    split into directories when there are many: `ab/cdef...`), like a commit message's path."""
    target = path.replace("/", "")
    if len(target) in (40, 64) and all(ch in "0123456789abcdef" for ch in target):
        return f"{NOTE_PATHS[0]}{target[:12]})"
    return f"{NOTE_PATHS[1]}{path}"


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
