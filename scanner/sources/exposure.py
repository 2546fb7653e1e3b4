"""Where the credentials a history audit found sit in history, and what the ref tips hold of them, for
the credential inventory (records in scanner.trail).

`trail` takes the few blobs with findings out of the history walk's index: where each was introduced and
removed, and those commits. `tip_view` then asks the repository, for each credential (the (blob, path)
pairs that hold one secret): which ref tips hold it (a tree shared by several refs is looked at once);
which of the commits that removed one of its pairs left none in their tree (final removals); and which
tips reach those commits and the commits that introduced it (one topological walk from every tip,
children before parents, which stops once it has met them all). A tip that does not hold it is listed
under the newest final removal it reaches. Only the trail's paths are looked up, never a whole tree
read, so this costs little beside the audit."""

from __future__ import annotations

from collections.abc import Iterable

import pygit2

from scanner.errors import GitError
from scanner.sources.git import resolve
from scanner.sources.history_walk import HistoryIndex
from scanner.sources.paths import display_path
from scanner.trail import Group, Pair, Presence, Removal, Tip, TipView, Trail

TIP_PREFIXES = ("refs/heads/", "refs/remotes/", "refs/tags/")


def trail(index: HistoryIndex, blobs: Iterable[str], messages: Iterable[str] = ()) -> Trail:
    """The trail of `blobs`, naming also the commits in `messages` (whose message holds a finding)."""
    wanted = sorted(set(blobs))
    introduced = tuple((blob, tuple(index.occurrences.get(blob, ()))) for blob in wanted)
    removed = tuple((blob, tuple(index.removals[blob])) for blob in wanted if blob in index.removals)
    named = {commit for _, places in introduced + removed for commit, _ in places} | set(messages)
    commits = tuple(sorted((index.order[sha], index.commits[sha]) for sha in named))
    return Trail(introduced, removed, commits)


def ref_tips(repo: pygit2.Repository, refs: tuple[str, ...]) -> tuple[Tip, ...]:
    """The refs an audit of `refs` starts from, by name: those given, or every branch, remote branch and
    tag that points (through tags) at a commit; HEAD when there is none. Symbolic refs
    (refs/remotes/origin/HEAD) are their targets' aliases and are left out."""
    if refs:
        return tuple(Tip(name, str(resolve(repo, name).id)) for name in dict.fromkeys(refs))
    tips = []
    for name in sorted(repo.references):
        if not name.startswith(TIP_PREFIXES):
            continue
        reference = repo.references[name]
        if reference.type == pygit2.enums.ReferenceType.SYMBOLIC:
            continue
        try:
            tips.append(Tip(display_path(name), str(reference.peel(pygit2.Commit).id)))
        except (pygit2.InvalidSpecError, ValueError):
            continue  # a tag of a tree or blob holds no commit
        except (pygit2.GitError, KeyError):
            message = f"{display_path(name)} is missing or corrupted; run `git fsck`"
            raise GitError(f"{repo.path}: {message}") from None
    if not tips and not repo.head_is_unborn:
        tips.append(Tip("HEAD", str(resolve(repo, "HEAD").id)))
    return tuple(tips)


def _tree(repo: pygit2.Repository, commit: str) -> pygit2.Tree:
    try:
        return repo[commit].peel(pygit2.Tree)
    except (pygit2.GitError, KeyError, ValueError):
        message = f"the tree of commit {commit} is missing or corrupted; run `git fsck`"
        raise GitError(f"{repo.path}: {message}") from None


