"""The baseline as a state machine: secrets are added to files, copied, removed and moved by unrelated
edits; a baseline is created and updated (saved and read back each time); after every step, comparing a
scan with the baseline classifies each finding as new or known, and counts the gone entries, exactly as
a model of (path, secret) pairs says."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from scanner.baseline.format import Baseline, parse, render
from scanner.baseline.match import compare, consistent, create, new_params, slow_hashes, update
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Finding, Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules
from tests.fuzz.strategies import examples
from tests.tokens import aws_access_key_id, github_token

PATHS = ("app/settings.py", "deploy/.env", "README.md")
WHOLE = ("",)  # the scan covers every path, so entries not found are gone
RULESET = CompiledRuleset(
    tuple(r for r in load_rules() if r.id in {"github.pat-classic", "aws.access-key-id"})
)


class BaselineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, list[str]] = {path: [] for path in PATHS}
        self.filler: dict[str, int] = dict.fromkeys(PATHS, 0)
        self.counter = 0
        self.baseline: Baseline | None = None
        self.recorded: set[tuple[str, str]] = set()  # the model: (path, secret) pairs in the baseline

    def _pairs(self) -> set[tuple[str, str]]:
        return {(path, secret) for path, secrets in self.files.items() for secret in secrets}

    def _scan(self) -> list[Finding]:
        findings: list[Finding] = []
        for path, secrets in self.files.items():
            lines = ["# unrelated"] * self.filler[path] + [f"KEY_{n} = '{s}'" for n, s in enumerate(secrets)]
            findings.extend(scan_chunk(Chunk(path, "\n".join(lines) + "\n"), RULESET, Policy()).findings)
        return findings

    def _saved(self, baseline: Baseline) -> Baseline:
        return parse(render(baseline), "baseline.json", consistent)

    @rule(path=st.sampled_from(PATHS), aws=st.booleans())
    def add_secret(self, path: str, aws: bool) -> None:
        self.counter += 1
        rng = random.Random(self.counter)
        self.files[path].append(aws_access_key_id(rng) if aws else github_token("ghp_", rng))

    @rule(source=st.sampled_from(PATHS), dest=st.sampled_from(PATHS), data=st.data())
    def copy_secret(self, source: str, dest: str, data: st.DataObject) -> None:
        candidates = [s for s in self.files[source] if s not in self.files[dest]]
        if candidates:
            self.files[dest].append(data.draw(st.sampled_from(candidates)))

    @rule(path=st.sampled_from(PATHS), data=st.data())
    def remove_secret(self, path: str, data: st.DataObject) -> None:
        if self.files[path]:
            self.files[path].pop(data.draw(st.integers(0, len(self.files[path]) - 1)))

    @rule(path=st.sampled_from(PATHS), lines=st.integers(1, 5))
    def insert_unrelated_lines(self, path: str, lines: int) -> None:
        self.filler[path] += lines

    @rule()
    def create_baseline(self) -> None:
        findings = self._scan()
        params = new_params()
        self.baseline = self._saved(create(findings, params, slow_hashes(findings, params)))
        self.recorded = self._pairs()

    @precondition(lambda self: self.baseline is not None)
    @rule()
    def update_baseline(self) -> None:
        assert self.baseline is not None
        findings = self._scan()
        slow = slow_hashes(findings, self.baseline.params)
        updated, added, removed = update(self.baseline, findings, slow, WHOLE)
        current = self._pairs()
        assert (added, removed) == (len(current - self.recorded), len(self.recorded - current))
        self.baseline = self._saved(updated)
        self.recorded = current

    @invariant()
    def classification_matches_the_model(self) -> None:
        if self.baseline is None:
            return
        findings = self._scan()
        slow = slow_hashes(findings, self.baseline.params)
        view = compare(findings, self.baseline, slow, date(2026, 1, 1), WHOLE, show_known=True)
        known = {fingerprint for fingerprint, _ in view.known}
        secret_of = {f.fingerprint: f for f in findings}
        current = self._pairs()
        assert len(findings) == len(current)  # one finding per planted secret
        assert len(self.baseline.entries) == len(self.recorded)
        new = {fp for fp in secret_of if fp not in known}
        assert len(new) == len(current - self.recorded)
        assert len(known) == len(current & self.recorded)
        assert view.gone == len(self.recorded - current)


BaselineMachine.TestCase.settings = settings(
    max_examples=examples(20),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBaselineMachine = BaselineMachine.TestCase
