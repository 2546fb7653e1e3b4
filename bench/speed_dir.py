"""Directory-scan speed: spillguard vs betterleaks (`betterleaks fs`), same tree, alternating runs.

Usage: python bench/speed_dir.py [PATH] [--runs N]
Default PATH: a copy of the running Python's standard library (no site-packages, no __pycache__),
copied under $TMPDIR/spillguard-bench/ (betterleaks' default config skips python*/ lib paths).
Prints files, bytes, median wall time, MB/s for each tool and the ratio spillguard/betterleaks.
"""

from __future__ import annotations

import argparse
import shutil
import sysconfig
import tempfile
from pathlib import Path

from common import WORK, alternate, find_tool, median, spillguard_command, tree_size


def stdlib_copy() -> Path:
    target = WORK / "stdlib"
    if not target.exists():
        source = Path(sysconfig.get_paths()["stdlib"])
        shutil.copytree(
            source,
            target,
            symlinks=True,
            ignore=shutil.ignore_patterns("site-packages", "__pycache__"),
        )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = (args.path or stdlib_copy()).resolve()
    files, size = tree_size(root)
    with tempfile.TemporaryDirectory() as scratch:
        commands = {
            "spillguard": spillguard_command(
                "scan", str(root), "-f", "json", "-q", "-o", f"{scratch}/sg.json"
            ),
            "betterleaks": [
                find_tool("betterleaks"),
                "fs",
                str(root),
                "--no-banner",
                "-l",
                "error",
                "-o",
                f"{scratch}/bl.json",
            ],
        }
        times = alternate(commands, args.runs)
    print(f"tree: {root}  files: {files}  bytes: {size} ({size / 1e6:.1f} MB)  runs: {args.runs}")
    for name, values in times.items():
        wall = median(values)
        print(f"{name:12s} median {wall:6.3f} s  min {min(values):6.3f} s  {size / 1e6 / wall:7.1f} MB/s")
    ratio = median(times["spillguard"]) / median(times["betterleaks"])
    print(f"ratio spillguard/betterleaks wall time: {ratio:.2f} (target <= 1.0)")


if __name__ == "__main__":
    main()
