"""The inventory mode through the library, on real repositories whose story is known commit by commit
(tests/inventory_repo.py): windows, tips, removals, authors and counts exactly right, from a fresh
audit, a cold cache and a warm one."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from scanner.fingerprint import secret_hash
from scanner.inventory_key import credential_id, load_key
from scanner.inventory_model import Action, Credential, Event, Inventory, RefRemoval, State, Window
from scanner.model import CommitInfo, Policy
from scanner.modes.inventory import Scope, key_directory, take_inventory
from scanner.remediation import PURGE_STEPS
from scanner.ruleset.compiled import CompiledRuleset
from tests.inventory_repo import (
    ANN,
    BOB,
    CY,
    DEE,
    DROPPED,
    EVE,
    SHORT_LIVED,
    TOKEN,
    Story,
    add_dropped_by_merge,
    author,
    build_story,
)
from tests.tokens import aws_access_key_id, github_token

AS_OF = date(2024, 6, 1)


@pytest.fixture()
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path / "repo")


def take(
    story: Story, ruleset: CompiledRuleset, scope: Scope | None = None, policy: Policy | None = None
) -> Inventory:
    chosen = scope or Scope(key_dir=story.root / ".git" / "spillguard")
    return take_inventory(ruleset, policy or Policy(), chosen, AS_OF, cwd=story.root)


def info(story: Story, label: str, who: tuple[str, str], day: str) -> CommitInfo:
    return CommitInfo(story.commits[label], author(who), f"{day}T12:00:00+00:00")


def by_secret(inventory: Inventory, key: bytes, secret: str) -> Credential:
    wanted = credential_id(key, secret_hash(secret))
    (found,) = [c for c in inventory.credentials if c.id == wanted]
    return found


def test_the_story_credential_exactly(story: Story, ruleset: CompiledRuleset) -> None:
    inventory = take(story, ruleset)
    key = load_key(story.root / ".git" / "spillguard")
    token = by_secret(inventory, key, TOKEN)
    assert token.rule.id == "github.pat-classic" and token.rules == ("github.pat-classic",)
    assert token.first == Event("config/settings.py", 2, info(story, "add", ANN, "2024-01-10"))
    assert token.paths == ("config/settings.py", "deploy/token.txt", "scripts/publish.py")
    assert token.commits == 4  # added, copied, merged into main, re-added
    assert token.authors == (author(ANN), author(BOB), author(CY), author(EVE))
    assert token.held_at == ("refs/heads/feature", "refs/heads/release/1.0", "refs/tags/v1.0")
    # main lost it twice; the newest removal is the one that counts for main
    removed = info(story, "remove-again", DEE, "2024-05-11")
    assert token.removals == (RefRemoval(removed, ("refs/heads/main",)),)
    assert token.dropped == ()
    assert token.window == Window("2024-01-10T12:00:00+00:00", None, True, 143)  # to 2024-06-01
    assert token.state is State.OPEN and token.action is Action.ROTATE_AND_REMOVE
    assert token.in_history is True and token.in_messages is False
    assert token.preview == "ghp_" + TOKEN[4:6] + "…" + TOKEN[-2:]
    assert token.secret is None


def test_a_credential_only_in_history(story: Story, ruleset: CompiledRuleset) -> None:
    inventory = take(story, ruleset)
    key = load_key(story.root / ".git" / "spillguard")
    short = by_secret(inventory, key, SHORT_LIVED)
    assert short.first == Event("app/keys.py", 1, info(story, "short-add", BOB, "2024-02-10"))
    assert short.held_at == () and short.paths == ("app/keys.py",)
    removed = info(story, "short-remove", CY, "2024-02-20")
    assert short.removals == (RefRemoval(removed, ("refs/heads/main",)),)
    assert short.window == Window("2024-02-10T12:00:00+00:00", "2024-02-20T12:00:00+00:00", False, 10)
    assert short.commits == 1 and short.authors == (author(BOB),)
    assert short.state is State.HISTORY_ONLY and short.action is Action.ROTATE_AND_PURGE
    oldest_first = [by_secret(inventory, key, s).id for s in (TOKEN, SHORT_LIVED)]
    assert [c.id for c in inventory.credentials] == oldest_first
    assert inventory.source == "history" and inventory.as_of == "2024-06-01"
    assert dict(inventory.tips) == {
        "refs/heads/feature": story.commits["copy"],
        "refs/heads/main": story.commits["remove-again"],
        "refs/heads/release/1.0": story.commits["release-fix"],
        "refs/tags/v1.0": story.commits["merge"],
    }
    assert PURGE_STEPS  # shown for it by every format (tests/cli/test_inventory_cli.py)


def test_a_merge_that_resolves_a_credential_away(story: Story, ruleset: CompiledRuleset) -> None:
    add_dropped_by_merge(story)
    inventory = take(story, ruleset)
    key = load_key(story.root / ".git" / "spillguard")
    dropped = by_secret(inventory, key, DROPPED)
    assert dropped.held_at == () and dropped.removals == () and dropped.dropped == ("refs/heads/main",)
    assert dropped.window == Window("2024-05-20T12:00:00+00:00", None, False, None)
    assert dropped.state is State.HISTORY_ONLY
    token = by_secret(inventory, key, TOKEN)  # main moved on; its removal is still remove-again
    assert token.removals[0].refs == ("refs/heads/main",)


def test_cached_inventories_match_a_fresh_one_and_ask_nothing_more(
    story: Story, ruleset: CompiledRuleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"  # the key goes beside the cache
    fresh = take(story, ruleset, Scope(key_dir=cache))
    scope = Scope(cache_dir=cache)
    cold = take(story, ruleset, scope)
    other = take(story, ruleset, Scope(cache_dir=tmp_path / "other", key_dir=cache))
    assert cold.credentials == fresh.credentials == other.credentials and cold.tips == fresh.tips
    assert cold.stats == replace(fresh.stats, cached=cold.stats.cached)
    assert cold.credentials[0].id != take(story, ruleset).credentials[0].id  # another key, another id

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("asked the repository again")

    monkeypatch.setattr("scanner.modes.history.walk", refuse)
    monkeypatch.setattr("scanner.modes.history.tip_view", refuse)
    warm = take(story, ruleset, scope)  # snapshot and tip view from the cache
    assert warm.credentials == fresh.credentials and warm.tips == fresh.tips


def test_a_moved_ref_is_seen_by_the_next_cached_inventory(
    story: Story, ruleset: CompiledRuleset, tmp_path: Path
) -> None:
    scope = Scope(cache_dir=tmp_path / "cache")
    key = load_key(tmp_path / "cache")
    assert by_secret(take(story, ruleset, scope), key, TOKEN).held_at[0] == "refs/heads/feature"
    story.git("checkout", "-q", "feature", who=DEE, day="2024-05-30")
    story.git("rm", "-q", "config/settings.py", "deploy/token.txt", who=DEE, day="2024-05-30")
    story.commit("feature-clean", DEE, "2024-05-30")
    token = by_secret(take(story, ruleset, scope), key, TOKEN)
    assert token.held_at == ("refs/heads/release/1.0", "refs/tags/v1.0")
    assert [(r.commit.sha, r.refs) for r in token.removals] == [
        (story.commits["remove-again"], ("refs/heads/main",)),
        (story.commits["feature-clean"], ("refs/heads/feature",)),
    ]
    assert token == by_secret(take(story, ruleset, Scope(key_dir=tmp_path / "cache")), key, TOKEN)


def test_only_the_chosen_refs(story: Story, ruleset: CompiledRuleset) -> None:
    scope = Scope(refs=("release/1.0",), key_dir=story.root / ".git" / "spillguard")
    inventory = take(story, ruleset, scope)
    (token,) = inventory.credentials
    assert token.held_at == ("release/1.0",) and token.removals == ()
    assert token.commits == 3  # the re-add on main is not in release/1.0's history
    assert inventory.tips == (("release/1.0", story.commits["release-fix"]),)


def test_commit_messages_and_stashes(story: Story, ruleset: CompiledRuleset) -> None:
    key_id = aws_access_key_id()
    story.commit("message", EVE, "2024-05-20", f"debug with {key_id}")
    stashed = github_token("ghp_")
    story.write("README.md", f"t = '{stashed}'\n")
    story.git("stash", "-q", who=EVE, day="2024-05-25")
    inventory = take(story, ruleset)
    key = load_key(story.root / ".git" / "spillguard")
    message = by_secret(inventory, key, key_id)
    assert message.in_messages and message.state is State.OPEN and message.paths == ("(commit message)",)
    assert message.first.commit == info(story, "message", EVE, "2024-05-20") and message.held_at == ()
    in_stash = by_secret(inventory, key, stashed)
    assert in_stash.held_at == () and in_stash.removals == () and in_stash.dropped == ()
    assert in_stash.state is State.HISTORY_ONLY and in_stash.window.end is None


def test_directory_inventory(tmp_path: Path, ruleset: CompiledRuleset, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    tree = tmp_path / "tree"
    (tree / "conf").mkdir(parents=True)
    (tree / "conf" / "a.py").write_text(f"x = 1\nt = '{TOKEN}'\n")
    (tree / "conf" / "b.py").write_text(f"t = '{TOKEN}'\n")
    scope = Scope(history=False, paths=(".",))
    assert key_directory(scope, tree) == tmp_path / "user-cache"  # outside any repository
    inventory = take_inventory(ruleset, Policy(), scope, AS_OF, cwd=tree)
    (token,) = inventory.credentials
    assert token.first == Event("conf/a.py", 2) and token.paths == ("conf/a.py", "conf/b.py")
    assert token.window == Window(None, None, True, None) and token.in_history is None
    assert token.commits == 0 and token.authors == () and token.state is State.OPEN
    assert inventory.source == "directory" and inventory.tips == ()


def test_key_directory(story: Story, tmp_path: Path) -> None:
    common = story.root / ".git" / "spillguard"
    assert key_directory(Scope(), story.root) == common
    assert key_directory(Scope(cache_dir=tmp_path / "c"), story.root) == tmp_path / "c"
    assert key_directory(Scope(history=False, paths=("config",)), story.root) == common
    assert key_directory(Scope(key_dir=tmp_path / "k"), story.root) == tmp_path / "k"


def test_the_cached_tip_view_is_checked(story: Story, ruleset: CompiledRuleset, tmp_path: Path) -> None:
    """A tip view that does not read back, or was stored for other groups, is computed again (and
    stored again); a rule change empties the cache's tip views with its snapshots."""
    import sqlite3

    from scanner.modes.history_cache import CACHE_FILE

    cache = tmp_path / "cache"
    scope = Scope(cache_dir=cache)
    first = take(story, ruleset, scope)
    database = cache / CACHE_FILE
    for damage in ("UPDATE tip_views SET view = 'not json'", "UPDATE tip_views SET trail = 'other'"):
        with sqlite3.connect(database) as db:
            db.execute(damage)
        assert take(story, ruleset, scope).credentials == first.credentials
        with sqlite3.connect(database) as db:
            (view,) = db.execute("SELECT view FROM tip_views").fetchone()
        assert view.startswith('{"tips":')
    with sqlite3.connect(database) as db:  # a view with fewer groups than the audit found
        db.execute("""UPDATE tip_views SET view = '{"tips": [], "presence": []}'""")
    assert take(story, ruleset, scope).credentials == first.credentials
    policy = Policy(disabled_rules=("generic.password-assignment",))
    from scanner.cli.options import build_ruleset
    from scanner.modes.history import scan_history

    scan_history(build_ruleset(policy, "pyahocorasick"), policy, cwd=story.root, cache_dir=cache)
    with sqlite3.connect(database) as db:  # an audit under other rules stores none
        assert db.execute("SELECT COUNT(*) FROM tip_views").fetchone() == (0,)


