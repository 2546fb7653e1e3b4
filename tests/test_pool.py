"""The process pool at the edge: results in input order from forked workers (whose coverage is
recorded, since they exit normally), errors reaching the caller, and the serial fallback."""

from __future__ import annotations

import gc
import os
from collections.abc import Generator

import pytest

from scanner.feed import Feed
from scanner.pool import default_jobs, run_batches


def _square_plus(batch: list[int], offset: int) -> tuple[int, list[int]]:
    return os.getpid(), [n * n + offset for n in batch]


def test_pool_returns_results_in_input_order_from_worker_processes() -> None:
    batches = [[n, n + 1] for n in range(0, 40, 2)]
    results = list(run_batches(_square_plus, batches, 1, jobs=2))
    assert [values for _, values in results] == [[n * n + 1, (n + 1) ** 2 + 1] for n in range(0, 40, 2)]
    assert os.getpid() not in {pid for pid, _ in results}


def test_serial_fallback_runs_in_this_process() -> None:
    for jobs, parallel in ((1, True), (2, False)):
        results = list(run_batches(_square_plus, [[2], [3]], 10, jobs=jobs, parallel=parallel))
        assert results == [(os.getpid(), [14]), (os.getpid(), [19])]


def test_default_jobs_is_the_usable_cpu_count() -> None:
    assert default_jobs() == len(os.sched_getaffinity(0))


def _fail_on_three(batch: list[int], state: None) -> list[int]:
    if 3 in batch:
        raise ValueError("batch three failed")
    return batch


def test_a_worker_error_reaches_the_caller() -> None:
    with pytest.raises(ValueError, match="batch three failed"):
        list(run_batches(_fail_on_three, [[1], [2], [3], [4]], None, jobs=2))


def test_the_consumer_may_stop_early() -> None:
    results = run_batches(_fail_on_three, [[1], [2], [3]], None, jobs=2)
    assert isinstance(results, Generator)
    assert next(results) == [1]
    results.close()
    with pytest.raises(StopIteration):
        next(results)


def test_a_feed_runs_one_batch_here_and_more_in_workers_in_order() -> None:
    with Feed(_square_plus, 1, jobs=2) as feed:
        feed.submit([2])
        assert list(feed.results()) == [(os.getpid(), [5])]  # one batch: no pool
    with Feed(_square_plus, 1, jobs=2) as feed:
        for n in range(6):
            feed.submit([n])
        results = list(feed.results())
    assert [values for _, values in results] == [[n * n + 1] for n in range(6)]
    # the first batch runs here, before the workers are forked (they inherit what it built); the rest in them
    assert results[0][0] == os.getpid()
    assert os.getpid() not in {pid for pid, _ in results[1:]}
    assert gc.get_freeze_count() == 0  # unfrozen once the workers are gone


def _sleep_then_pid(batch: list[float], _state: object) -> int:
    import time

    time.sleep(batch[0])
    return os.getpid()


def test_a_lane_runs_in_one_worker_and_results_keep_their_order() -> None:
    """Batches of one lane go to one worker (what it remembers serves the next), lanes beyond the
    workers wrap around, and results come back in the order the batches were handed over."""
    lanes = [0, 1, 1, 0, 2, 1, 0, 3, 2]
    with Feed(_sleep_then_pid, None, jobs=2) as feed:
        for lane in lanes:
            feed.submit([0.0], lane)
        pids = _first_handed_out(feed, len(lanes) - 1)
        results = list(feed.results())
    assert results[0] == os.getpid()  # the first batch, here, before the workers (which inherit it)
    workers: dict[int, set[int]] = {}
    for pid, lane in zip(pids, lanes[1:], strict=True):
        workers.setdefault(lane % 2, set()).add(pid)
    assert all(len(found) == 1 for found in workers.values())  # one worker per lane
    assert len(set.union(*workers.values())) == 2 and os.getpid() not in set.union(*workers.values())
    assert results[1:] == pids


def _first_handed_out(feed: Feed[list[float], int], count: int) -> list[int]:
    """The workers' pids for the first `count` batches given to the pools, read before `results()`
    lets a worker take another's waiting batches: each worker's own, in order, as they are done."""
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with feed._changed:
            if all(slot is not None and slot.ready() for slot in feed._slots[:count]):
                return [slot.get() for slot in feed._slots[:count]]
        time.sleep(0.01)
    raise AssertionError("the workers did not run their lanes' batches")


