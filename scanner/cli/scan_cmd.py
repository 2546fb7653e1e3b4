"""`spillguard scan`: scan files, directories or git, and report."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date

import click

from scanner.baseline.apply import load_baseline, with_baseline
from scanner.cli.output import write_output
from scanner.cli.source_options import (
    SourceOptions,
    gone_findings,
    history_listing,
    policy_and_rules,
    run,
    source_options,
)
from scanner.decision import at_or_above, failing
from scanner.model import Severity
from scanner.pool import default_jobs
from scanner.reporters import FORMATS, RenderOptions, get_writer
from scanner.reporters.text import printable, summary

SCAN_EPILOG = (
    "Exit codes: 0 no findings, 1 findings, 2 usage or input error, 3 unexpected error, "
    "128+N ended by signal N (130 Ctrl-C, 143 SIGTERM). Examples: `spillguard scan`, "
    "`spillguard scan src/ --format sarif -o spillguard.sarif`, `spillguard scan --staged`, "
    "`spillguard scan --history`, "
    "`spillguard scan --baseline .spillguard-baseline.json`."
)


@click.command(epilog=SCAN_EPILOG)
@source_options
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
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Print secret values in clear in text and JSON reports (never in SARIF, Markdown or GitHub "
    "annotations).",
)
@click.option(
    "--also-write",
    "also",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write the report in FORMAT (" + ", ".join(FORMATS) + ") to FILE, atomically "
    "(repeatable): one scan, several reports.",
)
@click.option(
    "--sarif-category",
    metavar="NAME",
    help="SARIF: the run's category (automationDetails.id; upload-sarif's `category`), default "
    "spillguard/MODE (staged, range, history or directory), so uploads of different modes never "
    "replace each other's alerts.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice([*(s.value for s in Severity), "new"]),
    default=Severity.LOW.value,
    show_default=True,
    help="Exit 1 only for findings of this severity or higher (all are still reported); "
    "`new`: only findings absent from the baseline.",
)
@click.option(
    "--min-severity",
    type=click.Choice([s.value for s in Severity]),
    default=Severity.LOW.value,
    show_default=True,
    help="Report only findings of this severity or higher (test and sandbox keys are low); "
    "what is not reported does not fail the run.",
)
@click.option(
    "-b",
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    help="Baseline file: findings recorded there do not fail the run, unless marked real "
    "or past their expiry.",
)
@click.option("--show-known", is_flag=True, help="With --baseline: list known findings too.")
@click.option(
    "--remediation",
    "playbook",
    is_flag=True,
    help="Text report: end with a rotation playbook grouped by credential (rotate and revoke "
    "steps, then how to purge history).",
)
@click.option("--color/--no-color", default=None, help="Colour the text report (default: on a TTY).")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Name every skipped file (binary, too large, unreadable) and regex timeout; --history names "
    "unreadable objects (binary and large blobs are counted).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but the report.")
def scan(
    source: SourceOptions,
    fmt: str,
    output: str | None,
    also: tuple[str, ...],
    sarif_category: str | None,
    show_secrets: bool,
    exit_zero: bool,
    fail_on: str,
    min_severity: str,
    baseline_path: str | None,
    show_known: bool,
    playbook: bool,
    color: bool | None,
    verbose: bool,
    quiet: bool,
) -> int:
    """Scan files and directories (default: the current directory), what is staged, a range of
    commits, or the whole git history, for secrets.

    Inside a git work tree, files ignored by .gitignore are skipped; binary files and files larger
    than --max-file-size are skipped and counted in the summary.
    """
    if (show_known or fail_on == "new") and baseline_path is None:
        raise click.UsageError("--show-known and --fail-on new go with --baseline")
    extra = _also_write(also)
    formats = {fmt, *(name for name, _ in extra)}
    baseline = load_baseline(baseline_path) if baseline_path else None
    # only the text and JSON reports ever show a secret; SARIF, Markdown and GitHub annotations never do
    with history_listing(source) as listing:  # (a history's commits sorted while the rules load)
        policy, ruleset = policy_and_rules(source, reveal=show_secrets and bool(formats & {"text", "json"}))
        report = run(source, ruleset, policy, quiet, listing)
    started = time.monotonic()
    if baseline is not None:
        report = with_baseline(
            report,
            baseline,
            date.today(),
            source.scope_for(report),
            show_known,
            source.jobs or default_jobs(),
        )
    report = at_or_above(report, Severity(min_severity))
    threshold = None if fail_on == "new" else Severity(fail_on)
    to_terminal = output in (None, "-")
    use_color = (color if color is not None else to_terminal and sys.stdout.isatty()) and fmt == "text"
    options = RenderOptions(
        color=use_color,
        verbose=verbose,
        playbook=playbook,
        category=sarif_category or f"spillguard/{source.mode}",
        gone=gone_findings(source, report) if formats & {"sarif", "markdown", "github"} else frozenset(),
        fail_on=threshold,
    )
    for name, path in extra:
        write_output(get_writer(name)(report, replace(options, color=False)), path)
    rendered = get_writer(fmt)(report, options)
    write_output(rendered, output, color=use_color)
    # the summary's time covers rendering and writing the reports too
    report = replace(report, seconds=report.seconds + time.monotonic() - started)
    if not quiet and (fmt != "text" or not to_terminal):
        click.echo(summary(report), err=True)
    if verbose and fmt != "text":
        for notice in report.notices:
            click.echo(f"note: {printable(notice.path)}: {printable(notice.message)}", err=True)
    return 1 if failing(report, threshold) and not exit_zero else 0


def _also_write(values: tuple[str, ...]) -> list[tuple[str, str]]:
    """`--also-write FORMAT=FILE` values as (format, file) pairs; a bad one is a usage error."""
    pairs = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or name not in FORMATS or not path or path == "-":
            raise click.BadParameter(
                f"{value!r}: expected FORMAT=FILE, FORMAT one of {', '.join(FORMATS)}, FILE a path",
                param_hint="'--also-write'",
            )
        pairs.append((name, path))
    return pairs
