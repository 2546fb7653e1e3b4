"""One repository of a fleet audited as a worker does it (scanner.modes.fleet_task), in this process, and
the state directory it leaves (scanner.modes.fleet_state)."""

from __future__ import annotations

import gc
import hashlib
import pickle
import random
from dataclasses import replace
from pathlib import Path

import pygit2
import pytest

from scanner.errors import InputError
from scanner.fingerprint import secret_hash
from scanner.fleet_codec import to_json
from scanner.fleet_model import Outcome, RefListing
from scanner.model import Policy
from scanner.modes.fleet_state import Checkpoints, checkpoint_key, mirror_dir, prepare
from scanner.modes.fleet_task import TaskConfig, audit_repository
from scanner.ruleset.compiled import CompiledRuleset
from scanner.sources.fleet_sources import parse_source
from tests.conftest import git
from tests.fleet_repos import corrupt_a_blob
from tests.modes.test_git_modes import commit_file
from tests.tokens import github_token

TOKEN = github_token(rng=random.Random(404))


def config(ruleset: CompiledRuleset, work: Path, key: bytes = b"k" * 32, **changes: object) -> TaskConfig:
    return replace(TaskConfig(ruleset, Policy(), key, str(work), 60.0), **changes)  # type: ignore[arg-type]


def planted(repo: Path) -> Path:
    commit_file(repo, "README.md", "# a service\n")
    commit_file(repo, "settings.py", f'TOKEN = "{TOKEN}"\n')
    return repo


def test_a_clone_url_is_mirrored_and_audited(repo: Path, tmp_path: Path, ruleset: CompiledRuleset) -> None:
    planted(repo)
    source = parse_source(f"file://{repo}")
    result = audit_repository(source, None, config(ruleset, tmp_path / "work"))
    assert result.outcome is Outcome.SCANNED and result.reason is None
    assert mirror_dir(tmp_path / "work", source).is_dir()
    (credential,) = result.credentials
    assert (credential.rule.id, credential.first.path, credential.commits, credential.window.open) == (
        "github.pat-classic",
        "settings.py",
        1,
        True,
    )
    assert credential.first.commit is not None
    assert credential.first.commit.sha == git(repo, "rev-parse", "HEAD").strip()
    assert credential.held_at == ("refs/heads/main",) and result.tips[0][0] == "refs/heads/main"
    assert result.stats.files == 2 and result.findings == 1
    assert result.seconds > 0 and result.peak_rss > 0 and result.worker
    again = audit_repository(source, None, config(ruleset, tmp_path / "work"))
    assert again.stats.cached == 1  # the clean blob came from the history cache
    assert again.credentials == result.credentials


def test_a_local_repository_is_audited_in_place(repo: Path, tmp_path: Path, ruleset: CompiledRuleset) -> None:
    planted(repo)
    source = parse_source(str(repo))
    result = audit_repository(source, None, config(ruleset, tmp_path / "work"))
    assert result.outcome is Outcome.SCANNED and len(result.credentials) == 1
    assert not mirror_dir(tmp_path / "work", source).exists()
    assert result.listing is not None and result.listing.head == "refs/heads/main"


def test_no_repository_stays_open_after_its_task(
    repo: Path, tmp_path: Path, ruleset: CompiledRuleset
) -> None:
    """A worker audits one repository after another: what an audit opened (a pygit2 repository holds
    its packs mapped, and sits in reference cycles) is gone when its task returns, not whenever the
    garbage collector next looks at the oldest objects."""
    planted(repo)
    gc.collect()
    gc.disable()  # only the task itself may collect
    try:
        result = audit_repository(parse_source(str(repo)), None, config(ruleset, tmp_path / "work"))
        left = [kept for kept in gc.get_objects() if isinstance(kept, pygit2.Repository)]
    finally:
        gc.enable()
    assert result.outcome is Outcome.SCANNED
    assert [kept.path for kept in left if Path(kept.path).resolve() == (repo / ".git").resolve()] == []


def test_ids_are_the_same_in_every_repository_under_one_key(tmp_path: Path, ruleset: CompiledRuleset) -> None:
    ids = {}
    for name in ("one", "two"):
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        planted(repo)
        ids[name] = (
            audit_repository(parse_source(str(repo)), None, config(ruleset, tmp_path / "w")).credentials[0].id
        )
    assert ids["one"] == ids["two"]
    other = audit_repository(
        parse_source(str(tmp_path / "one")), None, config(ruleset, tmp_path / "w", b"o" * 32)
    )
    assert other.credentials[0].id != ids["one"]


