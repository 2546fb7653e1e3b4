"""Inventory cost: `spillguard inventory` against the history audit it is built on (`spillguard scan
--history`), same repository, alternating, cold and cached.

Usage: python bench/speed_inventory.py [REPO] [--runs N] [--format json|csv|markdown|html]
Default REPO: /work/bench-repos/pip (a full clone; any clone works, the more history the better).

- cold: each run with a fresh --cache directory, as the first audit of a repository: walk every commit,
  scan every unique blob; the inventory also finds where the blobs with findings were removed and what
  every ref tip holds of them.
- cached: one cache per command, filled once, then repeated runs with no ref moved: the audit answers
  from its snapshot, the inventory from the snapshot and the tip view it stored.
Prints the median and the spread (min-max) of each, in wall time and in CPU time (user + system of the
process and its pool workers: on a shared machine, wall time also measures the other jobs), and the
ratio inventory/audit of both (target <= 1.2).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import bench_env, median, spillguard_command

DEFAULT_REPO = Path("/work/bench-repos/pip")
TARGET = 1.2


def commands(scratch: Path, audit_cache: Path, inventory_cache: Path, fmt: str) -> dict[str, list[str]]:
    return {
        "audit": spillguard_command(
            "scan",
            "--history",
            "-q",
            "-f",
            "json",
            "-o",
            str(scratch / "audit.json"),
            "--cache",
            str(audit_cache),
        ),
        "inventory": spillguard_command(
            "inventory",
            "-q",
            "-f",
            fmt,
            "-o",
            str(scratch / f"inventory.{fmt}"),
            "--cache",
            str(inventory_cache),
        ),
    }


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, pool workers included) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def show(label: str, times: dict[str, list[tuple[float, float]]]) -> None:
    for kind, index in (("wall", 0), ("cpu", 1)):
        values = {name: [run[index] for run in runs] for name, runs in times.items()}
        for name, seconds in values.items():
            spread = f"{min(seconds):.3f}-{max(seconds):.3f} s"
            print(f"  {label:6s} {kind:4s} {name:9s} median {median(seconds):7.3f} s  spread {spread}")
        ratio = median(values["inventory"]) / median(values["audit"])
        verdict = "ok" if ratio <= TARGET else "OVER TARGET"
        print(f"  {label:6s} {kind:4s} ratio inventory/audit {ratio:.3f} (target <= {TARGET}: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", dest="fmt", default="json", choices=("json", "csv", "markdown", "html"))
    args = parser.parse_args()
    repo = args.repo.resolve()
    count = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=repo, capture_output=True, text=True)
    refs = subprocess.run(["git", "for-each-ref", "--format=x"], cwd=repo, capture_output=True, text=True)
    print(
        f"repo: {repo}  commits: {count.stdout.strip()}  refs: {len(refs.stdout.split())}  runs: {args.runs}"
    )
    print(f"inventory format: {args.fmt}")
    with tempfile.TemporaryDirectory() as work:
        scratch = Path(work)
        warm = commands(scratch, scratch / "warm-a", scratch / "warm-i", args.fmt)
        for command in warm.values():  # bytecode written, caches filled: the cached runs start here
            timed(command, repo)
        cold: dict[str, list[tuple[float, float]]] = {"audit": [], "inventory": []}
        cached: dict[str, list[tuple[float, float]]] = {"audit": [], "inventory": []}
        for run in range(args.runs):
            fresh = commands(scratch, scratch / f"a{run}", scratch / f"i{run}", args.fmt)
            for name in ("audit", "inventory"):
                cold[name].append(timed(fresh[name], repo))
            for name in ("audit", "inventory"):
                cached[name].append(timed(warm[name], repo))
        show("cold", cold)
        show("cached", cached)


if __name__ == "__main__":
    main()
