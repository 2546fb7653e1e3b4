"""The repositories of a GitHub organisation or a GitLab group, through their REST APIs: GitHub's
"list organization repositories" (`GET /orgs/{org}/repos`) and GitLab's "list a group's projects"
(`GET /groups/:id/projects`, subgroups included, projects merely shared with the group left out).

Pages are followed through the `Link` header (GitLab's `x-next-page` too), never to another host. The
token comes from the environment (GITHUB_TOKEN or GH_TOKEN; GITLAB_TOKEN) and is sent to the API only,
never to git, never written anywhere. When the API says its rate limit is spent, the listing waits as it
asks (`retry-after`, else until `x-ratelimit-reset` / `ratelimit-reset`, else a minute, doubling) and
tries again, up to a total wait, then stops with an error saying when to come back.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from scanner import __version__, jsonio
from scanner.errors import InputError
from scanner.fleet_model import Repo
from scanner.sources.fleet_sources import parse_source

MAX_RESPONSE = 64 * 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")
Warn = Callable[[str], None]


@dataclass(frozen=True)
class ForgeOptions:
    include_archived: bool = False
    include_forks: bool = False
    ssh: bool = False  # clone over SSH (the API's ssh URL) instead of HTTPS
    github_api: str = "https://api.github.com"
    gitlab_url: str = "https://gitlab.com"
    max_wait: float = 3600.0  # the most a listing waits for rate limits, in all, before giving up
    timeout: float = 60.0  # per request


class _Page:
    def __init__(self, items: Any, headers: dict[str, str]) -> None:
        self.items = items
        self.headers = headers


def _next_link(link: str) -> str | None:
    for part in link.split(","):
        url, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", ""):
            return url.strip().strip("<>")
    return None


def _check_base(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise InputError(f"{what} {url}: must be an https:// URL (http:// only on this machine)")


class _Client:
    """GETs JSON pages from one API host, waiting out its rate limits."""

    def __init__(self, base: str, headers: dict[str, str], label: str, options: ForgeOptions, warn: Warn):
        self.host = urlsplit(base).netloc
        self.headers = {"Accept": "application/json", "User-Agent": f"spillguard/{__version__}", **headers}
        self.label, self.options, self.warn = label, options, warn
        self.waited = 0.0

    def _wait_for(self, error: urllib.error.HTTPError, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when the error is not a rate limit."""
        headers: dict[str, str] = {str(k).lower(): str(v) for k, v in error.headers.items()}
        remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
        reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset"))
        limited = error.code == 429 or (error.code == 403 and (remaining == "0" or "retry-after" in headers))
        if not limited:
            return None
        if headers.get("retry-after", "").strip().isdigit():
            return float(headers["retry-after"])
        if remaining == "0" and reset and reset.strip().isdigit():
            return max(1.0, float(reset) - time.time())
        return 60.0 * float(2**attempt)  # a secondary limit that says nothing: a minute, then doubling

    def get(self, url: str) -> _Page:
        attempt = 0
        while True:
            request = urllib.request.Request(url, headers=self.headers)
            try:
                with urllib.request.urlopen(request, timeout=self.options.timeout) as response:  # noqa: S310
                    body = response.read(MAX_RESPONSE + 1)
                    headers = {k.lower(): v for k, v in response.headers.items()}
                break
            except urllib.error.HTTPError as exc:
                wait = self._wait_for(exc, attempt)
                if wait is None:
                    raise InputError(
                        f"{self.label}: the API answered {exc.code} {exc.reason}{_hint(exc.code)}"
                    ) from None
                if self.waited + wait > self.options.max_wait:
                    raise InputError(
                        f"{self.label}: rate limited by the API; try again in {wait:.0f} s"
                    ) from None
                self.warn(f"{self.label}: rate limited by the API; waiting {wait:.0f} s")
                time.sleep(wait)
                self.waited += wait
                attempt += 1
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise InputError(f"{self.label}: cannot reach the API ({reason})") from None
        if len(body) > MAX_RESPONSE:
            raise InputError(f"{self.label}: an API response is larger than 64 MiB")
        try:
            return _Page(jsonio.loads(body), headers)
        except ValueError:
            raise InputError(f"{self.label}: the API's answer is not JSON") from None

    def pages(self, url: str) -> Iterator[list[dict[str, Any]]]:
        while True:
            page = self.get(url)
            if not isinstance(page.items, list) or not all(isinstance(i, dict) for i in page.items):
                raise InputError(f"{self.label}: the API's answer is not a list of repositories")
            yield page.items
            following = _next_link(page.headers.get("link", ""))
            if following is None and page.headers.get("x-next-page", "").strip().isdigit():
                parts = urlsplit(url)
                query = [q for q in parts.query.split("&") if q and not q.startswith("page=")]
                following = parts._replace(
                    query="&".join([*query, f"page={page.headers['x-next-page'].strip()}"])
                ).geturl()
            if not following:
                return
            if urlsplit(following).netloc != self.host:
                raise InputError(f"{self.label}: the API's next page is on another host; not followed")
            url = following


def _hint(code: int) -> str:
    if code == 401:
        return " (the token is missing, wrong or expired)"
    if code == 404:
        return " (no such organisation or group, or the token cannot see it)"
    return ""


def _repo(url: object, label: str) -> Repo:
    if not isinstance(url, str):
        raise InputError(f"{label}: a repository in the API's answer has no clone URL")
    try:
        return parse_source(url)
    except ValueError as exc:
        raise InputError(f"{label}: the API gave a clone URL spillguard does not use ({exc})") from None


def github_org(org: str, options: ForgeOptions, warn: Warn) -> list[Repo]:
    """Every repository of the GitHub organisation `org` the token can see, archived repositories and
    forks left out unless asked for (disabled ones always: they cannot be cloned)."""
    _check_base(options.github_api, "--github-api")
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    label = f"GitHub organisation {org}"
    client = _Client(options.github_api, headers, label, options, warn)
    url = f"{options.github_api.rstrip('/')}/orgs/{quote(org, safe='')}/repos?type=all&per_page=100"
    repos = []
    for items in client.pages(url):
        for item in items:
            if item.get("disabled") or (item.get("archived") and not options.include_archived):
                continue
            if item.get("fork") and not options.include_forks:
                continue
            repos.append(_repo(item.get("ssh_url" if options.ssh else "clone_url"), label))
    return repos


def gitlab_group(group: str, options: ForgeOptions, warn: Warn) -> list[Repo]:
    """Every project of the GitLab group `group` and its subgroups the token can see, archived
    projects and forks left out unless asked for."""
    _check_base(options.gitlab_url, "--gitlab-url")
    token = os.environ.get("GITLAB_TOKEN")
    headers = {"PRIVATE-TOKEN": token} if token else {}
    label = f"GitLab group {group}"
    client = _Client(options.gitlab_url, headers, label, options, warn)
    query = {"include_subgroups": "true", "with_shared": "false", "per_page": "100", "order_by": "id"}
    if not options.include_archived:
        query["archived"] = "false"
    base = options.gitlab_url.rstrip("/")
    url = f"{base}/api/v4/groups/{quote(group, safe='')}/projects?{urlencode(query)}"
    repos = []
    for items in client.pages(url):
        for item in items:
            if item.get("archived") and not options.include_archived:
                continue
            if item.get("forked_from_project") and not options.include_forks:
                continue
            repos.append(_repo(item.get("ssh_url_to_repo" if options.ssh else "http_url_to_repo"), label))
    return repos
