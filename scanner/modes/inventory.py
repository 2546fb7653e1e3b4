"""`spillguard inventory`: the credentials a repository holds and held. A full-history audit with its
exposure (scanner.modes.history.audit_history: the history cache makes a repeated inventory cost what a
cached audit costs), or a directory scan (`--no-history`), with the baseline's review statuses, then one
record per secret (scanner.credentials) under the repository's inventory key (scanner.inventory_key)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.credentials import build
from scanner.decision import at_or_above
from scanner.engine.index import RuleIndex
from scanner.errors import GitError
from scanner.inventory_key import load_key
from scanner.inventory_model import Inventory
from scanner.model import Policy, Report, Severity
from scanner.modes.history import Progress, audit_history, default_cache_dir
from scanner.modes.workdir import scan_paths
from scanner.trail import Exposure

if TYPE_CHECKING:
    from scanner.baseline.format import Baseline


@dataclass(frozen=True)
class Scope:
    """What to take the inventory of, and where its cache and key are."""

    history: bool = True  # the full history (else the directories in `paths`)
    paths: tuple[str, ...] = (".",)
    refs: tuple[str, ...] = ()  # history: only from these refs (default: every branch, remote branch, tag)
    cache_dir: Path | None = None  # history: the history cache (None: no cache)
    key_dir: Path | None = None  # where the inventory key is (default: see key_directory)
    skip_errors: bool = False
    jobs: int = 1


@dataclass(frozen=True)
class Hooks:
    """Progress callbacks of a history audit (see scanner.modes.history.scan_history)."""

    progress: Progress | None = None
    on_total: Callable[[int], None] | None = None
    on_commit: Callable[[], None] | None = None
    warn: Callable[[str], None] | None = None


def key_directory(scope: Scope, cwd: Path) -> Path:
    """Beside the history cache: `--cache DIR`, else `spillguard/` in the common git directory of the
    repository (of the first scanned path, for a directory scan); outside any repository, the user
    cache directory."""
    if scope.key_dir is not None:
        return scope.key_dir
    if scope.history and scope.cache_dir is not None:
        return scope.cache_dir
    start = cwd if scope.history else cwd / scope.paths[0]
    try:
        return default_cache_dir(start if start.is_dir() else start.parent)
    except GitError:
        if scope.history:
            raise
        from scanner.user_cache import cache_dir

        return cache_dir()


def _scan(
    ruleset: RuleIndex, policy: Policy, scope: Scope, cwd: Path, hooks: Hooks
) -> tuple[Report, Exposure | None]:
    if not scope.history:
        return scan_paths(scope.paths, ruleset, policy, scope.jobs, cwd), None
    audit = audit_history(
        ruleset,
        policy,
        scope.refs,
        scope.jobs,
        cwd,
        hooks.progress,
        hooks.on_total,
        scope.cache_dir,
        hooks.warn,
        scope.skip_errors,
        hooks.on_commit,
        exposure=True,
    )
    return audit.report, audit.exposure


def take_inventory(
    ruleset: RuleIndex,
    policy: Policy,
    scope: Scope,
    as_of: date,
    baseline: Baseline | None = None,
    min_severity: Severity = Severity.LOW,
    cwd: Path | None = None,
    hooks: Hooks | None = None,
) -> Inventory:
    """The inventory of `scope` on `as_of` (the date open windows are counted to, and reviews expire
    by), with review statuses from `baseline`, leaving out credentials below `min_severity`."""
    where = cwd or Path.cwd()
    key = load_key(key_directory(scope, where))
    report, exposure = _scan(ruleset, policy, scope, where, hooks or Hooks())
    if baseline is not None:
        from scanner.baseline.apply import with_baseline

        report = with_baseline(report, baseline, as_of, None, True, scope.jobs)
    return build(at_or_above(report, min_severity), exposure, key, as_of)
