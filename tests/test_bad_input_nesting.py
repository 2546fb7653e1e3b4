"""Deeply nested JSON wherever spillguard parses JSON it did not write itself: a notebook in a scanned
tree or in history, another scanner's report given to `baseline import`, a JWT in scanned text, and
entries of the user and history caches. Each is scanned as text, refused with one line naming the
file, or (a cache entry) rebuilt; never exit 3, never a traceback, and the rest of the scan goes on."""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import string
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import jsonio
from scanner.baseline.imports import READERS
from scanner.errors import BaselineError
from scanner.modes.history_cache import CACHE_FILE
from scanner.sources.notebook import notebook_chunks
from tests.conftest import Invoke, git
from tests.tokens import github_token

TOKEN = github_token()
OTHER = github_token(rng=random.Random(11))
DEEP = "[" * 1200 + "]" * 1200  # 2.4 KB: enough to exhaust the standard parser's recursion


def _deep_notebook(token: str) -> str:
    return '{"cells": ' + DEEP + ', "metadata": {"note": "GITHUB_TOKEN=' + token + '"}}'


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "app.py").write_text(f"TOKEN = '{TOKEN}'\n")
    (root / "deep.ipynb").write_text(_deep_notebook(OTHER))
    return root


@pytest.mark.parametrize("extra", [[], ["--skip-errors"]], ids=["plain", "skip-errors"])
def test_deep_notebook_in_a_tree_is_scanned_as_text(tree: Path, run_cli: Invoke, extra: list[str]) -> None:
    result = run_cli("scan", "-f", "json", *extra, cwd=tree)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sorted(f["path"] for f in data["findings"]) == ["app.py", "deep.ipynb"]
    assert data["stats"]["files_scanned"] == 2


@pytest.mark.parametrize("extra", [[], ["--skip-errors"]], ids=["plain", "skip-errors"])
def test_deep_notebook_in_history_is_scanned_as_text(tree: Path, run_cli: Invoke, extra: list[str]) -> None:
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", ".")
    git(tree, "commit", "-qm", "deep")
    result = run_cli("scan", "--history", "--no-cache", "-f", "json", *extra, cwd=tree)
    assert result.exit_code == 1, result.output
    assert sorted(f["path"] for f in json.loads(result.stdout)["findings"]) == ["app.py", "deep.ipynb"]


@pytest.mark.parametrize("fmt", ["detect-secrets", "gitleaks", "betterleaks"])
@pytest.mark.parametrize("where", ["top", "inside"])
def test_import_of_deeply_nested_json_is_one_line(tree: Path, run_cli: Invoke, fmt: str, where: str) -> None:
    report = tree.parent / "report.json"
    report.write_text(DEEP if where == "top" else '{"results": {"a": ' + DEEP + '}, "findings": []}')
    result = run_cli("baseline", "import", fmt, str(report), cwd=tree)
    assert result.exit_code == 2
    assert (
        result.output
        == f"spillguard: error: {report}: not a report: values nested more than 100 levels deep\n"
    )
    assert not (tree / ".spillguard-baseline.json").exists()


@pytest.mark.parametrize("fmt", ["detect-secrets", "gitleaks", "betterleaks", "gitleaksignore"])
def test_import_of_a_fifo_is_refused_without_reading(tree: Path, run_cli: Invoke, fmt: str) -> None:
    import os

    fifo = tree.parent / "report.fifo"
    os.mkfifo(fifo)
    result = run_cli("baseline", "import", fmt, str(fifo), cwd=tree)
    assert result.exit_code == 2 and result.output == f"spillguard: error: {fifo}: not a regular file\n"


def _jwt_with_deep_payload() -> str:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    rng = random.Random(1)
    filler = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(900))
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(('{"r":"' + filler + '","a":' + "[" * 1200 + "]" * 1200 + "}").encode())
    return f"{header}.{payload}.{b64(rng.randbytes(48))}"


def test_jwt_with_a_deeply_nested_payload_is_no_crash(tree: Path, run_cli: Invoke) -> None:
    (tree / "auth.txt").write_text(f"Authorization: Bearer {_jwt_with_deep_payload()}\n")
    result = run_cli("scan", "-f", "json", cwd=tree)
    assert result.exit_code == 1, result.output
    assert sorted(f["path"] for f in json.loads(result.stdout)["findings"]) == ["app.py", "deep.ipynb"]


