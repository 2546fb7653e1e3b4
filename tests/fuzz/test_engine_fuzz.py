"""Engine invariants over generated inputs, with the real built-in rules: every rule's own positive
examples are found with the same rule, secret and fingerprint whatever unrelated lines surround them
and whichever line endings the file uses; findings always point inside the text; scanning is
deterministic. (tests/engine/test_properties.py covers single tokens in filler and arbitrary bytes.)"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Finding, Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.fuzz.strategies import examples

SETTINGS = settings(
    max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Built-in content rules (not file rules, not path-scoped) with a one-line positive example.
EXAMPLES = sorted(
    (rule.id, example)
    for rule in load_rules()
    if rule.files is None and not rule.paths
    for example in rule.examples.positive
    if "\n" not in example.strip("\n")
)

# An unrelated line: any text without line breaks, and nothing that opens a multi-line key block.
unrelated_line = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs"], blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=80,
).filter(lambda line: "BEGIN" not in line.upper())
unrelated = st.lists(unrelated_line, max_size=6)


def _identities(findings: tuple[Finding, ...], rule_id: str) -> set[tuple[str, str, str]]:
    return {(f.rule_id, f.secret_hash, f.fingerprint) for f in findings if f.rule_id == rule_id}


def _scan(ruleset: CompiledRuleset, text: str) -> tuple[Finding, ...]:
    return scan_chunk(Chunk("config/app.env", text), ruleset, Policy()).findings


@SETTINGS
@given(example=st.sampled_from(EXAMPLES), above=unrelated, below=unrelated, crlf=st.booleans())
def test_rule_examples_survive_unrelated_edits(
    ruleset: CompiledRuleset, example: tuple[str, str], above: list[str], below: list[str], crlf: bool
) -> None:
    rule_id, text = example
    line = text.strip("\n")
    alone = _identities(_scan(ruleset, line + "\n"), rule_id)
    assume(alone)  # an example its rule misses alone is reported by the rule tests (tests/ruleset)
    newline = "\r\n" if crlf else "\n"
    edited = newline.join([*above, line, *below, ""])
    found = _scan(ruleset, edited)
    assert alone <= _identities(found, rule_id)
    planted = [
        f for f in found if f.rule_id == rule_id and (f.rule_id, f.secret_hash, f.fingerprint) in alone
    ]
    assert {f.location.line for f in planted} == {len(above) + 1}


keywords_text = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["\n", "\r\n", " = ", '"', "'", ":", "=", "\\n", "-----", "base64,"]),
        st.sampled_from([example for _, example in EXAMPLES]),
    ),
    max_size=12,
).map("".join)


@SETTINGS
@given(text=keywords_text)
def test_findings_point_inside_the_text_and_are_deterministic(ruleset: CompiledRuleset, text: str) -> None:
    first = _scan(ruleset, text)
    assert first == _scan(ruleset, text)
    lines = text.split("\n")
    for finding in first:
        where = finding.location
        assert 1 <= where.line <= where.end_line <= len(lines)
        assert where.column >= 1 and where.end_column >= 1
        if where.line == where.end_line:
            assert where.column < where.end_column <= len(lines[where.line - 1]) + 1
        assert finding.secret is None  # nothing leaves the engine in clear unless asked


def test_examples_come_from_the_session_ruleset(ruleset: CompiledRuleset) -> None:
    assert len(EXAMPLES) > 100
    assert {rule_id for rule_id, _ in EXAMPLES} <= set(ruleset.rule_by_id)
