"""The commits of a history walk sorted in a thread while the rules load (scanner.sources.history_walk's
`Listing`): a walk from the same commits takes them over and finds exactly what it finds alone; a listing
of other refs, or one whose sorting failed, is left aside and the walk lists the commits itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import GitError
from scanner.sources.git import open_repo
from scanner.sources.history_refs import tips
from scanner.sources.history_walk import HistoryIndex, Listing, walk
from tests.conftest import git
from tests.modes.test_git_modes import commit_file


def _branches(repo: Path) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    git(repo, "checkout", "-q", "-b", "side")
    commit_file(repo, "side.py", "s = 1\n")
    git(repo, "checkout", "-q", "main")
    commit_file(repo, "main.py", "m = 1\n")
    git(repo, "merge", "-q", "--no-edit", "side")
    git(repo, "tag", "v1")
    commit_file(repo, "later.py", "l = 1\n")


def _same(one: HistoryIndex, other: HistoryIndex) -> None:
    for name in ("order", "messages", "occurrences", "fresh", "removals"):
        assert getattr(one, name) == getattr(other, name), name


@pytest.mark.parametrize("refs", [(), ("v1",), ("side", "main")])
def test_a_walk_takes_the_listing_of_its_refs_and_finds_the_same(repo: Path, refs: tuple[str, ...]) -> None:
    _branches(repo)
    opened = open_repo(repo)
    alone = walk(opened, refs)
    with Listing(open_repo(repo), refs) as listing:
        taken = walk(opened, refs, listing=listing)
        assert listing.take(refs, tips(opened, refs)) is None  # taken once, by the walk
    _same(taken, alone)


def test_a_listing_is_handed_over_only_for_the_same_refs_and_commits(repo: Path) -> None:
    _branches(repo)
    opened = open_repo(repo)
    with Listing(opened, ("v1",)) as listing:
        assert listing.take((), tips(opened, ())) is None
    with Listing(opened, ()) as listing:
        commit_file(repo, "moved.py", "n = 1\n")  # a branch moved after the listing started
        assert listing.take((), tips(opened, ())) is None
    with Listing(opened, ()) as listing:
        commits = listing.take((), tips(opened, ()))
        assert commits is not None
        assert [str(c.id) for c in commits] == list(walk(opened, ()).order)


def test_a_listing_that_failed_leaves_the_walk_to_say_why(repo: Path) -> None:
    _branches(repo)
    opened = open_repo(repo)
    with Listing(opened, ("no-such-branch",)) as listing:
        assert listing.take(("no-such-branch",), []) is None
        with pytest.raises(GitError, match="no-such-branch"):
            walk(opened, ("no-such-branch",), listing=listing)


def test_an_empty_repository_lists_nothing(repo: Path) -> None:
    opened = open_repo(repo)
    with Listing(opened, ()) as listing:
        index = walk(opened, (), listing=listing)
    assert index.order == {} and index.occurrences == {}


def test_commits_taken_over_are_diffed_through_pygit2_where_git_does_not_report(repo: Path) -> None:
    """The listed commits belong to the repository object the listing opened: diffed through pygit2
    (no git, or git stopping), they give what the walk's own commits give."""
    _branches(repo)
    opened = open_repo(repo)
    alone = walk(opened, (), use_git=False)
    with Listing(open_repo(repo), ()) as listing:
        taken = walk(opened, (), use_git=False, listing=listing)
        assert listing.take((), tips(opened, ())) is None  # taken by the walk
    _same(taken, alone)