class _Trees:
    """Which of the wanted (blob, path) pairs a commit's tree holds, looked up once per tree."""

    def __init__(self, repo: pygit2.Repository, pairs: Iterable[Pair]) -> None:
        self._repo = repo
        self._paths: dict[str, set[str]] = {}
        for blob, path in pairs:
            self._paths.setdefault(path, set()).add(blob)
        self._by_tree: dict[str, frozenset[Pair]] = {}

    def held(self, commit: str) -> frozenset[Pair]:
        tree = _tree(self._repo, commit)
        key = str(tree.id)
        if key not in self._by_tree:
            held = set()
            for path, blobs in self._paths.items():
                try:
                    blob = str(tree[path].id)
                except (KeyError, ValueError, TypeError, UnicodeError):
                    continue  # not there (or a name git holds in bytes that are not UTF-8)
                if blob in blobs:
                    held.add((blob, path))
            self._by_tree[key] = frozenset(held)
        return self._by_tree[key]


def _reached(repo: pygit2.Repository, tips: tuple[Tip, ...], events: set[str]) -> dict[str, int]:
    """event commit -> the set of tip commits that reach it, as a bit mask over the sorted tip commits.
    Walks from every tip in topological order (every child before its parents), so a commit's mask is
    complete when it is met; stops once every event commit was met."""
    heads = sorted({tip.commit for tip in tips})
    mask = {commit: 1 << n for n, commit in enumerate(heads)}
    reached: dict[str, int] = {}
    if not heads or not events:
        return reached
    walker = repo.walk(heads[0], pygit2.enums.SortMode.TOPOLOGICAL)
    for head in heads[1:]:
        walker.push(head)
    pending = set(events)
    try:
        for commit in walker:
            sha = str(commit.id)
            bits = mask.pop(sha, 0)
            if sha in pending:
                reached[sha] = bits
                pending.discard(sha)
                if not pending:
                    break
            for parent in commit.parent_ids:
                key = str(parent)
                mask[key] = mask.get(key, 0) | bits
    except (pygit2.GitError, KeyError, ValueError) as exc:
        message = f"cannot walk the history ({type(exc).__name__}); run `git fsck`"
        raise GitError(f"{repo.path}: {message}") from None
    return reached


def _places(entries: tuple[tuple[str, tuple[tuple[str, str], ...]], ...], pairs: set[Pair]) -> set[str]:
    """The commits of `entries` (blob -> (commit, path) places) at one of `pairs`."""
    return {commit for blob, places in entries for commit, path in places if (blob, path) in pairs}


def tip_view(
    repo: pygit2.Repository, refs: tuple[str, ...], trail: Trail, groups: tuple[Group, ...]
) -> TipView:
    """What the tips of `refs` (every branch, remote branch and tag when empty) hold of each group."""
    tips = ref_tips(repo, refs)
    order = {info.sha: position for position, info in trail.commits}
    trees = _Trees(repo, (pair for group in groups for pair in group.pairs))
    finals: list[list[str]] = []  # per group: the commits that removed its last pair, oldest first
    introductions: list[set[str]] = []
    for group in groups:
        pairs = set(group.pairs)
        removals = _places(trail.removed, pairs)
        finals.append(sorted((c for c in removals if not trees.held(c) & pairs), key=order.__getitem__))
        introductions.append(_places(trail.introduced, pairs))
    events = {commit for commits in finals for commit in commits}.union(*introductions)
    reached = _reached(repo, tips, events)
    bit = {commit: 1 << n for n, commit in enumerate(sorted({tip.commit for tip in tips}))}
    presence = []
    for group, final, introduced in zip(groups, finals, introductions, strict=True):
        pairs = set(group.pairs)
        held_at: list[str] = []
        dropped: list[str] = []
        removed_from: dict[str, list[str]] = {}
        for tip in tips:
            mine = bit[tip.commit]
            if trees.held(tip.commit) & pairs:
                held_at.append(tip.ref)
            elif reaching := [c for c in final if reached.get(c, 0) & mine]:
                removed_from.setdefault(reaching[-1], []).append(tip.ref)
            elif any(reached.get(c, 0) & mine for c in introduced):
                dropped.append(tip.ref)
        gone = tuple(Removal(c, tuple(removed_from[c])) for c in final if c in removed_from)
        presence.append(Presence(tuple(held_at), gone, tuple(dropped)))
    return TipView(tips, tuple(presence))
