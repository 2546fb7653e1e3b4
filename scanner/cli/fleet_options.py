"""The options of `spillguard fleet scan`, gathered into one `FleetArgs` bundle."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import click

from scanner.cli.options import ruleset_options
from scanner.model import Severity
from scanner.reporters import INVENTORY_FORMATS

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FleetArgs:
    sources: tuple[str, ...]
    repo_lists: tuple[str, ...]
    github_orgs: tuple[str, ...]
    gitlab_groups: tuple[str, ...]
    github_api: str
    gitlab_url: str
    include_archived: bool
    include_forks: bool
    ssh: bool
    state: str | None
    worker_state: str | None
    scheduler: str | None
    workers: int | None
    retries: int
    git_timeout: float
    remove_mirrors: bool
    skip_errors: bool
    max_file_size: str | None
    config_path: str | None
    rule_files: tuple[str, ...]
    disabled: tuple[str, ...]
    prefilter: str
    fmt: str | None
    output: str | None
    since_path: str | None
    summary: str | None
    sarif_dir: str | None
    fail_on: str
    min_severity: str
    exit_zero: bool
    verbose: bool
    quiet: bool


_KEYS = tuple(f.name for f in fields(FleetArgs))
_SEVERITIES = [s.value for s in Severity]

_OPTIONS = [
    click.argument("sources", nargs=-1),
    click.option(
        "--repos",
        "repo_lists",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A file listing repositories, one per line (repeatable); # starts a comment.",
    ),
    click.option(
        "--github-org",
        "github_orgs",
        multiple=True,
        metavar="NAME",
        help="Every repository of this GitHub organisation, through the REST API "
        "(token: GITHUB_TOKEN or GH_TOKEN).",
    ),
    click.option(
        "--gitlab-group",
        "gitlab_groups",
        multiple=True,
        metavar="NAME",
        help="Every project of this GitLab group and its subgroups, through the REST API "
        "(token: GITLAB_TOKEN).",
    ),
    click.option(
        "--github-api",
        default="https://api.github.com",
        show_default=True,
        metavar="URL",
        help="GitHub's API (GitHub Enterprise Server: https://HOST/api/v3).",
    ),
    click.option(
        "--gitlab-url",
        default="https://gitlab.com",
        show_default=True,
        metavar="URL",
        help="The GitLab instance.",
    ),
    click.option(
        "--include-archived",
        is_flag=True,
        help="With --github-org/--gitlab-group: archived repositories too.",
    ),
    click.option("--include-forks", is_flag=True, help="With --github-org/--gitlab-group: forks too."),
    click.option("--ssh", is_flag=True, help="With --github-org/--gitlab-group: clone over SSH, not HTTPS."),
    click.option(
        "--state",
        type=click.Path(file_okay=False),
        help="State directory: checkpoints, the fleet's inventory key, and (without --worker-state) "
        "mirrors and history caches. Default: fleet/ in the user cache.",
    ),
    click.option(
        "--worker-state",
        type=click.Path(file_okay=False),
        help="Where workers keep mirrors and history caches (default: --state); a path on every "
        "worker's machine.",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on this Dask cluster (tcp://HOST:PORT) instead of a local one.",
    ),
    click.option(
        "-j",
        "--workers",
        type=click.IntRange(min=1),
        help="Local worker processes (default: the number of CPUs).",
    ),
    click.option(
        "--retries",
        type=click.IntRange(min=0),
        default=2,
        show_default=True,
        help="Run a task that raised again this many times.",
    ),
    click.option(
        "--git-timeout",
        type=click.FloatRange(min=1),
        default=600.0,
        show_default=True,
        metavar="SECONDS",
        help="Time-out of each ref listing, clone and fetch.",
    ),
    click.option(
        "--remove-mirrors",
        is_flag=True,
        help="Delete each mirror once audited (bounds disk; the next run clones again, its history "
        "cache kept).",
    ),
    click.option(
        "--skip-errors",
        is_flag=True,
        help="Count and skip missing or corrupted objects instead of failing the repository.",
    ),
    click.option("--max-file-size", metavar="SIZE", help="Skip blobs larger than SIZE (default 10MiB)."),
    ruleset_options,
    click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(INVENTORY_FORMATS),
        help="Inventory format (default: from the -o file's suffix, else markdown).",
    ),
    click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Write the fleet's credential inventory to FILE (default: standard output).",
    ),
    click.option(
        "--since-inventory",
        "since_path",
        type=click.Path(dir_okay=False),
        help="A previous fleet inventory (JSON): mark credentials new, removed from the tree, reopened "
        "or unchanged.",
    ),
    click.option(
        "--summary", type=click.Path(dir_okay=False), help="Write the summary per repository (JSON) to FILE."
    ),
    click.option(
        "--sarif-dir",
        type=click.Path(file_okay=False),
        help="Write a SARIF report per repository into this directory.",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(_SEVERITIES),
        default="low",
        show_default=True,
        help="Exit 1 when an open credential of this severity or higher is unreviewed or real.",
    ),
    click.option(
        "--min-severity",
        type=click.Choice(_SEVERITIES),
        default="low",
        show_default=True,
        help="List only credentials of this severity or higher.",
    ),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when credentials are found."),
    click.option("-v", "--verbose", is_flag=True, help="Print a line per repository on stderr."),
    click.option(
        "-q", "--quiet", is_flag=True, help="No progress bar and no totals line (failures are still named)."
    ),
]


def fleet_options(func: F) -> F:
    """Adds the options and hands them to the command as one `args: FleetArgs` argument."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        args = FleetArgs(**{key: kwargs.pop(key) for key in _KEYS})
        return func(args=args, **kwargs)

    wrapped: Any = wrapper
    for decorator in reversed(_OPTIONS):
        wrapped = decorator(wrapped)
    return wrapped  # type: ignore[no-any-return]
