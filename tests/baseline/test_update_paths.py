"""A secret repeated in one file is one baseline entry, on create and on update; `--fail-on new` fails
on a new finding and only on one, through the CLI in a real directory."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import Invoke
from tests.tokens import github_token

BASELINE = ".spillguard-baseline.json"
T1 = github_token(rng=random.Random(11))
T2 = github_token(rng=random.Random(12))


def paths_and_lines(cwd: Path) -> list[tuple[str, int]]:
    entries = json.loads((cwd / BASELINE).read_text())["entries"]
    return [(e["path"], e["line"]) for e in entries]


def test_a_repeated_secret_is_one_entry_on_create_and_update(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "app.py").write_text(f"A = '{T1}'\nB = '{T1}'\n")
    created = run_cli("baseline", "create", cwd=tmp_path)
    assert created.exit_code == 0 and "1 entries" in created.output
    assert paths_and_lines(tmp_path) == [("app.py", 1)]
    (tmp_path / "app.py").write_text(f"# moved\nA = '{T1}'\nB = '{T1}'\nC = '{T1}'\n")
    updated = run_cli("baseline", "update", cwd=tmp_path)
    assert updated.exit_code == 0 and "0 added, 0 removed, 1 entries" in updated.output
    assert paths_and_lines(tmp_path) == [("app.py", 2)]  # the known entry's last-seen line


def test_fail_on_new_fails_only_for_a_new_finding(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "app.py").write_text(f"A = '{T1}'\n")
    run_cli("baseline", "create", cwd=tmp_path)
    assert run_cli("scan", "-b", BASELINE, "--fail-on", "new", "-q", cwd=tmp_path).exit_code == 0
    (tmp_path / "lib.py").write_text(f"B = '{T2}'\n")
    result = run_cli("scan", "-b", BASELINE, "--fail-on", "new", "-f", "json", "-q", cwd=tmp_path)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(f["path"], f["baseline"]["state"]) for f in data["findings"]] == [("lib.py", "new")]
