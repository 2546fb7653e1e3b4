"""A fleet of real repositories for the fleet tests, built with the git CLI and served by file:// URLs:
20 healthy ones, one whose object store is corrupt, one URL that leads nowhere. The same credential is
committed in three of them (at different paths, one of them on a branch only), another in one; one
repository commits a baseline reviewing its credential as a false positive."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import git
from tests.modes.test_git_modes import commit_file
from tests.tokens import github_token

SHARED = github_token(rng=random.Random(101))  # in three repositories
SOLO = github_token(rng=random.Random(202))  # in one, removed since: only in history
REVIEWED = github_token(rng=random.Random(303))  # in one, reviewed as a false positive in its baseline
HEALTHY = 20
SHARED_IN = (3, 7, 11)


@dataclass(frozen=True)
class Fleet:
    root: Path
    repos: tuple[Path, ...]  # the healthy ones, in order
    corrupt: Path
    missing: Path  # never created

    def url(self, path: Path) -> str:
        return f"file://{path}"

    @property
    def urls(self) -> tuple[str, ...]:
        return (*(self.url(p) for p in self.repos), self.url(self.corrupt), self.url(self.missing))

    def listing(self, path: Path, urls: tuple[str, ...] | None = None) -> Path:
        """A --repos file with `urls` (default: the whole fleet), with a comment and a blank line."""
        path.write_text("# the fleet\n\n" + "\n".join(urls or self.urls) + "\n")
        return path


def _repo(root: Path, name: str) -> Path:
    path = root / name
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


def _baseline_with_false_positive(repo: Path) -> None:
    """Commits a baseline (made by `spillguard baseline create`) whose only entry is reviewed as a
    false positive, as `baseline audit` writes it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(
        [sys.executable, "-m", "scanner", "baseline", "create"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    baseline = repo / ".spillguard-baseline.json"
    data = json.loads(baseline.read_text())
    for entry in data["entries"]:
        entry["status"], entry["reason"] = "false_positive", "a fixture"
    baseline.write_text(json.dumps(data))
    commit_file(repo, ".spillguard-baseline.json", baseline.read_text(), "baseline")


def corrupt_a_blob(repo: Path) -> None:
    """Overwrites one loose blob object with garbage: git's pack-objects, serving a fetch, stops on it."""
    blob = git(repo, "rev-parse", "HEAD:data.txt").strip()
    path = repo / ".git" / "objects" / blob[:2] / blob[2:]
    path.chmod(0o644)
    path.write_bytes(b"not zlib at all" * 10)


def build_fleet(root: Path) -> Fleet:
    repos = []
    for n in range(HEALTHY):
        repo = _repo(root, f"repo{n:02d}")
        commit_file(repo, "README.md", f"# project {n}\n", "initial")
        commit_file(repo, f"src/module{n}.py", "def main():\n    return 0\n")
        if n in SHARED_IN:
            if n == SHARED_IN[-1]:  # on a branch only
                git(repo, "checkout", "-q", "-b", "feature")
            commit_file(repo, f"config/settings{n}.py", f'GITHUB_TOKEN = "{SHARED}"\n', "add a token")
            git(repo, "checkout", "-q", "main")
        if n == 5:
            commit_file(repo, "deploy.sh", f"export GH={SOLO}\n", "deploy script")
            commit_file(repo, "deploy.sh", "export GH=$TOKEN\n", "read the token from the environment")
        if n == 9:
            commit_file(repo, "tests/fixture.py", f'TOKEN = "{REVIEWED}"\n', "a fixture")
            _baseline_with_false_positive(repo)
        repos.append(repo)
    corrupt = _repo(root, "corrupt")
    commit_file(corrupt, "data.txt", "some data\n")
    corrupt_a_blob(corrupt)
    return Fleet(root, tuple(repos), corrupt, root / "missing")


def interrupt_preload(path: Path) -> Path:
    """A Dask worker preload that sends Ctrl-C (SIGINT) to the whole process group, once, as the
    task whose key holds $SPILLGUARD_TEST_STOP_AT starts: a user pressing Ctrl-C half-way. It first
    waits (up to a minute) for the client to have checkpointed 3 repositories in the state directory
    $SPILLGUARD_TEST_STATE, so that "half-way" does not depend on how busy the machine is."""
    path.write_text(
        "import glob, os, signal, threading, time\n"
        "from distributed.diagnostics.plugin import WorkerPlugin\n"
        "def stop():\n"
        "    pattern = os.path.join(os.environ['SPILLGUARD_TEST_STATE'], 'repos', '*', 'checkpoint.json')\n"
        "    deadline = time.monotonic() + 60\n"
        "    while len(glob.glob(pattern)) < 3 and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n"
        f"    os.killpg(os.getpgrp(), {int(signal.SIGINT)})\n"
        "class Stop(WorkerPlugin):\n"
        "    def transition(self, key, start, finish, **kwargs):\n"
        "        if finish == 'executing' and os.environ['SPILLGUARD_TEST_STOP_AT'] in str(key):\n"
        "            threading.Thread(target=stop, daemon=True).start()  # the worker goes on meanwhile\n"
        "async def dask_setup(worker):\n"
        "    await worker.plugin_add(Stop(), name='stop')\n"
    )
    return path


def settings_preload(path: Path) -> Path:
    """A Dask worker preload that writes, as each task starts, what the worker runs with into the
    directory $SPILLGUARD_TEST_SETTINGS (one JSON file per worker process): whether Dask's profiler is
    on, and each periodic callback's interval in milliseconds."""
    path.write_text(
        "import json, os\n"
        "import dask\n"
        "from distributed.diagnostics.plugin import WorkerPlugin\n"
        "class Settings(WorkerPlugin):\n"
        "    def setup(self, worker):\n"
        "        self.worker = worker\n"
        "    def transition(self, key, start, finish, **kwargs):\n"
        "        if finish != 'executing':\n"
        "            return\n"
        "        found = {\n"
        "            'profile': dask.config.get('distributed.worker.profile.enabled'),\n"
        "            'callbacks': {k: c.callback_time for k, c in self.worker.periodic_callbacks.items()},\n"
        "        }\n"
        "        target = os.path.join(os.environ['SPILLGUARD_TEST_SETTINGS'], f'{os.getpid()}.json')\n"
        "        with open(target, 'w') as out:\n"
        "            json.dump(found, out)\n"
        "async def dask_setup(worker):\n"
        "    await worker.plugin_add(Settings(), name='settings')\n"
    )
    return path


def kill_preload(path: Path) -> Path:
    """A Dask worker preload that kills its worker process (exit 1, no clean-up) as the task whose key
    holds $SPILLGUARD_TEST_KILL_AT starts, the first time only: the file $SPILLGUARD_TEST_KILL_MARKER,
    created then, records the pid of the worker that died. With $SPILLGUARD_TEST_KILL_ALWAYS, every
    time: a repository whose task no worker survives."""
    path.write_text(
        "import os\n"
        "from distributed.diagnostics.plugin import WorkerPlugin\n"
        "class Kill(WorkerPlugin):\n"
        "    def transition(self, key, start, finish, **kwargs):\n"
        "        if finish != 'executing' or os.environ['SPILLGUARD_TEST_KILL_AT'] not in str(key):\n"
        "            return\n"
        "        if os.environ.get('SPILLGUARD_TEST_KILL_ALWAYS'):\n"
        "            os._exit(1)\n"
        "        try:\n"
        "            marker = os.environ['SPILLGUARD_TEST_KILL_MARKER']\n"
        "            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)\n"
        "        except FileExistsError:\n"
        "            return\n"
        "        os.write(fd, str(os.getpid()).encode())\n"
        "        os.close(fd)\n"
        "        os._exit(1)\n"
        "async def dask_setup(worker):\n"
        "    await worker.plugin_add(Kill(), name='kill')\n"
    )
    return path
