"""What to scan, shared by `scan` and the `baseline` commands: the source options (PATH..., --staged,
--range, --history and their companions) as one `SourceOptions` bundle, their checks, and running the
chosen scan mode (scanner.modes) into a Report."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from scanner.cli.options import build_policy, build_ruleset, ruleset_options
from scanner.cli.progress import HistoryBar
from scanner.model import Policy, Report
from scanner.pool import default_jobs
from scanner.ruleset.compiled import CompiledRuleset

if TYPE_CHECKING:
    from scanner.sources.history_walk import Listing

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SourceOptions:
    """The source options of one command line, as given."""

    paths: tuple[str, ...]
    staged: bool
    all_lines: bool
    commit_range: str | None
    since: str | None
    history: bool
    branches: tuple[str, ...]
    cache_dir: str | None
    no_cache: bool
    skip_errors: bool
    allow_shallow: bool
    max_file_size: str | None
    jobs: int | None
    config_path: str | None
    rule_files: tuple[str, ...]
    disabled: tuple[str, ...]
    prefilter: str

    def check(self) -> None:
        if "" in self.paths:
            raise click.UsageError("an empty PATH names no file; use . for the current directory")
        modes = [
            name
            for name, on in (
                ("PATH", bool(self.paths)),
                ("--staged", self.staged),
                ("--range", bool(self.commit_range)),
                ("--since", bool(self.since)),
                ("--history", self.history),
            )
            if on
        ]
        if len(modes) > 1:
            raise click.UsageError(f"{' and '.join(modes)} cannot be combined; pick one source")
        if self.all_lines and not self.staged:
            raise click.UsageError("--all-lines goes with --staged")
        for flag, used in (
            ("--branch", bool(self.branches)),
            ("--cache", bool(self.cache_dir)),
            ("--no-cache", self.no_cache),
            ("--allow-shallow", self.allow_shallow),
        ):
            if used and not self.history:
                raise click.UsageError(f"{flag} goes with --history")

    @property
    def mode(self) -> str:
        """What kind of scan this is: staged, range, history or directory (a SARIF run's category)."""
        if self.staged:
            return "staged"
        if self.commit_range or self.since:
            return "range"
        return "history" if self.history else "directory"

    @property
    def prune_scope(self) -> tuple[str, ...] | None:
        """Paths under which a finding that was not seen is really gone: the scanned directories, or
        everything (`("",)`) for a full-history audit; None where absence proves nothing (staged changes,
        a commit range, chosen branches)."""
        if self.staged or self.commit_range or self.since or self.branches:
            return None
        if self.history:
            return ("",)
        from scanner.sources.file_walk import display_scope

        return display_scope(self.paths or (".",), Path.cwd())

    def scope_for(self, report: Report) -> tuple[str, ...] | None:
        """`prune_scope`, but None after an audit of an incomplete history (a shallow clone with
        --allow-shallow): what it could not read may still hold what it did not find."""
        return None if report.history_gaps else self.prune_scope


_KEYS = tuple(f.name for f in fields(SourceOptions))


def source_options(func: F) -> F:
    """Adds the source options to a command and hands them to it as one `source: SourceOptions` argument."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        source = SourceOptions(**{key: kwargs.pop(key) for key in _KEYS})
        source.check()
        return func(source=source, **kwargs)

    decorators = [
        click.argument("paths", nargs=-1, type=click.Path()),
        ruleset_options,
        click.option(
            "--max-file-size",
            metavar="SIZE",
            help="Skip files larger than SIZE (e.g. 10MiB, 512K); default 10MiB.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes (default: the number of CPUs).",
        ),
        click.option(
            "--staged",
            is_flag=True,
            help="Scan what is staged for the next commit (lines it adds), read from the index.",
        ),
        click.option("--all-lines", is_flag=True, help="With --staged: scan staged files whole."),
        click.option(
            "--range",
            "commit_range",
            metavar="BASE..HEAD",
            help="Scan the lines added by each commit in the range, and their messages.",
        ),
        click.option("--since", metavar="REF", help="Same as --range REF..HEAD."),
        click.option(
            "--history",
            is_flag=True,
            help="Audit the full history: every blob reachable from every branch, tag, stash and git "
            "note, once (a shallow clone is an error: see --allow-shallow).",
        ),
        click.option(
            "--branch",
            "branches",
            multiple=True,
            metavar="REF",
            help="With --history: walk only from these refs (repeatable).",
        ),
        click.option(
            "--cache",
            "cache_dir",
            type=click.Path(file_okay=False),
            help="With --history: cache directory (default .git/spillguard); blobs scanned "
            "before under the same rules are not read again.",
        ),
        click.option("--no-cache", is_flag=True, help="With --history: scan every blob, use no cache."),
        click.option(
            "--allow-shallow",
            is_flag=True,
            help="With --history: audit a shallow clone anyway, only the commits it holds (the report "
            "says the history is incomplete); without it, a shallow clone is an error.",
        ),
        click.option(
            "--skip-errors",
            is_flag=True,
            help="Git modes: count and skip missing or corrupted objects instead of stopping (exit 2).",
        ),
    ]
    wrapped: Any = wrapper
    for decorator in reversed(decorators):
        wrapped = decorator(wrapped)
    return wrapped  # type: ignore[no-any-return]


def policy_and_rules(source: SourceOptions, reveal: bool = False) -> tuple[Policy, CompiledRuleset]:
    """The policy (config file and options) and the rule set it selects."""
    policy = build_policy(
        source.config_path, source.rule_files, source.disabled, source.max_file_size, reveal=reveal
    )
    return policy, build_ruleset(policy, source.prefilter)


def _history(
    source: SourceOptions, ruleset: CompiledRuleset, policy: Policy, quiet: bool, listing: Listing | None
) -> Report:
    """Full-history audit with a progress bar on stderr (only on a terminal, never with --quiet)."""
    from scanner.modes.history import default_cache_dir, scan_history

    cache_dir: Path | None = None
    if not (source.no_cache or policy.reveal_secrets):
        cache_dir = Path(source.cache_dir) if source.cache_dir else default_cache_dir()

    def warn(message: str) -> None:
        from scanner.reporters.text import printable

        click.echo(f"spillguard: warning: {printable(message)}", err=True)

    def audit(bar: HistoryBar | None = None) -> Report:
        return scan_history(
            ruleset,
            policy,
            source.branches,
            source.jobs or default_jobs(),
            progress=bar.scanned if bar else None,
            on_total=bar.total if bar else None,
            on_commit=bar.commit if bar else None,
            cache_dir=cache_dir,
            warn=warn,
            skip_errors=source.skip_errors,
            allow_shallow=source.allow_shallow,
            listing=listing,
        )

    if quiet or not sys.stderr.isatty():
        return audit()
    with HistoryBar(sys.stderr) as bar:
        return audit(bar)


def gone_findings(source: SourceOptions, report: Report) -> frozenset[str]:
    """Fingerprints of findings from commits (a range, the history) that HEAD no longer holds: in a
    file deleted or renamed since, or (a history audit knows it) a secret removed from its file. Empty
    for the other modes, whose files are all there."""
    if not (source.history or source.commit_range or source.since):
        return frozenset()
    from scanner.sources.git import absent_at_head, open_repo

    in_files = [f for f in report.findings if f.location.in_file and f.location.commit]
    absent = absent_at_head(open_repo(Path.cwd()), {f.location.path for f in in_files}) if in_files else ()
    removed = {fp for group in report.groups if not group.present_at_head for fp in group.fingerprints}
    return frozenset(f.fingerprint for f in in_files if f.location.path in absent or f.fingerprint in removed)


def history_listing(source: SourceOptions) -> contextlib.AbstractContextManager[Listing | None]:
    """For a history audit, the sorting of its commits, started now, in a thread, while the rules and
    the audit's modules load (scanner.sources.history_walk.Listing); for another mode, a directory that
    is no repository (the audit says so), or refs the history cache holds a snapshot of, nothing."""
    if not source.history:
        return contextlib.nullcontext()
    from scanner.errors import GitError
    from scanner.modes.history import default_cache_dir, holds_snapshot
    from scanner.sources.git import open_repo
    from scanner.sources.history_walk import Listing

    try:
        repo = open_repo(Path.cwd())
    except GitError:
        return contextlib.nullcontext()
    if not source.no_cache:
        cache_dir = Path(source.cache_dir) if source.cache_dir else default_cache_dir(repo=repo)
        if holds_snapshot(cache_dir, repo, source.branches):
            return contextlib.nullcontext()  # nothing to walk, most likely: nothing to sort
    return Listing(repo, source.branches)


def run(
    source: SourceOptions,
    ruleset: CompiledRuleset,
    policy: Policy,
    quiet: bool = False,
    listing: Listing | None = None,
) -> Report:
    """The report of the chosen mode; `listing`: a history audit's commits, being sorted already."""
    if source.history:
        return _history(source, ruleset, policy, quiet, listing)
    if source.staged or source.commit_range or source.since:
        from scanner.modes.range import scan_range
        from scanner.modes.staged import scan_staged

        if source.staged:
            return scan_staged(ruleset, policy, source.all_lines, skip_errors=source.skip_errors)
        spec = source.commit_range or f"{source.since}..HEAD"
        return scan_range(spec, ruleset, policy, skip_errors=source.skip_errors)
    from scanner.modes.workdir import scan_paths

    return scan_paths(source.paths or (".",), ruleset, policy, source.jobs or default_jobs())
