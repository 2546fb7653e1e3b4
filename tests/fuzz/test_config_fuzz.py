"""The config loader over generated `.spillguard.yml` files: a Policy or one ConfigError naming the
file, never another exception; an accepted allowlist compiles and applies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.config import KNOWN_KEYS, load_config
from scanner.engine.filters import compile_allowlist
from scanner.errors import ConfigError
from scanner.model import Policy
from tests.fuzz.strategies import examples, mutated, values

SETTINGS = settings(max_examples=examples(150), deadline=None)
SEED = {
    "rules": ["ci/extra-rules.yml"],
    "disable": ["generic.password-assignment"],
    "allowlist": {
        "paths": ["tests/fixtures/*", "*.lock"],
        "regexes": ["^AKIA[A-Z2-7]{12}TEST$"],
        "stopwords": ["x"],
    },
    "max_file_size": "5MiB",
}


def _load(directory: Path, data: bytes) -> Policy | None:
    path = directory / ".spillguard.yml"
    path.write_bytes(data)
    try:
        policy = load_config(path)
    except ConfigError as exc:
        assert exc.message.startswith(str(path))
        return None
    assert isinstance(policy, Policy) and policy.max_file_size > 0
    allow = compile_allowlist(policy.allowlist)
    allow.allows_path("tests/fixtures/a.txt")
    return policy


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of its own: a `.spillguard.yml` left in the shared base directory would be found by
    every later test that runs spillguard below it."""
    return tmp_path_factory.mktemp("config-fuzz")


@SETTINGS
@given(document=mutated(SEED, tuple(KNOWN_KEYS) + ("paths", "regexes", "stopwords")))
def test_mutated_configs_load_or_raise_config_error(config_dir: Path, document: object) -> None:
    _load(config_dir, yaml.safe_dump(document).encode())


@SETTINGS
@given(
    data=st.one_of(
        values.map(lambda v: yaml.safe_dump(v).encode()),
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_arbitrary_config_files_load_or_raise_config_error(config_dir: Path, data: bytes) -> None:
    _load(config_dir, data)


def test_the_seed_config_is_valid(tmp_path: Path) -> None:
    policy = _load(tmp_path, yaml.safe_dump(SEED).encode())
    assert policy is not None and policy.max_file_size == 5 * 1024 * 1024


def test_a_nul_in_a_rule_path_is_a_config_error(tmp_path: Path) -> None:
    """Found by the properties above: it used to escape as ValueError (exit 3)."""
    assert _load(tmp_path, b'rules: ["a\\0b.yml"]\n') is None
