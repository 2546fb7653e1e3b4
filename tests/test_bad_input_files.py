"""Bad input in directory scans: special files, links, unreadable and vanishing files, hostile names,
huge files and lines, nested encodings, archives. Each is scanned or counted as a skip in the summary;
nothing hangs, follows a link out of the tree, reads a file whole past the size limit, or crashes."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import scanner.modes.workdir
from scanner.sources.file_walk import FileRef, iter_files
from tests.conftest import Invoke
from tests.tokens import github_token

TOKEN = github_token()


def stats_of(result_stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result_stdout)
    return data


def spillguard(cwd: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """A real process, with a timeout: what would hang (a FIFO) must fail the test, not block it."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "scanner", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "SPILLGUARD_CACHE_DIR": str(cwd.parent / "cache")},
    )


def measured(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`spillguard` in a child that reports its own peak memory in MB: VmHWM belongs to the memory
    map exec created (wait4's ru_maxrss would include the forked copy of a large pytest process)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc/self/status (Linux)")
    code = (
        "import re, sys\n"
        "from scanner.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "peak = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
        "sys.stderr.write(f'\\nPEAK_KB {peak}\\n')\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "SPILLGUARD_CACHE_DIR": str(cwd.parent / "cache")},
    )
    peak_kb = int(done.stderr.rsplit("PEAK_KB ", 1)[1])
    return done, peak_kb / 1024


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "app.py").write_text(f"TOKEN = '{TOKEN}'\n")
    return root


def test_fifo_socketless_specials_in_tree_are_counted_not_opened(tree: Path) -> None:
    os.mkfifo(tree / "pipe")
    done = spillguard(tree, "scan", "-f", "json", "-v")
    assert done.returncode == 1
    data = stats_of(done.stdout)
    assert data["stats"]["skipped_unreadable"] == 1 and data["stats"]["files_scanned"] == 1
    assert {"path": "pipe", "message": "not a regular file"} in data["notices"]
    assert "note: pipe: not a regular file" in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "link-to-dev-zero"])
def test_special_file_named_as_argument_is_counted(tree: Path, kind: str) -> None:
    target = tree / "special"
    if kind == "fifo":
        os.mkfifo(target)
        name = "special"
    elif kind == "dev-zero":
        name = "/dev/zero"
    else:
        target.symlink_to("/dev/zero")
        name = "special"
    done = spillguard(tree, "scan", "-f", "json", "--", name)
    assert done.returncode == 0, done.stderr
    data = stats_of(done.stdout)
    assert data["stats"]["skipped_unreadable"] == 1 and data["stats"]["files_scanned"] == 0
    assert data["notices"][0]["message"] == "not a regular file"


def test_links_are_never_followed(tree: Path, tmp_path: Path, run_cli: Invoke) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.env").write_text(f"GITHUB_TOKEN={github_token(rng=__import__('random').Random(3))}\n")
    (tree / "to-outside-file").symlink_to(outside / "secret.env")
    (tree / "to-outside-dir").symlink_to(outside)
    (tree / "loop").symlink_to(tree / "loop")  # a link to itself
    (tree / "sub").mkdir()
    (tree / "sub" / "up").symlink_to(tree)  # a directory cycle
    (tree / "zero").symlink_to("/dev/zero")
    (tree / "dangling").symlink_to(tmp_path / "nowhere")
    result = run_cli("scan", "-f", "json", cwd=tree)
    assert result.exit_code == 1
    data = stats_of(result.stdout)
    assert [f["path"] for f in data["findings"]] == ["app.py"]
    assert data["stats"]["files_scanned"] == 1


def test_permission_denied_is_counted(tree: Path) -> None:
    """As root, file modes do not stop reads: the scan then runs without the capabilities that bypass
    them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), via util-linux `setpriv`."""
    (tree / "locked.env").write_text(f"GITHUB_TOKEN={TOKEN}\n")
    (tree / "locked.env").chmod(0)
    (tree / "closed").mkdir()
    (tree / "closed" / "inner.txt").write_text("x\n")
    (tree / "closed").chmod(0)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and util-linux setpriv is not installed to drop DAC capabilities")
        caps = "-dac_override,-dac_read_search"
        prefix = (setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}")
    try:
        done = spillguard(tree, "scan", "-f", "json", prefix=prefix)
    finally:
        (tree / "closed").chmod(0o755)
    assert done.returncode == 1, done.stderr
    data = stats_of(done.stdout)
    assert data["stats"]["skipped_unreadable"] == 2
    assert sorted((n["path"], n["message"]) for n in data["notices"]) == [
        ("closed", "directory cannot be listed"),
        ("locked.env", "permission denied"),
    ]
    assert [f["path"] for f in data["findings"]] == ["app.py"]


