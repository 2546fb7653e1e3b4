"""Parallelism at the edge, for fleets: a Dask `distributed` client. By default a LocalCluster of worker
processes on this machine (one single-threaded worker per CPU available); with an address, the client of
an existing cluster (a `dask scheduler` with `dask worker`s, dask-kubernetes, dask-jobqueue...), whose
workers must run the same spillguard version (checked on connecting).

`distributed` is an optional dependency (`pip install 'spillguard[fleet]'`): it is imported only here,
and only when a fleet has work to do."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner import __version__
from scanner.errors import SpillguardError

EXTRA = "fleet needs Dask's distributed package: pip install 'spillguard[fleet]'"
BROKEN = (
    "Dask's distributed package is installed but does not import; "
    "reinstall it: pip install --force-reinstall 'spillguard[fleet]'"
)


class ClusterError(SpillguardError):
    """The Dask extra is missing, or the cluster cannot be reached or runs another spillguard."""


def require_distributed() -> None:
    """Fails with `EXTRA` unless Dask's distributed package is installed: looked up, not imported (the
    import takes a third of a second, which a fleet with nothing to audit never needs; `connect` imports
    it, and says why if that fails)."""
    if importlib.util.find_spec("distributed") is None:
        raise ClusterError(EXTRA)


def dask_setup(worker: Any) -> None:
    """Run in each LocalCluster worker process as it starts (this module is its Dask preload): Ctrl-C,
    SIGHUP and SIGQUIT sent to the whole process group are for the client, which closes the cluster;
    a worker neither prints a traceback nor dies half-way through a result (as scanner.pool's
    workers). SIGTERM, with which the cluster stops its workers, keeps its default."""
    import signal

    for name in ("SIGINT", "SIGHUP", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def worker_version() -> str:
    """Run on each worker when connecting: the spillguard version it runs."""
    return __version__


def _check_workers(client: Any, address: str) -> None:
    try:
        versions = client.run(worker_version)
    except Exception as exc:  # noqa: BLE001 - whatever stops a worker from loading spillguard
        raise ClusterError(f"{address}: the workers cannot run spillguard ({type(exc).__name__})") from None
    if not versions:
        raise ClusterError(f"{address}: the scheduler has no worker")
    other = sorted(
        {f"{worker} runs {version}" for worker, version in versions.items() if version != __version__}
    )
    if other:
        raise ClusterError(f"{address}: workers must run spillguard {__version__}: {other[0]}")


def _start_resource_tracker() -> None:
    """Starts multiprocessing's resource tracker (which spawned workers report to) with SIGHUP and
    SIGQUIT ignored, as it ignores Ctrl-C and SIGTERM itself: a hang-up of the whole process group
    then ends the run with one line, not with the tracker's traceback."""
    import signal
    from multiprocessing import resource_tracker

    previous = {}
    try:
        for name in ("SIGHUP", "SIGQUIT"):
            if hasattr(signal, name):
                previous[name] = signal.signal(getattr(signal, name), signal.SIG_IGN)
    except ValueError:  # not the main thread: leave the defaults
        pass
    try:
        resource_tracker.ensure_running()
    finally:
        for name, action in previous.items():
            signal.signal(getattr(signal, name), action)


# What a LocalCluster of ours runs with, besides Dask's defaults: nobody looks at its dashboard (it has
# none), so what feeds one is switched off or slowed down. Dask's statistical profiler samples the stack
# of every task thread every 10 ms, the scheduler and each nanny and worker measure their event loop
# every 20 ms, the nannies read their worker's memory every 100 ms and every server its CPU and memory
# every 500 ms: each wakes a thread that competes for the GIL with the task's audit (pure Python). Over
# the fleet benchmark's 32 repositories these took 5 to 10% of the fleet's CPU time.
QUIET = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def local_settings(saturation: float) -> dict[str, object]:
    """The Dask settings of a LocalCluster started here: `QUIET`, and one task at a time per worker
    (Dask's default queues a second one there: when a worker dies, only the task it was running is
    then suspected and retried, none waiting behind it). A cluster given by address keeps its own."""
    return {**QUIET, "distributed.scheduler.worker-saturation": min(saturation, 1.0)}


@contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A `distributed.Client`: of the cluster at `scheduler`, else of a new LocalCluster of `workers`
    single-threaded worker processes (closed on leaving, also on Ctrl-C)."""
    require_distributed()
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:  # installed, but it does not import (a dependency missing or too old)
        raise ClusterError(f"{BROKEN} ({type(exc).__name__}: {' '.join(str(exc).split())})") from None

    if scheduler is not None:
        try:
            # how long to wait for the scheduler: Dask's own setting (30 s unless configured)
            client = Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"cannot connect to the Dask scheduler at {scheduler} ({type(exc).__name__})"
            ) from None
        try:
            _check_workers(client, scheduler)
            yield client
        finally:
            client.close()
        return
    _start_resource_tracker()
    saturation = dask.config.get("distributed.scheduler.worker-saturation")
    with dask.config.set(local_settings(float(saturation))):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # failures come back as results; dying workers are not news
            preload=[*dask.config.get("distributed.worker.preload", []), "scanner.cluster"],
        )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
