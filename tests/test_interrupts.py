"""Ctrl-C during a scan: exit 130 at once, one line on stderr and no traceback, no partial report,
baseline or temporary file left behind, and a history cache that the next run can use. The other
terminating signals (SIGTERM from CI cancellation or `kill`, SIGHUP, SIGQUIT) end a run the same way,
with exit 128 + N and no worker traceback, whether the whole group gets them or the main process alone.

Each test starts `python -m scanner` in its own session and sends SIGINT to the whole process group,
as a terminal does on Ctrl-C (the parent and every pool worker receive it), once the scan is working:
its process pool exists, or (serial runs) it has spent a second of CPU time, well past start-up (about
0.4 s). One test signals the main process alone, as `kill -INT PID` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scanner
from scanner.modes.history_cache import CACHE_FILE
from tests.conftest import git
from tests.tokens import github_token

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

PROMPT_SECONDS = 5.0
# Lines dense with keywords keep every rule busy: a few MB take seconds to scan.
LINE = "password = '{n}'  # ghp_ AKIA token secret aws_secret_access_key api_key=x{n}\n"


def _write_tree(root: Path, files: int = 200, lines: int = 400) -> Path:
    rng = random.Random(5)
    for number in range(files):
        directory = root / f"pkg{number % 10}"
        directory.mkdir(parents=True, exist_ok=True)
        body = "".join(LINE.format(n=rng.random()) for _ in range(lines))
        if number % 50 == 0:
            body += f"GITHUB_TOKEN={github_token(rng=rng)}\n"
        (directory / f"mod{number}.py").write_text(body)
    return root


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interrupt-tree") / "tree"
    git(root.parent, "init", "-q", str(root))  # a work tree, as users scan
    return _write_tree(root)


@pytest.fixture(scope="module")
def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of 800 unique blobs in 8 commits, written with `git fast-import`."""
    root = tmp_path_factory.mktemp("interrupt-history") / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    rng = random.Random(9)
    stream = []
    for commit in range(8):
        message = f"commit {commit}\n".encode()
        stream.append(
            b"commit refs/heads/main\ncommitter T <t@example.invalid> %d +0000\n" % (10**9 + commit)
        )
        stream.append(b"data %d\n%s" % (len(message), message))
        for number in range(100):
            body = "".join(LINE.format(n=rng.random()) for _ in range(25)).encode()
            stream.append(b"M 100644 inline f%d.txt\ndata %d\n%s\n" % (number, len(body), body))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(stream), check=True)
    git(root, "reset", "-q", "--hard")
    return root


