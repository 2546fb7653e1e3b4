"""`spillguard fleet scan`: every repository of a fleet, incrementally, on Dask.

1. List each repository's refs (`git ls-remote`, in threads): a repository whose refs, rules and
   settings match its checkpoint is taken from there, at the cost of that listing; one that cannot be
   listed is a failure with git's reason. Nothing else is started when no repository changed.
2. Submit one task per repository that changed (scanner.modes.fleet_task) to a Dask client (a
   LocalCluster by default, scanner.cluster), with retries; a worker that dies has its task run again
   elsewhere (Dask's own bookkeeping, up to its allowed failures).
3. Collect results as they complete, writing each repository's checkpoint on arrival, so a run that
   stops half-way (a crash, Ctrl-C) resumes with what is left.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.engine.index import RuleIndex
from scanner.errors import SpillguardError
from scanner.fleet_model import Outcome, RefListing, Repo, RepoResult, Timings
from scanner.inventory_key import load_key
from scanner.model import Policy
from scanner.modes.fleet_state import Checkpoints, checkpoint_key, mirror_dir, prepare
from scanner.modes.fleet_task import TaskConfig, audit_repository
from scanner.modes.history_cache import ruleset_key
from scanner.sources.remote import list_local, list_refs, object_bytes

LISTING_THREADS = 16  # ref listings at once: network round trips, not CPU
DEFAULT_RETRIES = 2  # a task that raised is run again this many times


@dataclass(frozen=True)
class FleetOptions:
    state: Path
    work: Path | None = None  # where workers keep mirrors and caches (default: `state`)
    scheduler: str | None = None  # a Dask scheduler's address (default: a LocalCluster)
    workers: int = 1  # LocalCluster worker processes
    retries: int = DEFAULT_RETRIES
    git_timeout: float = 600.0
    remove_mirrors: bool = False
    sarif: str | None = None  # with --sarif-dir: the settings SARIF reports are rendered with
    skip_errors: bool = False


@dataclass
class FleetHooks:
    on_total: Callable[[int], None] | None = None
    on_result: Callable[[RepoResult], None] | None = None
    warn: Callable[[str], None] = lambda _: None
    render_sarif: Callable[[RepoResult], str] | None = None  # with --sarif-dir


@dataclass
class FleetRun:
    results: list[RepoResult]
    timings: Timings = field(default_factory=Timings)


def _shared(config: TaskConfig) -> TaskConfig:
    """The task whose result every repository's task takes: the configuration it was given."""
    return config


def _list(repo: Repo, timeout: float) -> RefListing | SpillguardError:
    try:
        return list_local(repo.source, timeout) if repo.local else list_refs(repo.source, repo.name, timeout)
    except SpillguardError as exc:
        return exc


def _stale(result: RepoResult, reason: str, previous: RepoResult | None) -> RepoResult:
    """A failure, carrying the credentials and date of the repository's last good audit."""
    if previous is None:
        return replace(result, outcome=Outcome.FAILED, reason=reason)
    return replace(previous, outcome=Outcome.FAILED, reason=reason, notes=result.notes)


