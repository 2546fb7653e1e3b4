"""`spillguard inventory`: every credential a repository holds or held, as JSON, CSV, Markdown or a
self-contained HTML report, with the changes since a previous inventory and a policy exit code."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli.options import build_policy, build_ruleset, ruleset_options
from scanner.cli.output import write_output
from scanner.decision import inventory_failing
from scanner.errors import GitError, InputError
from scanner.inventory_model import Inventory
from scanner.model import Severity
from scanner.pool import default_jobs
from scanner.reporters import INVENTORY_FORMATS, get_inventory_writer
from scanner.reporters.text import printable

if TYPE_CHECKING:
    from scanner.baseline.format import Baseline
    from scanner.modes.inventory import Scope

INVENTORY_EPILOG = (
    "Exit codes: 0 nothing to act on, 1 an open credential at or above --fail-on is unreviewed or "
    "reviewed as real (or its review expired), 2 usage or input error, 3 unexpected error, "
    "130 interrupted. Examples: `spillguard inventory -o inventory.html`, `spillguard inventory -f json "
    "-o inventory.json --since-inventory last-week.json`, `spillguard inventory --no-history src/`."
)
SUFFIXES = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
PREVIOUS_LIMIT = 256 * 1024 * 1024


def _format(fmt: str | None, output: str | None) -> str:
    """--format, else the output file's suffix, else Markdown."""
    if fmt is not None:
        return fmt
    suffix = Path(output).suffix.lower() if output and output != "-" else ""
    return SUFFIXES.get(suffix, "markdown")


def _baseline(path: str | None, no_baseline: bool) -> Baseline | None:
    """-b FILE, else `.spillguard-baseline.json` at the work tree root when there is one."""
    from scanner.baseline.apply import load_baseline

    if no_baseline:
        return None
    if path is not None:
        return load_baseline(path)
    from scanner.baseline.format import DEFAULT_PATH
    from scanner.sources.git import open_repo, work_tree

    try:
        root = work_tree(open_repo(Path.cwd()))
    except GitError:
        root = None
    default = (root or Path.cwd()) / DEFAULT_PATH
    return load_baseline(str(default)) if default.is_file() else None


def _read_previous(path: str) -> str:
    from scanner.bounded import NotRegularFile, read_bounded

    try:
        data = read_bounded(path, PREVIOUS_LIMIT + 1)
    except NotRegularFile as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the previous inventory ({exc.strerror})") from None
    if len(data) > PREVIOUS_LIMIT:
        raise InputError(f"{path}: larger than 256 MiB; not an inventory")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text (expected an inventory written with --format json)"
        ) from None


def _take(scope: Scope, options: dict[str, object], quiet: bool) -> Inventory:
    from scanner.cli.progress import HistoryBar
    from scanner.modes.inventory import Hooks, take_inventory

    def warn(message: str) -> None:
        click.echo(f"spillguard: warning: {printable(message)}", err=True)

    def run(bar: HistoryBar | None) -> Inventory:
        hooks = Hooks(
            bar.scanned if bar else None, bar.total if bar else None, bar.commit if bar else None, warn
        )
        return take_inventory(hooks=hooks, **options)  # type: ignore[arg-type]

    if quiet or not scope.history or not sys.stderr.isatty():
        return run(None)
    with HistoryBar(sys.stderr) as bar:
        return run(bar)


@click.command(epilog=INVENTORY_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--no-history", is_flag=True, help="Inventory the files under PATH... (default .), not the history."
)
@click.option(
    "--branch", "branches", multiple=True, metavar="REF", help="Only the history of these refs (repeatable)."
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    help="History cache directory, and the inventory key's (default .git/spillguard).",
)
@click.option("--no-cache", is_flag=True, help="Scan every blob; use no history cache.")
@click.option(
    "--skip-errors", is_flag=True, help="Count and skip missing or corrupted objects instead of stopping."
)
@ruleset_options
@click.option("--max-file-size", metavar="SIZE", help="Skip files larger than SIZE (default 10MiB).")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: the CPUs)."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(INVENTORY_FORMATS),
    help="Report format (default: from the -o file's suffix, else markdown).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Write the report to FILE."
)
@click.option(
    "-b",
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    help="Baseline with the review statuses (default: .spillguard-baseline.json at the work tree "
    "root, if any).",
)
@click.option("--no-baseline", is_flag=True, help="Use no baseline: every credential is unreviewed.")
@click.option(
    "--since-inventory",
    "since_path",
    type=click.Path(dir_okay=False),
    help="A previous inventory (JSON): mark credentials new, removed from the tree, reopened or unchanged.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    default=Severity.LOW.value,
    show_default=True,
    help="Exit 1 when an open credential of this severity or higher is unreviewed or real.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when credentials are to act on.")