def test_a_git_note_is_like_a_commit_message(story: Story, ruleset: CompiledRuleset) -> None:
    noted = github_token("ghp_", rng=random.Random(3))
    story.git("notes", "add", "-m", f"deploy with {noted}", story.commits["init"], who=EVE, day="2024-05-30")
    inventory = take(story, ruleset)
    key = load_key(story.root / ".git" / "spillguard")
    note = by_secret(inventory, key, noted)
    assert note.paths == (f"(git note on {story.commits['init'][:12]})",)
    assert note.in_messages and note.state is State.OPEN and note.held_at == () and note.removals == ()
    assert note.first.commit is not None and note.first.commit.author == author(EVE)
    assert note.authors == (author(EVE),) and note.commits == 1


def test_a_shallow_clone_says_what_it_lacks(story: Story, ruleset: CompiledRuleset, tmp_path: Path) -> None:
    from scanner.errors import GitError

    clone = tmp_path / "shallow"
    story.git("clone", "-q", "--depth", "1", "--no-local", f"file://{story.root}", str(clone))
    scope = Scope(key_dir=tmp_path / "key")
    with pytest.raises(GitError, match="a shallow clone"):
        take_inventory(ruleset, Policy(), scope, AS_OF, cwd=clone)
    inventory = take_inventory(ruleset, Policy(), replace(scope, allow_shallow=True), AS_OF, cwd=clone)
    assert inventory.gaps and "shallow clone" in inventory.gaps[0]
    assert take(story, ruleset).gaps == ()  # a full history: nothing missing
