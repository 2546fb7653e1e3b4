"""The baseline loader over generated files: a Baseline or one BaselineError naming the file, never
another exception; what it accepts renders back to a file it reads the same."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.baseline.format import ENTRY_KEYS as FORMAT_ENTRY_KEYS
from scanner.baseline.format import Baseline, parse, render
from scanner.baseline.match import consistent, create, new_params, slow_hash
from scanner.errors import BaselineError
from scanner.model import Finding, Location
from scanner.model import ReviewStatus as Status
from tests.fuzz.strategies import examples, mutated, values

SETTINGS = settings(max_examples=examples(150), deadline=None)
NAME = "fuzz-baseline.json"


def _seed() -> dict[str, Any]:
    params = new_params()
    findings = [
        Finding(rule, Location(path, line, 1, line, 9), f"{n:064x}", "", "ab…yz", 4.0)
        for n, (rule, path, line) in enumerate(
            [("github.pat-classic", "a.py", 3), ("aws.access-key-id", "conf/b.env", 7), ("x.y", "c", 1)]
        )
    ]
    slow = {f.secret_hash: slow_hash(params, f.secret_hash) for f in findings}
    document: dict[str, Any] = json.loads(render(create(findings, params, slow)))
    document["entries"][0].update(status=Status.ACCEPTED_RISK.value, reason="test", expires="2030-01-01")
    return document


SEED = _seed()
ENTRY_KEYS = tuple(sorted(FORMAT_ENTRY_KEYS))


def _parse(text: str) -> Baseline | None:
    try:
        baseline = parse(text, NAME, consistent)
    except BaselineError as exc:
        assert exc.message.startswith(f"{NAME}: ")
        return None
    assert parse(render(baseline), NAME, consistent) == baseline.sorted()
    return baseline


@SETTINGS
@given(document=mutated(SEED, ENTRY_KEYS + ("version", "identity", "hash", "salt", "n", "r", "p")))
def test_mutated_baselines_load_or_raise_baseline_error(document: Any) -> None:
    _parse(json.dumps(document))


@SETTINGS
@given(text=st.one_of(values.map(json.dumps), st.text(max_size=300)))
def test_arbitrary_text_loads_or_raises_baseline_error(text: str) -> None:
    _parse(text)


def test_the_seed_baseline_is_valid() -> None:
    baseline = _parse(json.dumps(SEED))
    assert baseline is not None and len(baseline.entries) == 3
