"""`spillguard inventory` through the CLI on the story repository (tests/inventory_repo.py): the JSON
exactly, every format, the policy exit code with baseline reviews, changes since a previous inventory,
and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.remediation import PURGE_STEPS
from tests.conftest import Invoke
from tests.inventory_repo import ANN, BOB, CY, DEE, EVE, SHORT_LIVED, TOKEN, Story, author, build_story
from tests.tokens import github_token

SCHEMA = Path(__file__).resolve().parents[2] / "scanner" / "reporters" / "schemas" / "inventory-v1.json"
DAY = "--as-of=2024-06-01"
UNREVIEWED = {"status": "unreviewed", "reason": None, "expires": None, "expired": False, "in_baseline": False}
HEAD = '{"format": "spillguard-inventory", "schema_version": '


@pytest.fixture()
def story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Story:
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    return build_story(tmp_path / "repo")


def inventory(run_cli: Invoke, story: Story, *args: str, code: int | None = None) -> dict[str, Any]:
    result = run_cli("inventory", "-f", "json", "-q", DAY, *args, cwd=story.root)
    assert code is None or result.exit_code == code, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def by_path(data: dict[str, Any], path: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in data["credentials"] if path in c["paths"]]
    assert len(found) == 1, path
    return found[0]


def documented(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "") -> list[str]:
    """Keys of `value` that the schema does not describe (it allows them, as later versions may add some)."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        common = root["$defs"]["commit_or_null"]["properties"]
        schema = {**schema, "properties": {**common, **schema.get("properties", {})}}
    if "oneOf" in schema:
        options = [s for s in schema["oneOf"] if s.get("type") == "object"]
        schema = options[0] if isinstance(value, dict) and options else schema
    missing = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                missing.append(f"{where}.{key}")
            else:
                missing += documented(item, schema["properties"][key], root, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for item in value:
            missing += documented(item, schema["items"], root, f"{where}[]")
    return missing


def test_the_story_as_json(story: Story, run_cli: Invoke) -> None:
    data = inventory(run_cli, story, code=1)  # an open, unreviewed credential
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert documented(data, schema, schema) == []
    token, short = data["credentials"]  # oldest first
    assert by_path(data, "deploy/token.txt") == token and by_path(data, "app/keys.py") == short
    assert token["first"] == {
        "commit": story.commits["add"],
        "author": author(ANN),
        "date": "2024-01-10T12:00:00+00:00",
        "path": "config/settings.py",
        "line": 2,
    }
    assert token["held_at"] == ["refs/heads/feature", "refs/heads/release/1.0", "refs/tags/v1.0"]
    assert token["removed"] == [
        {
            "commit": story.commits["remove-again"],
            "author": author(DEE),
            "date": "2024-05-11T12:00:00+00:00",
            "refs": ["refs/heads/main"],
        }
    ]
    assert token["paths"] == ["config/settings.py", "deploy/token.txt", "scripts/publish.py"]
    assert token["commits"] == 4 and token["authors"] == [author(who) for who in (ANN, BOB, CY, EVE)]
    assert token["window"] == {"start": "2024-01-10T12:00:00+00:00", "end": None, "open": True, "days": 143}
    assert (token["state"], token["action"], token["failing"]) == ("open", "rotate-and-remove", True)
    assert (token["provider"], token["kind"], token["severity"]) == ("github", "pat-classic", "high")
    assert token["remediation"]["purge"] == [] and token["remediation"]["rotate"]
    assert token["review"] == UNREVIEWED
    assert short["window"] == {
        "start": "2024-02-10T12:00:00+00:00",
        "end": "2024-02-20T12:00:00+00:00",
        "open": False,
        "days": 10,
    }
    assert short["removed"][0]["commit"] == story.commits["short-remove"] and short["held_at"] == []
    assert (short["state"], short["action"], short["failing"]) == ("history-only", "rotate-and-purge", False)
    assert short["remediation"]["purge"] == list(PURGE_STEPS)
    assert data["summary"] == {
        "credentials": 2,
        "open": 1,
        "history_only": 1,
        "failing": 1,
        "by_severity": {"critical": 0, "high": 2, "medium": 0, "low": 0},
        "by_review": {"unreviewed": 2, "real": 0, "accepted_risk": 0, "false_positive": 0},
        "by_provider": {"github": 2},
    }
    heading = (data["repository"], data["source"], data["as_of"], data["changes"])
    assert heading == ("repo", "history", "2024-06-01", None)
    assert [t["ref"] for t in data["tips"]] == [
        "refs/heads/feature",
        "refs/heads/main",
        "refs/heads/release/1.0",
        "refs/tags/v1.0",
    ]
    again = run_cli("inventory", "-f", "json", "-q", DAY, cwd=story.root).stdout  # now from the cache
    assert json.loads(again)["credentials"] == data["credentials"]


def test_every_format_by_suffix(story: Story, run_cli: Invoke, tmp_path: Path) -> None:
    written = {}
    for suffix in ("json", "csv", "md", "html"):
        out = tmp_path / f"inventory.{suffix}"
        result = run_cli("inventory", DAY, "-o", str(out), cwd=story.root)
        assert result.exit_code == 1, result.output
        assert "2 credential(s): 1 open, 1 only in history; 1 to act on at --fail-on low" in result.stderr
        written[suffix] = out.read_text()
    assert json.loads(written["json"])["format"] == "spillguard-inventory"
    rows = list(csv.DictReader(io.StringIO(written["csv"])))
    assert [(r["provider"], r["state"], r["window_days"], r["failing"]) for r in rows] == [
        ("github", "open", "143", "true"),
        ("github", "history-only", "10", "false"),
    ]
    assert rows[0]["held_at"] == "refs/heads/feature; refs/heads/release/1.0; refs/tags/v1.0"
    assert rows[0]["authors"] == "; ".join(author(w) for w in (ANN, BOB, CY, EVE)) and rows[0]["secret"] == ""
    assert rows[1]["removed_by"] == f"{story.commits['short-remove'][:12]} (main)"
    markdown = written["md"]
    assert markdown.startswith("# Credential inventory: repo\n")
    assert "| 1 | `github.pat-classic` `ghp_" in markdown
    assert "open (143 days) | feature, release/1.0, tag v1.0 |" in markdown
    removed = f"`{story.commits['remove-again'][:12]}` by Dee Diaz &lt;dee@example.com&gt; on 2024-05-11"
    assert f"- **Removed** by {removed} from main" in markdown
    token_part, short_part = markdown.split("### 2.")
    assert "**Purging it from history**" in short_part and "**Purging" not in token_part
    assert written["html"].startswith("<!doctype html>") and "Credential inventory" in written["html"]
    shown = run_cli("inventory", DAY, cwd=story.root)  # markdown on stdout by default
    assert shown.stdout == markdown and shown.stderr.startswith("spillguard: 2 credential(s)")
    assert run_cli("inventory", DAY, "-q", cwd=story.root).stderr == ""


def _baseline(run_cli: Invoke, story: Story, **statuses: tuple[str, str | None, str | None]) -> None:
    """A baseline of the whole history, with entries at the given paths reviewed (status, reason, expires)."""
    assert run_cli("baseline", "create", "--history", cwd=story.root).exit_code == 0
    path = story.root / ".spillguard-baseline.json"
    document = json.loads(path.read_text())
    for entry in document["entries"]:
        name = entry["path"].replace("/", "_").replace(".", "_")
        status, reason, expires = statuses.get(name, ("unreviewed", None, None))
        entry.update(status=status, reason=reason, expires=expires)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("status", "expires", "args", "code", "review"),
    [
        ("accepted_risk", "2030-01-01", (), 0, "accepted_risk"),
        ("accepted_risk", "2024-05-01", (), 1, "accepted_risk"),  # expired by --as-of 2024-06-01
        ("false_positive", None, (), 0, "false_positive"),
        ("real", None, (), 1, "real"),
        ("real", None, ("--fail-on", "critical"), 0, "real"),
        ("real", None, ("--exit-zero",), 0, "real"),
        ("false_positive", None, ("--no-baseline",), 1, "unreviewed"),
    ],
)
def test_policy_exit_code_with_reviews(story, run_cli, status, expires, args, code, review) -> None:
    paths = ("config_settings_py", "deploy_token_txt", "scripts_publish_py")
    _baseline(run_cli, story, **{p: (status, "reviewed in SEC-1", expires) for p in paths})
    data = inventory(run_cli, story, *args, code=code)
    token = by_path(data, "deploy/token.txt")
    assert token["review"]["status"] == review and data["baseline"] is (review != "unreviewed")
    if review != "unreviewed":
        assert token["review"]["reason"] == "reviewed in SEC-1" and token["review"]["in_baseline"] is True
    assert by_path(data, "app/keys.py")["review"]["status"] == "unreviewed"  # only in history: never fails