def test_files_that_vanish_or_change_during_the_scan(
    tree: Path, tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between listing and reading: deleted, replaced by a FIFO (must not block), replaced by a link to
    a file outside the tree (must not be followed), grown past the size limit."""
    for name in ("gone.txt", "fifo.txt", "link.txt", "grown.txt"):
        (tree / name).write_text("small\n")
    outside = tmp_path / "outside.env"
    outside.write_text(f"GITHUB_TOKEN={TOKEN}\n")
    real_iter_files = iter_files

    def racing(paths: tuple[str, ...], cwd: Path) -> Iterator[FileRef]:
        refs = list(real_iter_files(paths, cwd))
        (tree / "gone.txt").unlink()
        (tree / "fifo.txt").unlink()
        os.mkfifo(tree / "fifo.txt")
        (tree / "link.txt").unlink()
        (tree / "link.txt").symlink_to(outside)
        (tree / "grown.txt").write_text("y" * 2048)
        yield from refs

    monkeypatch.setattr(scanner.modes.workdir, "iter_files", racing)
    result = run_cli("scan", "-f", "json", "--max-file-size", "1K", "-j", "1", cwd=tree)
    assert result.exit_code == 1
    data = stats_of(result.stdout)
    assert [f["path"] for f in data["findings"]] == ["app.py"]
    assert data["stats"]["skipped_unreadable"] == 3 and data["stats"]["skipped_too_large"] == 1
    assert sorted((n["path"], n["message"]) for n in data["notices"]) == [
        ("fifo.txt", "not a regular file"),
        ("gone.txt", "no such file or directory"),
        ("grown.txt", "larger than --max-file-size (1,024 bytes), not scanned"),
        ("link.txt", "not a regular file"),
    ]


def test_a_file_swapped_for_a_fifo_after_its_check_is_not_waited_on(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The narrowest race: the path passes the regular-file check, then becomes a FIFO before open."""
    from scanner.sources import reader as files

    target = tree / "swap.txt"
    target.write_text("x\n")
    real_stat = os.stat

    def stat_then_swap(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        info = real_stat(path, *args, **kwargs)
        if str(path) == str(target):
            target.unlink()
            os.mkfifo(target)
        return info

    monkeypatch.setattr(os, "stat", stat_then_swap)  # as reader.read_file calls it
    read = files.read_file(FileRef("swap.txt", str(target)), 1024)
    assert read.chunks == () and read.long == () and read.stats.skipped_unreadable == 1
    assert read.notice is not None and read.notice.message == "replaced while scanned"


HOSTILE_NAMES = [
    "new\nline.env",
    "carriage\rreturn.env",
    "esc\x1b[31mred.env",
    "bell\x07.env",
    "tab\there.env",
    os.fsdecode(b"latin1-\xe9-\xff.env"),
]


def test_hostile_path_names_are_reported_escaped(tree: Path, run_cli: Invoke) -> None:
    for name in HOSTILE_NAMES:
        (tree / name).write_text(f"GITHUB_TOKEN={TOKEN}\n")
    text = run_cli("scan", "--no-color", cwd=tree).output
    for shown in (
        "new\\x0aline.env:1:14",
        "carriage\\x0dreturn.env:1:14",
        "esc\\x1b[31mred.env:1:14",
        "bell\\x07.env:1:14",
        "tab\\x09here.env:1:14",
        "latin1-\\xe9-\\xff.env:1:14",
    ):
        assert shown in text
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    data = stats_of(run_cli("scan", "-f", "json", cwd=tree).stdout)
    assert data["stats"]["files_scanned"] == len(HOSTILE_NAMES) + 1
    assert "new\nline.env" in [f["path"] for f in data["findings"]]  # JSON escapes it itself


def test_sparse_2gb_file_is_skipped_unread(tree: Path) -> None:
    """A 2 GiB file (sparse: no disk used) over --max-file-size is counted from its size alone."""
    big = tree / "huge.bin"
    with big.open("wb") as handle:
        handle.truncate(2 * 1024**3)
    started = time.monotonic()
    done, peak_mb = measured(tree, "scan", "-f", "json")
    assert time.monotonic() - started < 60
    assert done.returncode == 1
    data = stats_of(done.stdout)
    assert data["stats"]["skipped_too_large"] == 1 and data["stats"]["files_scanned"] == 1
    assert peak_mb < 300  # never read: nothing near 2 GiB was allocated


def test_single_100mb_line(tree: Path) -> None:
    """Skipped by default (over 10 MiB) and counted; scanned in bounded time and memory when allowed:
    the file's bytes and one window of its text at a time, about the file's size plus 80 MB."""
    size = 100 * 1024 * 1024
    token = github_token(rng=__import__("random").Random(5))
    (tree / "line.txt").write_bytes(
        b"x=" + b"A" * (size // 2) + f" {token} ".encode() + b"B" * (size // 2) + b"\n"
    )
    skipped = stats_of(spillguard(tree, "scan", "-f", "json").stdout)
    assert skipped["stats"]["skipped_too_large"] == 1
    assert skipped["notices"] == [
        {"path": "line.txt", "message": "larger than --max-file-size (10,485,760 bytes), not scanned"}
    ]
    started = time.monotonic()
    done, peak_mb = measured(tree, "scan", "-f", "json", "--max-file-size", "128MiB")
    assert time.monotonic() - started < 90
    data = stats_of(done.stdout)
    assert data["stats"]["files_scanned"] == 2 and data["stats"]["bytes_scanned"] > size
    assert [(f["path"], f["line"], f["column"]) for f in data["findings"]] == [
        ("app.py", 1, 10),
        ("line.txt", 1, size // 2 + 4),
    ]
    assert peak_mb < size / 2**20 + 150


def test_huge_binary_with_a_raised_limit_is_judged_by_its_first_bytes(tree: Path) -> None:
    """A 2 GiB file under a raised --max-file-size: its first 8 KiB say binary, the rest is never read."""
    with (tree / "huge.bin").open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: zeros, no disk used
    done, peak_mb = measured(tree, "scan", "-f", "json", "-v", "--max-file-size", "3GiB")
    data = stats_of(done.stdout)
    assert data["stats"]["skipped_binary"] == 1 and data["stats"]["files_scanned"] == 1
    assert {"path": "huge.bin", "message": "binary, not scanned"} in data["notices"]
    assert "note: huge.bin: binary, not scanned" in done.stderr
    assert peak_mb < 150


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_nested_base64_is_decoded_two_levels_deep_only(tree: Path, run_cli: Invoke) -> None:
    """Docker `auths` inside base64 inside base64...: the engine decodes two levels, no more, however
    deep the nesting goes, and stays fast."""
    value = _b64(f"user:{TOKEN}")
    for depth in range(1, 13):
        (tree / f"nested{depth:02d}.txt").write_text(f"data: {value}\n")
        value = _b64('{"auths":{"registry.example.com":{"auth":"' + value + '"}}}')
    started = time.monotonic()
    result = run_cli("scan", "-f", "json", cwd=tree)
    assert time.monotonic() - started < 20
    findings = stats_of(result.stdout)["findings"]
    found = {f["path"]: f.get("decoded") for f in findings if f["rule_id"] != "generic.auth-assignment"}
    assert found == {"app.py": None, "nested01.txt": "base64", "nested02.txt": "base64+base64"}
    # deeper, the token is beyond the bound; a registry `auth` entry two levels down is read as written
    assert {f.get("decoded") for f in findings if f["rule_id"] == "generic.auth-assignment"} <= {
        "base64+base64"
    }


def _archives(tree: Path) -> None:
    secret = f"GITHUB_TOKEN={TOKEN}\n".encode()
    with zipfile.ZipFile(tree / "stored.zip", "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("inner.env", secret)  # the secret sits uncompressed in the zip's bytes
    with zipfile.ZipFile(tree / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", b"0" * (64 * 1024 * 1024))  # 64 MiB that compress to ~64 KiB
    (tree / "inner.env.gz").write_bytes(gzip.compress(secret))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("inner.env")
        info.size = len(secret)
        archive.addfile(info, io.BytesIO(secret))
    (tree / "inner.tar").write_bytes(buffer.getvalue())


def test_archives_are_skipped_as_binary_never_decompressed(tree: Path, run_cli: Invoke) -> None:
    _archives(tree)
    assert (tree / "bomb.zip").stat().st_size < 1024 * 1024
    started = time.monotonic()
    result = run_cli("scan", "-f", "json", cwd=tree)
    assert time.monotonic() - started < 20
    data = stats_of(result.stdout)
    assert data["stats"]["skipped_binary"] == 4 and data["stats"]["files_scanned"] == 1
    assert [f["path"] for f in data["findings"]] == ["app.py"]


def test_invalid_utf8_content_is_scanned_not_fatal(tree: Path, run_cli: Invoke) -> None:
    (tree / "mixed.env").write_bytes(
        b"\xc3(\x80\xff junk\nGITHUB_TOKEN=" + TOKEN.encode() + b"\n\xed\xa0\x80\n"
    )
    result = run_cli("scan", "-f", "json", cwd=tree)
    assert result.exit_code == 1
    assert {(f["path"], f["line"]) for f in stats_of(result.stdout)["findings"]} == {
        ("app.py", 1),
        ("mixed.env", 2),
    }


def test_missing_path_argument_is_an_error(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--", "no-such-dir", cwd=tree)
    assert result.exit_code == 2
    assert result.output == "spillguard: error: no-such-dir: no such file or directory\n"
