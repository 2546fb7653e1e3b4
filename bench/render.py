"""Report rendering at scale: time and peak memory of every format (text, json, sarif) for a report of
30,000 findings. Target: SARIF within 1.5x the JSON report's time and memory.

Usage: python bench/render.py [--findings N] [--runs N] [--no-scan]

Two measures, each in a fresh process per format and run (medians printed, with the spread):
- render: a Report of N synthetic findings (built in memory from the built-in rules, as a scan would
  produce them: several rules, 100 findings per file, some in commits) rendered by the format's writer;
  the time of the call, and the peak RSS of the process and how much the render added to it;
- scan: `spillguard scan -f FORMAT -o FILE` of a generated tree holding N planted GitHub tokens (100 per
  file): wall time and peak RSS of the whole command, as a user meets it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import string
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from common import bench_env, median, spillguard_command

FORMATS = ("text", "json", "sarif")


def _token(rng: random.Random) -> str:
    from scanner.engine.checksums import base62_encode

    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(30))
    return "ghp_" + body + base62_encode(zlib.crc32(body.encode()), 6)


def synthetic_report(count: int) -> object:
    """N findings over the built-in rules, 100 per file, every fifth in a commit."""
    from scanner.fingerprint import fingerprint, secret_hash
    from scanner.model import Finding, Location, Report, ScanStats
    from scanner.redact import redact
    from scanner.ruleset.loader import load_rules

    rules = [rule for rule in load_rules() if rule.files is None][:40]
    rng = random.Random(5)
    findings = []
    for number in range(count):
        rule = rules[number % len(rules)]
        secret = _token(rng)
        path = f"src/pkg_{number // 1000:02}/module_{number // 100:04}.py"
        hashed = secret_hash(secret)
        commit = hashlib.sha1(str(number // 5).encode()).hexdigest() if number % 5 == 0 else None
        line = number % 100 + 1
        location = Location(path, line, 13, line, 13 + len(secret), commit=commit)
        findings.append(
            Finding(rule.id, location, hashed, fingerprint(rule.id, path, hashed), redact(secret), 4.5)
        )
    findings.sort(key=lambda f: (f.location.path, f.location.line, f.location.column, f.rule_id))
    return Report(findings=tuple(findings), rules=tuple(rules), stats=ScanStats(files=count // 100))


def child(fmt: str, count: int) -> None:
    """Runs in its own process: build the report, then time one render; prints JSON figures."""
    from scanner.reporters import RenderOptions, get_writer

    report = synthetic_report(count)
    writer = get_writer(fmt)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rendered = writer(report, RenderOptions())  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = len(json.loads(rendered)["runs"][0]["results"]) if fmt == "sarif" else None
    print(json.dumps({"seconds": seconds, "peak_kb": peak, "added_kb": peak - before, "results": results}))


def render_figures(count: int, runs: int) -> dict[str, list[dict[str, float]]]:
    figures: dict[str, list[dict[str, float]]] = {fmt: [] for fmt in FORMATS}
    for _ in range(runs):
        for fmt in FORMATS:  # alternating, so drift on a shared machine hits every format alike
            done = subprocess.run(
                [sys.executable, __file__, "--child", fmt, "--findings", str(count)],
                capture_output=True,
                text=True,
                env=bench_env(),
                check=True,
            )
            figures[fmt].append(json.loads(done.stdout))
    return figures


def make_tree(root: Path, count: int) -> None:
    rng = random.Random(42)
    for number in range(max(1, count // 100)):
        lines = [f"TOKEN_{i} = '{_token(rng)}'" for i in range(min(100, count - number * 100))]
        (root / f"secrets_{number:04}.py").write_text("\n".join(lines) + "\n")


def scan_figures(root: Path, runs: int) -> dict[str, list[tuple[float, int]]]:
    """Wall seconds and peak RSS (KiB, the largest process) of `spillguard scan -f FORMAT -o FILE`."""
    figures: dict[str, list[tuple[float, int]]] = {fmt: [] for fmt in FORMATS}
    for attempt in range(runs + 1):  # the first round warms the caches and writes bytecode
        for fmt in FORMATS:
            command = [sys.executable, __file__, "--measure", *spillguard_command("scan", ".", "-q")]
            command += ["-f", fmt, "-o", str(root.parent / f"report.{fmt}")]
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=bench_env())
            if done.returncode != 0:
                sys.exit(done.stderr[-500:])
            seconds, peak = json.loads(done.stdout.splitlines()[-1])
            if attempt:
                figures[fmt].append((seconds, peak))
    return figures


def measure(command: list[str]) -> None:
    """Runs `command` (its exit 0 or 1 is success) and prints [wall seconds, peak RSS of its largest
    process in KiB] as the last line."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(done.stderr.decode()[-500:])
    print(json.dumps([seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-scan", action="store_true", help="Only the in-process render figures.")
    parser.add_argument("--child", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.findings)
        return
    if args.measure:
        measure(args.measure)
        return
    print(f"render of {args.findings:,} findings, {args.runs} runs per format (median, min-max)")
    rendered = render_figures(args.findings, args.runs)
    base = {key: median([f[key] for f in rendered["json"]]) for key in ("seconds", "peak_kb", "added_kb")}
    for fmt in FORMATS:
        runs = rendered[fmt]
        seconds = [f["seconds"] for f in runs]
        peak = median([f["peak_kb"] for f in runs]) / 1024
        added = median([f["added_kb"] for f in runs]) / 1024
        extra = f", {runs[0]['results']:,} results" if runs[0]["results"] is not None else ""
        print(
            f"  {fmt:6s} {median(seconds):6.2f} s ({_spread(seconds)})  peak {peak:6.0f} MB"
            f" (+{added:.0f} MB by rendering)  x JSON: time {median(seconds) / base['seconds']:.2f}, "
            f"peak {median([f['peak_kb'] for f in runs]) / base['peak_kb']:.2f}{extra}"
        )
    if args.no_scan:
        return
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "tree"
        root.mkdir()
        make_tree(root, args.findings)
        print(f"scan -f FORMAT -o FILE of {args.findings:,} planted tokens, {args.runs} runs (median)")
        scanned = scan_figures(root, args.runs)
        json_seconds = median([s for s, _ in scanned["json"]])
        json_peak = median([p for _, p in scanned["json"]])
        for fmt in FORMATS:
            seconds = [s for s, _ in scanned[fmt]]
            peak = median([p for _, p in scanned[fmt]])
            print(
                f"  {fmt:6s} {median(seconds):6.2f} s ({_spread(seconds)})  peak {peak / 1024:6.0f} MB  "
                f"x JSON: time {median(seconds) / json_seconds:.2f}, peak {peak / json_peak:.2f}"
            )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