def test_a_partly_reviewed_credential_is_unreviewed(story: Story, run_cli: Invoke) -> None:
    _baseline(run_cli, story, config_settings_py=("false_positive", "fixture", None))
    token = by_path(inventory(run_cli, story, "-b", ".spillguard-baseline.json", code=1), "deploy/token.txt")
    assert token["review"] == {**UNREVIEWED, "in_baseline": True}
    (story.root / "local.py").write_text(f"t = '{TOKEN}'\n")  # a path the baseline does not know
    args = ("--no-history", "-b", ".spillguard-baseline.json")
    found = inventory(run_cli, story, *args, code=1)["credentials"]
    assert found[0]["review"]["in_baseline"] is False


def test_changes_since_the_previous_inventory(story: Story, run_cli: Invoke, tmp_path: Path) -> None:
    before = tmp_path / "before.json"
    assert run_cli("inventory", DAY, "-q", "-o", str(before), cwd=story.root).exit_code == 1
    for ref in ("feature", "release/1.0"):  # the token leaves every tip; a new one arrives on main
        story.git("checkout", "-q", ref, who=DEE, day="2024-06-02")
        for name in ("config/settings.py", "deploy/token.txt"):
            if (story.root / name).exists():
                story.git("rm", "-q", name, who=DEE, day="2024-06-02")
        story.commit(f"clean-{ref}", DEE, "2024-06-02")
    story.git("tag", "-d", "v1.0", who=DEE, day="2024-06-02")
    story.git("checkout", "-q", "main", who=EVE, day="2024-06-03")
    story.write("ci/token.py", f"T = '{github_token('gho_')}'\n")
    story.commit("new", EVE, "2024-06-03")
    previous = json.loads(before.read_text())
    previous["credentials"].append({**previous["credentials"][0], "id": "f" * 32, "paths": ["gone.py"]})
    before.write_text(json.dumps(previous))
    data = inventory(run_cli, story, "--as-of=2024-06-08", "--since-inventory", str(before), code=1)
    assert by_path(data, "deploy/token.txt")["change"] == "removed"  # rotation still to confirm
    assert by_path(data, "app/keys.py")["change"] == "unchanged"
    assert by_path(data, "ci/token.py")["change"] == "new"
    changes = data["changes"]
    counts = (changes["since"], changes["new"], changes["removed"], changes["unchanged"])
    assert counts == ("2024-06-01", 1, 2, 1)
    assert [g["id"] for g in changes["gone"]] == ["f" * 32] and changes["gone"][0]["paths"] == ["gone.py"]
    since = ("--as-of=2024-06-08", "--since-inventory", str(before))
    markdown = run_cli("inventory", *since, cwd=story.root).stdout
    assert markdown.index("## Changes since 2024-06-01") < markdown.index("## Summary")
    assert "| removed: found nowhere now | `github.pat-classic`" in markdown
    html = run_cli("inventory", "-f", "html", "--since-inventory", str(before), cwd=story.root).stdout
    assert html.index('id="changes"') < html.index('id="counts"')


