"""Listing a GitHub organisation's and a GitLab group's repositories through their REST APIs. The APIs
cannot be reached from the test machine: a local server (tests/forge_server.py) serves responses
recorded by hand from the APIs' documentation (fixtures/forges/), with their pagination and rate-limit
headers."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from scanner.errors import InputError
from scanner.sources.forges import ForgeOptions, github_org, gitlab_group
from tests.forge_server import (
    ForgeServer,
    forge_server,
    github_rate_limited,
    gitlab_rate_limited,
    page,
    recorded,
)

GITHUB_FIRST = "/orgs/acme/repos?type=all&per_page=100"
GITHUB_SECOND = "/organizations/4242/repos?type=all&per_page=100&page=2"
GITLAB_QUERY = "include_subgroups=true&with_shared=false&per_page=100&order_by=id"
GITLAB_FIRST = f"/api/v4/groups/acme%2Fplatform/projects?{GITLAB_QUERY}&archived=false"


def serve_github(server: ForgeServer, rate_limited: bool = True) -> None:
    second = f"{server.base}{GITHUB_SECOND}"
    server.serve(
        GITHUB_FIRST,
        page(
            recorded("github-orgs-acme-repos-page-1.json"),
            Link=f'<{second}>; rel="next", <{second}>; rel="last"',
        ),
    )
    first = f"{server.base}/organizations/4242/repos?type=all&per_page=100&page=1"
    last_page = page(
        recorded("github-orgs-acme-repos-page-2.json"), Link=f'<{first}>; rel="prev", <{first}>; rel="first"'
    )
    server.serve(GITHUB_SECOND, *([github_rate_limited(1)] if rate_limited else []), last_page)


def serve_gitlab(server: ForgeServer, first: str = GITLAB_FIRST) -> None:
    server.serve(
        first, page(recorded("gitlab-groups-projects-page-1.json"), **{"x-next-page": "2", "x-page": "1"})
    )
    second = page(recorded("gitlab-groups-projects-page-2.json"), **{"x-next-page": "", "x-page": "2"})
    server.serve(f"{first}&page=2", gitlab_rate_limited(1), second)


def test_github_organisation_pages_filters_and_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    warnings: list[str] = []
    with forge_server() as server:
        serve_github(server)
        repos = github_org("acme", ForgeOptions(github_api=server.base), warnings.append)
    assert [r.source for r in repos] == [
        "https://github.com/acme/api.git",
        "https://github.com/acme/web.git",
        "https://github.com/acme/tools.git",
    ]
    assert [r.name for r in repos] == ["github.com/acme/api", "github.com/acme/web", "github.com/acme/tools"]
    assert warnings == ["GitHub organisation acme: rate limited by the API; waiting 1 s"]
    paths = [path for path, _ in server.requests]
    assert paths == [GITHUB_FIRST, GITHUB_SECOND, GITHUB_SECOND]  # the second page tried again
    headers = server.requests[0][1]
    assert headers["authorization"] == "Bearer test-token"
    assert (
        headers["accept"] == "application/vnd.github+json" and headers["x-github-api-version"] == "2022-11-28"
    )


def test_github_archived_forks_and_ssh_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GH_TOKEN", "other-token")
    with forge_server() as server:
        serve_github(server, rate_limited=False)
        options = ForgeOptions(include_archived=True, include_forks=True, ssh=True, github_api=server.base)
        repos = github_org("acme", options, lambda _: None)
    assert [r.source for r in repos] == [
        "git@github.com:acme/api.git",
        "git@github.com:acme/web.git",
        "git@github.com:acme/legacy-billing.git",
        "git@github.com:acme/requests-fork.git",
        "git@github.com:acme/tools.git",  # never the disabled one: it cannot be cloned
    ]
    assert server.requests[0][1]["authorization"] == "Bearer other-token"


def test_github_without_a_token_sends_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    with forge_server() as server:
        serve_github(server, rate_limited=False)
        github_org("acme", ForgeOptions(github_api=server.base), lambda _: None)
    assert all("authorization" not in headers for _, headers in server.requests)


def test_gitlab_group_pages_filters_and_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-test")
    warnings: list[str] = []
    with forge_server() as server:
        serve_gitlab(server)
        repos = gitlab_group("acme/platform", ForgeOptions(gitlab_url=server.base), warnings.append)
    assert [r.name for r in repos] == [
        "gitlab.com/acme/platform/gateway",
        "gitlab.com/acme/platform/payments/ledger",
        "gitlab.com/acme/platform/notifier",
    ]
    assert warnings == ["GitLab group acme/platform: rate limited by the API; waiting 1 s"]
    assert [path for path, _ in server.requests] == [
        GITLAB_FIRST,
        f"{GITLAB_FIRST}&page=2",
        f"{GITLAB_FIRST}&page=2",
    ]
    assert server.requests[0][1]["private-token"] == "glpat-test"


def test_gitlab_archived_and_forks_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    with forge_server() as server:
        serve_gitlab(server, first=f"/api/v4/groups/acme%2Fplatform/projects?{GITLAB_QUERY}")
        options = ForgeOptions(include_archived=True, include_forks=True, ssh=True, gitlab_url=server.base)
        repos = gitlab_group("acme/platform", options, lambda _: None)
    assert [r.source for r in repos] == [
        "git@gitlab.com:acme/platform/gateway.git",
        "git@gitlab.com:acme/platform/payments/ledger.git",
        "git@gitlab.com:acme/platform/upstream-fork.git",
        "git@gitlab.com:acme/platform/payments/old-cron.git",
        "git@gitlab.com:acme/platform/notifier.git",
    ]
    assert "private-token" not in server.requests[0][1]


def _github_error(server: ForgeServer, org: str = "acme", **options: object) -> str:
    with pytest.raises(InputError) as raised:
        github_org(org, ForgeOptions(github_api=server.base, **options), lambda _: None)  # type: ignore[arg-type]
    return raised.value.message


def test_what_the_api_answers_wrong_is_one_error() -> None:
    with forge_server() as server:
        assert _github_error(server, "nobody") == (
            "GitHub organisation nobody: the API answered 404 Not Found "
            "(no such organisation or group, or the token cannot see it)"
        )
        server.serve(GITHUB_FIRST, (401, {}, b'{"message": "Bad credentials"}'))
        assert _github_error(server).endswith("401 Unauthorized (the token is missing, wrong or expired)")
        server.serve(GITHUB_FIRST, (200, {}, b"<html>a login page</html>"))
        assert _github_error(server).endswith("the API's answer is not JSON")
        server.serve(GITHUB_FIRST, page({"message": "not a list"}))  # type: ignore[arg-type]
        assert _github_error(server).endswith("the API's answer is not a list of repositories")
        server.serve(GITHUB_FIRST, page([{"name": "no-url"}]))
        assert _github_error(server).endswith("a repository in the API's answer has no clone URL")
        server.serve(GITHUB_FIRST, page([{"clone_url": "ftp://github.com/acme/x"}]))
        assert "the API gave a clone URL spillguard does not use" in _github_error(server)
        elsewhere = '<https://attacker.example/orgs/acme/repos?page=2>; rel="next"'
        server.serve(GITHUB_FIRST, page(recorded("github-orgs-acme-repos-page-1.json"), Link=elsewhere))
        assert _github_error(server).endswith("the API's next page is on another host; not followed")
        server.serve(GITHUB_FIRST, github_rate_limited(3600))
        assert re.search(
            r"rate limited by the API; try again in 3[56]\d\d s$", _github_error(server, max_wait=10)
        )


def test_an_api_url_must_be_https_or_this_machine() -> None:
    with pytest.raises(InputError, match=r"--github-api http://api\.example\.com: must be an https:// URL"):
        github_org("acme", ForgeOptions(github_api="http://api.example.com"), lambda _: None)
    with pytest.raises(InputError, match=r"--gitlab-url ftp://gitlab\.example\.com: must be an https:// URL"):
        gitlab_group("g", ForgeOptions(gitlab_url="ftp://gitlab.example.com"), lambda _: None)


def test_an_api_that_cannot_be_reached() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(InputError, match=r"^GitLab group g: cannot reach the API \("):
        gitlab_group("g", ForgeOptions(gitlab_url=f"http://127.0.0.1:{port}"), lambda _: None)


def test_the_recorded_responses_are_what_the_documentation_shows() -> None:
    """The fields the listing reads, as the APIs document them, in every recorded repository."""
    for name in ("github-orgs-acme-repos-page-1.json", "github-orgs-acme-repos-page-2.json"):
        for repo in recorded(name):
            assert {"full_name", "clone_url", "ssh_url", "fork", "archived", "disabled"} <= set(repo)
    for name in ("gitlab-groups-projects-page-1.json", "gitlab-groups-projects-page-2.json"):
        for project in recorded(name):
            assert {"path_with_namespace", "http_url_to_repo", "ssh_url_to_repo", "archived"} <= set(project)
    assert (Path(__file__).resolve().parents[2] / "fixtures" / "forges" / "README.md").exists()
