"""scanner.credentials (the inventory's pure core), scanner.inventory_changes, the inventory policy in
scanner.decision and scanner.inventory_key, on records built by hand: review statuses combined, the
rule a credential is named by, windows, changes since a previous inventory, what fails the run, keys."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from scanner.credentials import build, review
from scanner.decision import credential_failing, inventory_failing
from scanner.errors import InputError
from scanner.fingerprint import fingerprint, secret_hash
from scanner.inventory_changes import compare
from scanner.inventory_key import KEY_FILE, credential_id, key_id, load_key
from scanner.inventory_model import Action, Change, Credential, Event, Previous, Review, State, Window
from scanner.model import (
    BaselineView,
    CommitInfo,
    Finding,
    KnownMark,
    Location,
    Report,
    ReviewStatus,
    Rule,
    ScanStats,
    SecretGroup,
    Severity,
)
from scanner.ruleset.compiled import CompiledRuleset
from scanner.trail import Exposure, Group, Presence, Removal, Tip, Trail

KEY = bytes(range(32))
R, U = ReviewStatus.REAL, ReviewStatus.UNREVIEWED
F, A = ReviewStatus.FALSE_POSITIVE, ReviewStatus.ACCEPTED_RISK


def mark(status: ReviewStatus, reason: str | None = None, expires: str | None = None, failing: bool = False):
    return KnownMark(status, reason, failing or status is R, expires)


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        (None, Review()),
        ({"a": mark(F, "test data"), "b": mark(R, "rotate")}, Review(R, "rotate", None, False, True)),
        ({"a": mark(F)}, Review(U, None, None, False, False)),  # b is not in the baseline
        ({"a": mark(U), "b": mark(F)}, Review(U, None, None, False, True)),
        (
            {"a": mark(A, "later", "2025-01-01"), "b": mark(A, "sooner", "2024-07-01")},
            Review(A, "sooner", "2024-07-01", False, True),
        ),
        ({"a": mark(A, "forever"), "b": mark(F, "fixture")}, Review(A, "forever", None, False, True)),
        (
            {"a": mark(F, "fixture", "2024-01-01", failing=True), "b": mark(F)},
            Review(F, "fixture", "2024-01-01", True, True),
        ),
    ],
)
def test_review_of_a_credential_combines_its_findings(marks, expected) -> None:
    assert review(["a", "b", "a"], marks) == expected


def finding(rule_id: str, path: str, secret: str, line: int = 1, commit: str | None = None) -> Finding:
    hashed = secret_hash(secret)
    location = Location(path, line, 1, line, 10, commit, "b" * 40 if commit else None)
    return Finding(rule_id, location, hashed, fingerprint(rule_id, path, hashed), "pre…view", 4.0)


def test_one_secret_under_two_rules_is_one_credential(ruleset: CompiledRuleset) -> None:
    """Named by the provider's rule, not the generic one; at the highest severity of its findings."""
    rules = tuple(r for r in ruleset.rules if r.id in ("generic.password-assignment", "github.pat-classic"))
    found = (
        finding("generic.password-assignment", "a.py", "s3cret-value", 3),
        replace(finding("github.pat-classic", "b.py", "s3cret-value", 7), severity=Severity.CRITICAL),
        finding("generic.password-assignment", "c.py", "other-value"),
    )
    inventory = build(Report(found, rules, ScanStats()), None, KEY, date(2024, 6, 1))
    first, other = sorted(inventory.credentials, key=lambda c: c.paths)
    assert first.rule.id == "github.pat-classic"
    assert first.rules == ("generic.password-assignment", "github.pat-classic")
    assert first.severity is Severity.CRITICAL and first.paths == ("a.py", "b.py")
    assert first.first.path == "b.py" and first.first.line == 7  # the named rule's first finding
    assert first.id == credential_id(KEY, secret_hash("s3cret-value")) and inventory.key_id == key_id(KEY)
    assert other.rule.id == "generic.password-assignment" and other.provider == "generic"
    assert other.kind == "password-assignment"


