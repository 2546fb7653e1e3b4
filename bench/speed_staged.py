"""Pre-commit speed: `spillguard scan --staged` vs `betterleaks git --staged` on a 5-file change staged
in a large repository, cold start each run (as a hook runs), alternating.

Usage: python bench/speed_staged.py [REPO] [--runs N]
Default REPO: the history benchmark repository (built by speed_history.py if missing), cloned to a
scratch directory so nothing of yours is touched. Prints median wall times, the ratio, and the target.
"""

from __future__ import annotations

import argparse
import random
import string
import subprocess
import tempfile
import zlib
from pathlib import Path

from common import alternate, find_tool, median, spillguard_command
from speed_history import build_repo, git

from scanner.engine.checksums import base62_encode


def synthetic_github_token() -> str:
    """ghp_ + 30 random base62 characters + their CRC32 in base62: valid format, never a real token."""
    body = "".join(random.Random(5).choice(string.ascii_letters + string.digits) for _ in range(30))
    return "ghp_" + body + base62_encode(zlib.crc32(body.encode()), 6)


def stage_change(repo: Path) -> list[str]:
    """Appends a few lines (one with a synthetic credential) to 5 tracked text files and stages them."""
    tracked = [p for p in git(repo, "ls-files").splitlines() if p.endswith(".py")][:5]
    for number, name in enumerate(tracked):
        extra = "\n# bench change\nVALUE = 1\n"
        if number == 0:
            extra += f"API_TOKEN = '{synthetic_github_token()}'\n"
        with open(repo / name, "a", encoding="utf-8") as handle:
            handle.write(extra)
    git(repo, "add", *tracked)
    return tracked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    source = (args.repo or build_repo("pip", 40)).resolve()
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
        files = stage_change(clone)
        tracked = len(git(clone, "ls-files").splitlines())
        commands = {
            "spillguard": spillguard_command("scan", "--staged", "-q", "-f", "json", "-o", "/dev/null"),
            "betterleaks": [
                find_tool("betterleaks"),
                "git",
                "--staged",
                "--no-banner",
                "-l",
                "error",
                "-o",
                f"{scratch}/bl.json",
                ".",
            ],
        }
        times = alternate(commands, args.runs, cwd=clone)
    print(f"repo: {source} ({tracked} tracked files)  staged: {len(files)} files  runs: {args.runs}")
    for name, values in times.items():
        print(f"{name:12s} median {median(values):6.3f} s  min {min(values):6.3f} s")
    ratio = median(times["spillguard"]) / median(times["betterleaks"])
    print(
        f"ratio spillguard/betterleaks wall time: {ratio:.2f}; "
        f"spillguard target < 0.5 s: {'met' if median(times['spillguard']) < 0.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
