"""The rule loader over generated rule files: a valid rule set, or one RuleError naming the file, never
another exception; and whatever it accepts compiles and scans."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.engine.scan import scan_chunk
from scanner.errors import RuleError
from scanner.model import Chunk, Policy, Rule
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import builtin_rules_dir, load_rule_file, parse_rule_text
from scanner.ruleset.schema import KNOWN
from tests.fuzz.strategies import examples, mutated, values

SETTINGS = settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NAME = "fuzz-rules.yml"


def _seed_documents() -> list[dict[str, object]]:
    """Real rule files to mutate: a content rule with a checksum and examples, and file rules."""
    documents = []
    for name in ("github.yml", "files.yml", "generic.yml"):
        loaded = yaml.safe_load((builtin_rules_dir() / name).read_text(encoding="utf-8"))
        documents.append({"rules": loaded["rules"][:2]})
    return documents


SEEDS = _seed_documents()


def _parse(text: str) -> tuple[Rule, ...] | None:
    try:
        return parse_rule_text(text, NAME, compile_patterns=True)
    except RuleError as exc:
        # (an unknown key or an id holding a line break is echoed as is: reported, not asserted here)
        assert exc.message.startswith(f"{NAME}: ")
        return None


def _exercise(rules: tuple[Rule, ...]) -> None:
    """An accepted rule set compiles and runs over text holding its keywords and examples."""
    ruleset = CompiledRuleset(rules, "pyahocorasick")
    for rule in rules:
        text = "\n".join([*rule.keywords, *rule.examples.positive, *rule.examples.negative])
        scan_chunk(Chunk("a/.env", text), ruleset, Policy())


@SETTINGS
@given(document=st.sampled_from(SEEDS).flatmap(lambda seed: mutated(seed, tuple(KNOWN))))
def test_mutated_rule_files_load_or_raise_rule_error(document: object) -> None:
    rules = _parse(yaml.safe_dump(document, allow_unicode=True))
    if rules is not None:
        _exercise(rules)


@SETTINGS
@given(document=values)
def test_arbitrary_yaml_documents_raise_rule_error(document: object) -> None:
    rules = _parse(yaml.safe_dump(document))
    if rules is not None:  # only a mapping of `rules` to a list can be valid
        assert isinstance(document, dict) and set(document) == {"rules"}
        _exercise(rules)


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rule-fuzz")


@SETTINGS
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_arbitrary_bytes_load_or_raise_rule_error(rules_dir: Path, data: bytes) -> None:
    path = rules_dir / NAME
    path.write_bytes(data)
    try:
        load_rule_file(path)
    except RuleError as exc:
        assert str(path) in exc.message