def _history(ruleset: CompiledRuleset, presence: Presence) -> tuple[Report, Exposure]:
    rule = next(r for r in ruleset.rules if r.id == "github.pat-classic")
    found = finding(rule.id, "a.py", "tok", commit="c" * 40)
    blob = "b" * 40
    group = SecretGroup(
        rule.id, "pre…view", found.location, ("a.py",), 1, False, (found.fingerprint,), (blob,)
    )
    info = CommitInfo("c" * 40, "A <a@x>", "2024-01-01T23:30:00-02:00")  # 2 January in UTC
    gone = CommitInfo("d" * 40, "B <b@x>", "2024-01-05T10:00:00+00:00")
    trail = Trail(((blob, (("c" * 40, "a.py"),)),), ((blob, (("d" * 40, "a.py"),)),), ((0, info), (1, gone)))
    held = ((found.secret_hash, Group(((blob, "a.py"),)), presence),)
    exposure = Exposure(trail, (Tip("refs/heads/main", "d" * 40),), held)
    return Report((found,), (rule,), ScanStats(), groups=(group,)), exposure


def test_windows_count_whole_utc_days(ruleset: CompiledRuleset) -> None:
    removed = Presence((), (Removal("d" * 40, ("refs/heads/main",)),))
    closed = build(*_history(ruleset, removed), KEY, date(2024, 6, 1))
    ends = "2024-01-05T10:00:00+00:00"
    assert closed.credentials[0].window == Window("2024-01-01T23:30:00-02:00", ends, False, 3)
    held = build(*_history(ruleset, Presence(("refs/heads/main",))), KEY, date(2024, 1, 12))
    assert held.credentials[0].window == Window("2024-01-01T23:30:00-02:00", None, True, 10)
    early = build(*_history(ruleset, Presence(("refs/heads/main",))), KEY, date(2023, 12, 1))
    assert early.credentials[0].window.days == 0  # an --as-of before the first commit
    stashed = build(*_history(ruleset, Presence()), KEY, date(2024, 6, 1))
    assert stashed.credentials[0].window == Window("2024-01-01T23:30:00-02:00", None, False, None)


def _credential(
    rule: Rule, state: State, severity: Severity, status: ReviewStatus, expired: bool
) -> Credential:
    window = Window("2024-01-01T00:00:00+00:00", None if state is State.OPEN else "x", state is State.OPEN, 1)
    review = Review(status, expired=expired)
    first = Event("a", 1)
    return Credential(
        "0" * 32, rule, (), severity, "p…", first, ("a",), 1, (), (), (), (), window, True, False, review
    )


@pytest.mark.parametrize(
    ("state", "severity", "status", "expired", "fails", "action"),
    [
        (State.OPEN, Severity.HIGH, U, False, True, Action.ROTATE_AND_REMOVE),
        (State.OPEN, Severity.HIGH, R, False, True, Action.ROTATE_AND_REMOVE),
        (State.OPEN, Severity.HIGH, F, False, False, Action.NONE),
        (State.OPEN, Severity.HIGH, F, True, True, Action.ROTATE_AND_REMOVE),  # its review expired
        (State.OPEN, Severity.HIGH, A, False, False, Action.NONE),
        (State.OPEN, Severity.MEDIUM, U, False, False, Action.ROTATE_AND_REMOVE),  # below --fail-on high
        (State.HISTORY_ONLY, Severity.CRITICAL, R, False, False, Action.ROTATE_AND_PURGE),
    ],
)
def test_what_fails_an_inventory(ruleset, state, severity, status, expired, fails, action) -> None:
    credential = _credential(ruleset.rules[0], state, severity, status, expired)
    assert credential_failing(credential, Severity.HIGH) is fails
    assert inventory_failing((credential,), Severity.HIGH) is fails
    assert credential.action is action and credential.state is state


