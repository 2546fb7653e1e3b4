"""Parallelism at the edge: run a task over batches in a fork pool, or in-process when that is not
worth it or not possible. Results come back in input order, so output stays deterministic. The pools,
their workers' signals and their stopping serve scanner.feed too (batches handed over as they are found)."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

B = TypeVar("B")
R = TypeVar("R")

# Worker-process state: set once per worker by the pool initializer, never in the parent process.
_STATE: Any = None
_TASK: Any = None


def _die_with_parent(parent: int) -> None:
    """On Linux, a worker is killed when the thread that forked it ends: the parent's main thread for
    the first workers, the pool's own thread for the ones it starts in place of workers a signal killed.
    So no worker outlives an interrupted scan, whatever the pool's shutdown missed."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


def _init(task: Callable[[Any, Any], Any], state: Any, parent: int) -> None:
    """Ctrl-C, SIGHUP and SIGQUIT sent to the whole process group: only the parent handles them (and
    terminates the pool), so workers neither print tracebacks nor die half-way through a result.
    SIGTERM, which the pool itself uses to stop its workers, ends a worker at once, silently; the
    parent's handler for it (scanner.cli.signals) is not inherited."""
    global _STATE, _TASK
    for name in ("SIGINT", "SIGHUP", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    _STATE, _TASK = state, task


def _call(batch: Any) -> Any:
    return _TASK(batch, _STATE)


def call_kept(batch: Any) -> Any:
    """`_call`, for a task whose state outlives its batches (scanner.feed.Feed): what it keeps is frozen
    out of the cyclic garbage collector after each batch (see `Feed`)."""
    result = _TASK(batch, _STATE)
    gc.freeze()
    return result


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


def fork_pool(context: Any, processes: int, initargs: tuple[Any, ...]) -> Any:
    """A pool of `processes` workers forked by `context`, whose worker handler sleeps until a worker
    ends or the pool's state changes.

    multiprocessing's Pool wakes its worker-handler thread whenever a result is waiting in its
    result pipe, and that thread only looks after the workers, not the results: while the result
    thread waits for the GIL (the caller busy walking a history), the handler wakes again and again
    (4,000 times for the 145 batches of a flask audit), each time contending for the GIL with the
    thread that feeds the workers. So the handler here waits on what ThreadPool's waits on: the
    notifications of a state change (close, terminate, the last task done), and the workers' ends."""
    import multiprocessing.pool  # imported here: most small scans never start a pool

    class Pool(multiprocessing.pool.Pool):
        def _get_sentinels(self) -> list[Any]:
            return [self._change_notifier._reader]  # type: ignore[attr-defined]

    return Pool(processes, initializer=_init, initargs=initargs, context=context)


WAKE_SECONDS = 0.2  # how often the main thread wakes while it waits for a result


def waiting(get: Callable[[float], R]) -> R:
    """`get(timeout)` until it gives a result. A signal sent to the process group may be delivered to
    one of the pool's threads; Python runs its handler in the main thread, which only notices when it
    wakes: waiting without a timeout, it would sleep through Ctrl-C or SIGTERM for ever."""
    import multiprocessing

    while True:
        try:
            return get(WAKE_SECONDS)
        except multiprocessing.TimeoutError:
            continue


STOP_SECONDS = 2.0  # how long a pool's terminate() is waited for before its workers are killed


def stop_pools(pools: list[Any]) -> None:
    """Stops the pools' workers now (an error, a signal, the consumer stopping early). A signal sent to
    the whole process group kills workers outright, and one that was waiting for a task held its task
    queue's lock, which multiprocessing's terminate() then waits for for ever: so terminate() runs in a
    thread per pool, given STOP_SECONDS, after which the pool workers left are killed."""
    import multiprocessing
    import threading

    def terminate(pool: Any) -> None:
        pool.terminate()  # first of all, it tells the pool to start no worker in place of a dead one
        pool.join()

    stoppers = [threading.Thread(target=terminate, args=(pool,), daemon=True) for pool in pools]
    for stopper in stoppers:
        stopper.start()
    deadline = time.monotonic() + STOP_SECONDS
    for stopper in stoppers:
        stopper.join(max(0.0, deadline - time.monotonic()))
    if any(stopper.is_alive() for stopper in stoppers):
        left = [child for child in multiprocessing.active_children() if "PoolWorker" in child.name]
        for child in left:
            child.kill()
        for child in left:
            child.join(1)


def _in_pool(
    context: Any, task: Callable[[B, Any], R], batches: Iterable[B], state: Any, jobs: int
) -> Iterator[R]:
    pool = fork_pool(context, jobs, (task, state, os.getpid()))
    try:
        results = pool.imap(_call, batches)
        while True:
            try:
                yield waiting(results.next)
            except StopIteration:
                break
    except BaseException:  # an error, Ctrl-C, or the consumer stopping early: stop the workers now
        stop_pools([pool])
        raise
    # let idle workers exit normally (so they run their exit handlers) instead of killing them
    pool.close()
    pool.join()
