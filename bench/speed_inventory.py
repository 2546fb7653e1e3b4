"""Inventory cost: `spillguard inventory` against the history audit it is built on (`spillguard scan
--history`), same repository, alternating, cold and cached.

Usage: python bench/speed_inventory.py [REPO] [--runs N] [--format json|csv|markdown|html]
Default REPO: /work/bench-repos/pip (a full clone; any clone works, the more history the better).

- cold: each run with a fresh --cache directory, as the first audit of a repository: walk every commit,
  scan every unique blob; the inventory also finds where the blobs with findings were removed and what
  every ref tip holds of them.
- cached: one cache per command, filled once, then repeated runs with no ref moved: the audit answers
  from its snapshot, the inventory from the snapshot and the tip view it stored.
Prints the median and the spread (min-max) of each, and the ratio inventory/audit (target <= 1.2).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from common import median, spillguard_command, timed

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


def show(label: str, times: dict[str, list[float]]) -> float:
    for name, values in times.items():
        spread = f"{min(values):.3f}-{max(values):.3f} s"
        print(f"  {label:6s} {name:9s} median {median(values):7.3f} s  spread {spread}")
    ratio = median(times["inventory"]) / median(times["audit"])
    verdict = "ok" if ratio <= TARGET else "OVER TARGET"
    print(f"  {label:6s} ratio inventory/audit {ratio:.3f} (target <= {TARGET}: {verdict})")
    return ratio


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
        cold: dict[str, list[float]] = {"audit": [], "inventory": []}
        cached: dict[str, list[float]] = {"audit": [], "inventory": []}
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
