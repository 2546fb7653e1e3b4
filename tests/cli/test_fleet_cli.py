"""`spillguard fleet scan` through the CLI where no cluster is needed: the missing extra, usage and input
errors, fleets whose every repository fails before any task, and the GitHub and GitLab listings wired to
the fleet (tests/forge_server.py serves the APIs' recorded responses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import scanner
from tests.conftest import Invoke
from tests.forge_server import forge_server, page, recorded, silent_port
from tests.modes.test_git_modes import commit_file
from tests.sources.test_forges import GITHUB_FIRST, GITLAB_FIRST

EXTRA_MESSAGE = "spillguard: error: fleet needs Dask's distributed package: pip install 'spillguard[fleet]'\n"


def test_without_the_fleet_extra_one_line_and_exit_2(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    result = run_cli("fleet", "scan", "https://github.com/acme/api")
    assert result.exit_code == 2
    assert result.output == EXTRA_MESSAGE
    assert run_cli("fleet", "scan", "--help").exit_code == 0  # help needs no extra


def test_a_fleet_extra_that_does_not_import_is_said_with_its_reason(repo: Path, tmp_path: Path) -> None:
    """Installed but broken (a dependency of Dask's missing or too old): one line naming the import
    error and how to mend it, exit 2, no traceback; found only when a cluster is needed."""
    commit_file(repo, "a.txt", "one\n")
    broken = tmp_path / "site" / "distributed"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('tornado 4.0 is too old')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "COVERAGE_"))}
    source = Path(scanner.__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(broken.parent), str(source)])
    done = subprocess.run(
        [sys.executable, "-m", "scanner", "fleet", "scan", str(repo), "--state", str(tmp_path / "s")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "spillguard: error: Dask's distributed package is installed but does not import; reinstall it: "
        "pip install --force-reinstall 'spillguard[fleet]' (ImportError: tornado 4.0 is too old)\n"
    )


def test_help_lists_the_options(run_cli: Invoke) -> None:
    text = run_cli("fleet", "scan", "--help").output
    for option in ("--repos", "--github-org", "--gitlab-group", "--state", "--worker-state", "--scheduler"):
        assert option in text
    assert "fleet" in run_cli("--help").output


def test_usage_and_input_errors(run_cli: Invoke, tmp_path: Path) -> None:
    nothing = run_cli("fleet", "scan", "--state", str(tmp_path / "s"))
    assert nothing.exit_code == 2 and nothing.output.startswith("spillguard: error: no repository to audit")
    bad = run_cli("fleet", "scan", "svn://host/repo", "--state", str(tmp_path / "s"))
    assert bad.exit_code == 2 and bad.output == (
        "spillguard: error: svn://host/repo: svn:// is not supported: give a local repository path, "
        "or an https://, ssh://, git@host:path or file:// URL\n"
    )
    listing = tmp_path / "repos.txt"
    listing.write_text("https://github.com/acme/api\n--upload-pack=touch /tmp/x\n")
    bad_line = run_cli("fleet", "scan", "--repos", str(listing), "--state", str(tmp_path / "s"))
    assert bad_line.exit_code == 2
    assert bad_line.output == f"spillguard: error: {listing}:2: a source cannot start with '-'\n"
    key = tmp_path / "s" / "inventory-key"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text("not a key")
    bad_key = run_cli("fleet", "scan", "https://github.com/acme/api", "--state", str(tmp_path / "s"))
    assert bad_key.exit_code == 2 and "inventory-key: not an inventory key" in bad_key.output


def test_every_repository_failing_is_exit_2_and_starts_no_cluster(run_cli: Invoke, tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    result = run_cli(
        "fleet",
        "scan",
        f"file://{tmp_path}/absent",
        "--state",
        str(tmp_path / "s"),
        "--summary",
        str(summary),
        "-v",
        "-f",
        "json",
    )
    assert result.exit_code == 2
    assert (
        f"spillguard: {tmp_path}/absent: failed: '{tmp_path}/absent' does not appear to be a git repository\n"
        in (result.output)
    )
    assert "1 repositories: 0 scanned, 0 unchanged, 1 failed; 0 credentials" in result.output
    data = json.loads(summary.read_text())
    assert data["timings"]["workers"] == 0 and data["totals"]["failed"] == 1
    (row,) = data["repositories"]
    assert row["outcome"] == "failed" and row["last_scanned"] is None
    inventory = json.loads(result.stdout)
    assert inventory["format"] == "spillguard-inventory" and inventory["source"] == "fleet"
    assert inventory["credentials"] == [] and inventory["repositories"] == [f"{tmp_path}/absent"]
    (notice,) = inventory["notices"]
    assert notice["path"] == f"{tmp_path}/absent"
    assert (
        notice["message"].startswith("not audited in this run: ") and "does not appear" in notice["message"]
    )


def test_a_remote_that_never_answers_is_a_time_out(run_cli: Invoke, tmp_path: Path) -> None:
    with silent_port() as port:
        url = f"https://127.0.0.1:{port}/acme/api.git"
        result = run_cli(
            "fleet", "scan", url, "--git-timeout", "1", "--state", str(tmp_path), "-q", "-o", "/dev/null"
        )
    assert result.exit_code == 2
    assert (
        result.output == f"spillguard: 127.0.0.1:{port}/acme/api: failed: git ls-remote timed out after 1 s\n"
    )


def _relocated(name: str, key: str, base: Path) -> list[dict[str, object]]:
    """A recorded page whose clone URLs point into `base`, where no repository is."""
    items = recorded(name)
    for item in items:
        item[key] = f"file://{base}/{item['name']}.git"
    return items


def test_an_organisation_and_a_group_are_listed_into_the_fleet(
    run_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    summary = tmp_path / "summary.json"
    with forge_server() as server:
        server.serve(
            GITHUB_FIRST, page(_relocated("github-orgs-acme-repos-page-1.json", "clone_url", tmp_path))
        )
        server.serve(
            GITLAB_FIRST, page(_relocated("gitlab-groups-projects-page-1.json", "http_url_to_repo", tmp_path))
        )
        result = run_cli(
            "fleet",
            "scan",
            "--github-org",
            "acme",
            "--github-api",
            server.base,
            "--gitlab-group",
            "acme/platform",
            "--gitlab-url",
            server.base,
            "--state",
            str(tmp_path / "s"),
            "--summary",
            str(summary),
            "-o",
            "/dev/null",
        )
    assert result.exit_code == 2, result.output
    names = [Path(row["name"]).name for row in json.loads(summary.read_text())["repositories"]]
    assert names == ["api.git", "web.git", "gateway.git", "ledger.git"]  # archived and forks left out
    assert "test-token" not in result.output and "test-token" not in summary.read_text()


def test_an_api_error_stops_before_any_repository(run_cli: Invoke, tmp_path: Path) -> None:
    with forge_server() as server:
        result = run_cli(
            "fleet", "scan", "--github-org", "ghost", "--github-api", server.base, "--state", str(tmp_path)
        )
    assert result.exit_code == 2
    assert result.output == (
        "spillguard: error: GitHub organisation ghost: the API answered 404 Not Found "
        "(no such organisation or group, or the token cannot see it)\n"
    )
