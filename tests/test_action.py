"""The GitHub Action's scan step (scripts/action_scan.py), run against real temporary repositories with
simulated events: push (to a branch, a new branch, on a shallow clone), pull_request (also from a fork and
from Dependabot), schedule on a shallow and on a full clone, a failing scan; and the manifest itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import git
from tests.modes.test_git_modes import commit_file
from tests.sarif_schema import load_sarif
from tests.tokens import aws_access_key_id, github_token

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "action_scan.py"
TOKEN = github_token()
OTHER = github_token("gho_")
KEY = aws_access_key_id()


@dataclass
class Run:
    code: int
    outputs: dict[str, str]
    sarif: dict | None  # type: ignore[type-arg]
    summary: str
    stdout: str
    stderr: str


def run_action(
    repo: Path,
    tmp_path: Path,
    event_name: str,
    event: Mapping[str, object],
    actor: str = "octocat",
    **inputs: str,
) -> Run:
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event))
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text("")
    summary.write_text("")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "INPUT_", "GITHUB_"))}
    environment.update(
        GITHUB_EVENT_NAME=event_name,
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTOR=actor,
        RUNNER_TEMP=str(tmp_path),
        SPILLGUARD=str(Path(sys.executable).parent / "spillguard"),
        HOME=str(tmp_path),
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    environment.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=repo, env=environment, capture_output=True, text=True, check=False
    )
    outputs: dict[str, str] = {}
    for line in output.read_text().splitlines():  # a later value of an output replaces an earlier one
        key, _, value = line.partition("=")
        outputs[key] = value
    report = repo / outputs["sarif"] if outputs.get("sarif") else None
    sarif = load_sarif(report) if report is not None else None
    return Run(done.returncode, outputs, sarif, summary.read_text(), done.stdout, done.stderr)


def results(run: Run) -> list[dict]:  # type: ignore[type-arg]
    assert run.sarif is not None, run.stderr
    return run.sarif["runs"][0]["results"]  # type: ignore[no-any-return]


@pytest.fixture()
def origin(tmp_path: Path) -> Path:
    """The repository on GitHub: main holds one commit with an old, known token and one clean commit."""
    root = tmp_path / "origin"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit_file(root, "old.py", f"k = '{KEY}'\n")
    commit_file(root, "a.py", "x = 1\n")
    return root


def clone(origin: Path, target: Path, *options: str) -> Path:
    git(origin.parent, "clone", "-q", *options, origin.as_uri(), str(target))
    return target


@pytest.fixture()
def pushed(origin: Path, tmp_path: Path) -> tuple[Path, str, str]:
    """A full clone (fetch-depth: 0) whose main got one more commit adding a token: before and after."""
    work = clone(origin, tmp_path / "work")
    before = git(work, "rev-parse", "HEAD").strip()
    after = commit_file(work, "b.py", f"t = '{TOKEN}'\n")
    return work, before, after


def test_push_scans_the_pushed_commits(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    work, before, after = pushed
    run = run_action(work, tmp_path, "push", {"before": before, "after": after})
    assert run.code == 1 and run.outputs["status"] == "1"
    assert run.outputs["findings"] == "1" and run.outputs["reported"] == "1"
    assert run.outputs["category"] == "spillguard/push" and run.outputs["upload"] == "true"
    (result,) = results(run)
    assert result["ruleId"] == "github.pat-classic"
    assert run.sarif["runs"][0]["automationDetails"]["id"] == "spillguard/push/"  # type: ignore[index]
    # the job summary: a table row, redacted, with the place to rotate it; an annotation on the line
    assert "| **new, fails** | high | GitHub classic personal access token" in run.summary
    assert "b.py&#58;1" in run.summary and "https://github.com/settings/tokens" in run.summary
    assert TOKEN not in run.summary + run.stdout + run.stderr
    assert re.search(
        r"^::error file=b\.py,line=1,endLine=1,col=\d+,endColumn=\d+,title=spillguard%3A ", run.stdout, re.M
    )
    quiet = run_action(work, tmp_path, "push", {"before": after, "after": after})
    assert quiet.code == 0 and quiet.outputs["findings"] == "0" and results(quiet) == []
    assert "no secrets found" in quiet.summary


def test_nothing_spillguard_prints_is_read_as_a_command(
    pushed: tuple[Path, str, str], tmp_path: Path
) -> None:
    work, before, after = pushed
    run = run_action(work, tmp_path, "push", {"before": before, "after": after})
    (token,) = re.findall(r"^::stop-commands::([0-9a-f]{32})$", run.stdout, re.M)
    stop, resume = run.stdout.index(f"::stop-commands::{token}"), run.stdout.index(f"::{token}::")
    assert stop < resume < run.stdout.index("::error file=b.py")  # annotations come after commands resume


def test_new_branch_scans_what_it_adds_to_the_default_branch(origin: Path, tmp_path: Path) -> None:
    work = clone(origin, tmp_path / "work")
    git(work, "checkout", "-q", "-b", "feature")
    head = commit_file(work, "b.py", f"t = '{TOKEN}'\n")
    run = run_action(work, tmp_path, "push", {"before": "0" * 40, "after": head}, default_branch="main")
    assert run.code == 1 and [r["ruleId"] for r in results(run)] == ["github.pat-classic"]  # not main's key


def test_force_push_scans_what_the_branch_adds(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    work, _, after = pushed
    run = run_action(work, tmp_path, "push", {"before": "1" * 40, "after": after}, default_branch="main")
    assert run.code == 1 and [r["ruleId"] for r in results(run)] == ["github.pat-classic"]
    assert "previous head" in run.stdout


def test_push_on_a_shallow_checkout_fetches_the_range(origin: Path, tmp_path: Path) -> None:
    """actions/checkout's default depth of 1 holds only the pushed commit: its parent is fetched."""
    before = git(origin, "rev-parse", "HEAD").strip()
    after = commit_file(origin, "b.py", f"t = '{TOKEN}'\n")
    commit_file(origin, "c.py", "y = 2\n")
    after = git(origin, "rev-parse", "HEAD").strip()
    work = clone(origin, tmp_path / "shallow", "--depth", "1")
    run = run_action(work, tmp_path, "push", {"before": before, "after": after})
    assert run.code == 1 and [r["ruleId"] for r in results(run)] == ["github.pat-classic"]