def _start(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    # Not measured by coverage: a SIGINT landing inside its tracer's lock deadlocks the process at exit
    # (seen with `patch = ["subprocess"]`), which says nothing about spillguard.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "COVERAGE_"))}
    env["PYTHONPATH"] = str(Path(scanner.__file__).resolve().parents[1])
    env["SPILLGUARD_CACHE_DIR"] = str(cwd / ".." / "user-cache")
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "scanner", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the signal reaches only this run
        # as from a terminal: a test run started in the background (`pytest &`) has SIGINT ignored,
        # and children inherit that, so spillguard would rightly ignore the Ctrl-C too
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _has_workers(pid: int) -> bool:
    """Whether the process has forked pool workers (children other than git)."""
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in listing.read_text().split():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{child}/comm").read_text().strip() != "git":
                    return True
    return False


def _wait_until_working(proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"finished before it could be interrupted: {proc.communicate()}"
        if _has_workers(proc.pid) or _cpu_seconds(proc.pid) >= 1.0:
            time.sleep(0.3)  # well inside the scan
            return
        time.sleep(0.02)
    pytest.fail("the scan never started working")


def _interrupt(proc: subprocess.Popen[bytes], group: bool = True, signum: int = signal.SIGINT) -> str:
    """Ctrl-C (or `signum`); returns stderr after asserting exit 128 + N, promptly, with one line and no
    traceback."""
    _wait_until_working(proc)
    assert proc.poll() is None, "finished before it could be interrupted"
    sent = time.monotonic()
    if group:
        os.killpg(proc.pid, signum)
    else:  # `kill -INT PID`, `timeout -s INT`: only the main process gets it
        os.kill(proc.pid, signum)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGABRT)  # faulthandler prints where every thread is
        _, err = proc.communicate(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"still running 30 s after Ctrl-C:\n{err.decode()[-6000:]}")
    elapsed = time.monotonic() - sent
    time.sleep(0.5)  # a worker left behind would write its traceback after the parent ended
    stderr = err.decode()
    assert proc.returncode == 128 + signum, stderr
    assert elapsed < PROMPT_SECONDS
    assert "Traceback" not in stderr
    if signum == signal.SIGINT:
        assert stderr.strip() == "spillguard: interrupted"
    else:
        assert stderr == f"spillguard: terminated by {signal.Signals(signum).name}\n"
    return stderr


def _listing(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if ".git" not in p.parts)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_directory_scan_to_a_new_report_leaves_nothing(big_tree: Path, tmp_path: Path, jobs: str) -> None:
    before = _listing(big_tree)
    out = tmp_path / "out"
    out.mkdir()
    _interrupt(_start(out, "scan", str(big_tree), "-j", jobs, "-f", "json", "-o", "report.json"))
    assert _listing(out) == []
    assert _listing(big_tree) == before


@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill-int"])
def test_directory_scan_keeps_the_previous_report_intact(big_tree: Path, tmp_path: Path, group: bool) -> None:
    report = tmp_path / "report.sarif"
    report.write_text("previous report\n")
    _interrupt(_start(tmp_path, "scan", str(big_tree), "-j", "2", "-f", "sarif", "-o", report.name), group)
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.sarif"]


@pytest.mark.parametrize("existing", [False, True])
def test_baseline_create_leaves_no_partial_baseline(big_tree: Path, tmp_path: Path, existing: bool) -> None:
    baseline = tmp_path / "base.json"
    if existing:
        baseline.write_text('{"previous": true}\n')
    args = ["baseline", "create", str(big_tree), "-j", "2", "-o", baseline.name]
    _interrupt(_start(tmp_path, *args, *(["--force"] if existing else [])))
    assert sorted(p.name for p in tmp_path.iterdir()) == (["base.json"] if existing else [])
    if existing:
        assert baseline.read_text() == '{"previous": true}\n'


def test_history_scan_leaves_a_usable_cache(big_history: Path) -> None:
    before = _listing(big_history)
    _interrupt(_start(big_history, "scan", "--history", "-j", "2", "-f", "json", "-o", "report.json"))
    assert _listing(big_history) == before  # no report, no temporary file
    cache = big_history / ".git" / "spillguard"
    assert not cache.exists() or sorted(p.name for p in cache.iterdir()) == [CACHE_FILE]
    again = _start(big_history, "scan", "--history", "-j", "2", "-f", "json")
    out, err = again.communicate(timeout=300)
    assert again.returncode in (0, 1), err.decode()  # 1: the generic rules find the passwords
    assert "warning" not in err.decode()
    stats = json.loads(out)["stats"]
    assert stats["files_scanned"] == 800  # cached blobs included


TERMINATING = [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]


@pytest.mark.parametrize("signum", TERMINATING, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("group", [True, False], ids=["group", "main-process"])
def test_terminating_signals_end_a_pooled_scan_cleanly(
    big_tree: Path, tmp_path: Path, signum: int, group: bool
) -> None:
    report = tmp_path / "report.json"
    report.write_text("previous report\n")
    _interrupt(
        _start(tmp_path, "scan", str(big_tree), "-j", "2", "-f", "json", "-o", report.name), group, signum
    )
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_sigterm_during_baseline_create_leaves_no_baseline(big_tree: Path, tmp_path: Path) -> None:
    _interrupt(
        _start(tmp_path, "baseline", "create", str(big_tree), "-j", "2", "-o", "b.json"), True, signal.SIGTERM
    )
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_a_history_audit_leaves_a_usable_cache(big_history: Path) -> None:
    _interrupt(_start(big_history, "scan", "--history", "-j", "2", "-q"), False, signal.SIGTERM)
    again = _start(big_history, "scan", "--history", "-j", "2", "-f", "json")
    out, err = again.communicate(timeout=300)
    assert again.returncode in (0, 1) and "warning" not in err.decode()
    assert json.loads(out)["stats"]["files_scanned"] == 800


def test_a_signal_ignored_at_start_stays_ignored(big_tree: Path, tmp_path: Path) -> None:
    """Under `nohup`, SIGHUP is ignored: the scan runs on to its end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "COVERAGE_"))}
    env["PYTHONPATH"] = str(Path(scanner.__file__).resolve().parents[1])
    proc = subprocess.Popen(
        ["nohup", sys.executable, "-m", "scanner", "scan", str(big_tree), "-j", "2", "-q", "-f", "json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _wait_until_working(proc)
    os.killpg(proc.pid, signal.SIGHUP)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err.decode()
    assert json.loads(out)["stats"]["files_scanned"] == 200
