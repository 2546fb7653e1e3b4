"""Ref listings and bare mirrors through the git CLI, against real repositories served by file://."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.errors import GitError
from scanner.sources.remote import list_local, list_refs, update_mirror
from tests.conftest import git
from tests.forge_server import silent_port
from tests.modes.test_git_modes import commit_file


@pytest.fixture()
def upstream(repo: Path) -> Path:
    commit_file(repo, "a.txt", "one\n")
    git(repo, "branch", "dev")
    git(repo, "tag", "v1")
    git(repo, "tag", "-a", "v2", "-m", "release 2")
    git(repo, "notes", "add", "-m", "a note", "HEAD")
    return repo


def test_a_listing_names_branches_tags_notes_and_head(upstream: Path) -> None:
    listing = list_refs(f"file://{upstream}", "upstream", 30)
    head = git(upstream, "rev-parse", "HEAD").strip()
    names = dict(listing.refs)
    assert sorted(names) == [
        "refs/heads/dev",
        "refs/heads/main",
        "refs/notes/commits",
        "refs/tags/v1",
        "refs/tags/v2",
    ]
    assert names["refs/heads/main"] == head and names["refs/tags/v2"] != head  # the tag object, not peeled
    assert listing.head == "refs/heads/main"


def test_a_mirror_is_cloned_once_then_fetched(upstream: Path, tmp_path: Path) -> None:
    url, mirror = f"file://{upstream}", tmp_path / "mirror.git"
    first = update_mirror(mirror, url, "upstream", "refs/heads/main", 30)
    assert first == list_refs(url, "upstream", 30) and first.digest == list_refs(url, "upstream", 30).digest
    (mirror / "kept").write_text("a file of the mirror's own")
    commit_file(upstream, "b.txt", "two\n")
    git(upstream, "branch", "-D", "dev")
    second = update_mirror(mirror, url, "upstream", "refs/heads/main", 30)
    assert (mirror / "kept").exists()  # fetched into, not cloned again
    assert "refs/heads/dev" not in dict(second.refs)  # pruned
    assert dict(second.refs)["refs/heads/main"] == git(upstream, "rev-parse", "HEAD").strip()
    assert git(mirror, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert not (tmp_path / "mirror.git.partial").exists()


def test_a_mirror_left_locked_or_damaged_is_cloned_again(upstream: Path, tmp_path: Path) -> None:
    url, mirror = f"file://{upstream}", tmp_path / "mirror.git"
    update_mirror(mirror, url, "upstream", None, 30)
    commit_file(upstream, "b.txt", "two\n")
    (mirror / "refs" / "heads" / "main.lock").write_text("")  # a fetch killed half-way
    listing = update_mirror(mirror, url, "upstream", None, 30)
    assert dict(listing.refs)["refs/heads/main"] == git(upstream, "rev-parse", "HEAD").strip()
    (mirror / "config").write_text("[core\nbroken")
    assert update_mirror(mirror, url, "upstream", None, 30) == listing


def test_a_missing_repository_fails_with_gits_reason(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="does not appear to be a git repository"):
        list_refs(f"file://{tmp_path}/absent", "absent", 30)
    with pytest.raises(GitError, match="does not appear to be a git repository"):
        update_mirror(tmp_path / "m.git", f"file://{tmp_path}/absent", "absent", None, 30)
    assert not (tmp_path / "m.git").exists() and not (tmp_path / "m.git.partial").exists()


def test_a_local_listing_has_every_ref_and_stash_entry(upstream: Path) -> None:
    (upstream / "a.txt").write_text("changed\n")
    git(upstream, "stash", "-q")
    (upstream / "a.txt").write_text("changed again\n")
    git(upstream, "stash", "-q")
    listing = list_local(str(upstream), 30)
    names = [name for name, _ in listing.refs]
    assert "refs/stash" in names and "stash@{0}" in names and "stash@{1}" in names
    assert listing.head == "refs/heads/main"
    git(upstream, "checkout", "-q", "--detach")
    assert list_local(str(upstream), 30).head == "detached " + git(upstream, "rev-parse", "HEAD").strip()


def test_callers_git_variables_do_not_leak_in(
    upstream: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a git hook, GIT_DIR and GIT_INDEX_FILE name the hook's repository: not the one audited."""
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert list_local(str(upstream), 30).head == "refs/heads/main"


@pytest.fixture()
def silent_server() -> Iterator[int]:
    with silent_port() as port:
        yield port


def test_a_remote_that_never_answers_times_out(silent_server: int) -> None:
    url = f"https://user:hunter2@127.0.0.1:{silent_server}/acme/api.git"
    with pytest.raises(GitError, match=r"^git ls-remote timed out after 1 s$"):
        list_refs(url, "127.0.0.1/acme/api", 1)


def test_a_reason_never_shows_the_urls_credentials() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"https://user:hunter2@127.0.0.1:{port}/acme/api.git"
    with pytest.raises(GitError) as raised:
        list_refs(url, "127.0.0.1/acme/api", 30)
    assert "hunter2" not in raised.value.message and "127.0.0.1" in raised.value.message
