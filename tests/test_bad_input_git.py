"""Bad input in git modes and stored state: corrupted loose objects and packfiles, a truncated pack,
a corrupted tree, 100,000 refs, a tampered baseline, a tampered history cache."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import Invoke, git
from tests.tokens import github_token

TOKEN = github_token()


def commit(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"add {name}")
    return git(repo, "rev-parse", "HEAD").strip()


def three_commits(repo: Path) -> str:
    commit(repo, "a.py", f"t = '{TOKEN}'\n")
    commit(repo, "b.txt", "".join(f"line {n} of a file big enough to compress\n" for n in range(300)))
    commit(repo, "c.txt", "last\n")
    return git(repo, "rev-parse", "HEAD~1:b.txt").strip()


def flip(path: Path, start: int, end: int) -> None:
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    for index in range(start, min(end, len(data))):
        data[index] ^= 0x55
    path.write_bytes(bytes(data))


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_corrupted_loose_blob(repo: Path, run_cli: Invoke) -> None:
    blob = three_commits(repo)
    flip(repo / ".git" / "objects" / blob[:2] / blob[2:], 20, 60)  # inside the zlib stream
    result = run_cli("scan", "--history", "--no-cache", cwd=repo)
    assert result.exit_code == 2
    line = one_line(result.output)
    assert f"object {blob} (at b.txt in commit" in line and "--skip-errors" in line
    skipped = run_cli("scan", "--history", "--no-cache", "--skip-errors", "-f", "json", cwd=repo)
    assert skipped.exit_code == 1
    data = json.loads(skipped.stdout)
    assert data["stats"]["skipped_unreadable"] == 1 and [f["path"] for f in data["findings"]] == ["a.py"]
    assert blob in data["notices"][0]["message"]
    ranged = run_cli("scan", "--range", "HEAD~2..HEAD", cwd=repo)
    assert ranged.exit_code == 2 and f"object {blob} (at b.txt) is missing or corrupted" in one_line(
        ranged.output
    )


def _pack(repo: Path) -> tuple[Path, dict[str, int]]:
    git(repo, "repack", "-q", "-a", "-d")
    git(repo, "prune-packed")
    (pack,) = (repo / ".git" / "objects" / "pack").glob("*.pack")
    offsets = {}
    for row in git(repo, "verify-pack", "-v", str(pack.with_suffix(".idx"))).splitlines():
        fields = row.split()
        if len(fields) >= 5 and fields[1] == "blob":
            offsets[fields[0]] = int(fields[4])
    return pack, offsets


def test_corrupted_blob_in_a_packfile(repo: Path, run_cli: Invoke) -> None:
    blob = three_commits(repo)
    pack, offsets = _pack(repo)
    flip(pack, offsets[blob] + 20, offsets[blob] + 40)
    result = run_cli("scan", "--history", "--no-cache", cwd=repo)
    commit = git(repo, "log", "--format=%h", "--abbrev=12", "-1", "--", "b.txt").strip()
    named = f"object {blob} (at b.txt in commit {commit}) is missing or corrupted"
    assert result.exit_code == 2 and named in one_line(result.output)
    skipped = run_cli("scan", "--history", "--no-cache", "--skip-errors", "-f", "json", cwd=repo)
    assert skipped.exit_code == 1
    assert json.loads(skipped.stdout)["stats"]["skipped_unreadable"] == 1


def test_truncated_packfile_names_the_ref(repo: Path, run_cli: Invoke) -> None:
    three_commits(repo)
    pack, _ = _pack(repo)
    pack.chmod(0o644)
    os.truncate(pack, 300)
    head = git(repo, "rev-parse", "HEAD").strip()
    for args in (("--history", "--no-cache"), ("--history", "--no-cache", "--skip-errors")):
        result = run_cli("scan", *args, cwd=repo)
        assert result.exit_code == 2
        assert f"refs/heads/main points to {head}, which is missing or corrupted" in one_line(result.output)
    staged = run_cli("scan", "--staged", cwd=repo)
    assert staged.exit_code == 2 and "HEAD's commit or tree is missing or corrupted" in one_line(
        staged.output
    )


def test_corrupted_tree_is_named(repo: Path, run_cli: Invoke) -> None:
    three_commits(repo)
    tree = git(repo, "rev-parse", "HEAD~1^{tree}").strip()
    loose = repo / ".git" / "objects" / tree[:2] / tree[2:]
    flip(loose, 5, loose.stat().st_size - 2)
    for args in (("--history", "--no-cache", "--skip-errors"), ("--range", "HEAD~2..HEAD")):
        result = run_cli("scan", *args, cwd=repo)
        assert result.exit_code == 2, result.output
        assert f"tree {tree} of commit" in one_line(result.output)


def test_partial_clone_says_what_is_missing_and_why(repo: Path, tmp_path: Path, run_cli: Invoke) -> None:
    """A clone made with --filter=blob:none lacks the blobs of older commits by design; libgit2 cannot
    fetch them on demand, so the error says to audit a full clone instead of suggesting `git fsck`."""
    three_commits(repo)
    git(repo, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", repo.as_uri(), str(clone))
    result = run_cli("scan", "--history", "--no-cache", cwd=clone)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        "a partial clone (cloned with --filter) lacks what it never fetched: audit a full clone"
        in result.output
    )
    assert "git fsck" not in result.output
    skipped = run_cli("scan", "--history", "--no-cache", "--skip-errors", "-f", "json", "-q", cwd=clone)
    assert skipped.exit_code in (0, 1) and json.loads(skipped.stdout)["stats"]["skipped_unreadable"] >= 1
    # a full clone of the same history is audited without error
    full = tmp_path / "full"
    git(tmp_path, "clone", "-q", repo.as_uri(), str(full))
    assert run_cli("scan", "--history", "--no-cache", cwd=full).exit_code == 1


def test_100k_refs_finish_quickly(repo: Path, run_cli: Invoke) -> None:
    """100,000 tags in packed-refs (written in git's own format, which git then reads back)."""
    head = commit(repo, "a.py", f"t = '{TOKEN}'\n")
    lines = ["# pack-refs with: peeled fully-peeled sorted "]
    lines += [f"{head} refs/tags/t{number:06d}" for number in range(100_000)]
    (repo / ".git" / "packed-refs").write_text("\n".join(lines) + "\n")
    assert git(repo, "for-each-ref", "--count=3", "refs/tags/t09999*").count("\n") == 3
    started = time.monotonic()
    result = run_cli("scan", "--history", "--no-cache", "-f", "json", cwd=repo)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1 and len(json.loads(result.stdout)["findings"]) == 1
    assert elapsed < 30, f"{elapsed:.1f} s for 100k refs"


def _baseline(repo: Path, run_cli: Invoke) -> tuple[Path, dict]:  # type: ignore[type-arg]
    commit(repo, "a.py", f"t = '{TOKEN}'\n")
    assert run_cli("baseline", "create", cwd=repo).exit_code == 0
    path = repo / ".spillguard-baseline.json"
    return path, json.loads(path.read_text())


TAMPERED = [
    ("not json", "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "not a baseline: values nested more than 100 levels deep"),
    ("[]", "expected a JSON object"),
    ('{"version": 1e999999}', "no integer `version`"),
]


@pytest.mark.parametrize(("content", "says"), TAMPERED, ids=range(len(TAMPERED)))
def test_tampered_baseline_text(repo: Path, run_cli: Invoke, content: str, says: str) -> None:
    path, _ = _baseline(repo, run_cli)
    path.write_text(content)
    for args in (("scan", "-b", str(path)), ("baseline", "report", "--no-scan"), ("baseline", "update")):
        result = run_cli(*args, cwd=repo)
        assert result.exit_code == 2, (args, result.output)
        assert one_line(result.output).startswith(
            f"spillguard: error: {path if args[0] == 'scan' else path.name}"
        )
        assert says in result.output


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("fingerprint", "0" * 64, "does not match its fingerprint"),
        ("path", "elsewhere.py", "does not match its fingerprint"),
        ("line", "x", "line must be a positive integer"),
    ],
)
def test_tampered_baseline_entry(repo: Path, run_cli: Invoke, field: str, value: str, says: str) -> None:
    path, data = _baseline(repo, run_cli)
    data["entries"][0][field] = value
    path.write_text(json.dumps(data))
    result = run_cli("scan", "-b", str(path), cwd=repo)
    assert result.exit_code == 2 and says in one_line(result.output)


