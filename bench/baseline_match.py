"""Baseline matching cost: 10,000 findings (distinct synthetic GitHub tokens in 100 files) scanned with
and without a baseline holding them all; the difference is the salted slow hashing and comparison.
Target: matching 10,000 findings under 5 s on 2 cores.

Usage: python bench/baseline_match.py [--findings N] [--runs N]
Also prints the time of one scrypt hash with the baseline's parameters, the price of each guess an
attacker holding the baseline file pays.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import string
import subprocess
import tempfile
import time
import zlib
from pathlib import Path

from common import bench_env, median, spillguard_command

from scanner.baseline.format import HashParams
from scanner.engine.checksums import base62_encode


def token(rng: random.Random) -> str:
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    return "ghp_" + body + base62_encode(zlib.crc32(body.encode()), 6)


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr.decode()[-400:])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        per_file = 100
        for number in range(args.findings // per_file):
            lines = [f"TOKEN_{i} = '{token(rng)}'" for i in range(per_file)]
            (root / f"secrets_{number:03}.py").write_text("\n".join(lines) + "\n")
        subprocess.run(
            spillguard_command("baseline", "create", "."), cwd=root, check=True, capture_output=True
        )
        plain = spillguard_command("scan", ".", "-f", "json", "-q", "-o", os.devnull)
        with_baseline = plain + ["-b", ".spillguard-baseline.json"]
        without_times, with_times = [], []
        for _ in range(args.runs):
            without_times.append(timed(plain, root))
            with_times.append(timed(with_baseline, root))
    params = HashParams(salt="00" * 16)
    started = time.perf_counter()
    for i in range(200):
        hashlib.scrypt(
            b"%064x" % i, salt=bytes.fromhex(params.salt), n=params.n, r=params.r, p=params.p, dklen=32
        )
    per_hash = (time.perf_counter() - started) / 200
    cost = median(with_times) - median(without_times)
    print(f"findings: {args.findings}  runs: {args.runs}  cores: {os.cpu_count()}")
    print(f"scan without baseline: median {median(without_times):.2f} s")
    print(f"scan with baseline:    median {median(with_times):.2f} s")
    print(
        f"matching cost: {cost:.2f} s for {args.findings} findings (target < 5 s): "
        f"{'met' if cost < 5 else 'NOT met'}"
    )
    print(
        f"one scrypt(n={params.n}, r={params.r}, p={params.p}) hash: {per_hash * 1000:.2f} ms per guess "
        f"per core, against about 0.0005 ms for one SHA-256"
    )


if __name__ == "__main__":
    main()