@click.option(
    "--min-severity",
    type=click.Choice([s.value for s in Severity]),
    default=Severity.LOW.value,
    show_default=True,
    help="List only credentials of this severity or higher.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date open windows are counted to and reviews expire by (default: today).",
)
@click.option(
    "--show-secrets", is_flag=True, help="Show secret values in clear (the history cache is then not used)."
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but the report.")
def inventory(
    paths: tuple[str, ...],
    no_history: bool,
    branches: tuple[str, ...],
    cache_dir: str | None,
    no_cache: bool,
    skip_errors: bool,
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
    max_file_size: str | None,
    jobs: int | None,
    fmt: str | None,
    output: str | None,
    baseline_path: str | None,
    no_baseline: bool,
    since_path: str | None,
    fail_on: str,
    exit_zero: bool,
    min_severity: str,
    as_of: object,
    show_secrets: bool,
    quiet: bool,
) -> int:
    """Inventory every credential of the repository: one record per secret, however many paths,
    commits, branches and tags hold it, with where it was introduced and removed, which ref tips still
    hold it, its exposure window, its review status and how to rotate it.

    Reads the full history (every branch, remote branch and tag) through the history cache, or with
    --no-history the files under PATH... (default .).
    """
    from scanner.modes.history import default_cache_dir
    from scanner.modes.inventory import Scope

    if paths and not no_history:
        raise click.UsageError(
            "PATH goes with --no-history (the history inventory reads the whole repository)"
        )
    for flag, used in (("--branch", branches), ("--cache", cache_dir), ("--no-cache", no_cache)):
        if used and no_history:
            raise click.UsageError(f"{flag} reads history; it does not go with --no-history")
    writer = get_inventory_writer(_format(fmt, output))
    previous = _read_previous(since_path) if since_path else None
    if previous is not None:
        from scanner.reporters.inventory_json import parse_previous

        since, previous_key, before = parse_previous(previous, since_path or "")
    baseline = _baseline(baseline_path, no_baseline)
    policy = build_policy(config_path, rule_files, disabled, max_file_size, reveal=show_secrets)
    ruleset = build_ruleset(policy, prefilter)
    history_cache = None
    if not (no_history or no_cache or show_secrets):
        history_cache = Path(cache_dir) if cache_dir else default_cache_dir()
    scope = Scope(
        history=not no_history,
        paths=paths or (".",),
        refs=branches,
        cache_dir=history_cache,
        key_dir=Path(cache_dir) if cache_dir else None,
        skip_errors=skip_errors,
        jobs=jobs or default_jobs(),
    )
    day = as_of.date() if hasattr(as_of, "date") else date.today()
    threshold, floor = Severity(fail_on), Severity(min_severity)
    options = {"ruleset": ruleset, "policy": policy, "scope": scope, "as_of": day, "baseline": baseline}
    taken = _take(scope, {**options, "min_severity": floor}, quiet)
    from dataclasses import replace

    taken = replace(taken, name=_name(scope), fail_on=threshold)
    if previous is not None:
        from scanner.inventory_changes import compare
        from scanner.reporters.inventory_json import check_key

        check_key(since_path or "", previous_key, taken.key_id)
        taken = compare(taken, before, since, floor)
    write_output(writer(taken), output)
    if not quiet and (output not in (None, "-") or not sys.stdout.isatty()):
        click.echo(_summary(taken), err=True)
    return 1 if inventory_failing(taken.credentials, threshold) and not exit_zero else 0


def _name(scope: Scope) -> str:
    """The repository's (or the scanned directory's) name, for headings."""
    from scanner.sources.git import open_repo, work_tree

    start = Path.cwd() if scope.history else (Path.cwd() / scope.paths[0]).resolve()
    try:
        root = work_tree(open_repo(start if start.is_dir() else start.parent))
    except GitError:
        root = None
    return (root or start).resolve().name


def _summary(taken: Inventory) -> str:
    credentials = taken.credentials
    opened = sum(1 for c in credentials if c.window.open)
    from scanner.decision import credential_failing

    acting = sum(1 for c in credentials if credential_failing(c, taken.fail_on))
    return (
        f"spillguard: {len(credentials)} credential(s): {opened} open, {len(credentials) - opened} only in "
        f"history; {acting} to act on at --fail-on {taken.fail_on.value}"
    )
