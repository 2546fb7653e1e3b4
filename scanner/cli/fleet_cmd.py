"""`spillguard fleet scan`: audit every repository of a fleet, incrementally, on Dask; one credential
inventory across the fleet, a summary per repository, SARIF per repository."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

from scanner.cli.fleet_options import FleetArgs, fleet_options
from scanner.cli.options import build_policy, build_ruleset
from scanner.cli.output import write_output
from scanner.errors import InputError
from scanner.fleet_join import FleetCredential, join
from scanner.fleet_model import Repo, RepoResult
from scanner.model import Report, ReviewStatus, Rule, Severity
from scanner.pool import default_jobs
from scanner.reporters.text import printable

FLEET_EPILOG = (
    "Exit codes: 0 every repository audited and nothing fails, 1 a credential at or above --fail-on, "
    "2 usage or input error, or a repository that could not be audited (named on stderr), "
    "3 unexpected error, 128+N ended by signal N (130 Ctrl-C). Example: "
    "`spillguard fleet scan --github-org my-org --summary fleet.json -o inventory.json`."
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


def _sarif_writer(rules: tuple[Rule, ...]) -> Callable[[RepoResult], str]:
    """Renders a repository's SARIF report on the client (workers send the report without its rules)."""
    from scanner.reporters import RenderOptions
    from scanner.reporters.sarif import render

    def write(result: RepoResult) -> str:
        report = result.report if result.report is not None else Report((), (), result.stats)
        return render(replace(report, rules=rules), RenderOptions())

    return write


def _failing(credentials: tuple[FleetCredential, ...], threshold: Severity) -> bool:
    settled = (ReviewStatus.FALSE_POSITIVE, ReviewStatus.ACCEPTED_RISK)
    return any(
        c.severity.rank >= threshold.rank and any(s.review not in settled for _, s in c.sightings)
        for c in credentials
    )


def _copy_sarif(results: list[RepoResult], state: Path, directory: Path) -> None:
    from scanner.modes.fleet_state import Checkpoints

    checkpoints = Checkpoints(state)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for result in results:
            source = checkpoints.sarif_path(result.repo)
            if source.is_file():
                (directory / f"{result.repo.slug}.sarif").write_bytes(source.read_bytes())
    except OSError as exc:
        raise InputError(f"{directory}: cannot write the SARIF reports ({exc.strerror})") from None


@fleet.command("scan", epilog=FLEET_EPILOG)
@fleet_options
def scan(args: FleetArgs) -> int:
    """Audit the full history of every repository named: local repositories (audited in place), clone
    URLs (https://, ssh://, git@host:path, file://; mirrored under the state directory and fetched on
    each run), the repositories of a --repos file, of a GitHub organisation or a GitLab group.

    A repository whose refs and rules have not changed since its last audit costs one ref listing.
    A repository that cannot be listed, cloned or read is named with git's reason and the others go on.
    """
    from scanner.cluster import require_distributed
    from scanner.modes.fleet import FleetHooks, FleetOptions, run_fleet
    from scanner.modes.fleet_state import default_state_dir, key_id, load_key
    from scanner.reporters.fleet_report import inventory_json, summary_json, table, totals_line

    require_distributed()
    policy = build_policy(args.config_path, args.rule_files, args.disabled, args.max_file_size)
    ruleset = build_ruleset(policy, args.prefilter)
    repos = _repos(args)
    state = Path(args.state) if args.state else default_state_dir()
    options = FleetOptions(
        state=state,
        work=Path(args.worker_state) if args.worker_state else None,
        scheduler=args.scheduler,
        workers=args.workers or default_jobs(),
        retries=args.retries,
        git_timeout=args.git_timeout,
        remove_mirrors=args.remove_mirrors,
        sarif=args.sarif_dir is not None,
        skip_errors=args.skip_errors,
    )
    from scanner.cli.fleet_progress import FleetBar

    bar = FleetBar.open(sys.stderr) if not args.quiet and sys.stderr.isatty() else None
    hooks = FleetHooks(
        on_total=bar.total if bar else None,
        on_result=bar.result if bar else None,
        warn=_warn,
        render_sarif=_sarif_writer(ruleset.rules) if args.sarif_dir else None,
    )
    try:
        run = run_fleet(repos, ruleset, policy, options, hooks)
    finally:
        if bar is not None:
            bar.close()
    threshold = Severity(args.min_severity)
    results = [
        replace(r, sightings=tuple(s for s in r.sightings if s.severity.rank >= threshold.rank))
        for r in run.results
    ]
    credentials = join(results)
    for result in results:
        if result.failed:
            click.echo(
                f"spillguard: {printable(result.repo.name)}: failed: {printable(result.reason or '')}",
                err=True,
            )
    if args.sarif_dir:
        _copy_sarif(results, state, Path(args.sarif_dir))
    if args.summary:
        write_output(summary_json(results, credentials, run.timings), args.summary)
    write_output(inventory_json(credentials, key_id(load_key(state))), args.output)
    if args.verbose:
        click.echo(table(results), err=True, nl=False)
    if not args.quiet:
        click.echo(totals_line(results, credentials), err=True)
    if _failing(credentials, Severity(args.fail_on)) and not args.exit_zero:
        return 1
    return 2 if any(r.failed for r in results) else 0
