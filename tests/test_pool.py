"""The process pool at the edge: results in input order from forked workers (whose coverage is
recorded, since they exit normally), errors reaching the caller, and the serial fallback."""

from __future__ import annotations

import gc
import os
from collections.abc import Generator

import pytest

from scanner.pool import Feed, default_jobs, run_batches


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
    assert os.getpid() not in {pid for pid, _ in results}
    assert gc.get_freeze_count() == 0  # unfrozen once the workers are gone


def test_a_feed_with_one_job_runs_everything_here() -> None:
    with Feed(_square_plus, 0, jobs=1) as feed:
        feed.submit([1])
        feed.submit([2])
        assert list(feed.results()) == [(os.getpid(), [1]), (os.getpid(), [4])]


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