def test_tampered_hash_parameters(repo: Path, run_cli: Invoke) -> None:
    path, data = _baseline(repo, run_cli)
    data["hash"]["n"] = 2**40  # would make every guess (and every scan) take forever
    path.write_text(json.dumps(data))
    result = run_cli("scan", "-b", str(path), cwd=repo)
    assert result.exit_code == 2 and "hash.n must be an integer" in one_line(result.output)


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_baseline_that_is_not_a_regular_file(repo: Path, run_cli: Invoke, special: str) -> None:
    path = Path(special)
    if special == "fifo":
        path = repo / "baseline.json"
        os.mkfifo(path)
    result = run_cli("scan", "-b", str(path), cwd=repo)
    assert result.exit_code == 2
    assert one_line(result.output) == f"spillguard: error: {path}: not a regular file"


def _cache_file(repo: Path) -> Path:
    (path,) = (repo / ".git" / "spillguard").glob("history-*.sqlite")
    return path


def test_tampered_history_cache_is_discarded_or_rescanned(repo: Path, run_cli: Invoke) -> None:
    commit(repo, "a.py", f"t = '{TOKEN}'\n")
    first = run_cli("scan", "--history", "-f", "json", "-q", cwd=repo)
    expected = json.loads(first.stdout)["findings"]
    cache = _cache_file(repo)
    with sqlite3.connect(cache) as db:  # the finding's blob forged as clean under a forged rule-set key
        blob = git(repo, "rev-parse", "HEAD:a.py").strip()
        db.execute("INSERT INTO blobs VALUES (?, 1, 10, 0, 0)", (blob,))
        db.execute("UPDATE meta SET value = 'forged' WHERE name = 'ruleset'")
    second = run_cli("scan", "--history", "-f", "json", "-q", cwd=repo)
    assert second.exit_code == 1 and json.loads(second.stdout)["findings"] == expected
    with sqlite3.connect(cache) as db:  # a schema that is not this version's: discarded and rebuilt
        db.execute("DROP TABLE messages")
        db.execute("CREATE TABLE messages (id INTEGER, other TEXT)")
    third = run_cli("scan", "--history", "-f", "json", "-q", cwd=repo)
    assert third.exit_code == 1 and json.loads(third.stdout)["findings"] == expected
    cache.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))  # garbage
    fourth = run_cli("scan", "--history", "-f", "json", cwd=repo)
    assert fourth.exit_code == 1 and json.loads(fourth.stdout)["findings"] == expected
    assert "cache is unreadable; discarding it" in fourth.stderr


