"""Peak memory and wall time on large inputs: spillguard vs betterleaks, same inputs.

Usage: python bench/memory.py [--size-gb 1.0] [--blobs 50000] [--keep] [--no-peer] [--lines-only]
Builds (once, reused while its parameters match) under $TMPDIR/spillguard-bench/:
  - a tree of about --size-gb of text files: source-like lines, minified-style long lines, a few large
    files (one over spillguard's 10 MiB default limit), and synthetic GitHub tokens planted in some;
  - a git repository whose history holds --blobs unique blobs, written with `git fast-import`.
Then runs, one at a time: `spillguard scan TREE` and `betterleaks fs TREE`; `spillguard scan --history`
(no cache), the same with a fresh cache twice (the second run reads only the cache), and
`betterleaks git REPO`; then files of one single line of 100 MB and of 200 MB (each with two planted
tokens), scanned with a raised --max-file-size, against `betterleaks fs` on the same file. Prints wall
time and two peak-memory figures per run, and the ratios; a single-line file's peak is also compared
with its budget, the file's size plus 150 MB.

Peak memory of a process tree (spillguard forks a pool of workers):
  - max RSS: the largest resident set of any single process of the run: the rusage that wait4 returns
    for the child covers it and every descendant it reaped (pool workers included);
  - tree PSS: the proportional set size summed over every live process of the tree, sampled every
    50 ms from /proc/PID/smaps_rollup. Pages shared by the parent and its forked workers count once,
    split between them, so this is the memory the run takes from the machine; a sum of RSS would count
    the shared rule tables once per worker. Sampling can miss a peak shorter than 50 ms.
The target is a peak under 500 MB, whatever the input size. --keep keeps the inputs (default: they are
deleted after the run, since they take about --size-gb of disk plus the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import string
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from common import WORK, bench_env, find_tool, run_sampled, spillguard_command

from scanner.engine.checksums import base62_encode

ALNUM = string.ascii_letters + string.digits
WORDS = (
    "self", "data", "value", "result", "config", "client", "request",
    "response", "token", "index", "items", "path", "name", "user",
)  # fmt: skip
LARGE_FILES = (9 * 2**20, 9 * 2**20, 9 * 2**20, 24 * 2**20)  # the last is over the default limit
TARGET_MB = 500
SINGLE_LINES_MB = (100, 200)
LINE_BUDGET_MB = 150  # over the file's own size, for any text file up to 1 GiB


def github_token(rng: random.Random) -> str:
    """A synthetic classic PAT in GitHub's documented format: ghp_ + 30 base62 + base62 CRC32."""
    body = "".join(rng.choice(ALNUM) for _ in range(30))
    return "ghp_" + body + base62_encode(zlib.crc32(body.encode()), 6)


def source_block(rng: random.Random, size: int) -> str:
    """Python-like text of about `size` characters."""
    lines, total = [], 0
    while total < size:
        a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
        line = rng.choice(
            [
                f"    {a}_{rng.randrange(999)} = {b}.{c}({rng.randrange(10**6)}, '{a}-{b}')\n",
                f"def {a}_{b}(self, {c}: int = {rng.randrange(100)}) -> str:\n",
                f"    # {a} {b} {c}: see the {c} documentation for details\n",
                f"    if {a} is not None and {b} > {rng.random():.6f}:\n        return {c}\n",
                f'    log.debug("{a} %s {b} %s", {c}, {rng.randrange(10**9):x})\n',
            ]
        )
        lines.append(line)
        total += len(line)
    return "".join(lines)


def long_line(rng: random.Random, size: int) -> str:
    """One minified-style line: identifiers, numbers and base64-looking runs, no newline until the end."""
    parts, total = [], 0
    while total < size:
        part = rng.choice(
            [
                f"var {rng.choice(WORDS)}{rng.randrange(999)}={rng.randrange(10**6)};",
                "".join(rng.choice(ALNUM + "+/") for _ in range(40)) + ";",
                f'"{rng.choice(WORDS)}":"{rng.choice(WORDS)}",',
            ]
        )
        parts.append(part)
        total += len(part)
    return "".join(parts) + "\n"


@dataclass(frozen=True)
class TreeInfo:
    files: int
    bytes: int
    planted: int


