"""Parallelism at the edge: run a task over batches in a fork pool, or in-process when that is not
worth it or not possible. Results come back in input order, so output stays deterministic."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

B = TypeVar("B")
R = TypeVar("R")

# Worker-process state: set once per worker by the pool initializer, never in the parent process.
_STATE: Any = None
_TASK: Any = None


def _init(task: Callable[[Any, Any], Any], state: Any) -> None:
    """Ctrl-C, SIGHUP and SIGQUIT sent to the whole process group: only the parent handles them (and
    terminates the pool), so workers neither print tracebacks nor die half-way through a result.
    SIGTERM, which the pool itself uses to stop its workers, ends a worker at once, silently; the
    parent's handler for it (scanner.cli.signals) is not inherited."""
    global _STATE, _TASK
    for name in ("SIGINT", "SIGHUP", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _STATE, _TASK = state, task


def _call(batch: Any) -> Any:
    return _TASK(batch, _STATE)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_batches(
    task: Callable[[B, Any], R], batches: Iterable[B], state: Any, jobs: int, parallel: bool = True
) -> Iterator[R]:
    """`task(batch, state)` for each batch. With `jobs` > 1 and fork available, in a pool whose
    workers inherit `state`; otherwise serially in this process."""
    if jobs > 1 and parallel:
        import multiprocessing  # imported here: most small scans never start a pool

        if "fork" in multiprocessing.get_all_start_methods():
            yield from _in_pool(multiprocessing.get_context("fork"), task, batches, state, jobs)
            return
    for batch in batches:
        yield task(batch, state)


def _in_pool(
    context: Any, task: Callable[[B, Any], R], batches: Iterable[B], state: Any, jobs: int
) -> Iterator[R]:
    pool = context.Pool(jobs, initializer=_init, initargs=(task, state))
    try:
        yield from pool.imap(_call, batches)
    except BaseException:  # an error, Ctrl-C, or the consumer stopping early: stop the workers now
        pool.terminate()
        raise
    else:  # let idle workers exit normally (so they run their exit handlers) instead of killing them
        pool.close()
    finally:
        pool.join()