def test_shallow_checkout_that_cannot_be_deepened_refuses(origin: Path, tmp_path: Path) -> None:
    before = git(origin, "rev-parse", "HEAD").strip()
    after = commit_file(origin, "b.py", f"t = '{TOKEN}'\n")
    work = clone(origin, tmp_path / "shallow", "--depth", "1")
    git(work, "remote", "remove", "origin")
    run = run_action(work, tmp_path, "push", {"before": before, "after": after})
    assert run.code == 2 and run.outputs["status"] == "2" and run.outputs["findings"] == ""
    assert run.outputs["sarif"] == "" and run.outputs["upload"] == "false"
    assert "fetch-depth: 0" in run.stdout and "could not complete the scan" in run.summary


def test_pull_request(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    work, base, head = pushed
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    run = run_action(work, tmp_path, "pull_request", event)
    assert run.code == 1 and run.outputs["findings"] == "1" and run.outputs["upload"] == "true"
    assert run.outputs["category"] == "spillguard/pull_request"
    below = run_action(work, tmp_path, "pull_request", event, fail_on="critical")
    assert below.code == 0 and below.outputs["findings"] == "0" and below.outputs["reported"] == "1"
    assert re.search(r"^::warning file=b\.py,", below.stdout, re.M)  # listed, does not fail: a warning


def test_pull_request_from_a_fork_or_dependabot_skips_the_upload(
    pushed: tuple[Path, str, str], tmp_path: Path
) -> None:
    """Their token cannot write security events: the upload would fail the job. The scan still runs,
    fails on what it finds, and says where the findings are."""
    work, base, head = pushed
    fork = {
        "pull_request": {
            "base": {"sha": base, "repo": {"full_name": "acme/app"}},
            "head": {"sha": head, "repo": {"full_name": "mallory/app"}},
        }
    }
    run = run_action(work, tmp_path, "pull_request", fork)
    assert run.code == 1 and run.outputs["findings"] == "1" and run.outputs["upload"] == "false"
    assert "SARIF not uploaded: a pull request from a fork gets a read-only token" in run.summary
    same = {
        "pull_request": {
            "base": {**fork["pull_request"]["base"]},
            "head": {"sha": head, "repo": {"full_name": "acme/app"}},
        }
    }
    assert run_action(work, tmp_path, "pull_request", same).outputs["upload"] == "true"
    bot = run_action(work, tmp_path, "pull_request", same, actor="dependabot[bot]")
    assert bot.outputs["upload"] == "false" and "Dependabot" in bot.summary
    off = run_action(work, tmp_path, "pull_request", same, upload_sarif="false")
    assert off.outputs["upload"] == "false" and "not uploaded" not in off.summary


def test_pull_request_that_changes_the_policy_is_flagged(
    pushed: tuple[Path, str, str], tmp_path: Path
) -> None:
    work, base, _ = pushed
    head = commit_file(work, ".spillguard.yml", "disable: [github.pat-classic]\n")
    run = run_action(
        work, tmp_path, "pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    )
    assert run.code == 0  # the pull request disabled the rule that would have caught its token...
    assert (
        "::warning file=.spillguard.yml,title=spillguard::this pull request changes .spillguard.yml"
        in run.stdout
    )
    assert "changes .spillguard.yml, the policy this scan used" in run.summary  # ...and is flagged


def test_schedule_audits_the_history_of_a_full_checkout(origin: Path, tmp_path: Path) -> None:
    added = commit_file(origin, "b.py", f"t = '{TOKEN}'\n")
    commit_file(origin, "b.py", "t = None\n")
    work = clone(origin, tmp_path / "work")
    run = run_action(work, tmp_path, "schedule", {}, args="--no-cache")
    assert run.code == 1 and run.outputs["findings"] == "2"  # the key still at HEAD, the removed token
    assert run.outputs["category"] == "spillguard/history"
    places = {r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results(run)}
    assert places["aws.access-key-id"] == {"uri": "old.py", "uriBaseId": "%SRCROOT%"}
    # b.py no longer holds the token: the alert is on the commit that added it, not on b.py's line 1
    assert places["github.pat-classic"] == {"uri": f"{added}/b.py", "uriBaseId": "GITCOMMITS"}
    assert "no longer at HEAD" in run.summary


def test_schedule_on_a_shallow_checkout_deepens_it(origin: Path, tmp_path: Path) -> None:
    commit_file(origin, "b.py", f"t = '{TOKEN}'\n")
    commit_file(origin, "b.py", "t = None\n")
    work = clone(origin, tmp_path / "shallow", "--depth", "1")
    run = run_action(work, tmp_path, "schedule", {}, args="--no-cache")
    assert run.code == 1 and {r["ruleId"] for r in results(run)} == {
        "github.pat-classic",
        "aws.access-key-id",
    }
    assert git(work, "rev-parse", "--is-shallow-repository").strip() == "false"


def test_schedule_on_a_shallow_checkout_that_cannot_deepen_fails_clearly(
    origin: Path, tmp_path: Path
) -> None:
    work = clone(origin, tmp_path / "shallow", "--depth", "1")
    git(work, "remote", "remove", "origin")
    run = run_action(work, tmp_path, "schedule", {}, args="--no-cache")
    assert run.code == 2 and run.outputs["findings"] == "" and run.outputs["sarif"] == ""
    assert "shallow" in run.summary and "fetch-depth: 0" in run.stdout


def test_history_cache_is_kept_between_runs(origin: Path, tmp_path: Path) -> None:
    from scanner.modes.history_cache import CACHE_FILE

    work = clone(origin, tmp_path / "work")
    cache = tmp_path / "history-cache"
    first = run_action(work, tmp_path, "schedule", {}, history_cache=str(cache))
    assert (cache / CACHE_FILE).is_file()
    again = run_action(work, tmp_path, "schedule", {}, history_cache=str(cache))
    assert (first.code, first.outputs["findings"]) == (again.code, again.outputs["findings"]) == (1, "1")
    assert results(first) == results(again)


def test_a_failing_scan_leaves_no_report_to_upload(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    """Exit 2: no SARIF (an earlier run's file is removed, never counted or uploaded), no counts."""
    work, _, head = pushed
    (work / "spillguard.sarif").write_text('{"runs": [{"results": [1, 2, 3]}]}')  # a stale report
    event = {"pull_request": {"base": {"sha": "1" * 40}, "head": {"sha": head}}}
    run = run_action(work, tmp_path, "pull_request", event)
    assert run.code == 2 and run.outputs["status"] == "2"
    assert run.outputs["findings"] == "" and run.outputs["sarif"] == "" and run.outputs["upload"] == "false"
    assert not (work / "spillguard.sarif").exists()
    assert "could not complete the scan (exit 2)" in run.summary and "1111111111" in run.summary
    assert "::error title=spillguard::the scan could not be completed: spillguard: error:" in run.stdout


def test_known_findings_do_not_count_or_fail(origin: Path, tmp_path: Path, run_cli) -> None:
    """10 known, 0 new gives findings=0 and nothing to upload; a known one marked real still fails."""
    work = clone(origin, tmp_path / "work")
    for number in range(10):
        (work / f"k{number}.py").write_text(
            f"t = '{github_token(rng=__import__('random').Random(number))}'\n"
        )
    assert run_cli("baseline", "create", cwd=work).exit_code == 0
    run = run_action(
        work, tmp_path, "workflow_dispatch", {}, mode="directory", baseline=".spillguard-baseline.json"
    )
    assert run.code == 0 and run.outputs["findings"] == "0" and run.outputs["reported"] == "0"
    assert results(run) == []
    data = json.loads((work / ".spillguard-baseline.json").read_text())
    data["entries"][0]["status"] = "real"
    (work / ".spillguard-baseline.json").write_text(json.dumps(data))
    real = run_action(
        work, tmp_path, "workflow_dispatch", {}, mode="directory", baseline=".spillguard-baseline.json"
    )
    assert real.code == 1 and real.outputs["findings"] == "1" and real.outputs["reported"] == "1"
    assert results(real)[0]["baselineState"] == "unchanged" and "**known, fails**" in real.summary
    new = run_action(
        work,
        tmp_path,
        "workflow_dispatch",
        {},
        mode="directory",
        baseline=".spillguard-baseline.json",
        fail_on="new",
    )
    assert new.code == 0 and new.outputs["findings"] == "0"


def test_args_are_shell_words_never_expanded(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    work, before, after = pushed
    event = {"before": before, "after": after}
    quoted = run_action(
        work, tmp_path, "push", event, args="--disable 'github.pat-classic' --min-severity \"low\""
    )
    assert quoted.code == 0 and quoted.outputs["findings"] == "0"  # the quotes grouped, did not arrive
    (work / "x.txt").write_text("glob target\n")
    glob = run_action(work, tmp_path, "push", event, args="--disable *")
    assert glob.code == 2 and "'*'" in glob.stderr  # `*` reached spillguard as it is, no file names
    for bad, why in (
        ("--disable 'unbalanced", "cannot split into words"),
        ("-o other.sarif", "set by the Action"),
    ):
        run = run_action(work, tmp_path, "push", event, args=bad)
        assert run.code == 2 and why in run.stdout and run.outputs["findings"] == ""


def test_bad_inputs_are_one_line_errors(pushed: tuple[Path, str, str], tmp_path: Path) -> None:
    work, before, after = pushed
    for inputs, message in (
        ({"mode": "everything"}, "mode: 'everything' is not one of"),
        ({"fail_on": "severe"}, "fail-on: 'severe' is not one of"),
        ({"fail_on": "new"}, "fail-on: new needs a baseline"),
    ):
        run = run_action(work, tmp_path, "push", {"before": before, "after": after}, **inputs)
        assert run.code == 2 and f"::error title=spillguard::{message}" in run.stdout


def test_annotation_properties_are_escaped(origin: Path, tmp_path: Path) -> None:
    work = clone(origin, tmp_path / "work")
    (work / "a,b:c%.py").write_text(f"t = '{TOKEN}'\n")
    run = run_action(work, tmp_path, "workflow_dispatch", {}, mode="directory")
    assert "::error file=a%2Cb%3Ac%25.py,line=1," in run.stdout


def _steps() -> list[dict]:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]  # type: ignore[no-any-return]


def test_manifest_passes_inputs_through_the_environment_only() -> None:
    """GitHub's hardening guide: an expression interpolated into a `run:` script is code injection."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert set(action["inputs"]) >= {
        "mode",
        "baseline",
        "config",
        "fail-on",
        "args",
        "sarif",
        "category",
        "upload-sarif",
        "history-cache",
        "python",
    }
    assert set(action["outputs"]) == {"findings", "reported", "sarif"}
    runs = [step["run"] for step in _steps() if "run" in step]
    assert runs and all("${{" not in run for run in runs)
    scan = next(step for step in _steps() if "action_scan.py" in step.get("run", ""))
    assert scan["continue-on-error"] is True
    for name in ("mode", "baseline", "config", "fail-on", "args", "sarif", "category", "upload-sarif"):
        variable = "INPUT_" + name.upper().replace("-", "_")
        assert scan["env"][variable] == f"${{{{ inputs.{name} }}}}"
    assert "spillguard-history" in scan["env"]["INPUT_HISTORY_CACHE"]
    (cache,) = [step for step in _steps() if step.get("uses", "").startswith("actions/cache@")]
    assert "spillguard-history" in cache["with"]["path"] and "history-cache" in cache["if"]
    (upload,) = [
        step for step in _steps() if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert upload["if"] == "steps.scan.outputs.upload == 'true'"
    assert upload["with"] == {
        "sarif_file": "${{ steps.scan.outputs.sarif }}",
        "category": "${{ steps.scan.outputs.category }}",
    }


def test_install_uses_its_own_environment_and_hashed_pins() -> None:
    install = next(step for step in _steps() if "action-install.sh" in step.get("run", ""))
    assert install["env"]["SPILLGUARD_VENV"] == "${{ runner.temp }}/spillguard-venv"
    script = (ROOT / "scripts" / "action-install.sh").read_text()
    assert '-m venv "$venv"' in script
    assert '--require-hashes --only-binary=:all: -r "$action/scripts/action-requirements.txt"' in script
    assert "--no-deps --no-build-isolation --no-index" in script
    scan = next(step for step in _steps() if "action_scan.py" in step.get("run", ""))
    assert scan["env"]["SPILLGUARD"] == "${{ runner.temp }}/spillguard-venv/bin/spillguard"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is in the standard library from 3.11")
def test_action_requirements_pin_every_runtime_dependency_by_hash() -> None:
    """Every runtime dependency (and what they need) at one exact version, the version of the last green
    CI run, within pyproject.toml's bounds, with the hashes of its files."""
    import tomllib
    from packaging.requirements import Requirement

    text = (ROOT / "scripts" / "action-requirements.txt").read_text()
    pins: dict[str, str] = {}
    hashes: dict[str, int] = {}
    current = ""
    for line in text.splitlines():
        if re.match(r"^[A-Za-z]", line):
            name, _, version = line.split()[0].partition("==")
            current = name.lower()
            pins[current] = version
        elif "--hash=sha256:" in line:
            hashes[current] = hashes.get(current, 0) + 1
    constraints = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            constraints[name.lower().replace("_", "-")] = version
    for dependency in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        requirement = Requirement(dependency)
        name = requirement.name.lower()
        assert name in pins and requirement.specifier.contains(pins[name]), dependency
        assert pins[name] == constraints[name], (name, pins[name], constraints[name])
    assert {"cffi", "pycparser", "setuptools"} <= set(pins)  # pygit2's needs and the build backend
    assert all(hashes.get(name, 0) >= 1 for name in pins), hashes


def test_pre_commit_manifest() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "spillguard" and hooks[0]["stages"] == ["pre-commit", "pre-push"]
    assert hooks[0]["pass_filenames"] is False and hooks[0]["entry"] == "spillguard hook"
    files = hooks[1]
    assert files["id"] == "spillguard-files" and files["pass_filenames"] is True
    assert files["entry"].split()[:2] == ["spillguard", "scan"] and "manual" in files["stages"]
    assert files["require_serial"] is True  # one run, one report (pre-commit splits files among CPUs)
    # stage names pre-commit and pre-push exist from pre-commit 3.2.0 (3.0.4 and 3.1 reject them)
    assert all(hook["minimum_pre_commit_version"] == "3.2.0" for hook in hooks)
