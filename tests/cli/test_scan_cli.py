from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Invoke, git
from tests.tokens import github_token

TOKEN = github_token()


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "app.py").write_text(f"import os\nTOKEN = '{TOKEN}'\n")
    (root / "clean.txt").write_text("nothing to see\n")
    return root


def test_findings_exit_1_and_text_report(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--no-color", cwd=tree)
    assert result.exit_code == 1
    assert "app.py:2:10  HIGH  GitHub classic personal access token [github.pat-classic]" in result.output
    assert "ghp_" in result.output and TOKEN not in result.output
    assert "fix: " in result.output
    assert "1 finding in 2 files" in result.output


def test_clean_tree_exits_0(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    result = run_cli("scan", str(tmp_path))
    assert result.exit_code == 0
    assert "0 findings in 1 file" in result.output


def test_twenty_megabyte_single_line_file(tmp_path: Path, run_cli: Invoke) -> None:
    # longer than one 16 MiB window: the token sits in the second
    line = "k=v; password: see vault; token ids 0123; " * (20_000_000 // 43)
    (tmp_path / "huge.min.js").write_text(line + f" '{TOKEN}' " + line[:5000])
    result = run_cli("scan", "-f", "json", "-q", "--max-file-size", "30MiB", str(tmp_path))
    data = json.loads(result.stdout)
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("github.pat-classic", 1)]
    assert data["stats"]["files_scanned"] == 1


def test_empty_directory(tmp_path: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", str(tmp_path))
    assert result.exit_code == 0 and "0 findings in 0 files" in result.output


def test_exit_zero(tree: Path, run_cli: Invoke) -> None:
    assert run_cli("scan", "--exit-zero", cwd=tree).exit_code == 0


def test_missing_path_exits_2(tmp_path: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "nope", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output == "spillguard: error: nope: no such file or directory\n"


def test_unknown_option_exits_2(run_cli: Invoke) -> None:
    result = run_cli("scan", "--frobnicate")
    assert result.exit_code == 2 and "No such option" in result.output


def test_show_secrets_reveals_in_text_and_json(tree: Path, run_cli: Invoke) -> None:
    assert TOKEN in run_cli("scan", "--show-secrets", cwd=tree).output
    data = json.loads(run_cli("scan", "--show-secrets", "-f", "json", "-q", cwd=tree).stdout)
    assert data["findings"][0]["secret"] == TOKEN


def test_show_secrets_never_reaches_sarif(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--show-secrets", "-f", "sarif", "-q", cwd=tree)
    assert result.exit_code == 1 and TOKEN not in result.output


def test_output_file_and_summary_on_stderr(tree: Path, tmp_path: Path, run_cli: Invoke) -> None:
    out = tmp_path / "report.json"
    result = run_cli("scan", "-f", "json", "-o", str(out), cwd=tree)
    assert result.exit_code == 1
    assert json.loads(out.read_text())["stats"]["findings"] == 1
    assert "1 finding in 2 files" in result.output  # the summary goes to stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.json.")]


def test_output_to_unwritable_place_exits_2(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "-o", str(tree / "no" / "such" / "dir.txt"), cwd=tree)
    assert result.exit_code == 2 and "cannot write the report" in result.output


def test_binary_file_is_skipped_and_counted(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" + TOKEN.encode())
    result = run_cli("scan", "-f", "json", "-q", str(tmp_path))
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["stats"]["skipped_binary"] == 1


def test_max_file_size_skips_and_counts(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--max-file-size", "10B", "-f", "json", "-q", cwd=tree)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["stats"]["skipped_too_large"] == 2


def test_bad_max_file_size_exits_2(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--max-file-size", "lots", cwd=tree)
    assert result.exit_code == 2 and "max_file_size must be a positive size" in result.output


def test_invalid_utf8_is_scanned(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9 \xff\xfe\n" + f"t={TOKEN}\n".encode())
    result = run_cli("scan", "--no-color", str(tmp_path), cwd=tmp_path)
    assert result.exit_code == 1 and "latin.txt:2:3" in result.output


def test_utf16_file_is_scanned(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "w.txt").write_bytes(f"x\r\nt={TOKEN}\r\n".encode("utf-16"))
    result = run_cli("scan", "--no-color", ".", cwd=tmp_path)
    assert result.exit_code == 1 and "w.txt:2:3" in result.output


def test_crlf_file(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "c.env").write_bytes(f"A=1\r\nB=2\r\nT={TOKEN}\r\n".encode())
    result = run_cli("scan", "--no-color", ".", cwd=tmp_path)
    assert "c.env:3:3" in result.output


def test_unreadable_file_is_counted(tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "locked.txt"
    secret.write_text(TOKEN)
    (tmp_path / "open.txt").write_text("fine\n")
    if os.geteuid() != 0:
        secret.chmod(0)
    else:  # root reads any file: make the read itself fail as it would for anyone else
        real_open = os.open

        def guarded_open(path: object, *args: Any, **kwargs: Any) -> int:
            if str(path) == str(secret):
                raise PermissionError(13, "Permission denied")
            return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", guarded_open)  # what scanner.bounded opens files with
    result = run_cli("scan", "-f", "json", "-q", "-v", "-j", "1", str(tmp_path))
    data = json.loads(result.stdout)
    assert result.exit_code == 0
    assert data["stats"]["skipped_unreadable"] == 1 and data["stats"]["files_scanned"] == 1
    assert data["notices"] == [{"path": str(secret), "message": "permission denied"}]


def test_fifo_is_skipped_not_opened(tmp_path: Path, run_cli: Invoke) -> None:
    os.mkfifo(tmp_path / "pipe")
    result = run_cli("scan", "-f", "json", "-q", "-v", str(tmp_path / "pipe"))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["notices"] == [
        {"path": str(tmp_path / "pipe"), "message": "not a regular file"}
    ]


def test_symlinks_are_not_followed(tmp_path: Path, run_cli: Invoke) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(TOKEN)
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "link.txt").symlink_to(outside / "secret.txt")
    (inside / "linkdir").symlink_to(outside)
    (inside / "loop").symlink_to(inside)
    result = run_cli("scan", str(inside))
    assert result.exit_code == 0 and "0 findings in 0 files" in result.output


def test_gitignore_is_honoured_in_a_work_tree(repo: Path, run_cli: Invoke) -> None:
    (repo / ".gitignore").write_text("build/\n*.log\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.txt").write_text(TOKEN)
    (repo / "debug.log").write_text(TOKEN)
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", ".")
    result = run_cli("scan", "-f", "json", "-q", cwd=repo / "src")
    paths = [f["path"] for f in json.loads(result.stdout)["findings"]]
    assert paths == ["src/app.py"]  # relative to the work tree root
    result = run_cli("scan", "-f", "json", "-q", cwd=repo)
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == ["src/app.py"]


def test_named_ignored_file_is_still_scanned(repo: Path, run_cli: Invoke) -> None:
    (repo / ".gitignore").write_text("*.log\n")
    (repo / "debug.log").write_text(TOKEN)
    assert run_cli("scan", "debug.log", cwd=repo).exit_code == 1


def test_disable_rule(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "-f", "json", "-q", "--disable", "github.pat-classic", cwd=tree)
    assert "github.pat-classic" not in {f["rule_id"] for f in json.loads(result.stdout)["findings"]}


def test_disable_unknown_rule_exits_2(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--disable", "github.nope", cwd=tree)
    assert result.exit_code == 2 and "unknown rule id(s): github.nope" in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_parallel_and_serial_agree(tmp_path: Path, run_cli: Invoke, jobs: str) -> None:
    for n in range(150):
        body = f"t = '{github_token(rng=__import__('random').Random(n))}'\n" if n % 7 == 0 else "x\n"
        (tmp_path / f"f{n:03}.py").write_text(body)
    result = run_cli("scan", "-j", jobs, "-f", "json", "-q", str(tmp_path))
    data = json.loads(result.stdout)
    assert data["stats"]["files_scanned"] == 150
    assert [f["path"].rsplit("/", 1)[-1] for f in data["findings"]] == [
        f"f{n:03}.py" for n in range(0, 150, 7)
    ]


def test_colour_only_when_asked_or_tty(tree: Path, run_cli: Invoke) -> None:
    assert "\x1b[" not in run_cli("scan", cwd=tree).output
    assert "\x1b[" in run_cli("scan", "--color", cwd=tree).output


def test_control_characters_in_paths_are_escaped(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "evil\x1b[31mname.txt").write_text(TOKEN)
    result = run_cli("scan", "--no-color", str(tmp_path))
    assert "\x1b" not in result.output and "evil\\x1b[31mname.txt" in result.output


def test_python_dash_m_entry_point(tree: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "-q", "-f", "json"],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and json.loads(done.stdout)["stats"]["findings"] == 1


def test_help_documents_exit_codes(run_cli: Invoke) -> None:
    result = run_cli("scan", "--help")
    assert result.exit_code == 0 and "Exit codes: 0 no findings, 1 findings" in result.output


def test_unexpected_error_exit_3_without_traceback(
    tree: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.cli import scan_cmd

    def boom(*_args: object, **_kwargs: object) -> None:
        raise ValueError(f"should never be printed {TOKEN}")

    monkeypatch.setattr(scan_cmd, "run", boom)
    result = run_cli("scan", cwd=tree)
    assert result.exit_code == 3
    assert "unexpected error: ValueError" in result.output
    assert TOKEN not in result.output and "Traceback" not in result.output


def test_interrupt_exits_130(tree: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.cli import scan_cmd

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan_cmd, "run", interrupted)
    result = run_cli("scan", cwd=tree)
    assert result.exit_code == 130 and result.output.strip() == "spillguard: interrupted"


def test_output_to_a_fifo_writes_into_it_and_keeps_it(tree: Path, tmp_path: Path, run_cli: Invoke) -> None:
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = run_cli("scan", "-f", "json", "-o", str(fifo), cwd=tree)
    reader.join(timeout=10)
    assert result.exit_code == 1
    assert json.loads(received[0])["stats"]["findings"] == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # not replaced by a regular file


def test_remediation_playbook(tree: Path, run_cli: Invoke) -> None:
    (tree / "db.env").write_text("DB_PASSWORD=Zq8#vN2!pL5wXr7k\n")
    result = run_cli("scan", "--remediation", "--no-color", cwd=tree)
    assert result.exit_code == 1
    out = result.output
    playbook = out[out.index("Rotation playbook") :]
    assert playbook.index("[github.pat-classic], high severity") < playbook.index(
        "[generic.password-assignment], medium severity"
    )
    assert "   found at app.py:2" in playbook and "revoke at: https://github.com/settings/tokens" in playbook
    assert "git filter-repo --replace-text" in playbook and TOKEN not in out
    assert "Rotation playbook" not in run_cli("scan", "--no-color", cwd=tree).output


def test_verbose_lists_every_skipped_file(tree: Path, run_cli: Invoke) -> None:
    (tree / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (tree / "big.log").write_text("x" * 4096)
    text = run_cli("scan", "--no-color", "-v", "--max-file-size", "2K", cwd=tree).output
    assert "note: img.png: binary, not scanned" in text
    assert "note: big.log: larger than --max-file-size (2,048 bytes), not scanned" in text
    assert "skipped 1 binary, 1 too large" in text
    quiet = run_cli("scan", "--no-color", "--max-file-size", "2K", cwd=tree).output
    assert "note:" not in quiet  # named only with -v; counted always
    data = json.loads(run_cli("scan", "-f", "json", "--max-file-size", "2K", cwd=tree).stdout)
    assert {"path": "img.png", "message": "binary, not scanned"} in data["notices"]


@pytest.mark.parametrize(
    "paths", [("app.py", "app.py"), (".", "app.py"), (".", "./"), (".", str(Path("..") / "tree"))]
)
def test_a_path_named_twice_is_scanned_once(tree: Path, run_cli: Invoke, paths: tuple[str, ...]) -> None:
    data = json.loads(run_cli("scan", "-f", "json", *paths, cwd=tree).stdout)
    assert [f["path"] for f in data["findings"]] == ["app.py"]
    assert data["stats"]["files_scanned"] == (1 if paths == ("app.py", "app.py") else 2)


def test_an_empty_path_is_a_usage_error(tree: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "", cwd=tree)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "spillguard: error: an empty PATH names no file; use . for the current directory; "
        "see `spillguard scan --help`"
    ]


def test_a_config_that_is_a_directory_is_an_error(tree: Path, run_cli: Invoke) -> None:
    (tree / ".spillguard.yml").mkdir()
    result = run_cli("scan", cwd=tree)
    assert result.exit_code == 2
    assert (
        result.output == f"spillguard: error: {tree / '.spillguard.yml'}: is a directory, expected a file\n"
    )


def test_version_names_the_keyword_prefilter_in_use(run_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.engine import prefilter

    result = run_cli("--version")
    expected = "hyperscan" if "hyperscan" in prefilter.available_backends() else "pyahocorasick"
    assert result.exit_code == 0 and f"(keyword prefilter: {expected}" in result.output
    monkeypatch.setattr(prefilter, "available_backends", lambda: ("pyahocorasick",))
    result = run_cli("--version")
    assert result.output.strip().endswith("(keyword prefilter: pyahocorasick, hyperscan not installed)")