def test_previous_inventory_must_be_one_under_the_same_key(story: Story, run_cli: Invoke, tmp_path: Path):
    other = tmp_path / "other.json"
    elsewhere = ("--cache", str(tmp_path / "elsewhere"))
    assert run_cli("inventory", "-q", "-o", str(other), *elsewhere, cwd=story.root).exit_code == 1
    bad = tmp_path / "bad.json"
    cases = {
        "{": "not JSON",
        '{"format": "x"}': "not a spillguard inventory",
        HEAD + "9}": "inventory schema version 9; this spillguard reads version 1",
        HEAD + "1}": "an inventory needs `as_of`, `key_id` and a `credentials` list",
        HEAD + '1, "as_of": "d", "key_id": "k", "credentials": [1]}': "credential 1: not a credential",
    }
    for text, message in cases.items():
        bad.write_text(text)
        result = run_cli("inventory", "--since-inventory", str(bad), cwd=story.root)
        assert result.exit_code == 2, result.output
        assert f"spillguard: error: {bad}: {message}" in result.stderr
    result = run_cli("inventory", "--since-inventory", str(other), cwd=story.root)
    assert result.exit_code == 2 and "made under another inventory key" in result.stderr
    missing = run_cli("inventory", "--since-inventory", str(tmp_path / "none.json"), cwd=story.root)
    assert missing.exit_code == 2 and "none.json: cannot read the previous inventory" in missing.stderr
    bad.write_bytes(b"\xff\xfe")
    assert "not UTF-8 text" in run_cli("inventory", "--since-inventory", str(bad), cwd=story.root).stderr


