"""Fleet speed: `spillguard fleet scan` on its default LocalCluster against `spillguard scan --history` on
each repository in turn and `betterleaks git` on each in turn, over the same fleet of real repositories.

Usage: python bench/speed_fleet.py [--mirrors DIR] [--runs N] [--no-peer] [--urls]
The fleet: a bare clone (branches and tags: no pull-request refs) of every repository under --mirrors
(default /work/.mirror/*/repo, snapshots of public repositories), made once under
$TMPDIR/spillguard-bench/fleet/. Every cold run starts from a fresh state directory (fleet) or fresh
history caches (serial loop). No run is sampled for memory from outside (reading the process tree's
PSS every 50 ms took 3 s of CPU over a 21 s fleet run on 2 cores, more from the fleet's six processes
than from a serial audit's three): the workers report their own peak. Prints, as medians over the runs
(alternating the tools):

- the serial spillguard loop, the serial betterleaks loop, the fleet (repositories audited in place),
  and the fleet's speed-up over the serial spillguard loop (target >= 1.7x on 2 cores);
- Dask's own overhead as a share of the fleet's time (target < 10%): starting the LocalCluster, plus
  the time in the task span that the busiest worker did not spend in tasks (scheduling, transfer of
  the rule set and the results);
- an unchanged second run as a share of the first (target < 5%);
- the peak resident memory of a worker process (target < 400 MB);
- with --urls, also the fleet over file:// URLs, whose first run clones every mirror.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import WORK, find_tool, median, spillguard_command, timed

FLEET = WORK / "fleet"


def complete(repo: Path) -> bool:
    """Whether every object reachable from the repository's refs is there (a snapshot lacks files of
    4 MiB and more: such a repository would be audited with --skip-errors only, and the peer stops)."""
    listing = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--all", "--objects", "--missing=print"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return not any(line.startswith("?") for line in listing.splitlines())


def build_fleet(mirrors: list[Path]) -> list[Path]:
    FLEET.mkdir(parents=True, exist_ok=True)
    repos = []
    for source in mirrors:
        name = source.parent.name if source.name == "repo" else source.name
        target = FLEET / f"{name}.git"
        if not (target / "HEAD").exists():
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run(["git", "clone", "--bare", "--quiet", str(source), str(target)], check=True)
        if complete(target):
            repos.append(target)
        else:
            print(f"left out: {name} (objects missing from its snapshot)", file=sys.stderr)
    return repos


def figures(repo: Path) -> tuple[int, int]:
    count = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--all", "--count"], capture_output=True, text=True
    )
    size = sum(f.stat().st_size for f in (repo / "objects").rglob("*") if f.is_file())
    return int(count.stdout.strip() or 0), size


def serial(commands: list[tuple[list[str], Path]]) -> float:
    started = time.perf_counter()
    for command, cwd in commands:
        timed(command, cwd, sample_memory=False)
    return time.perf_counter() - started


def fleet_run(listing: Path, state: Path, summary: Path) -> tuple[float, dict[str, Any]]:
    command = spillguard_command(
        "fleet", "scan", "--repos", str(listing), "--state", str(state), "-q", "-f", "json", "-o", "/dev/null"
    )
    seconds = timed([*command, "--summary", str(summary)], sample_memory=False)
    return seconds, json.loads(summary.read_text())


def dask_overhead(summary: dict[str, Any]) -> tuple[float, float, list[float]]:
    """(cluster start, scheduling and transfer, each worker's time in tasks) in seconds: the task span
    minus the time the busiest worker spent in tasks is time Dask, not spillguard, took."""
    busy: dict[str, float] = {}
    for row in summary["repositories"]:
        if row["outcome"] == "scanned":
            busy[row["worker"]] = busy.get(row["worker"], 0.0) + row["seconds"]
    timings = summary["timings"]
    workers = sorted(busy.values(), reverse=True)
    return timings["cluster"], max(0.0, timings["tasks"] - (workers[0] if workers else 0.0)), workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip the betterleaks loop")
    parser.add_argument("--urls", action="store_true", help="also time the fleet over file:// URLs")
    args = parser.parse_args()
    mirrors = sorted(p for p in args.mirrors.glob("*/repo") if (p / "HEAD").exists())
    repos = build_fleet(mirrors)
    if len(repos) < 30:
        sys.exit(f"a fleet needs at least 30 repositories; {len(repos)} under {args.mirrors}")
    sizes = [figures(r) for r in repos]
    print(
        f"fleet: {len(repos)} repositories, {sum(c for c, _ in sizes)} commits, "
        f"{sum(s for _, s in sizes) / 1e6:.0f} MB of objects (packs hard-linked to the snapshots); "
        f"load average before: {os.getloadavg()}"
    )
    listing = WORK / "fleet-paths.txt"
    listing.write_text("\n".join(str(r) for r in repos) + "\n")
    urls = WORK / "fleet-urls.txt"
    urls.write_text("\n".join(f"file://{r}" for r in repos) + "\n")
    betterleaks = None if args.no_peer else find_tool("betterleaks")
    times: dict[str, list[float]] = {
        "serial spillguard": [],
        "serial betterleaks": [],
        "fleet": [],
        "again": [],
    }
    overheads, peaks = [], []
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        fleet_run(listing, scratch / "warm-up", scratch / "warm.json")  # byte code, the user cache
        for run in range(args.runs):
            caches = scratch / f"caches-{run}"
            loop = [
                (
                    spillguard_command(
                        "scan",
                        "--history",
                        "--cache",
                        str(caches / r.name),
                        "-q",
                        "-f",
                        "json",
                        "-o",
                        "/dev/null",
                    ),
                    r,
                )
                for r in repos
            ]
            times["serial spillguard"].append(serial(loop))
            if betterleaks:
                peer = [
                    (
                        [
                            betterleaks,
                            "git",
                            str(r),
                            "--no-banner",
                            "-l",
                            "error",
                            "-o",
                            str(scratch / "bl.json"),
                        ],
                        r,
                    )
                    for r in repos
                ]
                times["serial betterleaks"].append(serial(peer))
            state = scratch / f"state-{run}"
            wall, summary = fleet_run(listing, state, scratch / f"summary-{run}.json")
            times["fleet"].append(wall)
            overheads.append((wall, *dask_overhead(summary)))
            peaks.append(max((r["peak_rss_mb"] or 0) for r in summary["repositories"]))
            again, second = fleet_run(listing, state, scratch / f"again-{run}.json")
            assert second["totals"]["unchanged"] == len(repos), second["totals"]
            times["again"].append(again)
            print(
                f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items() if v),
                flush=True,
            )
        if args.urls:
            url_times = [
                fleet_run(urls, scratch / f"urls-{n}", scratch / "urls.json")[0] for n in range(args.runs)
            ]
            print(f"fleet over file:// URLs (cloning every mirror first): median {median(url_times):.1f} s")
    for name, values in times.items():
        if values:
            print(
                f"{name:18s} median {median(values):7.2f} s  (min {min(values):.2f}, max {max(values):.2f})"
            )
    fleet = median(times["fleet"])
    speedup = median(times["serial spillguard"]) / fleet
    print(f"speed-up over the serial spillguard loop: {speedup:.2f}x (target >= 1.7x)")
    if times["serial betterleaks"]:
        print(
            f"speed-up over the serial betterleaks loop: {median(times['serial betterleaks']) / fleet:.2f}x"
        )
    serial_times = times["serial spillguard"]
    for (wall, cluster, scheduling, workers), loop in zip(overheads, serial_times, strict=True):
        busy = ", ".join(f"{w:.1f}" for w in workers)
        print(
            f"fleet {wall:.1f} s ({loop / wall:.2f}x the serial loop of that run): LocalCluster start "
            f"{cluster:.2f} s, scheduling and transfer {scheduling:.2f} s, workers in tasks {busy} s: "
            f"Dask overhead {100 * (cluster + scheduling) / wall:.1f}% (target < 10%)"
        )
    print(f"unchanged second run: {100 * median(times['again']) / fleet:.1f}% of the first (target < 5%)")
    print(f"peak resident memory of a worker process: {max(peaks):.0f} MB (target < 400 MB)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
