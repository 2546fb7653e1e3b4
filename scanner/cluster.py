"""Parallelism at the edge, for fleets: a Dask `distributed` client. By default a LocalCluster of worker
processes on this machine (one single-threaded worker per CPU available); with an address, the client of
an existing cluster (a `dask scheduler` with `dask worker`s, dask-kubernetes, dask-jobqueue...), whose
workers must run the same spillguard version (checked on connecting).

`distributed` is an optional dependency (`pip install 'spillguard[fleet]'`): it is imported only here,
and only when a fleet has work to do."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scanner import __version__
from scanner.errors import SpillguardError

CONNECT_SECONDS = 30  # how long to wait for a scheduler given by address
EXTRA = "fleet needs Dask's distributed package: pip install 'spillguard[fleet]'"


class ClusterError(SpillguardError):
    """The Dask extra is missing, or the cluster cannot be reached or runs another spillguard."""


def require_distributed() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(EXTRA) from None


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


@contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A `distributed.Client`: of the cluster at `scheduler`, else of a new LocalCluster of `workers`
    single-threaded worker processes (closed on leaving, also on Ctrl-C)."""
    require_distributed()
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS)
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
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
