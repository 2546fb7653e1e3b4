"""Foreign baseline files that are not what their format says are one error naming the file; matching
foreign entries to findings, through the library and `spillguard baseline import`."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from scanner.baseline.imports import READERS, ForeignEntry, match
from scanner.engine.scan import scan_chunk
from scanner.errors import BaselineError
from scanner.model import Chunk, Policy
from scanner.model import ReviewStatus as Status
from scanner.ruleset.compiled import CompiledRuleset
from tests.conftest import Invoke
from tests.tokens import github_token

TOKEN = github_token(rng=random.Random(7))


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("detect-secrets", "{", "not valid JSON"),
        ("detect-secrets", "[]", "not a detect-secrets baseline (no `results` object)"),
        (
            "detect-secrets",
            '{"results": {"a.py": [{"line_number": 1}]}}',
            "an entry of a.py has no hashed_secret",
        ),
        ("detect-secrets", '{"results": {"a.py": ["x"]}}', "an entry of a.py has no hashed_secret"),
        ("gitleaks", '{"File": "a.py"}', "not a gitleaks JSON report (expected a list of findings)"),
        ("gitleaks", '[{"StartLine": 1}]', "a finding has no File"),
        ("gitleaks", '["a.py"]', "a finding has no File"),
        ("betterleaks", "[]", "not a betterleaks JSON report (no `findings` list)"),
        ("betterleaks", '{"findings": 1}', "not a betterleaks JSON report (no `findings` list)"),
        ("betterleaks", '{"findings": [{"rule": "x"}]}', "a finding has no location"),
        ("betterleaks", '{"findings": ["x"]}', "a finding has no location"),
        ("betterleaks", '{"findings": [{"location": {"line": 3}}]}', "a finding's location has no path"),
        ("gitleaksignore", "a.py:generic.rule\n", "line 1 is not a fingerprint like file:rule:line"),
        ("gitleaksignore", "# note\n\na.py:rule:x\n", "line 3 is not a fingerprint like file:rule:line"),
    ],
)
def test_malformed_foreign_file_is_one_error(tmp_path: Path, fmt: str, content: str, message: str) -> None:
    path = tmp_path / "foreign"
    path.write_text(content)
    with pytest.raises(BaselineError) as caught:
        READERS[fmt](path)
    assert str(caught.value) == f"{path}: {message}"


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_unreadable_foreign_file_is_one_error(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(BaselineError) as caught:
        READERS[fmt](tmp_path)  # a directory
    assert str(caught.value) == f"{tmp_path}: cannot be read (Is a directory)"


def test_readers_keep_paths_lines_and_reviews(tmp_path: Path) -> None:
    betterleaks = tmp_path / "b.json"
    betterleaks.write_text(
        json.dumps(
            {"findings": [{"location": {"file": "a.py", "start_line": 4}}, {"location": {"path": "b.py"}}]}
        )
    )
    assert READERS["betterleaks"](betterleaks) == [ForeignEntry("a.py", 4), ForeignEntry("b.py", None)]
    ignore = tmp_path / ".gitleaksignore"
    ignore.write_text(f"{'c' * 40}:dir/a:b.py:generic-api-key:12\nc.py:aws-key:3\n")
    reason = "ignored in .gitleaksignore"
    assert READERS["gitleaksignore"](ignore) == [
        ForeignEntry("dir/a:b.py", 12, status=Status.FALSE_POSITIVE, reason=reason),
        ForeignEntry("c.py", 3, status=Status.FALSE_POSITIVE, reason=reason),
    ]


def test_without_revealed_secrets_matching_falls_back_to_lines(ruleset: CompiledRuleset) -> None:
    text = f"x = 1\nTOKEN = '{TOKEN}'\n"
    (hidden,) = scan_chunk(Chunk("a.py", text), ruleset, Policy()).findings
    (shown,) = scan_chunk(Chunk("a.py", text), ruleset, Policy(reveal_secrets=True)).findings
    sha1 = hashlib.sha1(TOKEN.encode()).hexdigest()
    by_hash = ForeignEntry("./a.py", 9, sha1, Status.REAL, "imported")
    by_line = ForeignEntry("a.py", 2, None, Status.FALSE_POSITIVE, "ignored")
    stray = ForeignEntry("b.py", 2)
    imported, unmatched = match([by_hash, by_line, stray], [shown])
    assert [(i.status, i.reason) for i in imported] == [(Status.REAL, "imported")]
    assert [u.entry for u in unmatched] == [stray]
    imported, unmatched = match([by_hash, by_line, stray], [hidden])
    assert [(i.status, i.reason) for i in imported] == [(Status.FALSE_POSITIVE, "ignored")]
    assert [u.entry for u in unmatched] == [by_hash, stray]


def test_unmatched_entries_say_why(ruleset: CompiledRuleset) -> None:
    text = f"x = 1\nTOKEN = '{TOKEN}'\n"
    (found,) = scan_chunk(Chunk("a.py", text), ruleset, Policy(reveal_secrets=True)).findings
    entries = [
        ForeignEntry("a.py", 1),  # a line without a finding
        ForeignEntry("a.py", None),  # no line at all
        ForeignEntry("a.py", 7, "0" * 40),  # a hash of something else, on no finding's line
        ForeignEntry("big.bin", 3),  # skipped by the scan
        ForeignEntry("gone.py", 3),  # not there
        ForeignEntry("clean.py", 3),  # there, holds nothing spillguard flags
    ]
    _, unmatched = match(
        entries, [found], {"big.bin": "binary, not scanned"}, lambda path: path == "clean.py"
    )
    assert [u.reason for u in unmatched] == [
        "a.py:1: no finding on this line (spillguard found secrets at lines 2; the file changed?)",
        "a.py: the entry has no line to match (spillguard found secrets at lines 2)",
        "a.py:7: the SHA-1 matches no secret spillguard found in this file (lines 2), nor does the line: "
        "the plugin may hash part of the value, or the file changed since",
        "big.bin: not scanned (binary, not scanned)",
        "gone.py: no such file in the scanned source (deleted, renamed, ignored, or outside it)",
        "clean.py:3: spillguard finds no secret in this file (no rule for it, or its filters reject it)",
    ]


def test_cli_import_of_a_malformed_gitleaksignore_is_exit_2(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / ".gitleaksignore").write_text("a.py:rule\n")
    result = run_cli("baseline", "import", "gitleaksignore", ".gitleaksignore", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output == (
        "spillguard: error: .gitleaksignore: line 1 is not a fingerprint like file:rule:line\n"
    )
    assert not (tmp_path / ".spillguard-baseline.json").exists()


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_foreign_file_too_large_or_not_utf8_is_one_error(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.baseline import imports

    path = tmp_path / "foreign"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(BaselineError, match=r": not UTF-8 text$"):
        READERS[fmt](path)
    monkeypatch.setattr(imports, "MAX_BASELINE_BYTES", 3 * 1024 * 1024)
    path.write_bytes(b" " * (3 * 1024 * 1024 + 1))
    with pytest.raises(BaselineError) as caught:
        READERS[fmt](path)
    assert str(caught.value) == f"{path}: larger than 3 MiB"
