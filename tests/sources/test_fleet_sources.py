"""Naming the repositories of a fleet: paths, clone URLs and --repos files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.errors import InputError
from scanner.sources.fleet_sources import collect, parse_source, read_list, shown


def test_clone_urls_are_named_without_credentials() -> None:
    plain = parse_source("https://github.com/acme/api.git")
    assert (plain.name, plain.source, plain.local) == (
        "github.com/acme/api",
        "https://github.com/acme/api.git",
        False,
    )
    with_token = parse_source("https://x-access-token:ghp_secret@github.com/acme/api.git")
    assert with_token.name == "github.com/acme/api" and "ghp_secret" not in with_token.slug
    assert with_token.slug == plain.slug  # a new token keeps the mirror and its checkpoint
    assert (
        parse_source("ssh://git@gitlab.example.com:2222/team/svc.git").name
        == "gitlab.example.com:2222/team/svc"
    )
    scp = parse_source("git@github.com:acme/web.git")
    assert (scp.name, scp.source) == ("github.com/acme/web", "git@github.com:acme/web.git")
    assert parse_source("file:///srv/git/tools.git").name == "/srv/git/tools.git"
    assert parse_source("file:///srv/git/tools.git").slug.startswith("srv_git_tools.git-")
    assert parse_source("HTTPS://github.com/acme/api").name == "github.com/acme/api"


def test_a_local_directory_is_audited_in_place(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    repo = parse_source("project", cwd=tmp_path)
    assert repo.local and repo.source == str(tmp_path / "project") and repo.name == repo.source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("ftp://host/repo", "ftp:// is not supported"),
        ("http://host/repo", "http:// is not supported"),
        ("ext::sh -c evil", "no such directory, and not a clone URL"),
        ("--upload-pack=evil", "cannot start with '-'"),
        ("", "an empty name"),
        (" spaced", "spaces around it"),
        ("https://github.com/", "names a host and a repository path"),
        ("file://server/share/repo", "names an absolute path"),
        ("does/not/exist", "no such directory"),
    ],
)
def test_what_is_not_a_repository(source: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_source(source, cwd=tmp_path)


def test_errors_show_no_credentials(tmp_path: Path) -> None:
    assert shown("ftp://user:hunter2@host/repo") == "ftp://***@host/repo"
    assert shown("/a/path") == "/a/path"
    with pytest.raises(InputError) as raised:
        collect(["ftp://user:hunter2@host/repo"], [], cwd=tmp_path)
    assert "hunter2" not in raised.value.message and raised.value.message.startswith("ftp://***@host/repo: ")


def test_a_list_file(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    listing = tmp_path / "repos.txt"
    listing.write_text("# team A\nhttps://github.com/acme/api\n\n  git@github.com:acme/web.git  \nlocal\n")
    repos = collect(["https://github.com/acme/api"], [str(listing)])
    assert [r.name for r in repos] == ["github.com/acme/api", "github.com/acme/web", str(tmp_path / "local")]
    assert read_list(str(listing)) == [
        (2, "https://github.com/acme/api"),
        (4, "git@github.com:acme/web.git"),
        (5, "local"),
    ]


def test_a_bad_list_file_is_one_error_naming_it(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("https://github.com/acme/api\n\nsvn://old/repo\n")
    with pytest.raises(InputError, match=r"repos.txt:3: svn:// is not supported"):
        collect([], [str(listing)])
    listing.write_bytes(b"https://github.com/acme/\xff\n")
    with pytest.raises(InputError, match=r"repos.txt: not UTF-8 text \(byte 24\)"):
        read_list(str(listing))
    with pytest.raises(InputError, match="cannot read the repository list"):
        read_list(str(tmp_path / "absent.txt"))
    with pytest.raises(InputError, match=r"cannot read the repository list \(Is a directory\)"):
        read_list(str(tmp_path))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_list(str(fifo))


def test_a_repository_named_twice_is_audited_once(tmp_path: Path) -> None:
    repos = collect(["https://github.com/acme/api", "https://github.com/acme/api"], [], cwd=tmp_path)
    assert len(repos) == 1
