"""The per-file step every mode shares: the path allowlist holds in every mode, and the rule index is
prepared (keyword tables and prefilter built, with the user cache) before the first scan of each mode,
never from inside the engine."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import scanner.ruleset.compiled
from scanner.engine.index import KeywordTables
from scanner.model import Policy, Report
from scanner.modes.history import scan_history
from scanner.modes.range import scan_range
from scanner.modes.staged import scan_staged
from scanner.modes.workdir import scan_paths
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from scanner.ruleset.tables import keyword_tables
from tests.conftest import Invoke, git
from tests.modes.test_git_modes import TOKEN, commit_file

ENGINE = Path(scanner.ruleset.compiled.__file__).parents[1] / "engine"


def _modes(repo: Path) -> dict[str, Callable[[CompiledRuleset], Report]]:
    policy = Policy()
    return {
        "workdir": lambda r: scan_paths((".",), r, policy, cwd=repo),
        "staged": lambda r: scan_staged(r, policy, cwd=repo),
        "range": lambda r: scan_range("HEAD~1..HEAD", r, policy, cwd=repo),
        "history": lambda r: scan_history(r, policy, jobs=2, cwd=repo),
    }


@pytest.mark.parametrize("mode", ["workdir", "staged", "range", "history"])
def test_the_rule_index_is_prepared_before_the_first_scan(
    repo: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit_file(repo, "a.py", "x = 1\n")
    commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    (repo / "c.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "c.py")
    callers: list[list[tuple[str, str]]] = []

    def spy(*args: object) -> KeywordTables:
        callers.append([(frame.filename, frame.function) for frame in inspect.stack()])
        return keyword_tables(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner.ruleset.compiled, "keyword_tables", spy)
    report = _modes(repo)[mode](CompiledRuleset(load_rules(), "pyahocorasick"))
    expected = {"workdir": ["b.py", "c.py"], "staged": ["c.py"], "range": ["b.py"], "history": ["b.py"]}
    assert [f.location.path for f in report.findings] == expected[mode]
    assert len(callers) == 1  # built once, before any worker forks
    in_engine = [(Path(name).name, function) for name, function in callers[0] if Path(name).parent == ENGINE]
    assert in_engine == [("index.py", "prepare")]  # RuleIndex.prepare, never a scan
    assert ("file_step.py", "prepare") in [(Path(name).name, function) for name, function in callers[0]]


def test_allowlisted_paths_are_skipped_in_every_mode(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    config = tmp_path / "config.yml"
    config.write_text("allowlist:\n  paths: ['tests/*']\n")
    commit_file(repo, "src/a.py", "x = 1\n")
    base = git(repo, "rev-parse", "HEAD").strip()
    commit_file(repo, "tests/fixture.py", f"t = '{TOKEN}'\n")
    (repo / "tests" / "other.py").write_text(f"t = '{TOKEN}'\n")
    git(repo, "add", "tests/other.py")
    for args in ((), ("--staged",), ("--range", f"{base}..HEAD"), ("--history", "--no-cache")):
        result = run_cli("scan", *args, "--config", str(config), "-f", "json", "-q", cwd=repo)
        assert (result.exit_code, json.loads(result.stdout)["findings"]) == (0, []), args