def test_a_worker_done_with_its_lanes_takes_the_last_batches_of_another() -> None:
    """Once every batch is submitted, a worker that has run its lanes' batches takes waiting batches of
    another worker, from the last: both end together. Results keep their order."""
    slow, quick = [0.3] * 6, [0.0] * 2
    lanes = [0] + [0] * 6 + [1] * 2  # the first runs here; lane 0's six are slow, lane 1's two quick
    with Feed(_sleep_then_pid, None, jobs=2) as feed:
        for delay, lane in zip([0.0, *slow, *quick], lanes, strict=True):
            feed.submit([delay], lane)
        results = list(feed.results())
    assert results[0] == os.getpid()
    first, rest = results[1:3], results[3:7]  # lane 0: its first two were handed out at once
    assert len(set(first)) == 1 and set(results[7:]) != set(first)
    helper = results[7]  # lane 1's worker
    assert rest[-1] == helper  # lane 0's last batch, taken over by the idle worker
    assert set(results[1:]) == {first[0], helper}


def test_lanes_keep_a_path_and_balance_new_ones() -> None:
    from scanner.modes.history_scan import Lanes

    lanes = Lanes(2)
    first = [lanes.of(path) for path in ("a.py", "a.py", "a.py", "b.py", "c.py", "a.py", "d.py")]
    assert first[:3] == [0, 0, 0] and first[5] == 0  # every version of a.py in one lane
    assert first[3] == 1 and first[4] == 1 and first[6] == 1  # new paths fill the lighter lane
    assert [Lanes(1).of(path) for path in ("x", "y")] == [0, 0]


def test_a_feed_with_one_job_runs_everything_here() -> None:
    with Feed(_square_plus, 0, jobs=1) as feed:
        feed.submit([1])
        feed.submit([2])
        assert list(feed.results()) == [(os.getpid(), [1]), (os.getpid(), [4])]


class _Kept:
    """A task's state that outlives its batches, as a history audit's line memo does."""

    def __init__(self) -> None:
        self.kept: list[list[int]] = []  # (lists: always tracked by the collector)


def _keep(batch: list[int], state: _Kept) -> tuple[int, bool]:
    """(pid, whether everything the earlier batches kept is out of the collector's generations)."""
    watched = {id(seen) for generation in range(3) for seen in gc.get_objects(generation)}
    frozen = bool(state.kept) and not any(id(kept) in watched for kept in state.kept)
    state.kept.extend([n] for n in batch)
    return os.getpid(), frozen


@pytest.mark.parametrize("jobs", [1, 2])
def test_what_a_task_keeps_is_frozen_after_each_batch_until_the_feed_closes(jobs: int) -> None:
    with Feed(_keep, _Kept(), jobs=jobs) as feed:
        for n, lane in enumerate([0, 0, 0, 1, 1, 1]):
            feed.submit([n], lane)
        results = list(feed.results())
        assert gc.get_freeze_count() > 0  # here too, what the caller was given
    # every batch but the first (here, before any worker is forked) finds what the earlier batches of
    # its process (or of the parent it was forked from) kept frozen
    assert [frozen for _, frozen in results] == [False] + [True] * 5
    assert len({pid for pid, _ in results}) == (1 if jobs == 1 else 3)
    assert gc.get_freeze_count() == 0  # nothing left frozen once the feed is closed


def test_a_feed_stops_its_workers_on_an_error() -> None:
    with pytest.raises(ValueError, match="batch three failed"), Feed(_fail_on_three, None, jobs=2) as feed:
        for n in (1, 2, 3, 4):
            feed.submit([n])
        list(feed.results())
    assert gc.get_freeze_count() == 0


def test_a_feed_without_fork_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with Feed(_square_plus, 0, jobs=2) as feed:
        feed.submit([1])
        feed.submit([2])
        assert [pid for pid, _ in feed.results()] == [os.getpid(), os.getpid()]


def _pid_after(batch: list[float], _state: object) -> int:
    import time

    time.sleep(batch[0])
    return os.getpid()


def test_a_worker_terminated_while_it_waits_for_a_task_does_not_hang_the_pool() -> None:
    """A worker waiting for a task holds its pool's task-queue lock; SIGTERM (what a CI runner sends the
    whole process group) kills it holding the lock, and multiprocessing's terminate() would then wait
    for the lock for ever: the feed gives terminate() STOP_SECONDS, then kills the workers left."""
    import multiprocessing
    import signal
    import threading
    import time

    ended = threading.Event()

    def run() -> None:
        with pytest.raises(RuntimeError), Feed(_pid_after, None, jobs=2) as feed:
            feed.submit([0.0], 0)
            feed.submit([0.0], 1)  # the pool starts: one worker per lane
            results = feed.results()
            next(results)
            next(results)  # both workers done: each now waits for a task, holding its queue's lock
            time.sleep(0.3)
            for pool in feed._pools:
                for worker in pool._pool:
                    os.kill(worker.pid, signal.SIGTERM)
            time.sleep(0.5)
            raise RuntimeError("stop")  # the feed terminates its pools
        ended.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert ended.is_set(), "stopping the pool hung on a lock a killed worker held"
    assert not [child for child in multiprocessing.active_children() if "PoolWorker" in child.name]
