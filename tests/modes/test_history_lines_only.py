"""A repeated audit looks again only at the lines that held a blob's findings, where those lines alone
give them (scanner.modes.history_blobs: `BlobResult.lines`, `BlobState.only`, kept in the audit's
snapshot): blob by blob, what the reduced blob gives equals what the whole blob gave (findings, notices,
counts), on the texts the line memo is tested with; a blob whose findings need other lines is read
whole again; and through the CLI, an audit from the snapshot reports what the fresh one did, reading
those lines and no others."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pygit2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.model import Policy
from scanner.modes.file_step import FileStep
from scanner.modes.history_blobs import BlobResult, BlobState, blank_except, scan_blobs
from scanner.modes.history_cache import CACHE_FILE
from scanner.modes.history_lines import LineMemo
from scanner.sources.git import Reopened
from tests.conftest import Invoke, git
from tests.modes.test_git_modes import commit_file
from tests.modes.test_history_cache import audit, comparable, no_walk
from tests.modes.test_history_lines import BACKENDS, PATHS, PEM, RULESETS, TOKEN, _texts
from tests.tokens import github_token

COMMIT = "c" * 40


def test_blanking_keeps_line_numbers_and_the_lines_asked_for() -> None:
    data = b"one\r\ntwo\n\nfour caf\xc3\xa9\nfive"
    assert blank_except(data, (2, 4)) == b"\ntwo\n\nfour caf\xc3\xa9\n"
    assert blank_except(data, (1, 5)) == b"one\r\n\n\n\nfive"  # the first and the last stay at the edges
    assert blank_except(data + b"\n", (5, 9, 0)) == b"\n\n\n\nfive\n"  # lines past the end: none
    assert blank_except(data, ()) == b"\n\n\n\n"


def _blanked(data: bytes, lines: tuple[int, ...]) -> bytes:
    """The definition: every line split off, those not asked for emptied, joined again."""
    held = data.split(b"\n")
    return b"\n".join(line if number in lines else b"" for number, line in enumerate(held, 1))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([b"", b"a", b"key = x", b"\r", b"caf\xc3\xa9"]), max_size=40).map(b"\n".join),
    st.lists(st.integers(-2, 45), max_size=6).map(tuple),
)
def test_blanking_equals_its_definition(data: bytes, lines: tuple[int, ...]) -> None:
    assert blank_except(data, lines) == _blanked(data, lines)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([b"", b"x" * 7, b"y" * 300, b"z" * 9000]), min_size=1, max_size=8),
    st.integers(1, 400),
    st.data(),
)
def test_blanking_across_the_blocks_it_counts_in(
    pattern: list[bytes], times: int, data: st.DataObject
) -> None:
    """Texts of many blocks of line breaks counted at a time, lines longer than a block among them."""
    text = b"\n".join(pattern * times)
    count = text.count(b"\n") + 1
    lines = data.draw(st.lists(st.integers(1, count + 2), max_size=5).map(tuple))
    assert blank_except(text, lines) == _blanked(text, lines)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> pygit2.Repository:
    return pygit2.init_repository(str(tmp_path_factory.mktemp("store")), bare=True)


def _scan(
    store: pygit2.Repository,
    step: FileStep,
    batch: list[tuple[str, str, str]],
    only: dict[str, tuple[int, ...]],
) -> list[BlobResult]:
    return scan_blobs(batch, BlobState(Reopened(store.path), step, LineMemo(step), only, lines=True))[1]


@pytest.mark.parametrize("backend", BACKENDS)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_blob_read_on_its_finding_lines_alone_gives_what_the_whole_blob_gave(
    backend: str, store: pygit2.Repository, data: st.DataObject
) -> None:
    step = FileStep(RULESETS[backend], Policy())
    step.prepare()
    path = data.draw(st.sampled_from(PATHS))
    texts = data.draw(st.lists(_texts(), min_size=1, max_size=4))  # versions of one path, in order
    batch = [(str(store.create_blob(text.encode("utf-8"))), path, COMMIT) for text in texts]
    cold = {result.blob: result for result in _scan(store, step, batch, {})}
    only = {blob: result.lines for blob, result in cold.items() if result.lines is not None}
    for result in cold.values():
        if result.lines is not None:  # the lines of every finding, and nothing else
            assert result.findings and not result.notices
            spans = {n for f in result.findings for n in range(f.location.line, f.location.end_line + 1)}
            assert set(result.lines) == spans
    again = _scan(store, step, [item for item in batch if item[0] in only], only)
    for result in again:
        before = cold[result.blob]
        assert (result.findings, result.notices, result.stats) == (
            before.findings,
            before.notices,
            before.stats,
        )
        assert result.lines is None  # what a repeated audit stores of nothing


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_blob_is_reduced_to_its_finding_lines_only_where_they_alone_give_its_findings(
    backend: str, store: pygit2.Repository
) -> None:
    step = FileStep(RULESETS[backend], Policy())
    noise = ["import os", "password = os.environ.get('DB_PASSWORD')", "token = read_token()", "x = 1"]
    texts = [
        "\n".join([*noise, f"deploy = '{TOKEN}'", *noise]),  # from its line alone, the memo says
        # a keyword of a rule that is not line-local on the line: the reduced blob is scanned to check
        "\n".join([*noise, f"T = os.environ.get('T', '{github_token()}')", "y = 2"]),
        "\n".join(["x = 1", *PEM, "y = 2"]),  # a key block: every line of it is a finding's
        "\n".join(
            ["x = 1", "X = os.environ.get(", '    "DB_PASSWORD",', '    "Lrx6HLjxzsiFBJpRNIovd")', "y = 2"]
        ),
    ]
    batch = [(str(store.create_blob(f"{text}\n".encode())), "app.py", COMMIT) for text in texts]
    results = _scan(store, step, batch, {})
    assert all(result.findings for result in results)
    # the last one's finding (line 4) needs the lines naming the variable: it is read whole again
    assert [r.lines for r in results] == [(5,), (5,), tuple(range(2, len(PEM) + 2)), None]
    # asked for another line, a blob is looked at there alone: the finding on line 5 is not seen
    (moved,) = _scan(store, step, batch[:1], {batch[0][0]: (1,)})
    assert moved.findings == () and moved.stats == results[0].stats
    (cut,) = _scan(store, step, batch[3:], {batch[3][0]: (4,)})
    assert cut.findings == ()  # what reading the last one on its finding line alone would have missed


def _stored_lines(repo: Path) -> dict[str, tuple[int, ...]]:
    with sqlite3.connect(repo / ".git" / "spillguard" / CACHE_FILE) as db:
        (stored,) = db.execute("SELECT snapshot FROM audits").fetchone()
    return {str(blob): tuple(int(n) for n in lines) for blob, lines in json.loads(stored)["lines"]}


def test_an_audit_from_the_snapshot_reads_the_finding_lines_alone(
    repo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    noise = "\n".join(["import os", "password = os.environ.get('P')", "token = read_token()"] * 5)
    first = commit_file(repo, "app.py", f"{noise}\ndeploy = '{TOKEN}'\n{noise}\n")
    commit_file(repo, "app.py", f"x = 0\n{noise}\ndeploy = '{TOKEN}'\n{noise}\nz = 1\n")
    commit_file(repo, "key.pem", "\n".join(PEM) + "\n")
    commit_file(repo, "clean.py", "x = 1\n")
    fresh = audit(run_cli, repo)
    at_first = git(repo, "rev-parse", f"{first}:app.py").strip()
    at_head = git(repo, "rev-parse", "HEAD:app.py").strip()
    key = git(repo, "rev-parse", "HEAD~1:key.pem").strip()
    assert _stored_lines(repo) == {at_first: (16,), at_head: (17,), key: tuple(range(1, len(PEM) + 1))}
    no_walk(monkeypatch)
    again = audit(run_cli, repo)
    assert comparable(again) == comparable(fresh) and again["stats"]["cached_blobs"] > 0
    # the snapshot's lines are all that is read of those blobs: pointed elsewhere, nothing is found there
    with sqlite3.connect(repo / ".git" / "spillguard" / CACHE_FILE) as db:
        (stored,) = db.execute("SELECT snapshot FROM audits").fetchone()
        snapshot = json.loads(stored)
        snapshot["lines"] = [[blob, [999]] for blob, _ in snapshot["lines"]]  # past their ends
        db.execute("UPDATE audits SET snapshot = ?", (json.dumps(snapshot),))
    elsewhere = audit(run_cli, repo)
    found = {(f["path"], f["rule_id"]) for f in fresh["findings"]}
    assert found == {
        ("app.py", "github.pat-classic"),
        ("key.pem", "private-key.rsa"),
        ("key.pem", "file.private-key"),
    }
    # only what the path alone gives is left
    assert [(f["path"], f["rule_id"]) for f in elsewhere["findings"]] == [("key.pem", "file.private-key")]
