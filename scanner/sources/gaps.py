"""What a history audit of this repository cannot read, said before it claims anything: a shallow
clone lacks the commits behind its boundary; a grafts file hides the parents it rewrites (libgit2
honours it as git does); replace refs make git show other objects than the stored ones this audit
reads; a partial clone lacks the objects it never fetched (known once the audit has met them: a missing
one is an error, or counted with --skip-errors). Each gap is one sentence naming what is missing and
how to fetch or audit it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygit2

from scanner.errors import GitError
from scanner.sources.git import common_dir, is_partial


def _lines(path: Path) -> list[str]:
    """The non-empty, non-comment lines of a small git state file ([] when there is none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def shallow_gap(repo: pygit2.Repository) -> str | None:
    if not repo.is_shallow:
        return None
    boundary = len(_lines(common_dir(repo) / "shallow"))
    commits = f"{boundary} boundary commit{'s' if boundary != 1 else ''}" if boundary else "its boundary"
    return (
        f"a shallow clone: the commits behind {commits} are not in it; fetch them with "
        "`git fetch --unshallow` (actions/checkout: fetch-depth: 0)"
    )


def partial_gap(repo: pygit2.Repository, unreadable: int) -> str | None:
    """After an audit that counted `unreadable` objects (with --skip-errors): in a partial clone, those
    are objects it never fetched."""
    if not unreadable or not is_partial(repo):
        return None
    return (
        f"a partial clone (cloned with --filter): {unreadable} object(s) it never fetched could not be read "
        "(libgit2 cannot fetch them on demand); audit a full clone"
    )


def history_gaps(repo: pygit2.Repository) -> tuple[str, ...]:
    """Every reason known before an audit of `repo` that it reads less than git would show, as
    sentences (none: complete)."""
    gaps = []
    shallow = shallow_gap(repo)
    if shallow:
        gaps.append(shallow)
    grafts = _lines(common_dir(repo) / "info" / "grafts")
    if grafts:
        gaps.append(
            f".git/info/grafts rewrites the parents of {len(grafts)} commit(s): commits it hides were not "
            "walked; convert it with `git replace --convert-graft-file` and audit again"
        )
    try:
        replaced = sum(1 for name in repo.references if name.startswith("refs/replace/"))
    except pygit2.GitError:
        replaced = 0
    if replaced:
        gaps.append(
            f"{replaced} replace ref(s) (refs/replace/) make git show other objects than the stored ones "
            "this audit read: the replacements were not audited; list them with `git replace -l`, audit "
            "one with --branch refs/replace/ID"
        )
    return tuple(gaps)


def gaps_before(
    repo: pygit2.Repository, allow_shallow: bool, warn: Callable[[str], None] | None
) -> tuple[str, ...]:
    """The gaps known before an audit, each warned about; a shallow clone is an error (GitError)
    unless `allow_shallow`."""
    if repo.is_shallow and not allow_shallow:
        raise GitError(f"{repo.path}: {shallow_gap(repo)}; or pass --allow-shallow to audit what it holds")
    gaps = history_gaps(repo)
    if warn is not None:
        for gap in gaps:
            warn(f"history is incomplete: {gap}")
    return gaps


def gaps_after(
    repo: pygit2.Repository, gaps: tuple[str, ...], unreadable: int, warn: Callable[[str], None] | None
) -> tuple[str, ...]:
    """`gaps`, and the partial clone's once the audit counted what it could not read."""
    partial = partial_gap(repo, unreadable)
    if partial is None:
        return gaps
    if warn is not None:
        warn(f"history is incomplete: {partial}")
    return (*gaps, partial)