def build_tree(root: Path, size_gb: float, seed: int = 1) -> TreeInfo:
    """About `size_gb` of text: 16 distinct 1 MiB blocks of source and long lines, sliced into files
    of 4 KiB to 256 KiB, one in 50 holding a planted token; plus the large files."""
    stamp = root / ".spillguard-bench.json"
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("size_gb") == size_gb:
            return TreeInfo(info["files"], info["bytes"], info["planted"])
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    rng = random.Random(seed)
    blocks = [source_block(rng, 2**20) if n % 4 else long_line(rng, 2**20 - 1) for n in range(16)]
    large = LARGE_FILES if size_gb * 1e9 > 5 * sum(LARGE_FILES) else ()  # a small tree has none
    budget = int(size_gb * 1e9) - sum(large)
    files = total = planted = 0
    while total < budget:
        block = blocks[rng.randrange(len(blocks))]
        size = min(rng.choice([4, 16, 32, 64, 128, 256]) * 1024, len(block))
        start = rng.randrange(len(block) - size + 1)
        text = block[start : start + size]
        if files % 50 == 0:
            text += f"GITHUB_TOKEN = '{github_token(rng)}'\n"
            planted += 1
        directory = root / f"pkg{files // 500:03d}" / f"mod{files // 50 % 10}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"file{files}.py").write_text(text)
        files += 1
        total += len(text)
    for number, size in enumerate(large):
        path = root / "large" / f"dump{number}.txt"
        path.parent.mkdir(exist_ok=True)
        with path.open("w") as stream:
            written = 0
            while written < size:
                chunk = blocks[rng.randrange(len(blocks))][: size - written]
                stream.write(chunk)
                written += len(chunk)
        files += 1
        total += size
    stamp.write_text(json.dumps({"size_gb": size_gb, "files": files, "bytes": total, "planted": planted}))
    return TreeInfo(files, total, planted)