def test_usage_and_input_errors(story: Story, run_cli: Invoke) -> None:
    for args, message in (
        (("src",), "PATH goes with --no-history"),
        (("--no-history", "--branch", "main"), "--branch reads history"),
        (("--no-history", "--allow-shallow"), "--allow-shallow reads history"),
        (("--as-of", "June"), "Invalid value for '--as-of'"),
        (("-f", "pdf"), "Invalid value for '-f'"),
    ):
        result = run_cli("inventory", *args, cwd=story.root)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
    key = story.root / ".git" / "spillguard" / "inventory-key"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text("garbage\n")
    damaged = run_cli("inventory", cwd=story.root)
    assert damaged.exit_code == 2 and f"{key}: not an inventory key" in damaged.stderr
    assert "Traceback" not in damaged.output


def test_directory_inventory_min_severity_and_secrets(story: Story, run_cli: Invoke) -> None:
    (story.root / "local.py").write_text(f"t = '{TOKEN}'\n")
    data = inventory(run_cli, story, "--no-history", "local.py", code=1)
    (found,) = data["credentials"]
    assert data["source"] == "directory" and found["paths"] == ["local.py"] and found["in_history"] is None
    assert found["first"] == {"commit": None, "author": None, "date": None, "path": "local.py", "line": 1}
    assert inventory(run_cli, story, "--min-severity", "critical", code=0)["credentials"] == []
    assert "secret" not in found and TOKEN not in json.dumps(data)
    shown = inventory(run_cli, story, "--show-secrets")
    assert {c["secret"] for c in shown["credentials"]} == {TOKEN, SHORT_LIVED}


def test_a_shallow_clone_is_said_in_every_format(story: Story, run_cli: Invoke, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    story.git("clone", "-q", "--depth", "2", "--no-local", f"file://{story.root}", str(clone))
    refused = run_cli("inventory", cwd=clone)
    assert refused.exit_code == 2 and "a shallow clone" in refused.stderr
    args = ("inventory", "-q", "--allow-shallow", DAY)
    data = json.loads(run_cli(*args, "-f", "json", cwd=clone).stdout)
    assert data["history_complete"] is False and "shallow clone" in data["history_gaps"][0]
    assert "**Not the whole history.**" in run_cli(*args, cwd=clone).stdout
    assert 'id="gaps"' in run_cli(*args, "-f", "html", cwd=clone).stdout
    full = inventory(run_cli, story)
    assert (full["history_complete"], full["history_gaps"]) == (True, [])
    assert inventory(run_cli, story, "--no-history")["history_complete"] is None