def test_failures_are_results_that_say_why(tmp_path: Path, ruleset: CompiledRuleset) -> None:
    missing = audit_repository(
        parse_source(f"file://{tmp_path}/absent"), None, config(ruleset, tmp_path / "w")
    )
    assert missing.outcome is Outcome.FAILED and "does not appear to be a git repository" in (
        missing.reason or ""
    )
    broken = tmp_path / "broken"
    broken.mkdir()
    git(broken, "init", "-q", "-b", "main")
    commit_file(broken, "data.txt", "some data\n")
    corrupt_a_blob(broken)
    local = audit_repository(parse_source(str(broken)), None, config(ruleset, tmp_path / "w"))
    blob = git(broken, "rev-parse", "HEAD:data.txt").strip()
    assert local.outcome is Outcome.FAILED and blob in (local.reason or "")
    assert "pass --skip-errors" in (local.reason or "")
    skipped = audit_repository(
        parse_source(str(broken)), None, config(ruleset, tmp_path / "w", skip_errors=True)
    )
    assert skipped.outcome is Outcome.SCANNED and skipped.stats.skipped_unreadable == 1
    assert [note for note in skipped.notes if blob in note and "missing or corrupted" in note], skipped.notes


def test_a_state_directory_that_cannot_be_written(
    repo: Path, tmp_path: Path, ruleset: CompiledRuleset
) -> None:
    planted(repo)
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    result = audit_repository(parse_source(f"file://{repo}"), None, config(ruleset, blocked))
    assert result.outcome is Outcome.FAILED and "(" in (result.reason or "")


def test_remove_mirrors_keeps_the_history_cache(repo: Path, tmp_path: Path, ruleset: CompiledRuleset) -> None:
    planted(repo)
    source = parse_source(f"file://{repo}")
    result = audit_repository(source, None, config(ruleset, tmp_path / "w", remove_mirrors=True))
    assert result.outcome is Outcome.SCANNED
    assert not mirror_dir(tmp_path / "w", source).exists()
    assert (tmp_path / "w" / "repos" / source.slug / "cache").is_dir()
    again = audit_repository(source, None, config(ruleset, tmp_path / "w", remove_mirrors=True))
    assert again.stats.cached == 1 and again.credentials == result.credentials


def test_the_committed_baseline_gives_review_statuses(
    repo: Path, tmp_path: Path, ruleset: CompiledRuleset
) -> None:
    from tests.fleet_repos import _baseline_with_false_positive

    planted(repo)
    _baseline_with_false_positive(repo)
    result = audit_repository(parse_source(f"file://{repo}"), None, config(ruleset, tmp_path / "w"))
    assert result.baseline and [c.review.status.value for c in result.credentials] == ["false_positive"]
    commit_file(repo, ".spillguard-baseline.json", "{not json")
    broken = audit_repository(parse_source(f"file://{repo}"), None, config(ruleset, tmp_path / "w"))
    assert not broken.baseline and broken.credentials[0].review.status.value == "unreviewed"
    assert len(broken.notes) == 1 and broken.notes[0].endswith("; not used")


def test_what_travels_back_holds_no_secret_nor_its_hashes(
    repo: Path, tmp_path: Path, ruleset: CompiledRuleset
) -> None:
    planted(repo)
    result = audit_repository(
        parse_source(f"file://{repo}"), None, config(ruleset, tmp_path / "w", sarif=True)
    )
    assert result.report is not None and result.report.rules == ()
    sent = pickle.dumps(result) + to_json(result, "fail-on low").encode()
    for form in (
        TOKEN,
        secret_hash(TOKEN),
        hashlib.sha256(TOKEN.encode()).hexdigest(),
        hashlib.md5(TOKEN.encode()).hexdigest(),
    ):
        assert form.encode() not in sent


def test_checkpoints_round_trip_and_bad_ones_are_ignored(
    repo: Path, tmp_path: Path, ruleset: CompiledRuleset
) -> None:
    planted(repo)
    source = parse_source(f"file://{repo}")
    result = audit_repository(source, None, config(ruleset, tmp_path / "w"))
    assert result.listing is not None
    keyed = replace(result, key=checkpoint_key("base", result.listing))
    checkpoints = Checkpoints(tmp_path / "state", ruleset.rule_by_id)
    checkpoints.save(keyed, None)
    loaded = checkpoints.load(source)
    assert loaded is not None
    back, kept_sarif = loaded
    assert kept_sarif is None and back.outcome is Outcome.UNCHANGED
    assert back.credentials == result.credentials and back.listing == result.listing and back.key == keyed.key
    assert back.tips == result.tips
    assert back.stats == result.stats and back.scanned_at == result.scanned_at
    path = tmp_path / "state" / "repos" / source.slug / "checkpoint.json"
    for garbage in ("{", '{"version": 99}', "[]", '{"version": 1}'):
        path.write_text(garbage)
        assert checkpoints.load(source) is None
    checkpoints.save(keyed, None)
    assert Checkpoints(tmp_path / "state", {}).load(source) is None  # its rule is not in this rule set
    assert checkpoint_key("base", RefListing((("refs/heads/main", "a" * 40),))) != checkpoint_key(
        "base", RefListing(())
    )


def test_a_state_directory_that_is_a_file(tmp_path: Path) -> None:
    prepare(tmp_path / "state")
    assert (tmp_path / "state" / "repos").is_dir()
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o700
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(InputError, match="cannot create the fleet state directory"):
        prepare(blocked)