def test_deeply_nested_user_cache_entries_are_rebuilt(
    tree: Path, tmp_path: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(cache))
    first = run_cli("scan", "-f", "json", "--prefilter", "pyahocorasick", cwd=tree)
    entries = [p for p in cache.iterdir() if p.suffix == ".json"]
    assert entries  # parsed rule files and keyword tables
    for entry in entries:
        entry.write_text(DEEP)
    again = run_cli("scan", "-f", "json", "--prefilter", "pyahocorasick", cwd=tree)
    assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)
    assert all(entry.read_text() != DEEP for entry in entries)  # derived again and rewritten


def test_deeply_nested_history_cache_rows_are_ignored(tree: Path, run_cli: Invoke) -> None:
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", ".")
    git(tree, "commit", "-qm", "one")
    first = run_cli("scan", "--history", "-f", "json", cwd=tree)
    with sqlite3.connect(tree / ".git" / "spillguard" / CACHE_FILE) as db:
        assert db.execute("UPDATE audits SET snapshot = ?", (DEEP,)).rowcount == 1
        assert db.execute("UPDATE walks SET introduced = ?", (DEEP,)).rowcount == 1
    again = run_cli("scan", "--history", "-f", "json", cwd=tree)
    assert again.exit_code == first.exit_code == 1
    assert json.loads(again.stdout)["findings"] == json.loads(first.stdout)["findings"]


# Properties: whatever the nesting, the readers answer (chunks, None, or their own error).

brackets = st.integers(min_value=1, max_value=5_000).flatmap(
    lambda depth: st.tuples(st.just(depth), st.sampled_from(["[", '{"a":', '[{"b":']))
)


def _nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}", '[{"b":': "}]"}[opener]
    return opener * depth + "0" + closer * depth


@settings(max_examples=60, deadline=None)
@given(brackets, st.booleans())
def test_notebook_reader_never_raises_on_nesting(spec: tuple[int, str], inside_cells: bool) -> None:
    body = _nested(*spec)
    raw = '{"cells": [{"source": ' + body + "}]}" if inside_cells else body
    chunks = notebook_chunks("n.ipynb", raw)
    assert chunks is None or isinstance(chunks, tuple)
    if spec[0] > jsonio.MAX_JSON_DEPTH:
        assert chunks is None  # scanned as text instead


@settings(max_examples=60, deadline=None)
@given(brackets, st.sampled_from(sorted(READERS)), st.booleans())
def test_importers_answer_any_nesting_with_their_own_error(
    tmp_path_factory: pytest.TempPathFactory, spec: tuple[int, str], fmt: str, truncated: bool
) -> None:
    body = _nested(*spec)
    report = tmp_path_factory.mktemp("report") / "report.json"
    report.write_text(body[: len(body) // 2] if truncated else body)
    try:
        READERS[fmt](report)
    except BaselineError as exc:
        assert str(report) in exc.message and "\n" not in exc.message


def test_loads_turns_a_recursion_error_into_too_deep() -> None:
    """A stack already deep when the parser starts: the limit is not reached, the interpreter's is."""
    limit = sys.getrecursionlimit()
    depth = len(__import__("inspect").stack())
    sys.setrecursionlimit(depth + 40)
    try:
        with pytest.raises(jsonio.TooDeep, match="nested too deeply to parse"):
            jsonio.loads("[" * 90 + "]" * 90)
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * 101 + "]" * 101, True),
        ("[" * 100 + "]" * 100, False),
        ('["' + "[" * 500 + '"]', False),  # brackets inside a string are text
        ('["\\"' + "[" * 500 + '"]', False),  # an escaped quote does not end the string
        ('{"a": ' * 60 + "[" * 41 + "]" * 41 + "}" * 60, True),
    ],
)
def test_depth_is_counted_outside_strings(text: str, deep: bool) -> None:
    assert jsonio.too_deep(text) is deep


def _depth_by_tokens(text: str, limit: int) -> bool:
    """The depth counted token by token (string literals skipped whole): what `too_deep` answers."""
    import re

    depth = 0
    for found in re.finditer(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', text):
        token = found.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}"\\ a', max_size=300), st.integers(min_value=0, max_value=6))
def test_depth_is_what_counting_token_by_token_gives(text: str, limit: int) -> None:
    """Malformed text too (closing brackets first, unclosed ones, an unterminated string)."""
    expected = False if text.count("[") + text.count("{") <= limit else _depth_by_tokens(text, limit)
    assert jsonio.too_deep(text, limit) is expected
