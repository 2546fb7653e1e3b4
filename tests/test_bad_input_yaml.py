"""Bad input: hostile or malformed rule files (`--rules FILE`) and config files (`.spillguard.yml`,
`--config FILE`). Each one is a one-line error naming the file, exit 2, never a traceback or a hang;
a catastrophic pattern in a user rule is stopped by the per-pattern timeout and named."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Invoke

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "rules: *i",
        "",
    ]
)

# (file content, what the one-line error must say); the same inputs are tried as rules and as config
HOSTILE: list[tuple[bytes, str]] = [
    (BILLION_LAUGHS.encode(), "values once aliases are expanded"),
    (b"a: &a [*a]\n", "values once aliases are expanded"),  # a recursive alias
    # our own depth check or libyaml's (which fires first in some PyYAML releases): either way it says "nest"
    (b"x: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nest"),
    (b"x: '" + b"a" * (5 * 1024 * 1024) + b"'\n", "larger than 4 MiB"),
    (b"\xff\xfe\x00r\x00u\x00l\x00e\x00s", "not UTF-8 text (invalid byte at offset 0)"),
    (b"rules:\n  - id: caf\xe9\n", "not UTF-8 text (invalid byte at offset 18)"),
    (b"\x00\x01\x02\x03\x1b[2J binary garbage", "not valid YAML"),
    (b"!!python/object/apply:os.system ['echo pwned']\n", "could not determine a constructor"),
    (b"{[1, 2]: 3}\n", "found unhashable key"),
    (b"rules: [\n", "not valid YAML at line 2"),
]


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _one_line_error(result_output: str, name: str, says: str) -> None:
    lines = result_output.strip().splitlines()
    assert len(lines) == 1, result_output[:2000]
    assert lines[0].startswith(f"spillguard: error: {name}") and says in lines[0], lines[0][:500]
    assert len(lines[0]) < 1000


@pytest.mark.parametrize(("content", "says"), HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("option", ["--rules", "--config"])
def test_hostile_yaml_is_one_line_error(
    tmp_path: Path, run_cli: Invoke, option: str, content: bytes, says: str
) -> None:
    hostile = _write(tmp_path / "hostile.yml", content)
    (tmp_path / "tree").mkdir()
    started = time.monotonic()
    result = run_cli("scan", option, str(hostile), "tree", cwd=tmp_path)
    assert time.monotonic() - started < 20
    assert result.exit_code == 2
    _one_line_error(result.output, str(hostile), says)


def test_found_config_is_checked_like_a_given_one(tmp_path: Path, run_cli: Invoke) -> None:
    _write(tmp_path / ".spillguard.yml", BILLION_LAUGHS.encode())
    result = run_cli("scan", cwd=tmp_path)
    assert result.exit_code == 2
    _one_line_error(result.output, str(tmp_path / ".spillguard.yml"), "aliases are expanded")


@pytest.mark.parametrize(
    ("option", "content", "says"),
    [
        ("--config", "[1, 2]\n", "expected a mapping of settings at the top level"),
        ("--config", "42\n", "expected a mapping of settings at the top level"),
        ("--config", "just a string\n", "expected a mapping of settings at the top level"),
        ("--config", "rules: 5\n", "`rules` must be a list of strings"),
        ("--config", "disable: [5]\n", "`disable` must be a list of strings"),
        ("--config", "allowlist: [a]\n", "`allowlist` must be a mapping"),
        ("--config", "allowlist: {paths: [1]}\n", "`paths` must be a list of strings"),
        ("--config", "allowlist: {regexes: ['(']}\n", "allowlist regex '(' is invalid"),
        ("--config", "max_file_size: -1\n", "max_file_size must be a positive size"),
        ("--config", "max_file_size: true\n", "max_file_size must be a positive size"),
        (
            "--config",
            "max_file_size: 99999999999999999999999G\n",
            "max_file_size must be a positive size up to 1TiB",
        ),
        (
            "--config",
            "max_file_size: 99999999999999999999999\n",
            "max_file_size must be a positive size up to 1TiB",
        ),
        ("--config", "colour: always\n", "unknown setting(s) colour"),
        ("--rules", "[1, 2]\n", "expected a mapping with one key `rules`"),
        ("--rules", "42\n", "expected a mapping with one key `rules`"),
        ("--rules", "\n", "expected a mapping with one key `rules`"),
        ("--rules", "rules: 5\n", "expected a mapping with one key `rules`"),
        ("--rules", "rules: [5, x, null]\n", "3 problems: rule #1 is not a mapping"),
        ("--rules", "rules:\n  - {id: 5, pattern: [1]}\n", "field 'id': must be a non-empty string"),
    ],
)
def test_config_and_rule_file_wrong_types(
    tmp_path: Path, run_cli: Invoke, option: str, content: str, says: str
) -> None:
    path = _write(tmp_path / ("c.yml" if option == "--config" else "r.yml"), content.encode())
    result = run_cli("scan", option, str(path), cwd=tmp_path)
    assert result.exit_code == 2
    _one_line_error(result.output, str(path), says)


def test_thousands_of_bad_rules_give_a_bounded_line(tmp_path: Path, run_cli: Invoke) -> None:
    rules = _write(tmp_path / "r.yml", ("rules: [" + ", ".join(["5"] * 5000) + "]\n").encode())
    result = run_cli("scan", "--rules", str(rules), cwd=tmp_path)
    assert result.exit_code == 2
    _one_line_error(result.output, str(rules), "5000 problems: rule #1 is not a mapping")
    assert "and 4980 more" in result.output


def _special_paths(tmp_path: Path) -> list[tuple[str, str]]:
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.yml"
    link.symlink_to("/dev/zero")
    return [
        (str(fifo), "not a regular file"),
        ("/dev/zero", "not a regular file"),
        (str(link), "not a regular file"),
        (str(tmp_path), "is a directory"),
        (str(tmp_path / "missing.yml"), "file not found"),
    ]


@pytest.mark.parametrize("option", ["--rules", "--config"])
def test_fifo_device_and_directory_are_refused_without_reading(tmp_path: Path, option: str) -> None:
    """In a real process with a timeout: a FIFO would block a plain open() forever, and /dev/zero
    would be read until memory runs out."""
    for path, says in _special_paths(tmp_path):
        done = subprocess.run(
            [sys.executable, "-m", "scanner", "scan", option, path, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={**os.environ, "SPILLGUARD_CACHE_DIR": str(tmp_path / "cache")},
        )
        assert done.returncode == 2, (path, done.stderr)
        if says == "is a directory":  # click refuses it before spillguard reads anything
            assert f"'{path}' is a directory" in done.stderr and "Traceback" not in done.stderr
            continue
        assert done.stderr.strip() == f"spillguard: error: {path}: {says}", done.stderr
        for path_made in ("fifo.yml", "zero.yml"):
            assert (tmp_path / path_made).exists() or (tmp_path / path_made).is_symlink()


def test_config_that_is_a_fifo_is_an_error_not_ignored(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".spillguard.yml")
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "scan"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "SPILLGUARD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"spillguard: error: {tmp_path / '.spillguard.yml'}: not a regular file"


REDOS_RULE = """\
rules:
  - id: user.redos
    name: Exponential test rule
    description: Bounded repeats, so the width check accepts it, but exponential backtracking.
    severity: low
    confidence: low
    keywords: [aaaa]
    pattern: '(?P<secret>(?:a|a){1,60}(?:a|a){1,60}b)'
    examples:
      positive: ['aaaab']
      negative: ['cccc']
    remediation:
      summary: Nothing to rotate; a test rule.
      rotate: [Nothing.]
"""


def test_catastrophic_user_pattern_is_cut_by_the_timeout_and_named(tmp_path: Path, run_cli: Invoke) -> None:
    rules = _write(tmp_path / "redos.yml", REDOS_RULE.encode())
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "victim.txt").write_text("a" * 60 + "c\n")
    (tree / "other.txt").write_text("nothing\n")
    started = time.monotonic()
    result = run_cli("scan", "--rules", str(rules), "-v", "--no-color", "tree", cwd=tmp_path)
    assert time.monotonic() - started < 30  # one 2 s timeout, not the hours backtracking would take
    assert result.exit_code == 0
    note = "note: tree/victim.txt: rule 'user.redos' timed out after 2 s; part of this file was not checked"
    assert note in result.output
    assert "0 findings in 2 files" in result.output and "1 regex timeout(s)" in result.output


def test_unbounded_user_pattern_is_rejected_by_the_width_check(tmp_path: Path, run_cli: Invoke) -> None:
    rules = _write(tmp_path / "r.yml", REDOS_RULE.replace("{1,60}", "+").encode())
    result = run_cli("scan", "--rules", str(rules), cwd=tmp_path)
    assert result.exit_code == 2
    _one_line_error(result.output, str(rules), "field 'pattern': can match unboundedly long text")
