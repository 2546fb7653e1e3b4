"""No secret value leaves the process in clear unless the user asked for it.

Every command and format runs on a repository holding planted synthetic secrets of several kinds;
stdout, stderr and every file written (reports, baselines, the history cache in .git/spillguard, the
user cache) must hold none of the values, nor their MD5, SHA-1 or SHA-256 hex. With `--show-secrets`
and `baseline audit --reveal` the same check must find them, so the check itself is shown to work."""

from __future__ import annotations

import fcntl
import hashlib
import os
import pty
import random
import re
import select
import sqlite3
import string
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import scanner.modes.file_step
from scanner.fingerprint import secret_hash
from tests.conftest import Invoke, git
from tests.tokens import aws_access_key_id, github_token


def _random(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


_RNG = random.Random(99)
_ALNUM = string.ascii_letters + string.digits
SECRETS = (
    github_token(rng=random.Random(21)),
    aws_access_key_id(random.Random(22)),
    "sk_live_" + _random(_RNG, _ALNUM, 24),
    f"xoxb-{_random(_RNG, string.digits, 11)}-{_random(_RNG, string.digits, 12)}-{_random(_RNG, _ALNUM, 24)}",
    "Qv7#mZp2!rLx9wKt",  # a password, found by the generic assignment rule
)
FILE = (
    f"GITHUB_TOKEN={SECRETS[0]}\nAWS_ACCESS_KEY_ID={SECRETS[1]}\nSTRIPE_KEY={SECRETS[2]}\n"
    f'SLACK_TOKEN={SECRETS[3]}\ndb_password = "{SECRETS[4]}"\n'
)


def forms(secret: str) -> tuple[str, ...]:
    data = secret.encode()
    return (
        secret,
        secret[4:20],  # nor a large part of it
        hashlib.md5(data).hexdigest(),
        hashlib.sha1(data).hexdigest(),
        hashlib.sha256(data).hexdigest(),
    )


def leaks(text: str) -> list[str]:
    return [f"{secret} as {form}" for secret in SECRETS for form in forms(secret) if form in text]


def assert_no_secret(text: str, where: str = "output") -> None:
    found = leaks(text)
    assert not found, f"{where} holds {found}"


def files_under(*roots: Path) -> Iterator[tuple[Path, str]]:
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path, path.read_bytes().decode("utf-8", "replace")


@pytest.fixture()
def planted(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose history, work tree, index and commit messages hold every secret; the user
    cache goes to a directory of its own so it can be read whole."""
    monkeypatch.setenv("SPILLGUARD_CACHE_DIR", str(tmp_path / "user-cache"))
    git(repo, "commit", "-q", "--allow-empty", "-m", "root")
    (repo / "a.env").write_text(FILE)
    (repo / "b.py").write_text(f"tok = '{SECRETS[0]}'  # twice\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"config\n\nSTRIPE_KEY={SECRETS[2]}")
    (repo / "staged.env").write_text(FILE)
    git(repo, "add", "staged.env")
    return repo


def test_every_command_and_format_holds_no_secret(planted: Path, tmp_path: Path, run_cli: Invoke) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    runs = [
        ("scan", "-v", "--remediation", "--color"),
        ("scan", "-f", "json", "-v"),
        ("scan", "-f", "sarif", "-v"),
        ("scan", "-f", "text", "-o", str(out / "r.txt")),
        ("scan", "-f", "json", "-o", str(out / "r.json")),
        ("scan", "-f", "sarif", "-o", str(out / "r.sarif")),
        ("scan", "--staged", "-f", "json"),
        ("scan", "--staged", "--all-lines"),
        ("scan", "--range", "HEAD~1..HEAD", "-f", "sarif"),
        ("scan", "--range", "HEAD~1..HEAD", "--remediation"),
        ("scan", "--history", "-v", "--remediation"),
        ("scan", "--history", "-f", "json"),
        ("scan", "--history", "-f", "sarif", "-o", str(out / "h.sarif")),
        ("hook",),
        ("baseline", "create"),
        ("baseline", "create", "--history", "-o", str(out / "history-baseline.json")),
        ("baseline", "update"),
        ("baseline", "report"),
        ("baseline", "report", "--format", "json"),
        ("scan", "-b", ".spillguard-baseline.json", "--show-known", "-f", "json"),
        ("rules", "explain", "github.pat-classic"),
    ]
    for args in runs:
        result = run_cli(*args, cwd=planted)
        assert result.exit_code in (0, 1), (args, result.output[-2000:])
        assert_no_secret(result.output, " ".join(args))
    audit = run_cli("baseline", "audit", "--all", cwd=planted, input="s\n" * 40)
    assert audit.exit_code == 0 and "GITHUB_TOKEN=ghp_" in audit.output  # context shown, redacted
    assert_no_secret(audit.output, "baseline audit")
    written = list(files_under(out, planted / ".git" / "spillguard", tmp_path / "user-cache"))
    written.append(
        (planted / ".spillguard-baseline.json", (planted / ".spillguard-baseline.json").read_text())
    )
    assert any(p.suffix == ".sqlite" for p, _ in written), "the history cache was not written"
    assert len(written) >= 8
    for path, text in written:
        assert_no_secret(text, str(path))


def test_show_secrets_and_reveal_do_show_them(planted: Path, run_cli: Invoke) -> None:
    """The positive control: the same check fails where the user asked to see the values."""
    for fmt in ("text", "json"):
        shown = run_cli("scan", "--show-secrets", "-f", fmt, cwd=planted).output
        assert set(leaks(shown)) >= {f"{s} as {s}" for s in SECRETS}, fmt
    sarif = run_cli("scan", "--show-secrets", "-f", "sarif", cwd=planted).output
    assert_no_secret(sarif, "SARIF with --show-secrets")  # never in SARIF
    assert run_cli("baseline", "create", cwd=planted).exit_code == 0
    revealed = run_cli("baseline", "audit", "--all", "--reveal", cwd=planted, input="s\n" * 40).output
    assert SECRETS[0] in revealed and SECRETS[2] in revealed


def test_errors_hold_no_secret(planted: Path, tmp_path: Path, run_cli: Invoke) -> None:
    bad_rule = tmp_path / "bad.yml"
    bad_rule.write_text(f"rules:\n  - id: x.y\n    pattern: '{SECRETS[0]}('\n")
    result = run_cli("scan", "--rules", str(bad_rule), cwd=planted)
    assert result.exit_code == 2
    assert_no_secret(result.output, "rule error")
    for config in (
        f"{SECRETS[0]}: [\n",
        f"allowlist:\n  paths: [a]\nnote: 'GITHUB_TOKEN={SECRETS[0]}\n  broken: [\n",
        f"rules: ['{SECRETS[2]}\x07.yml']\n",
    ):
        (planted / ".spillguard.yml").write_text(config)
        result = run_cli("scan", cwd=planted)
        assert result.exit_code == 2, result.output
        assert_no_secret(result.output, f"config error for {config!r}")
    (planted / ".spillguard.yml").unlink()
    baseline = planted / ".spillguard-baseline.json"
    baseline.write_text(f'{{"entries": [], "hash": {{"salt": "{SECRETS[2]}"}}, broken\n')
    result = run_cli("scan", "-b", str(baseline), cwd=planted)
    assert result.exit_code == 2
    assert_no_secret(result.output, "baseline error")


def test_crash_report_names_type_and_place_never_the_message(
    planted: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(
            f"engine failed on {SECRETS[0]} ({hashlib.sha256(SECRETS[0].encode()).hexdigest()})"
        )

    monkeypatch.setattr(scanner.modes.file_step, "scan_chunk", explode)
    result = run_cli("scan", "-j", "1", cwd=planted)
    assert result.exit_code == 3
    assert result.output.startswith("spillguard: unexpected error: RuntimeError at test_no_leak.py:")
    assert_no_secret(result.output, "crash report")


def _on_a_terminal(cwd: Path, *args: str) -> str:
    """Runs spillguard with stderr on a pseudo-terminal, so the progress bar is drawn as for a user."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # else 0 columns
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(terminal)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 1)
        if ready:
            try:
                data = os.read(controller, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_output_holds_no_secret(planted: Path) -> None:
    for number in range(80):  # more blobs than one batch, so the bar moves
        (planted / f"f{number}.env").write_text(f"{FILE}# {number}\n")
    git(planted, "add", "-A")
    git(planted, "commit", "-q", "-m", "many")
    shown = _on_a_terminal(planted, "scan", "--history", "--no-cache", "-f", "json")
    assert "scanning history" in shown, shown[-500:]  # the bar was drawn
    commits = int(git(planted, "rev-list", "--count", "HEAD").strip())
    assert f"{commits} commits walked" in shown and " MB scanned" in shown
    assert_no_secret(shown, "progress output")


def test_history_cache_holds_no_secret_hash(planted: Path, run_cli: Invoke) -> None:
    """The cache records only blobs and messages that held no finding: nothing derived from a secret,
    not even its hash, is written (checked in the raw bytes of every file, SQLite pages included)."""
    assert run_cli("scan", "--history", cwd=planted).exit_code == 1
    cached = list((planted / ".git" / "spillguard").rglob("*"))
    assert any(path.suffix == ".sqlite" for path in cached)
    stored = b"".join(path.read_bytes() for path in cached if path.is_file())
    leaked = [s for s in SECRETS if s.encode() in stored or secret_hash(s).encode() in stored]
    assert not leaked
    assert run_cli("scan", "--history", cwd=planted).exit_code == 1  # and the next audit still finds them


def test_every_inventory_format_holds_no_secret(planted: Path, tmp_path: Path, run_cli: Invoke) -> None:
    """The credential inventory in every format, from history (cold and cached) and from a directory,
    with a previous inventory to compare with: no secret, no hash of one (its ids are keyed: not even
    a 64-hex-digit value of any kind), nor in the key file or the tip views it caches."""
    out = tmp_path / "inventory"
    out.mkdir()
    previous = out / "previous.json"
    assert run_cli("inventory", "-q", "-o", str(previous), cwd=planted).exit_code == 1
    runs = [
        ("inventory", "-f", "markdown"),
        ("inventory", "-f", "json"),
        ("inventory", "-f", "csv"),
        ("inventory", "-f", "html"),
        ("inventory", "-o", str(out / "i.html"), "--since-inventory", str(previous)),
        ("inventory", "-o", str(out / "i.md"), "--since-inventory", str(previous)),
        ("inventory", "-o", str(out / "i.csv")),
        ("inventory", "--no-cache", "-o", str(out / "uncached.json")),
        ("inventory", "--no-history", "-f", "html"),
        ("inventory", "--no-history", "-f", "json", "--since-inventory", str(previous)),
    ]
    for args in runs:
        result = run_cli(*args, cwd=planted)
        assert result.exit_code == 1, (args, result.output[-2000:])
        assert_no_secret(result.output, " ".join(args))
        assert not re.search(r"\b[0-9a-f]{64}\b", result.output), args
    written = list(files_under(out, planted / ".git" / "spillguard"))
    assert {p.name for p, _ in written} >= {"inventory-key", "i.html", "i.md", "i.csv", "previous.json"}
    for path, text in written:
        assert_no_secret(text, str(path))
        if path.parent == out:
            assert not re.search(r"\b[0-9a-f]{64}\b", text), path
            assert not any(secret_hash(s) in text for s in SECRETS), path
    with sqlite3.connect(next((planted / ".git" / "spillguard").glob("*.sqlite"))) as db:
        assert db.execute("SELECT COUNT(*) FROM tip_views").fetchone()[0] == 1


def test_inventory_shows_secrets_only_when_asked(planted: Path, run_cli: Invoke) -> None:
    for fmt in ("json", "csv", "markdown", "html"):
        shown = run_cli("inventory", "--show-secrets", "-f", fmt, cwd=planted).output
        assert {s for s in SECRETS if s in shown} == set(SECRETS), fmt
