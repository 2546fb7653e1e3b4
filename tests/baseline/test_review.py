"""Baseline review (`baseline audit`): an entry's context comes from the file at its path under the work
tree's root, whatever the current directory, read as a scan reads it (bounded, never through a link,
never from a FIFO); every secret on the lines shown is redacted, a multi-line one hidden whole."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from scanner.baseline.format import Baseline, Entry
from scanner.baseline.match import create, new_params, slow_hashes
from scanner.baseline.review import ANSWERS, entry_context, review, review_root
from scanner.engine.index import RuleIndex
from scanner.model import Policy
from scanner.model import ReviewStatus as Status
from scanner.modes.workdir import scan_paths
from scanner.redact import redact
from scanner.ruleset.loader import load_rules
from tests.conftest import Invoke
from tests.tokens import github_token

TOKEN = github_token()
OTHER = github_token("gho_")


def baseline_of(root: Path, ruleset: RuleIndex) -> Baseline:
    findings = scan_paths((".",), ruleset, Policy(), cwd=root).findings
    params = new_params()
    return create(findings, params, slow_hashes(findings, params))


def entry_of(baseline: Baseline, rule_id: str) -> Entry:
    return next(e for e in baseline.entries if e.rule_id == rule_id)


@pytest.fixture()
def project(repo: Path) -> Path:
    (repo / "app" / "sub").mkdir(parents=True)
    (repo / "app" / "config.py").write_text(f"import os\n\nTOKEN = '{TOKEN}'\nOTHER = '{OTHER}'\nx = 1\n")
    return repo


def test_paths_resolve_from_the_work_tree_root(project: Path, ruleset: RuleIndex) -> None:
    baseline = baseline_of(project, ruleset)
    entry = entry_of(baseline, "github.pat-classic")
    assert (entry.path, entry.line) == ("app/config.py", 3)
    root = review_root(project / "app" / "sub")
    assert root == project
    context = entry_context(entry, baseline.params, root, ruleset, reveal=False)
    assert context.line == entry.line
    shown = dict(context.lines)
    assert sorted(shown) == [1, 2, 3, 4, 5]
    assert TOKEN not in "".join(shown.values()) and OTHER not in "".join(shown.values())
    assert (shown[3], shown[4]) == (f"TOKEN = '{redact(TOKEN)}'", f"OTHER = '{redact(OTHER)}'")
    revealed = dict(entry_context(entry, baseline.params, root, ruleset, reveal=True).lines)
    assert revealed[3] == f"TOKEN = '{TOKEN}'" and revealed[4] == f"OTHER = '{OTHER}'"


def test_outside_a_work_tree_paths_start_at_the_current_directory(tmp_path: Path) -> None:
    assert review_root(tmp_path) == tmp_path


def _gone(path: Path) -> None:
    path.unlink()


def _binary(path: Path) -> None:
    path.write_bytes(b"\0" + path.read_bytes())


def _rotated(path: Path) -> None:
    path.write_text(path.read_text().replace(TOKEN, github_token(rng=random.Random(5))))


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _link(path: Path) -> None:
    target = path.with_name("real.py")
    path.rename(target)
    path.symlink_to(target)


def _too_large(path: Path) -> None:
    path.write_text(path.read_text() + "#" * 200)


@pytest.mark.parametrize("change", [_gone, _binary, _rotated, _fifo, _link, _too_large])
def test_no_context_when_the_secret_cannot_be_shown(
    project: Path, ruleset: RuleIndex, change: Callable[[Path], None]
) -> None:
    baseline = baseline_of(project, ruleset)
    entry = entry_of(baseline, "github.pat-classic")
    change(project / "app" / "config.py")
    context = entry_context(entry, baseline.params, project, ruleset, reveal=True, max_size=150)
    assert context.lines == () and context.line == entry.line


def test_a_multi_line_secret_beside_the_entry_is_hidden_whole(repo: Path, ruleset: RuleIndex) -> None:
    pem = next(r for r in load_rules() if r.id == "private-key.rsa").examples.positive[0]
    pem = pem[pem.index("-----BEGIN") : pem.index("-----END RSA PRIVATE KEY-----") + 29]
    (repo / "keys.txt").write_text(f"token = '{TOKEN}'\n{pem}\n")
    baseline = baseline_of(repo, ruleset)
    entry = entry_of(baseline, "github.pat-classic")
    assert (entry.path, entry.line) == ("keys.txt", 1)
    shown = dict(entry_context(entry, baseline.params, repo, ruleset, reveal=False).lines)
    assert shown[2] == shown[3] == "[secret redacted]"
    assert all(line not in "".join(shown.values()) for line in pem.splitlines()[1:-1])


def test_an_answer_sets_status_reviewer_reason_and_expiry() -> None:
    entry = Entry("f" * 64, "github.pat-classic", "a.py", 3, "s" * 64)
    reviewed = review(entry, ANSWERS["a"], "alice@example.invalid", "", date(2030, 1, 31))
    assert (reviewed.status, reviewed.reviewer, reviewed.reason, reviewed.expires) == (
        Status.ACCEPTED_RISK,
        "alice@example.invalid",
        None,
        date(2030, 1, 31),
    )


def test_audit_from_a_subdirectory_shows_the_context(project: Path, run_cli: Invoke) -> None:
    assert run_cli("baseline", "create", cwd=project).exit_code == 0
    result = run_cli(
        "baseline",
        "audit",
        "-b",
        "../../.spillguard-baseline.json",
        cwd=project / "app" / "sub",
        input="s\ns\n",
    )
    assert result.exit_code == 0
    assert f"  >    3 | TOKEN = '{redact(TOKEN)}'" in result.output
    assert "not in the work tree now" not in result.output


BASE = "../.spillguard-baseline.json"
USER_RULES = """\
rules:
  - id: user.token
    name: User token
    description: A user token.
    severity: high
    confidence: high
    keywords: [usertok_]
    pattern: '(?P<secret>usertok_[a-z0-9]{16})'
    examples:
      positive: ["usertok_abcdefgh12345678"]
      negative: ["usertok_short"]
    remediation:
      summary: Rotate it.
      rotate: [Rotate it]
