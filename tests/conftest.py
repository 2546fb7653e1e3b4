from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scanner.cli import cli, main
from scanner.model import Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules


@pytest.fixture(scope="session", autouse=True)
def private_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole run uses a user cache of its own, never the real one of whoever runs the tests
    (~/.cache/spillguard): set before any test, so CLI runs, pool workers and `python -m scanner`
    subprocesses all inherit it."""
    directory = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPILLGUARD_CACHE_DIR", str(directory))
        patch.delenv("XDG_CACHE_HOME", raising=False)
        yield directory


@pytest.fixture(autouse=True)
def every_sarif_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every SARIF log a test renders in this process (through the CLI or the library) is validated
    against the official 2.1.0 schema before the test sees it; tests that run spillguard in a
    subprocess validate what it wrote themselves (tests.sarif_schema.load_sarif)."""
    from scanner.reporters import sarif
    from tests.sarif_schema import assert_valid

    render = sarif.render

    def validated(report: object, options: object) -> str:
        text = render(report, options)  # type: ignore[arg-type]
        assert_valid(text)
        return text

    monkeypatch.setattr(sarif, "render", validated)


@pytest.fixture(scope="session")
def ruleset() -> CompiledRuleset:
    return CompiledRuleset(load_rules(), "pyahocorasick")


@pytest.fixture()
def policy() -> Policy:
    return Policy()


def git_run(cwd: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """git with a fixed identity and none of the caller's GIT_* variables; output captured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        HOME=str(cwd),
    )
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=check, capture_output=True, text=True)


def git(cwd: Path, *args: str) -> str:
    return git_run(cwd, *args, check=True).stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """An empty git work tree."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


Invoke = Callable[..., Result]


@pytest.fixture()
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Runs the CLI through `main` (which maps errors to exit codes) inside CliRunner, in `cwd`."""

    def invoke(*args: str, cwd: Path | None = None, input: str | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        runner = CliRunner()

        def entry() -> None:
            raise SystemExit(main(list(args)))

        command = _Wrapper(entry)
        # a stand-in for a click Command: CliRunner only calls its `main` and reads its `name`
        return runner.invoke(command, [], input=input, catch_exceptions=False)  # type: ignore[arg-type]

    return invoke


class _Wrapper:
    """Lets CliRunner call `main(argv)` so tests exercise the real error handling."""

    def __init__(self, entry: Callable[[], None]) -> None:
        self.entry = entry
        self.name = "spillguard"

    def main(self, args: list[str], prog_name: str | None = None, **extra: object) -> None:
        self.entry()


__all__ = ["cli", "git"]
