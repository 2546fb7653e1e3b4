"""The GitHub Action's scan step, run locally against temporary repositories with simulated events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from tests.modes.test_git_modes import commit_file
from tests.tokens import github_token

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "action-scan.sh"
TOKEN = github_token()


def run_action(
    repo: Path, tmp_path: Path, event_name: str, event: Mapping[str, object], **inputs: str
) -> tuple[int, dict[str, str], dict]:  # type: ignore[type-arg]
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    output = tmp_path / "github_output"
    output.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GITHUB_EVENT_NAME=event_name,
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_OUTPUT=str(output),
        PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
    )
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    done = subprocess.run(
        ["bash", str(SCRIPT)], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    report = repo / outputs.get("sarif", "")
    sarif = json.loads(report.read_text()) if report.is_file() else {}
    return done.returncode, outputs, sarif


@pytest.fixture()
def pushed(repo: Path) -> tuple[Path, str, str]:
    base = commit_file(repo, "a.py", "x = 1\n")
    head = commit_file(repo, "b.py", f"t = '{TOKEN}'\n")
    return repo, base, head


def test_push_event_scans_pushed_commits(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, head = pushed
    code, outputs, sarif = run_action(repo, tmp_path, "push", {"before": base, "after": head})
    assert code == 1 and outputs["findings"] == "1" and outputs["status"] == "1"
    assert sarif["runs"][0]["results"][0]["ruleId"] == "github.pat-classic"
    code, outputs, _ = run_action(repo, tmp_path, "push", {"before": head, "after": head})
    assert code == 0 and outputs["findings"] == "0"


def test_push_of_new_branch(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, _, head = pushed
    code, outputs, _ = run_action(repo, tmp_path, "push", {"before": "0" * 40, "after": head})
    assert code == 1 and outputs["findings"] == "1"


def test_pull_request_event(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, head = pushed
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    code, outputs, _ = run_action(repo, tmp_path, "pull_request", event)
    assert code == 1 and outputs["findings"] == "1"
    code, outputs, _ = run_action(repo, tmp_path, "pull_request", event, fail_on="critical")
    assert code == 0 and outputs["findings"] == "1"  # reported, but below the threshold


def test_baseline_input(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, head = pushed
    subprocess.run(
        [sys.executable, "-m", "scanner", "baseline", "create", "--history", "--no-cache"],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    event = {"before": base, "after": head}
    code, outputs, sarif = run_action(repo, tmp_path, "push", event, baseline=".spillguard-baseline.json")
    assert code == 0 and outputs["findings"] == "1"  # reported as known, does not fail
    assert sarif["runs"][0]["results"][0]["baselineState"] == "unchanged"


def test_schedule_audits_history(repo: Path, tmp_path: Path) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "a.py", "t = None\n")
    code, outputs, _ = run_action(repo, tmp_path, "schedule", {}, args="--no-cache")
    assert code == 1 and outputs["findings"] == "1"


def test_schedule_keeps_the_history_cache_between_runs(repo: Path, tmp_path: Path) -> None:
    from scanner.modes.history_cache import CACHE_FILE

    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "b.py", "clean = 1\n")
    cache = tmp_path / "history-cache"
    first = run_action(repo, tmp_path, "schedule", {}, history_cache=str(cache))
    assert (cache / CACHE_FILE).is_file()
    again = run_action(repo, tmp_path, "schedule", {}, history_cache=str(cache))
    assert first[:2] == again[:2] and again[1]["findings"] == "1"
    assert first[2]["runs"][0]["results"] == again[2]["runs"][0]["results"]


def test_force_push_scans_what_the_branch_adds(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    """After a force push, the event's `before` is a commit no ref of the clone holds any more."""
    repo, _, head = pushed
    code, outputs, sarif = run_action(repo, tmp_path, "push", {"before": "1" * 40, "after": head})
    assert code == 1 and outputs["findings"] == "1"
    assert sarif["runs"][0]["results"][0]["ruleId"] == "github.pat-classic"


def test_bad_revision_fails_with_exit_2(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, _, head = pushed
    event = {"pull_request": {"base": {"sha": "1" * 40}, "head": {"sha": head}}}
    code, outputs, _ = run_action(repo, tmp_path, "pull_request", event)
    assert code == 2 and outputs["findings"] == "0" and outputs["status"] == "2"


def test_shallow_clone_push_keeps_the_range_error(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, head = pushed
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)], check=True, capture_output=True
    )
    code, outputs, _ = run_action(clone, tmp_path, "push", {"before": base, "after": head})
    assert code == 2 and outputs["status"] == "2"


def test_schedule_on_a_shallow_clone_deepens_it_first(repo: Path, tmp_path: Path) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "a.py", "t = None\n")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)], check=True, capture_output=True
    )
    code, outputs, _ = run_action(clone, tmp_path, "schedule", {}, args="--no-cache")
    assert code == 1 and outputs["findings"] == "1"  # the token only history holds
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=clone, capture_output=True)
    assert shallow.stdout.strip() == b"false"


def test_schedule_on_a_shallow_clone_that_cannot_deepen_fails_clearly(repo: Path, tmp_path: Path) -> None:
    commit_file(repo, "a.py", f"t = '{TOKEN}'\n")
    commit_file(repo, "a.py", "t = None\n")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)], check=True, capture_output=True
    )
    subprocess.run(["git", "remote", "remove", "origin"], cwd=clone, check=True)
    code, outputs, _ = run_action(clone, tmp_path, "schedule", {}, args="--no-cache")
    assert code == 2 and outputs["status"] == "2" and outputs["findings"] == "0"


def test_action_manifest_wires_the_script() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(action["inputs"]) >= {
        "mode",
        "baseline",
        "config",
        "fail-on",
        "args",
        "sarif",
        "upload-sarif",
        "history-cache",
    }
    assert set(action["outputs"]) == {"findings", "sarif"}
    steps = action["runs"]["steps"]
    assert any("action-scan.sh" in step.get("run", "") for step in steps)
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)
    (cache,) = [step for step in steps if step.get("uses", "").startswith("actions/cache@")]
    assert "spillguard-history" in cache["with"]["path"] and "history-cache" in cache["if"]
    scan = next(step for step in steps if "action-scan.sh" in step.get("run", ""))
    assert "spillguard-history" in scan["env"]["INPUT_HISTORY_CACHE"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "spillguard" and hooks[0]["stages"] == ["pre-commit", "pre-push"]
    assert hooks[0]["pass_filenames"] is False and hooks[0]["entry"] == "spillguard hook"
    files = hooks[1]
    assert files["id"] == "spillguard-files" and files["pass_filenames"] is True
    assert files["entry"].split()[:2] == ["spillguard", "scan"] and "manual" in files["stages"]
