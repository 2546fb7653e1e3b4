"""Batches handed to forked workers as they are found (a history audit hands each blob over as its walk
reads it), each worker keeping what it remembers across its lanes' batches; results in the order the
batches were handed over. The pool's workers and their signals: scanner.pool."""

from __future__ import annotations

import collections
import functools
import gc
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, cast

from scanner.pool import call_kept, fork_pool, stop_pools, waiting

B = TypeVar("B")
R = TypeVar("R")

IN_FLIGHT = 2  # batches a Feed hands a worker at a time: the rest wait here, in its lanes' queue


class Feed(Generic[B, R]):
    """Batches handed over as they are found (while a history walk goes on), each run as
    `task(batch, state)`; results come back in the order the batches were handed over. With `jobs` > 1
    and fork available, `jobs` workers are started when a second batch arrives, forked from the process
    as it is then, before whatever it builds next. The first batch is run here just before (one batch
    alone too): what it builds on first use (compiled patterns, what the task's state remembers) every
    worker inherits instead of building its own. Objects that exist by then are frozen out of the
    garbage collector, which would otherwise touch (and so copy into each worker) every page holding
    one. A batch goes to the worker of its `lane` (lanes beyond the workers wrap around): what a worker
    remembers of one batch serves the next of its lane. A worker is handed IN_FLIGHT batches at a time,
    the rest wait here; once every batch is submitted (`finish`), a worker that has run all of its
    lanes' batches takes the last waiting ones of another. Use as a context manager: an error or Ctrl-C
    stops the workers at once.

    What a task keeps across batches (a history audit's line memo: hundreds of thousands of objects,
    alive to the end) would be walked by every full collection of the cyclic garbage collector, about
    a tenth of an audit's time; it holds no cycles, so after each batch every object is frozen out of
    the collector (reference counting still frees them), here and in each worker, and so is what the
    caller builds while it hands batches over (a history walk's index), until the feed is closed."""

    def __init__(self, task: Callable[[B, Any], R], state: Any, jobs: int) -> None:
        self._task = task
        self._state = state
        self._jobs = jobs
        self._held: list[tuple[int, B]] = []
        self._done: list[R] = []  # the first batch's result, run here before the workers are forked
        self._pools: list[Any] = []  # one single-worker pool per worker, taking its lanes' batches
        self._slots: list[Any] = []  # each batch given to the pools, in order: its result once handed out
        self._waiting: list[collections.deque[tuple[int, B]]] = []  # per worker: (slot, batch) not yet
        self._running: list[int] = []  # per worker: batches handed to it and not done yet
        self._changed = threading.Condition()  # guards the three above
        self._finished = False  # every batch submitted: a worker done with its lanes takes another's
        self._stopped = False

    def submit(self, batch: B, lane: int = 0) -> None:
        if not self._pools and self._held and self._jobs > 1:
            self._start()
        if self._pools:
            self._queue(lane, batch)
        else:
            self._held.append((lane, batch))
        gc.freeze()  # (and what the caller keeps while it hands batches over: a history walk's index)

    def _start(self) -> None:
        import multiprocessing  # imported here: most small scans never start a pool

        if "fork" not in multiprocessing.get_all_start_methods():
            return
        # the first batch is run here: what it builds on first use (compiled patterns, what a task's
        # state remembers) every worker then inherits instead of building its own
        _lane, first = self._held.pop(0)
        self._done.append(self._run_here(first))
        context = multiprocessing.get_context("fork")
        initargs = (self._task, self._state, os.getpid())
        self._pools = [fork_pool(context, 1, initargs) for _ in range(self._jobs)]
        self._waiting = [collections.deque() for _ in self._pools]
        self._running = [0] * len(self._pools)
        for lane, held in self._held:
            self._queue(lane, held)
        self._held = []

    def _queue(self, lane: int, batch: B) -> None:
        with self._changed:
            self._slots.append(None)
            self._waiting[lane % len(self._pools)].append((len(self._slots) - 1, batch))
            self._hand_out()

    def _hand_out(self) -> None:
        """Gives each worker batches until it has IN_FLIGHT of them: of its own lanes, or once every
        batch is submitted and its own are all handed out, the last waiting one of the worker with the
        most waiting. Called with `_changed` held: here, and in a pool's thread as a batch is done."""
        for worker, pool in enumerate(self._pools):
            while not self._stopped and self._running[worker] < IN_FLIGHT:
                taken = self._next(worker)
                if taken is None:
                    break
                slot, batch = taken
                done = functools.partial(self._done_by, worker)
                try:
                    self._slots[slot] = pool.apply_async(
                        call_kept, (batch,), callback=done, error_callback=done
                    )
                except ValueError:  # the pool is stopping (an error, a signal): nothing more to run
                    self._stopped = True
                    break
                self._running[worker] += 1

    def _next(self, worker: int) -> tuple[int, B] | None:
        own = self._waiting[worker]
        if own:
            return own.popleft()
        if not self._finished:
            return None
        other = max(self._waiting, key=len)
        return other.pop() if other else None  # (the last: the first ones are about to run there)

    def _done_by(self, worker: int, _result: object) -> None:
        with self._changed:
            self._running[worker] -= 1
            self._hand_out()
            self._changed.notify_all()

    def finish(self) -> None:
        """Every batch is submitted: from now on, a worker that has run every batch of its lanes takes
        over waiting batches of another, so both end together (what it remembers of those paths it
        lacks, so it reads them as it would a first version: the same results, at some more cost)."""
        with self._changed:
            self._finished = True
            if self._pools:
                self._hand_out()

    def _run_here(self, batch: B) -> R:
        result = self._task(batch, self._state)
        gc.freeze()
        return result

    def results(self) -> Iterator[R]:
        """Every batch's result, in order (run here, now, when no pool was started)."""
        yield from self._done
        for _lane, batch in self._held:
            yield self._run_here(batch)
        self.finish()
        for slot in range(len(self._slots)):
            yield waiting(functools.partial(self._result, slot))
            gc.freeze()  # (what the caller keeps of the results it was given)

    def _result(self, slot: int, timeout: float) -> R:
        import multiprocessing

        with self._changed:
            if self._slots[slot] is None:  # not handed out yet
                self._changed.wait(timeout)
                if self._slots[slot] is None:
                    raise multiprocessing.TimeoutError
            pending = self._slots[slot]
        return cast(R, pending.get(timeout))

    def __enter__(self) -> Feed[B, R]:
        return self

    def __exit__(self, kind: object, *_rest: object) -> None:
        if not self._pools:
            gc.unfreeze()
            return
        if kind is None:  # let idle workers exit normally (so they run their exit handlers)
            for pool in self._pools:
                pool.close()
            for pool in self._pools:
                pool.join()
        else:  # an error, Ctrl-C, or the consumer stopping early: stop the workers now
            stop_pools(self._pools)
        gc.unfreeze()