def test_changes_since_a_previous_inventory(ruleset: CompiledRuleset) -> None:
    report, exposure = _history(ruleset, Presence((), (Removal("d" * 40, ("refs/heads/main",)),)))
    now = build(report, exposure, KEY, date(2024, 6, 1))
    (current,) = now.credentials

    def previous(state: State, ident: str = current.id, severity: Severity = Severity.HIGH) -> Previous:
        return Previous(ident, state, "github.pat-classic", severity, "p…", ("a.py",))

    assert compare(now, (), "2024-05-01").credentials[0].change is Change.NEW
    assert compare(now, (previous(State.OPEN),), "x").credentials[0].change is Change.REMOVED
    assert compare(now, (previous(State.HISTORY_ONLY),), "x").credentials[0].change is Change.UNCHANGED
    opened = replace(now, credentials=(replace(current, window=replace(current.window, open=True)),))
    assert compare(opened, (previous(State.HISTORY_ONLY),), "x").credentials[0].change is Change.REOPENED
    gone, low = previous(State.OPEN, "1" * 32), previous(State.OPEN, "2" * 32, Severity.LOW)
    compared = compare(now, (previous(State.OPEN), gone, low), "2024-05-01", Severity.MEDIUM)
    assert compared.changes is not None and compared.changes.gone == (gone,)  # low is below --min-severity
    counts = {Change.NEW: 0, Change.REMOVED: 2, Change.REOPENED: 0, Change.UNCHANGED: 0}
    assert dict(compared.changes.counts) == counts
    assert compared.changes.since == "2024-05-01"


def test_baseline_marks_reach_credentials(ruleset: CompiledRuleset) -> None:
    report, exposure = _history(ruleset, Presence(("refs/heads/main",)))
    fp = report.findings[0].fingerprint
    marked = replace(report, baseline=BaselineView(((fp, mark(A, "vendor test key", "2099-01-01")),), 0))
    (credential,) = build(marked, exposure, KEY, date(2024, 6, 1)).credentials
    assert credential.review == Review(A, "vendor test key", "2099-01-01", False, True)
    assert not credential_failing(credential, Severity.LOW)


def test_inventory_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    key = load_key(tmp_path / "new")
    path = tmp_path / "new" / KEY_FILE
    assert len(key) == 32 and load_key(tmp_path / "new") == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temporary file left behind
    assert load_key(tmp_path / "other") != key
    assert len(key_id(key)) == 16 and key_id(key) != key_id(bytes(32))


@pytest.mark.parametrize("content", [b"", b"zz" * 32, b"ab" * 31, b"\xff" * 64])
def test_a_damaged_key_is_an_error_naming_it(tmp_path: Path, content: bytes) -> None:
    (tmp_path / KEY_FILE).write_bytes(content)
    with pytest.raises(InputError, match=f"{tmp_path / KEY_FILE}: not an inventory key .* delete it"):
        load_key(tmp_path)


def test_a_key_that_is_not_a_file_is_an_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / KEY_FILE)
    with pytest.raises(InputError, match="not a regular file"):
        load_key(tmp_path)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / KEY_FILE).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="cannot read or create the inventory key"):
        load_key(tmp_path / "dir")


def test_two_runs_creating_the_key_at_once_share_one(tmp_path: Path) -> None:
    from scanner.inventory_key import _create

    first = load_key(tmp_path)
    _create(tmp_path / KEY_FILE)  # another run lost the race: its key is dropped, the first one kept
    assert load_key(tmp_path) == first and [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_key_on_a_file_system_without_hard_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    key = load_key(tmp_path)
    assert load_key(tmp_path) == key and [p.name for p in tmp_path.iterdir()] == [KEY_FILE]
    from scanner.inventory_key import _create

    _create(tmp_path / KEY_FILE)  # a key appeared meanwhile: not replaced
    assert load_key(tmp_path) == key and [p.name for p in tmp_path.iterdir()] == [KEY_FILE]
