"""Baseline identity as a library: round trips and stability under edits, over generated inputs."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.baseline.format import Baseline, parse, render
from scanner.baseline.match import compare, consistent, create, new_params, slow_hashes, update
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Finding, Policy
from scanner.model import ReviewStatus as Status
from scanner.ruleset.compiled import CompiledRuleset
from tests.tokens import github_token

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
filler = st.lists(st.sampled_from(["x = 1", "", "# note", "def f():", "    return 2"]), max_size=6)


def findings_of(files: dict[str, str], ruleset: CompiledRuleset) -> list[Finding]:
    found: list[Finding] = []
    for path, text in sorted(files.items()):
        found.extend(scan_chunk(Chunk(path, text), ruleset, Policy()).findings)
    return found


@SETTINGS
@given(
    seeds=st.lists(st.integers(0, 10**6), min_size=1, max_size=4, unique=True), above=filler, between=filler
)
def test_create_then_compare_gives_zero_new_even_after_edits(
    ruleset: CompiledRuleset, seeds: list[int], above: list[str], between: list[str]
) -> None:
    tokens = [github_token(rng=random.Random(seed)) for seed in seeds]
    body = "\n".join(f"T{i} = '{t}'" for i, t in enumerate(tokens))
    before = findings_of({"a.py": body}, ruleset)
    params = new_params()
    baseline = create(before, params, slow_hashes(before, params))
    assert len(baseline.entries) == len(tokens)
    moved_text = "\n".join([*above, *between, body])
    after = findings_of({"a.py": moved_text}, ruleset)
    view = compare(after, baseline, slow_hashes(after, params), date(2026, 1, 1), ("",), False)
    assert len(view.known) == len(after) == len(tokens) and view.gone == 0


def test_file_round_trip_is_exact(ruleset: CompiledRuleset) -> None:
    found = findings_of({"b.py": f"K = '{github_token()}'", "a.py": f"K = '{github_token('gho_')}'"}, ruleset)
    params = new_params()
    baseline = create(found, params, slow_hashes(found, params))
    text = render(baseline)
    again = parse(text, "mem", consistent)
    assert again == baseline and render(again) == text
    assert [e.path for e in again.entries] == ["a.py", "b.py"]


def test_update_counts(ruleset: CompiledRuleset) -> None:
    first = findings_of({"a.py": f"K = '{github_token()}'"}, ruleset)
    params = new_params()
    baseline = create(first, params, slow_hashes(first, params))
    reviewed = Baseline(
        params, tuple(e.__class__(**{**e.__dict__, "status": Status.REAL}) for e in baseline.entries)
    )
    second = findings_of({"b.py": f"K = '{github_token('ghs_')}'"}, ruleset)
    updated, added, removed = update(reviewed, second, slow_hashes(second, params), None)
    assert (added, removed) == (1, 0)  # nothing removed outside a scope
    assert {e.path: e.status for e in updated.entries} == {"a.py": Status.REAL, "b.py": Status.UNREVIEWED}
    pruned, added, removed = update(reviewed, second, slow_hashes(second, params), ("",))
    assert (added, removed) == (1, 1) and [e.path for e in pruned.entries] == ["b.py"]