def test_sha256_repository_is_a_clear_error(tmp_path: Path, run_cli: Invoke) -> None:
    root = tmp_path / "sha256"
    made = subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", "-b", "main", str(root)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("this git cannot create SHA-256 repositories")
    commit(root, "a.py", f"t = '{TOKEN}'\n")
    for args in (("--history",), ("--staged",)):
        result = run_cli("scan", *args, cwd=root)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "cannot open the repository" in result.output and "sha256" in result.output


@pytest.mark.parametrize(
    "args",
    [("scan", "--history"), ("scan", "--staged"), ("scan", "--range", "HEAD"), ("hook",), ("install-hook",)],
)
def test_dot_git_file_of_random_bytes_is_one_line(
    tmp_path: Path, run_cli: Invoke, args: tuple[str, ...]
) -> None:
    """A `.git` file is a gitfile (`gitdir: PATH`); random bytes in its place name no repository."""
    root = tmp_path / "work"
    (root / "sub").mkdir(parents=True)
    (root / ".git").write_bytes(random.Random(3).randbytes(300))
    (root / "sub" / "a.py").write_text(f"t = '{TOKEN}'\n")
    result = run_cli(*args, cwd=root / "sub")
    assert result.exit_code == 2
    assert one_line(result.output).startswith("spillguard: error: cannot open the git repository: ")
    assert str(root / ".git") in result.output
    scanned = run_cli("scan", "-f", "json", cwd=root)  # a directory scan needs no repository
    assert scanned.exit_code == 1 and [f["path"] for f in json.loads(scanned.stdout)["findings"]] == [
        "sub/a.py"
    ]
