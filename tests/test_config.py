from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import load_config, parse_size
from scanner.errors import ConfigError
from tests.conftest import Invoke
from tests.tokens import github_token

TOKEN = github_token()


@pytest.mark.parametrize(
    ("text", "size"),
    [("10MiB", 10 * 1024**2), ("512K", 512 * 1024), ("1G", 1024**3), ("100", 100), (2048, 2048)],
)
def test_parse_size(text: object, size: int) -> None:
    assert parse_size(text, "x") == size


@pytest.mark.parametrize("text", ["", "ten", "-1", 0, True, "5 parsecs"])
def test_parse_size_rejects(text: object) -> None:
    with pytest.raises(ConfigError):
        parse_size(text, "x")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(f"T = '{TOKEN}'\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "b.py").write_text(f"T = '{TOKEN}'\n")
    return tmp_path


def test_config_path_allowlist_and_discovery(project: Path, run_cli: Invoke) -> None:
    (project / ".spillguard.yml").write_text("allowlist:\n  paths: ['tests/*']\n")
    result = run_cli("scan", "--no-color", cwd=project)
    assert result.exit_code == 1
    assert "src/a.py" in result.output and "tests/b.py" not in result.output
    assert "skipped 1 allowlisted" in result.output


def test_config_disable_and_stopwords(project: Path, run_cli: Invoke) -> None:
    config = project / "custom.yml"
    config.write_text("disable: [github.pat-classic]\n")
    assert run_cli("scan", "--config", str(config), cwd=project).exit_code == 0
    config.write_text(f"allowlist:\n  stopwords: ['{TOKEN[6:14]}']\n")
    assert run_cli("scan", "--config", str(config), cwd=project).exit_code == 0


def test_config_extra_rules_relative_to_config(project: Path, run_cli: Invoke) -> None:
    from tests.ruleset.test_loader import GOOD

    (project / "rules").mkdir()
    (project / "rules" / "acme.yml").write_text(GOOD)
    (project / ".spillguard.yml").write_text("rules: [rules/acme.yml]\n")
    result = run_cli("rules", "list", cwd=project / "src")
    assert "acme.token" in result.output


def test_config_max_file_size(project: Path, run_cli: Invoke) -> None:
    (project / ".spillguard.yml").write_text("max_file_size: 10B\n")
    assert run_cli("scan", cwd=project).exit_code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour: red\n", "unknown setting(s) colour"),
        ("- a\n- b\n", "expected a mapping of settings"),
        ("disable: github.pat-classic\n", "`disable` must be a list of strings"),
        ("allowlist:\n  regexes: ['(']\n", "allowlist regex '(' is invalid"),
        ("allowlist: [a]\n", "`allowlist` must be a mapping"),
        ("allowlist:\n  files: [a]\n", "unknown key in allowlist: files"),
        ("max_file_size: huge\n", "max_file_size must be a positive size"),
        ("a: [\n", "not valid YAML at line 2"),
        ("disable: [nope.rule]\n", "cannot disable unknown rule id(s): nope.rule"),
    ],
)
def test_bad_config_is_one_line_exit_2(project: Path, run_cli: Invoke, text: str, message: str) -> None:
    (project / ".spillguard.yml").write_text(text)
    result = run_cli("scan", cwd=project)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("spillguard: error: ")


def test_missing_config_file_exits_2(project: Path, run_cli: Invoke) -> None:
    result = run_cli("scan", "--config", "nope.yml", cwd=project)
    assert result.exit_code == 2 and "nope.yml: file not found" in result.output


def test_empty_config_is_defaults(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("")
    assert load_config(path).max_file_size == 10 * 1024 * 1024