def build_history(repo: Path, blobs: int, seed: int = 2) -> None:
    """`blobs` unique blobs: commits of 100 changed files each, streamed into `git fast-import`."""
    stamp = repo / ".git" / "spillguard-bench.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("blobs") == blobs:
        return
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    rng = random.Random(seed)
    block = source_block(rng, 2**20)
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE)
    assert importer.stdin is not None
    for commit in range(-(-blobs // 100)):
        message = f"change {commit}\n".encode()
        importer.stdin.write(
            b"commit refs/heads/main\ncommitter Bench <bench@example.invalid> %d +0000\ndata %d\n%s"
            % (1_600_000_000 + commit * 60, len(message), message)
        )
        for number in range(min(100, blobs - commit * 100)):
            start = rng.randrange(len(block) - 8192)
            text = f"# revision {commit}\n" + block[start : start + rng.randrange(256, 8192)]
            if rng.random() < 0.01:
                text += f"TOKEN = '{github_token(rng)}'\n"
            data = text.encode()
            importer.stdin.write(b"M 100644 inline src/f%03d.py\ndata %d\n%s\n" % (number, len(data), data))
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=repo, check=True)
    stamp.write_text(json.dumps({"blobs": blobs}))


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_mb: float
    tree_pss_mb: float


def measure(command: list[str], cwd: Path | None = None) -> Run:
    """Wall time, the largest single-process RSS of the tree, and the sampled peak of the tree's
    summed PSS. The RSS comes from GNU time (`%M`: the rusage wait4 returns, which covers every
    descendant the child reaped), not from this process: a child forked from this Python would start
    its maximum at this process's own size, since the maximum survives exec."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss:
        timed = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *command]
        elapsed, peak_mb, done = run_sampled(timed, cwd, bench_env())
        if done.returncode not in (0, 1):
            raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        max_rss_kb = int(Path(rss.name).read_text().split()[-1])
    return Run(elapsed, max_rss_kb / 1024, peak_mb)


def report(name: str, run: Run, size: int) -> None:
    flag = "" if max(run.max_rss_mb, run.tree_pss_mb) < TARGET_MB else f"  (over {TARGET_MB} MB)"
    print(
        f"  {name:34s} {run.seconds:8.1f} s {size / 1e6 / run.seconds:7.1f} MB/s   "
        f"max RSS {run.max_rss_mb:7.1f} MB   tree PSS {run.tree_pss_mb:7.1f} MB{flag}"
    )


def ratios(ours: Run, peer: Run) -> None:
    print(
        f"  ratio spillguard/betterleaks: wall {ours.seconds / peer.seconds:.2f}, "
        f"max RSS {ours.max_rss_mb / peer.max_rss_mb:.2f}, tree PSS {ours.tree_pss_mb / peer.tree_pss_mb:.2f}"
    )


def run_directory(tree: Path, info: TreeInfo, scratch: Path, peer: bool) -> None:
    print(f"tree: {tree}  files: {info.files}  bytes: {info.bytes} ({info.bytes / 1e9:.2f} GB)")
    ours = measure(spillguard_command("scan", str(tree), "-q", "-f", "json", "-o", f"{scratch}/sg.json"))
    found = len(json.loads((scratch / "sg.json").read_text())["findings"])
    report("spillguard scan", ours, info.bytes)
    print(f"  spillguard findings: {found} (planted GitHub tokens: {info.planted})")
    if not peer:
        return
    theirs = measure(
        [find_tool("betterleaks"), "fs", str(tree), "--no-banner", "-l", "error", "-o", f"{scratch}/bl.json"]
    )
    report("betterleaks fs", theirs, info.bytes)
    ratios(ours, theirs)


def blob_bytes(repo: Path) -> int:
    listing = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(int(line.split()[1]) for line in listing.splitlines() if line.startswith("blob "))


def run_history(repo: Path, blobs: int, scratch: Path, peer: bool) -> None:
    size = blob_bytes(repo)
    print(f"repository: {repo}  unique blobs: {blobs}  blob bytes: {size} ({size / 1e6:.1f} MB)")
    history = spillguard_command("scan", "--history", "-q", "-f", "json", "-o", "/dev/null")
    ours = measure([*history, "--no-cache"], cwd=repo)
    report("spillguard scan --history", ours, size)
    cache = scratch / "cache"
    report("  with a fresh cache", measure([*history, "--cache", str(cache)], cwd=repo), size)
    report("  second run, cached", measure([*history, "--cache", str(cache)], cwd=repo), size)
    if not peer:
        return
    theirs = measure(
        [find_tool("betterleaks"), "git", str(repo), "--no-banner", "-l", "error", "-o", f"{scratch}/bl.json"]
    )
    report("betterleaks git", theirs, size)
    ratios(ours, theirs)


PLANTED_PER_LINE = 2


def build_single_line(path: Path, megabytes: int, seed: int = 3) -> None:
    """One line of about `megabytes` MB of minified-style text, a token planted a third and two thirds
    of the way in (PLANTED_PER_LINE)."""
    if path.exists() and path.stat().st_size >= megabytes * 10**6:
        return
    rng = random.Random(seed)
    block = long_line(rng, 2**20 - 1).rstrip("\n")
    with path.open("w") as stream:
        written = 0
        for third in (1, 2):
            while written < megabytes * 10**6 * third // 3:
                written += stream.write(block)
            written += stream.write(f";var t='{github_token(rng)}';")
        while written < megabytes * 10**6:
            written += stream.write(block)
        stream.write("\n")


def run_single_lines(scratch: Path, peer: bool, keep: bool) -> None:
    for megabytes in SINGLE_LINES_MB:
        path = WORK / f"single-line-{megabytes}mb.txt"
        build_single_line(path, megabytes)
        size = path.stat().st_size
        print(f"one line of {size / 1e6:.0f} MB: {path}")
        report_path = scratch / "line.json"
        ours = measure(
            spillguard_command(
                "scan", str(path), "--max-file-size", "1GiB", "-q", "-f", "json", "-o", str(report_path)
            )
        )
        found = sum(
            1 for f in json.loads(report_path.read_text())["findings"] if f["rule_id"] == "github.pat-classic"
        )
        report(f"spillguard scan ({megabytes} MB line)", ours, size)
        budget = size / 2**20 + LINE_BUDGET_MB
        verdict = "within" if ours.max_rss_mb <= budget else "OVER"
        print(f"  {verdict} the budget of the file's size + {LINE_BUDGET_MB} MB ({budget:.0f} MB)")
        print(f"  planted tokens found: {found} of {PLANTED_PER_LINE}")
        if peer:
            theirs = measure(
                [
                    find_tool("betterleaks"),
                    "fs",
                    str(path),
                    "--no-banner",
                    "-l",
                    "error",
                    "--max-target-megabytes",
                    "1024",
                    "-o",
                    f"{scratch}/bl.json",
                ]
            )
            report(f"betterleaks fs ({megabytes} MB line)", theirs, size)
            ratios(ours, theirs)
        if not keep:
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="size of the generated tree")
    parser.add_argument("--blobs", type=int, default=50_000, help="unique blobs in the generated history")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs for the next run")
    parser.add_argument("--no-peer", action="store_true", help="measure spillguard only")
    parser.add_argument("--lines-only", action="store_true", help="only the single-line files")
    args = parser.parse_args()
    if args.lines_only:
        WORK.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            run_single_lines(Path(scratch), not args.no_peer, args.keep)
        return
    tree, repo = WORK / "memory-tree", WORK / "memory-history"
    started = time.perf_counter()
    info = build_tree(tree, args.size_gb)
    build_history(repo, args.blobs)
    print(f"inputs ready in {time.perf_counter() - started:.0f} s; cores: {len(os.sched_getaffinity(0))}")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            run_directory(tree, info, Path(scratch), not args.no_peer)
            run_history(repo, args.blobs, Path(scratch), not args.no_peer)
            run_single_lines(Path(scratch), not args.no_peer, args.keep)
    finally:
        if not args.keep:
            shutil.rmtree(tree, ignore_errors=True)
            shutil.rmtree(repo, ignore_errors=True)
    print(f"target: every spillguard peak under {TARGET_MB} MB")


if __name__ == "__main__":
    main()
