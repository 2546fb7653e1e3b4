"""Where the output goes cannot be written: standard output closed, on a full device (/dev/full), or a
pipe whose reader went away; the same for standard error. One line and exit 2 when the report cannot be
written, exit 141 (128 + SIGPIPE) without a word when the reader left, the run's own exit code when only
standard error fails; never exit 3, never a traceback (real processes: these are file descriptors)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.tokens import github_token

HINT = "a report can be written to a file with -o FILE"
FULL = f"cannot write to standard output (No space left on device); {HINT}"
CLOSED = f"standard output is closed; {HINT}"


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.env").write_text(f"GITHUB_TOKEN={github_token()}\n")
    return root


def run(
    cwd: Path, *args: str, stdout: Any = subprocess.PIPE, stderr: Any = subprocess.PIPE, close: int = -1
) -> subprocess.CompletedProcess[bytes]:
    preexec: Callable[[], None] | None = (lambda: os.close(close)) if close >= 0 else None
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=preexec,
        timeout=120,
        check=False,
    )


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")


@needs_dev_full
@pytest.mark.parametrize(
    "args", [("scan", "."), ("scan", ".", "-f", "json"), ("scan", ".", "-f", "sarif"), ("rules", "list")]
)
def test_stdout_on_a_full_device_is_one_line(tree: Path, args: tuple[str, ...]) -> None:
    with open("/dev/full", "wb") as full:
        done = run(tree, *args, stdout=full)
    assert done.returncode == 2
    assert done.stderr.decode() == f"spillguard: error: {FULL}\n"


@pytest.mark.parametrize("args", [("scan", "."), ("scan", ".", "-f", "json"), ("rules", "list")])
def test_closed_stdout_is_one_line(tree: Path, args: tuple[str, ...]) -> None:
    done = run(tree, *args, stdout=None, close=1)
    assert done.returncode == 2
    assert done.stderr.decode() == f"spillguard: error: {CLOSED}\n"


def test_closed_stdout_is_no_matter_with_a_report_file(tree: Path) -> None:
    """The report goes to -o; the file opened for it must not take the closed descriptor's number."""
    done = run(tree, "scan", ".", "-f", "json", "-o", "../report.json", stdout=None, close=1)
    assert done.returncode == 1, done.stderr
    assert '"rule_id": "github.pat-classic"' in (tree.parent / "report.json").read_text()
    assert done.stderr.decode().startswith("1 finding in 1 file")


def test_reader_that_goes_away_ends_the_run_with_141(tree: Path) -> None:
    rng = random.Random(4)
    (tree / "many.env").write_text("".join(f"T{n}={github_token(rng=rng)}\n" for n in range(3000)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", "."],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()  # `| head -c 10`
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert err == b""  # not even Python's "Exception ignored" at exit


@needs_dev_full
def test_stderr_that_cannot_be_written_changes_nothing(tree: Path) -> None:
    with open("/dev/full", "wb") as full:
        done = run(tree, "scan", ".", "-o", "../report.txt", stderr=full)
    assert done.returncode == 1
    assert "github.pat-classic" in (tree.parent / "report.txt").read_text()
    closed = run(tree, "scan", ".", stderr=None, close=2)
    assert closed.returncode == 1 and b"github.pat-classic" in closed.stdout


def test_usage_errors_are_one_line(tree: Path) -> None:
    for args, says in (
        (("scan", "--no-such-option"), "No such option '--no-such-option'"),
        (("scan", "-f", "xml"), "Invalid value for '-f' / '--format'"),
        (("scan", "--max-file-size", "lots"), "Invalid value for '--max-file-size'"),
        (("baseline", "import"), "Missing argument 'FORMAT'"),
        (("nope",), "No such command 'nope'"),
    ):
        done = run(tree, *args)
        lines = done.stderr.decode().splitlines()
        assert done.returncode == 2 and len(lines) == 1, (args, lines)
        assert lines[0].startswith("spillguard: error: ") and says in lines[0], (args, lines)
        assert "--help`" in lines[0]