"""


def test_audit_from_a_subdirectory_with_the_configs_rules_and_file_rules(repo: Path, run_cli: Invoke) -> None:
    """Point 14 of issue 15: run from a subdirectory, every entry whose file is there shows where it is,
    those of the config's extra rules and of file rules (a committed .env) included."""
    (repo / "ci").mkdir()
    (repo / "ci" / "rules.yml").write_text(USER_RULES)
    (repo / ".spillguard.yml").write_text("rules: [ci/rules.yml]\n")
    (repo / "sub").mkdir()
    (repo / "sub" / "b.py").write_text("u = 'usertok_q1w2e3r4t5y6u7i8'\n")
    (repo / "sub" / ".env").write_text("DB_PASSWORD=hunter2hunter2\n")
    assert run_cli("baseline", "create", cwd=repo).exit_code == 0
    audit = run_cli("baseline", "audit", "-b", BASE, cwd=repo / "sub", input="s\n" * 5)
    assert audit.exit_code == 0, audit.output
    assert "not in the work tree now" not in audit.output
    assert ">    1 | u = 'userto…i8'" in audit.output
    assert "the file itself is the finding, and it is in the work tree; --reveal shows its" in audit.output
    assert "hunter2" not in audit.output
    revealed = run_cli("baseline", "audit", "-b", BASE, "--reveal", cwd=repo / "sub", input="s\n" * 5)
    assert "DB_PASSWORD=hunter2hunter2" in revealed.output
    (repo / ".spillguard.yml").unlink()  # the rule is gone from what audit loads: it says so
    (repo / "elsewhere.yml").write_text("{}\n")
    lost = run_cli("baseline", "audit", "-b", BASE, cwd=repo / "sub", input="s\n" * 5)
    assert (
        "rule user.token is not loaded: pass the --config or --rules the baseline was made with"
        in lost.output
    )
    found = run_cli(
        "baseline", "audit", "-b", BASE, "--rules", "../ci/rules.yml",
        cwd=repo / "sub", input="s\n" * 5,
    )  # fmt: skip
    assert "u = 'userto…i8'" in found.output and "not loaded" not in found.output
    (repo / "sub" / ".env").unlink()
    gone = run_cli(
        "baseline", "audit", "-b", BASE, "--rules", "../ci/rules.yml", cwd=repo / "sub", input="s\n" * 5
    )
    assert "(not in the work tree now; it may remain in git history)" in gone.output


def test_a_content_rules_entry_in_a_file_a_file_rule_also_flags(repo: Path, ruleset: RuleIndex) -> None:
    """A token in a committed .env: two entries, the file rule's (the file) and the token's (its line)."""
    (repo / ".env").write_text(f"A=1\nGITHUB_TOKEN={TOKEN}\n")
    baseline = baseline_of(repo, ruleset)
    token = entry_of(baseline, "github.pat-classic")
    context = entry_context(token, baseline.params, repo, ruleset, reveal=False)
    assert (
        not context.whole_file
        and context.line == 2
        and dict(context.lines)[2] == f"GITHUB_TOKEN={redact(TOKEN)}"
    )
    dotenv = entry_context(entry_of(baseline, "file.dotenv"), baseline.params, repo, ruleset, reveal=False)
    assert (dotenv.whole_file, dotenv.lines) == (True, ())  # its content only with reveal
