"""`spillguard fleet scan` on real Dask clusters, over a fleet of 22 repositories served by file:// URLs
(tests/fleet_repos.py): a LocalCluster started by spillguard, and a `dask scheduler` with two `dask
worker` processes started here. Each run is a `python -m scanner` process, as a user runs it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner.sources.fleet_sources import parse_source
from tests.conftest import git
from tests.fleet_repos import (
    SHARED_IN,
    Fleet,
    build_fleet,
    interrupt_preload,
    kill_preload,
    settings_preload,
)
from tests.modes.test_git_modes import commit_file
from tests.sarif_schema import sarif_schema_validator

pytest.importorskip("distributed")


@dataclass(frozen=True)
class Run:
    code: int
    stderr: str
    inventory: dict[str, Any]
    summary: dict[str, Any]

    def outcomes(self) -> dict[str, str]:
        return {Path(r["name"]).name: r["outcome"] for r in self.summary["repositories"]}

    def named(self, outcome: str) -> set[str]:
        return {name for name, got in self.outcomes().items() if got == outcome}


def fleet_scan(tmp: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240) -> Run:
    inventory, summary = tmp / "inventory.json", tmp / "summary.json"
    for path in (inventory, summary):
        path.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "scanner",
        "fleet",
        "scan",
        "-j",
        "2",
        "-f",
        "json",
        "-o",
        str(inventory),
    ]
    done = subprocess.run(
        [*command, "--summary", str(summary), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,  # a test's Ctrl-C reaches this run's process group only
    )
    return Run(done.returncode, done.stderr, _read(inventory), _read(summary))


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return build_fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="module")
def first(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """The whole fleet, once, into a fresh state directory; each worker writes what it runs with into
    `settings/` (tests/fleet_repos.py: settings_preload)."""
    tmp = tmp_path_factory.mktemp("first-run")
    listing = fleet.listing(tmp / "repos.txt")
    (tmp / "settings").mkdir()
    env = {
        "DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(settings_preload(tmp / "settings.py"))]),
        "SPILLGUARD_TEST_SETTINGS": str(tmp / "settings"),
    }
    return tmp, fleet_scan(
        tmp,
        "--repos",
        str(listing),
        "--state",
        str(tmp / "state"),
        "--sarif-dir",
        str(tmp / "sarif"),
        env=env,
    )


def test_one_credential_in_three_repositories(fleet: Fleet, first: tuple[Path, Run]) -> None:
    _, run = first
    shared = [c for c in run.inventory["credentials"] if c["in_repositories"] > 1]
    assert len(shared) == 1
    (credential,) = shared
    assert [r["name"] for r in credential["repositories"]] == [str(fleet.repos[n]) for n in SHARED_IN]
    assert credential["in_repositories"] == 3
    assert credential["rule_id"] == "github.pat-classic" and credential["state"] == "open"
    on_branch = {r["name"]: r["held_at"] for r in credential["repositories"]}[str(fleet.repos[SHARED_IN[-1]])]
    assert on_branch == ["refs/heads/feature"]  # that repository holds it on a branch only
    assert f"refs/heads/feature ({fleet.repos[SHARED_IN[-1]]})" in credential["held_at"]
    assert run.inventory["source"] == "fleet" and len(run.inventory["repositories"]) == 22
    assert len(run.inventory["credentials"]) == 3  # the shared one, one only in history, one reviewed
    assert run.summary["totals"]["shared"] == 1
    assert run.code == 1  # the shared credential is open and unreviewed


def test_failures_are_named_and_do_not_stop_the_fleet(fleet: Fleet, first: tuple[Path, Run]) -> None:
    _, run = first
    assert run.named("failed") == {"corrupt", "missing"}
    assert run.named("scanned") == {p.name for p in fleet.repos}
    reasons = {Path(r["name"]).name: r["reason"] for r in run.summary["repositories"] if r["reason"]}
    assert "is corrupt" in reasons["corrupt"]
    assert "does not appear to be a git repository" in reasons["missing"]
    assert f"spillguard: {fleet.corrupt}: failed: " in run.stderr
    assert f"spillguard: {fleet.missing}: failed: " in run.stderr
    assert "Traceback" not in run.stderr
    assert run.summary["totals"] == {
        "repositories": 22,
        "scanned": 20,
        "unchanged": 0,
        "failed": 2,
        "credentials": 3,
        "shared": 1,
    }


def test_a_sarif_report_per_audited_repository(fleet: Fleet, first: tuple[Path, Run]) -> None:
    tmp, _ = first
    reports = sorted((tmp / "sarif").glob("*.sarif"))
    assert len(reports) == 20  # none for the two that could not be audited
    validator = sarif_schema_validator()
    found = {}
    for path in reports:
        document = json.loads(path.read_text())
        assert not list(validator.iter_errors(document)), path
        found[path.name.rsplit("-", 1)[0]] = [r["ruleId"] for r in document["runs"][0]["results"]]
    shared = {name: rules for name, rules in found.items() if "github.pat-classic" in rules}
    assert len(shared) == 5  # the three holding the shared token, the removed one, the reviewed one
    slug = parse_source(fleet.url(fleet.repos[5])).slug
    (removed,) = json.loads((tmp / "sarif" / f"{slug}.sarif").read_text())["runs"][0]["results"]
    artifact = removed["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact["uriBaseId"] == "GITCOMMITS" and artifact["uri"].endswith("/deploy.sh")  # gone from HEAD


def test_history_and_review_of_one_repository(fleet: Fleet, first: tuple[Path, Run]) -> None:
    _, run = first
    single = {
        c["repositories"][0]["name"]: c for c in run.inventory["credentials"] if c["in_repositories"] == 1
    }
    removed = single[str(fleet.repos[5])]
    assert removed["state"] == "history-only" and removed["window"]["open"] is False
    assert removed["paths"] == [f"{fleet.repos[5]}:deploy.sh"]
    reviewed = single[str(fleet.repos[9])]
    assert reviewed["review"]["status"] == "false_positive" and reviewed["review"]["reason"] == "a fixture"


def test_an_unchanged_fleet_scans_nothing_and_starts_no_cluster(
    fleet: Fleet, first: tuple[Path, Run]
) -> None:
    tmp, before = first
    healthy = fleet.listing(tmp / "healthy.txt", tuple(fleet.url(p) for p in fleet.repos))
    previous = tmp / "previous.json"
    previous.write_text(json.dumps(before.inventory))
    state, sarif = str(tmp / "state"), str(tmp / "again")
    again = fleet_scan(
        tmp,
        "--repos",
        str(healthy),
        "--state",
        state,
        "--sarif-dir",
        sarif,
        "--since-inventory",
        str(previous),
    )
    assert again.summary["totals"]["unchanged"] == 20 and again.summary["totals"]["scanned"] == 0
    assert again.summary["timings"]["workers"] == 0 and again.summary["timings"]["tasks"] == 0
    assert again.inventory["changes"]["unchanged"] == 3 and again.inventory["changes"]["new"] == 0
    unchanged = [{**c, "change": None} for c in again.inventory["credentials"]]
    assert unchanged == before.inventory["credentials"]
    assert sorted(p.name for p in (tmp / "again").iterdir()) == sorted(
        p.name for p in (tmp / "sarif").iterdir()
    )
    assert again.code == 1

    commit_file(fleet.repos[2], "NEWS.md", "a new release\n")  # one repository moves on
    moved = fleet_scan(tmp, "--repos", str(healthy), "--state", str(tmp / "state"))
    assert moved.named("scanned") == {fleet.repos[2].name}
    assert len(moved.named("unchanged")) == 19
    stats = {Path(r["name"]).name: r["stats"] for r in moved.summary["repositories"]}
    assert stats[fleet.repos[2].name]["cached"] >= 2  # its older blobs came from its history cache


def test_ctrl_c_half_way_then_resume(fleet: Fleet, tmp_path: Path) -> None:
    """Ctrl-C to the whole process group as the 11th repository starts (once at least 3 are
    checkpointed): exit 130, one line, and every repository finished by then checkpointed; the next run
    audits only the others."""
    urls = tuple(fleet.url(p) for p in fleet.repos)
    listing = fleet.listing(tmp_path / "repos.txt", urls)
    preload = interrupt_preload(tmp_path / "stop.py")
    state = tmp_path / "state"
    env = {
        "DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(preload)]),
        "SPILLGUARD_TEST_STOP_AT": "repo10",
        "SPILLGUARD_TEST_STATE": str(state),
    }
    stopped = fleet_scan(tmp_path, "--repos", str(listing), "--state", str(state), env=env)
    assert stopped.code == 130, stopped.stderr
    assert stopped.stderr.strip() == "spillguard: interrupted"
    assert stopped.inventory == {} and stopped.summary == {}  # no partial report
    slugs = {parse_source(fleet.url(p)).slug: p.name for p in fleet.repos}
    done = {slugs[p.parent.name] for p in state.glob("repos/*/checkpoint.json")}
    assert 3 <= len(done) < 20

    resumed = fleet_scan(tmp_path, "--repos", str(listing), "--state", str(state))
    assert resumed.named("unchanged") == done
    assert resumed.named("scanned") == {p.name for p in fleet.repos} - done
    assert resumed.summary["totals"]["credentials"] == 3


def test_a_worker_killed_mid_task_is_retried_elsewhere(fleet: Fleet, tmp_path: Path) -> None:
    some = tuple(fleet.url(fleet.repos[n]) for n in (0, 1, 3, 4, 6, 7))
    preload = kill_preload(tmp_path / "kill.py")
    marker = tmp_path / "killed"
    env = {
        "DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(preload)]),
        "SPILLGUARD_TEST_KILL_AT": "repo04",
        "SPILLGUARD_TEST_KILL_MARKER": str(marker),
    }
    run = fleet_scan(tmp_path, *some, "--state", str(tmp_path / "state"), env=env)
    assert marker.exists(), run.stderr  # a worker died as it started repo04
    assert run.named("scanned") == {"repo00", "repo01", "repo03", "repo04", "repo06", "repo07"}
    (repo04,) = [r for r in run.summary["repositories"] if r["name"].endswith("repo04")]
    assert repo04["worker"].rsplit(":", 1)[1] != marker.read_text()  # finished by another process
    assert run.summary["totals"]["shared"] == 1 and "Traceback" not in run.stderr


def test_the_local_cluster_runs_without_what_feeds_a_dashboard(first: tuple[Path, Run]) -> None:
    """The LocalCluster has no dashboard: its workers run no profiler (a thread sampling the task's
    stack every 10 ms) and check their event loop, memory and CPU once a second or less often."""
    tmp, run = first
    assert run.code == 1, run.stderr
    workers = [json.loads(found.read_text()) for found in (tmp / "settings").iterdir()]
    assert workers  # (each worker writes as its tasks start)
    for settings in workers:
        assert settings["profile"] is False
        assert "profile" not in settings["callbacks"]
        for name in ("tick", "memory_monitor", "monitor"):
            assert settings["callbacks"][name] >= 1000, (name, settings)


def test_a_task_no_worker_survives_fails_that_repository_only(fleet: Fleet, tmp_path: Path) -> None:
    some = tuple(fleet.url(fleet.repos[n]) for n in (0, 1, 4))
    env = {
        "DASK_DISTRIBUTED__WORKER__PRELOAD": json.dumps([str(kill_preload(tmp_path / "kill.py"))]),
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",  # Dask's setting: give up after 2 deaths
        "SPILLGUARD_TEST_KILL_AT": "repo04",
        "SPILLGUARD_TEST_KILL_ALWAYS": "1",
    }
    run = fleet_scan(tmp_path, *some, "--state", str(tmp_path / "state"), env=env)
    assert run.code == 2, run.stderr
    assert run.named("scanned") == {"repo00", "repo01"} and run.named("failed") == {"repo04"}
    (failed,) = [r for r in run.summary["repositories"] if r["outcome"] == "failed"]
    assert failed["reason"] == "every worker that ran its task died (Dask gave up on it: KilledWorker)"
    assert f"spillguard: {fleet.repos[4]}: failed: every worker that ran its task died" in run.stderr
    assert "Traceback" not in run.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1; torn down after the test."""
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"

    def start(*args: str) -> subprocess.Popen[bytes]:
        quiet = subprocess.DEVNULL
        return subprocess.Popen([dask, *args], stdout=quiet, stderr=quiet, start_new_session=True)

    processes = [start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    try:
        for _ in range(2):
            processes.append(
                start(
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--local-directory",
                    str(tmp_path),
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):  # each in a session of its own: the worker's nanny too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_on_a_dask_cluster_by_address(fleet: Fleet, dask_cluster: str, tmp_path: Path) -> None:
    some = tuple(fleet.url(fleet.repos[n]) for n in (2, 3, 5, 7, 11))
    run = fleet_scan(tmp_path, *some, "--scheduler", dask_cluster, "--state", str(tmp_path / "state"))
    assert run.code == 1, run.stderr
    assert run.summary["timings"]["workers"] == 2
    assert len({r["worker"] for r in run.summary["repositories"]}) >= 1
    (shared,) = [c for c in run.inventory["credentials"] if c["in_repositories"] == 3]
    assert sorted(Path(r["name"]).name for r in shared["repositories"]) == ["repo03", "repo07", "repo11"]


def test_a_scheduler_that_is_not_there(fleet: Fleet, tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}  # Dask's setting, as a user sets it
    run = fleet_scan(
        tmp_path, fleet.url(fleet.repos[0]), "--scheduler", address, "--state", str(tmp_path / "s"), env=env
    )
    assert run.code == 2
    assert run.stderr.startswith(f"spillguard: error: cannot connect to the Dask scheduler at {address}")


def test_a_new_commit_on_a_branch_is_audited(repo: Path, tmp_path: Path) -> None:
    commit_file(repo, "a.txt", "one\n")
    state, url = tmp_path / "state", f"file://{repo}"
    assert fleet_scan(tmp_path, url, "--state", str(state)).named("scanned") == {"repo"}
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "topic.txt", "work in progress\n")
    git(repo, "checkout", "-q", "main")
    run = fleet_scan(tmp_path, url, "--state", str(state))
    assert run.named("scanned") == {"repo"}
    assert run.summary["repositories"][0]["refs"] == 2
