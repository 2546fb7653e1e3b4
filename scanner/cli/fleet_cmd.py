"""`spillguard fleet scan`: audit every repository of a fleet, incrementally, on Dask; one credential
inventory across the fleet, a summary per repository, SARIF per repository."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scanner.cli.fleet_options import FleetArgs, fleet_options
from scanner.cli.options import build_policy, build_ruleset
from scanner.cli.output import write_output
from scanner.errors import InputError
from scanner.fleet_model import Repo, RepoResult
from scanner.inventory_model import Inventory, Previous
from scanner.model import Policy, Report, Rule, Severity
from scanner.modes.fleet_state import default_state_dir
from scanner.pool import default_jobs
from scanner.reporters.fleet_report import summary_json, table, totals_line
from scanner.reporters.text import printable

if TYPE_CHECKING:
    from scanner.modes.fleet import FleetRun
    from scanner.ruleset.compiled import CompiledRuleset

FLEET_EPILOG = (
    "Exit codes: 0 every repository audited and nothing to act on, 1 an open credential at or above "
    "--fail-on is unreviewed or real, 2 usage or input error, or a repository that could not be "
    "audited (named on stderr), 3 unexpected error, 128+N ended by signal N (130 Ctrl-C). Example: "
    "`spillguard fleet scan --github-org my-org --summary fleet.json -o inventory.html`."
)


@click.group()
def fleet() -> None:
    """Audit many repositories at once: every repository of an organisation, incrementally, on one
    machine or a Dask cluster. Needs the fleet extra: pip install 'spillguard[fleet]'."""


def _warn(message: str) -> None:
    click.echo(f"spillguard: warning: {printable(message)}", err=True)


def _repos(args: FleetArgs) -> tuple[Repo, ...]:
    from scanner.sources.fleet_sources import collect
    from scanner.sources.forges import ForgeOptions, github_org, gitlab_group

    forge = ForgeOptions(
        args.include_archived, args.include_forks, args.ssh, args.github_api, args.gitlab_url
    )
    listed = [repo for org in args.github_orgs for repo in github_org(org, forge, _warn)]
    listed += [repo for group in args.gitlab_groups for repo in gitlab_group(group, forge, _warn)]
    repos = collect(args.sources, args.repo_lists, listed)
    if not repos:
        raise click.UsageError(
            "no repository to audit: name SOURCEs, --repos FILE, --github-org or --gitlab-group"
        )
    return repos


def _sarif_writer(rules: tuple[Rule, ...], fail_on: Severity) -> Callable[[RepoResult], str]:
    """Renders a repository's SARIF report on the client (workers send the report without its rules),
    as `scan --history -f sarif` would in that repository."""
    from scanner.reporters import RenderOptions
    from scanner.reporters.sarif import render

    def write(result: RepoResult) -> str:
        report = result.report if result.report is not None else Report((), (), result.stats)
        options = RenderOptions(category="spillguard/history", gone=result.gone, fail_on=fail_on)
        return render(replace(report, rules=rules), options)

    return write


def _copy_sarif(results: list[RepoResult], state: Path, directory: Path) -> None:
    """Copies each repository's SARIF report from the state directory (written there as it arrived, or
    by an earlier run for a repository that has not changed)."""
    from scanner.modes.fleet_state import sarif_path

    try:
        directory.mkdir(parents=True, exist_ok=True)
        for result in results:
            source = sarif_path(state, result.repo)
            if source.is_file():
                (directory / f"{result.repo.slug}.sarif").write_bytes(source.read_bytes())
    except OSError as exc:
        raise InputError(f"{directory}: cannot write the SARIF reports ({exc.strerror})") from None


def _run(
    args: FleetArgs, repos: tuple[Repo, ...], ruleset: CompiledRuleset, policy: Policy, state: Path
) -> FleetRun:
    """Runs the fleet, with its progress bar on stderr (only on a terminal, never with --quiet)."""
    from scanner.cli.fleet_progress import FleetBar
    from scanner.modes.fleet import FleetHooks, FleetOptions, run_fleet

    options = FleetOptions(
        state=state,
        work=Path(args.worker_state) if args.worker_state else None,
        scheduler=args.scheduler,
        workers=args.workers or default_jobs(),
        retries=args.retries,
        git_timeout=args.git_timeout,
        remove_mirrors=args.remove_mirrors,
        sarif=f"fail-on {args.fail_on}" if args.sarif_dir else None,  # what the reports depend on
        skip_errors=args.skip_errors,
    )
    bar = FleetBar.open(sys.stderr) if not args.quiet and sys.stderr.isatty() else None
    hooks = FleetHooks(
        on_total=bar.total if bar else None,
        on_result=bar.result if bar else None,
        warn=_warn,
        render_sarif=_sarif_writer(ruleset.rules, Severity(args.fail_on)) if args.sarif_dir else None,
    )
    try:
        return run_fleet(repos, ruleset, policy, options, hooks)
    finally:
        if bar is not None:
            bar.close()


def _inventory(args: FleetArgs, results: list[RepoResult], state: Path) -> Inventory:
    from scanner.fleet_join import join
    from scanner.inventory_key import key_id, load_key

    floor, threshold = Severity(args.min_severity), Severity(args.fail_on)
    return join(results, date.today(), key_id(load_key(state)), threshold, floor)


def _compare(
    inventory: Inventory, previous: tuple[str, str, tuple[Previous, ...]], args: FleetArgs
) -> Inventory:
    from scanner.inventory_changes import compare
    from scanner.reporters.inventory_json import check_key

    since, previous_key, before = previous
    check_key(args.since_path or "", previous_key, inventory.key_id)
    return compare(inventory, before, since, Severity(args.min_severity))


@fleet.command("scan", epilog=FLEET_EPILOG)
@fleet_options
def scan(args: FleetArgs) -> int:
    """Audit the full history of every repository named: local repositories (audited in place), clone
    URLs (https://, ssh://, git@host:path, file://; mirrored under the state directory and fetched on
    each run), the repositories of a --repos file, of a GitHub organisation or a GitLab group; then
    write one credential inventory across them (the format of `spillguard inventory`, with the
    repositories holding each credential).

    A repository whose refs and rules have not changed since its last audit costs one ref listing.
    A repository that cannot be listed, cloned or read is named with git's reason and the others go on.
    """
    from scanner.cli.inventory_inputs import output_format, previous_inventory
    from scanner.cluster import require_distributed
    from scanner.decision import inventory_failing
    from scanner.reporters import get_inventory_writer

    require_distributed()
    writer = get_inventory_writer(output_format(args.fmt, args.output))
    previous = previous_inventory(args.since_path)  # read and checked before anything is audited
    policy = build_policy(args.config_path, args.rule_files, args.disabled, args.max_file_size)
    ruleset = build_ruleset(policy, args.prefilter)
    repos = _repos(args)
    state = Path(args.state) if args.state else default_state_dir()
    run = _run(args, repos, ruleset, policy, state)
    inventory = _inventory(args, run.results, state)
    if previous is not None:
        inventory = _compare(inventory, previous, args)
    for result in run.results:
        if result.failed:
            click.echo(
                f"spillguard: {printable(result.repo.name)}: failed: {printable(result.reason or '')}",
                err=True,
            )
    if args.sarif_dir:
        _copy_sarif(run.results, state, Path(args.sarif_dir))
    if args.summary:
        write_output(summary_json(run.results, inventory, run.timings), args.summary)
    write_output(writer(inventory), args.output)
    if args.verbose:
        click.echo(table(run.results), err=True, nl=False)
    if not args.quiet:
        click.echo(totals_line(run.results, inventory), err=True)
    if inventory_failing(inventory.credentials, Severity(args.fail_on)) and not args.exit_zero:
        return 1
    return 2 if any(r.failed for r in run.results) else 0
