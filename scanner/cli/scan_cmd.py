"""`spillguard scan`: scan files and directories."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scanner.cli.options import build_policy, build_ruleset, ruleset_options
from scanner.cli.output import write_output
from scanner.model import Policy, Report, Severity
from scanner.pool import default_jobs
from scanner.reporters import FORMATS, RenderOptions, get_writer
from scanner.reporters.text import summary
from scanner.ruleset.compiled import CompiledRuleset
from scanner.runner import scan_paths

SCAN_EPILOG = (
    "Exit codes: 0 no findings, 1 findings, 2 usage or input error, 3 unexpected error, "
    "130 interrupted. Examples: `spillguard scan`, `spillguard scan src/ --format sarif -o "
    "spillguard.sarif`."
)


def _history(
    ruleset: CompiledRuleset,
    policy: Policy,
    branches: tuple[str, ...],
    jobs: int,
    quiet: bool,
    cache: Path | str | None,
    skip_errors: bool,
) -> Report:
    """Full-history audit with a progress bar on stderr (only on a terminal, never with --quiet)."""
    from tqdm import tqdm

    from scanner.history_scan import default_cache_dir, scan_history

    cache_dir = default_cache_dir() if cache == "default" else cache

    show = not quiet and sys.stderr.isatty()
    bar = tqdm(total=0, unit="blob", desc="scanning history", disable=not show, file=sys.stderr, leave=False)
    with bar:

        def on_total(blobs: int, _bytes: int) -> None:
            bar.reset(total=blobs)

        def progress(blobs: int, _bytes: int) -> None:
            bar.update(blobs)

        def warn(message: str) -> None:
            click.echo(f"spillguard: warning: {message}", err=True)

        return scan_history(
            ruleset,
            policy,
            branches,
            jobs,
            progress=progress,
            on_total=on_total,
            cache_dir=Path(cache_dir) if cache_dir else None,
            warn=warn,
            skip_errors=skip_errors,
        )


@click.command(epilog=SCAN_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the report to FILE (atomically) instead of stdout.",
)
@ruleset_options
@click.option(
    "--max-file-size",
    metavar="SIZE",
    help="Skip files larger than SIZE (e.g. 10MiB, 512K); default 10MiB.",
)
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Print secret values in clear in text and JSON reports (never in SARIF).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity]),
    default=Severity.LOW.value,
    show_default=True,
    help="Exit 1 only for findings of this severity or higher (all are still reported).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the number of CPUs).",
)
@click.option("--color/--no-color", default=None, help="Colour the text report (default: on a TTY).")
@click.option("-v", "--verbose", is_flag=True, help="List skipped files and regex timeouts.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but the report.")
@click.option(
    "--staged",
    is_flag=True,
    help="Scan what is staged for the next commit (lines it adds), read from the index.",
)
@click.option("--all-lines", is_flag=True, help="With --staged: scan staged files whole.")
@click.option(
    "--range",
    "commit_range",
    metavar="BASE..HEAD",
    help="Scan the lines added by each commit in the range, and their messages.",
)
@click.option("--since", metavar="REF", help="Same as --range REF..HEAD.")
@click.option(
    "--history",
    is_flag=True,
    help="Audit the full history: every blob reachable from every branch, tag and stash, once.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    help="With --history: cache directory (default .git/spillguard); blobs scanned before "
    "under the same rules are not read again.",
)
@click.option(
    "--skip-errors",
    is_flag=True,
    help="Git modes: count and skip missing or corrupted objects instead of stopping (exit 2).",
)
@click.option("--no-cache", is_flag=True, help="With --history: scan every blob, use no cache.")
@click.option(
    "--branch",
    "branches",
    multiple=True,
    metavar="REF",
    help="With --history: walk only from these refs (repeatable).",
)
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
    max_file_size: str | None,
    show_secrets: bool,
    exit_zero: bool,
    fail_on: str,
    jobs: int | None,
    color: bool | None,
    verbose: bool,
    quiet: bool,
    staged: bool,
    all_lines: bool,
    commit_range: str | None,
    since: str | None,
    history: bool,
    cache_dir: str | None,
    skip_errors: bool,
    no_cache: bool,
    branches: tuple[str, ...],
) -> int:
    """Scan files and directories (default: the current directory) for secrets.

    Inside a git work tree, files ignored by .gitignore are skipped; binary files and files larger
    than --max-file-size are skipped and counted in the summary.
    """
    modes = [
        name
        for name, on in (
            ("PATH", bool(paths)),
            ("--staged", staged),
            ("--range", bool(commit_range)),
            ("--since", bool(since)),
            ("--history", history),
        )
        if on
    ]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined; pick one source")
    if all_lines and not staged:
        raise click.UsageError("--all-lines goes with --staged")
    for flag, used in (("--branch", bool(branches)), ("--cache", bool(cache_dir)), ("--no-cache", no_cache)):
        if used and not history:
            raise click.UsageError(f"{flag} goes with --history")
    policy = build_policy(
        config_path, rule_files, disabled, max_file_size, reveal=show_secrets and fmt != "sarif"
    )
    ruleset = build_ruleset(policy, prefilter)
    if history:
        cache = None if no_cache or show_secrets else Path(cache_dir) if cache_dir else "default"
        report = _history(ruleset, policy, branches, jobs or default_jobs(), quiet, cache, skip_errors)
    elif staged or commit_range or since:
        from scanner.gitscan import scan_range, scan_staged

        if staged:
            report = scan_staged(ruleset, policy, all_lines, skip_errors=skip_errors)
        else:
            spec = commit_range or f"{since}..HEAD"
            report = scan_range(spec, ruleset, policy, skip_errors=skip_errors)
    else:
        report = scan_paths(paths or (".",), ruleset, policy, jobs or default_jobs())
    to_terminal = output in (None, "-")
    use_color = (color if color is not None else to_terminal and sys.stdout.isatty()) and fmt == "text"
    rendered = get_writer(fmt)(report, RenderOptions(color=use_color, verbose=verbose))
    write_output(rendered, output, color=use_color)
    if not quiet and (fmt != "text" or not to_terminal):
        click.echo(summary(report), err=True)
    if verbose and fmt != "text":
        for notice in report.notices:
            click.echo(f"note: {notice.path}: {notice.message}", err=True)
    return 1 if failing(report, Severity(fail_on)) and not exit_zero else 0


def failing(report: Report, threshold: Severity) -> bool:
    severity = {rule.id: rule.severity for rule in report.rules}
    return any(severity[f.rule_id].rank >= threshold.rank for f in report.findings)