class _Fleet:
    def __init__(self, ruleset: RuleIndex, policy: Policy, options: FleetOptions, hooks: FleetHooks) -> None:
        prepare(options.state)
        self.options, self.hooks = options, hooks
        self.checkpoints = Checkpoints(options.state, ruleset.rule_by_id)
        key = load_key(options.state)
        settings = repr((ruleset_key(ruleset.rules, policy), options.skip_errors))
        self.base = hashlib.sha256(key + settings.encode()).hexdigest()
        work = options.work or options.state
        self.config = TaskConfig(
            ruleset,
            policy,
            key,
            str(work),
            options.git_timeout,
            options.remove_mirrors,
            options.sarif is not None,
            options.skip_errors,
        )
        self.previous: dict[str, RepoResult] = {}

    def record(self, result: RepoResult) -> RepoResult:
        """Checkpoints a scanned result (keyed by the refs it audited) and tells the hooks."""
        if result.outcome is Outcome.SCANNED and result.listing is not None:
            result = replace(result, key=checkpoint_key(self.base, result.listing))
            sarif = (
                self.hooks.render_sarif(result)
                if self.hooks.render_sarif and self.options.sarif is not None
                else None
            )
            try:
                self.checkpoints.save(result, sarif, self.options.sarif)
            except OSError as exc:
                self.hooks.warn(
                    f"{result.repo.name}: checkpoint not written ({exc.strerror}); "
                    "it is audited again next run"
                )
        elif result.failed:
            result = _stale(result, result.reason or "failed", self.previous.get(result.repo.slug))
        if self.hooks.on_result is not None:
            self.hooks.on_result(result)
        return result

    def triage(self, repos: tuple[Repo, ...]) -> tuple[list[RepoResult], list[tuple[Repo, RefListing]]]:
        """Results known without a task (unchanged, unlistable), and the repositories to audit."""
        with ThreadPoolExecutor(max_workers=min(LISTING_THREADS, max(1, len(repos)))) as threads:
            listings = list(threads.map(lambda r: _list(r, self.options.git_timeout), repos))
        known, todo = [], []
        for repo, listing in zip(repos, listings, strict=True):
            loaded = self.checkpoints.load(repo)
            previous = loaded[0] if loaded else None
            if previous is not None:
                self.previous[repo.slug] = previous
            if isinstance(listing, SpillguardError):
                known.append(
                    self.record(RepoResult(repo=repo, outcome=Outcome.FAILED, reason=listing.message))
                )
            elif (
                loaded is not None
                and previous is not None
                and previous.key == checkpoint_key(self.base, listing)
                and (self.options.sarif is None or loaded[1] == self.options.sarif)
            ):
                known.append(self.record(previous))
            else:
                todo.append((repo, listing))
        return known, todo

    def priority(self, repo: Repo) -> int:
        """The largest repositories first (by the packs of the repository, or of its mirror when this
        machine sees it), so that none is left to run alone at the end: Dask runs higher first."""
        work = Path(self.config.work)
        return object_bytes(Path(repo.source) if repo.local else mirror_dir(work, repo)) // 1024

    def submit(self, todo: list[tuple[Repo, RefListing]], run: FleetRun) -> list[RepoResult]:
        from scanner.cluster import connect

        started = time.monotonic()
        with connect(self.options.scheduler, self.options.workers) as client:
            run.timings.cluster = time.monotonic() - started
            run.timings.workers = len(client.scheduler_info()["workers"])
            started = time.monotonic()
            # the rule set and key, as a task of their own (not scattered data): if every worker that
            # held them dies, Dask computes them again instead of cancelling the tasks that need them
            config = client.submit(_shared, self.config, key="spillguard-config", pure=False)
            futures = {
                client.submit(
                    audit_repository,
                    repo,
                    listing,
                    config,
                    key=f"spillguard-{repo.slug}",
                    retries=self.options.retries,
                    priority=self.priority(repo),
                    pure=False,
                ): repo
                for repo, listing in todo
            }
            results = self._collect(futures)
            run.timings.tasks = time.monotonic() - started
        return results

    def _collect(self, futures: dict[Any, Repo]) -> list[RepoResult]:
        from distributed import as_completed

        results = []
        for future, value in as_completed(futures, with_results=True, raise_errors=False):
            repo = futures.pop(future)
            if isinstance(value, RepoResult):
                future.release()  # its result is recorded: a worker that dies now costs nothing here
                results.append(self.record(value))
                continue
            error = type(future.exception()).__name__  # never its message: it may quote scanned text
            if error == "KilledWorker":
                reason = "every worker that ran its task died (Dask gave up on it: KilledWorker)"
            else:
                attempts = self.options.retries + 1
                reason = f"its task raised {error} in each of {attempts} attempts; please report it"
            results.append(self.record(RepoResult(repo=repo, outcome=Outcome.FAILED, reason=reason)))
        return results


def run_fleet(
    repos: tuple[Repo, ...],
    ruleset: RuleIndex,
    policy: Policy,
    options: FleetOptions,
    hooks: FleetHooks | None = None,
) -> FleetRun:
    """Audits every repository of `repos` that changed since its checkpoint; results in input order."""
    started = time.monotonic()
    hooks = hooks or FleetHooks()
    fleet = _Fleet(ruleset, policy, options, hooks)
    if hooks.on_total is not None:
        hooks.on_total(len(repos))
    run = FleetRun(results=[])
    known, todo = fleet.triage(repos)
    run.timings.listing = time.monotonic() - started
    audited = fleet.submit(todo, run) if todo else []
    order = {repo.slug: n for n, repo in enumerate(repos)}
    run.results = sorted(known + audited, key=lambda r: order[r.repo.slug])
    run.timings.total = time.monotonic() - started
    return run
