"""Full-history speed: `spillguard scan --history` vs `betterleaks git`, same repository, alternating.

Usage: python bench/speed_history.py [REPO] [--runs N] [--package NAME] [--releases N] [--no-cache-runs]
       [--prefilter auto|pyahocorasick|hyperscan]
REPO: any clone with its full history (pypa/pip, pallets/flask, psf/requests...). Default: built once
under $TMPDIR/spillguard-bench/ from successive released versions of one real project (default: the last
40 releases of pip, as wheels from PyPI), each unpacked over the previous one and committed in order, so
the history has real churn. Prints commits, unique blobs, blob bytes, the keyword backend spillguard
runs with, each tool's median wall time with its spread (min-max) and peak memory (the process tree's
summed PSS, sampled every 50 ms, as bench/memory.py samples it), and the ratio spillguard/betterleaks;
then, if spillguard supports --cache, the time of a second cached run as a share of the first, and the
start-up floor under it: the time Python takes to import the libraries any audit needs (click, pygit2,
sqlite3), as a share of the first run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from common import WORK, Measured, alternate_measured, find_tool, median, spillguard_command, timed

# What any audit must load before it can look at a repository: the CLI, git access, the cache.
FLOOR = "import click, pygit2, sqlite3"


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(repo),
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def releases(package: str, count: int) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("Available versions:"))
    versions = [v.strip() for v in line.split(":", 1)[1].split(",")]
    stable = [v for v in versions if v.replace(".", "").isdigit()]
    return list(reversed(stable[:count]))


def build_repo(package: str, count: int) -> Path:
    repo = WORK / f"history-{package}-{count}"
    if (repo / ".git").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    downloads = WORK / "downloads"
    downloads.mkdir(exist_ok=True)
    for version in releases(package, count):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-q",
                "-d",
                str(downloads),
                f"{package}=={version}",
            ],
            check=True,
        )
        wheel = next(downloads.glob(f"{package}-{version}-*.whl"))
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(repo)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"{package} {version}")
        print(f"committed {package} {version}", file=sys.stderr)
    return repo


def repo_figures(repo: Path) -> tuple[int, int, int]:
    commits = int(git(repo, "rev-list", "--all", "--count").strip())
    listing = git(repo, "rev-list", "--all", "--objects")
    ids = {line.split()[0] for line in listing.splitlines() if " " in line}
    checked = subprocess.run(
        ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize)"],
        cwd=repo,
        input="\n".join(sorted(ids)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    blobs = [int(line.split()[1]) for line in checked.splitlines() if line.startswith("blob ")]
    return commits, len(blobs), sum(blobs)


def backend() -> str:
    """The keyword backend the spillguard under test runs with, as its --version names it."""
    shown = subprocess.run(spillguard_command("--version"), capture_output=True, text=True).stdout
    return shown.strip().splitlines()[0] if shown.strip() else "unknown"


def summary(name: str, runs: list[Measured], size: int) -> str:
    seconds = [run.seconds for run in runs]
    wall = median(seconds)
    peaks = [run.pss_mb for run in runs]
    return (
        f"{name:12s} median {wall:6.3f} s  spread {min(seconds):6.3f}-{max(seconds):6.3f} s  "
        f"{size / 1e6 / wall:7.1f} MB/s  CPU median {median([run.cpu for run in runs]):6.2f} s  "
        f"peak tree PSS median {median(peaks):6.1f} MB, max {max(peaks):6.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--package", default="pip")
    parser.add_argument("--releases", type=int, default=40)
    parser.add_argument("--no-cache-runs", action="store_true", help="skip the cached re-audit figures")
    parser.add_argument(
        "--prefilter",
        default="auto",
        choices=("auto", "pyahocorasick", "hyperscan"),
        help="spillguard's keyword backend (pyahocorasick: what installs without a Hyperscan wheel get)",
    )
    args = parser.parse_args()
    chosen = ("--prefilter", args.prefilter)
    repo = (args.repo or build_repo(args.package, args.releases)).resolve()
    commits, blobs, size = repo_figures(repo)
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "spillguard": spillguard_command(
                "scan", "--history", "--no-cache", *chosen, "-q", "-f", "json", "-o", f"{scratch}/sg.json"
            ),
            "betterleaks": [
                find_tool("betterleaks"),
                "git",
                str(repo),
                "--no-banner",
                "-l",
                "error",
                "-o",
                f"{scratch}/bl.json",
            ],
        }
        runs = alternate_measured(commands, args.runs, cwd=repo)
        found = len(json.loads(Path(f"{scratch}/sg.json").read_text())["findings"])
    print(
        f"repo: {repo}  commits: {commits}  unique blobs: {blobs}  blob bytes: {size} "
        f"({size / 1e6:.1f} MB)  runs: {args.runs}  spillguard findings: {found}  ({backend()}; "
        f"--prefilter {args.prefilter})"
    )
    for name, values in runs.items():
        print(summary(name, values, size))
    times = {name: [run.seconds for run in values] for name, values in runs.items()}
    ratio = median(times["spillguard"]) / median(times["betterleaks"])
    print(f"ratio spillguard/betterleaks wall time: {ratio:.2f} (required <= 1.0, aim <= 0.6)")
    cpu = {name: median([run.cpu for run in values]) for name, values in runs.items()}
    print(f"ratio spillguard/betterleaks CPU time: {cpu['spillguard'] / cpu['betterleaks']:.2f}")
    help_text = subprocess.run(spillguard_command("scan", "--help"), capture_output=True, text=True).stdout
    if "--cache" in help_text and not args.no_cache_runs:
        firsts, seconds = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                cached = spillguard_command(
                    "scan", "--history", *chosen, "-q", "-f", "json", "-o", "/dev/null", "--cache", cache
                )
                firsts.append(timed(cached, repo))
                seconds.append(timed(cached, repo))
        first, second = median(firsts), median(seconds)
        print(
            f"cache ({args.runs} fresh caches): first run median {first:.3f} s, second run median "
            f"{second:.3f} s ({100 * second / first:.1f}% of the first; target < 10%)"
        )
        floor = median([timed([sys.executable, "-c", FLOOR], repo) for _ in range(max(args.runs, 5))])
        bare = median([timed([sys.executable, "-c", "pass"], repo) for _ in range(max(args.runs, 5))])
        print(
            f"start-up floor: the interpreter alone {bare:.3f} s; with the libraries any audit loads "
            f"({FLOOR!r}) {floor:.3f} s, {100 * floor / first:.1f}% of the first run"
        )


if __name__ == "__main__":
    main()
