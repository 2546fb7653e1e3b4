"""Detection quality: precision, recall and F1 of spillguard, betterleaks (`betterleaks fs`) and
detect-secrets (`detect-secrets scan --all-files`) on the same labelled corpus.

Usage: python bench/quality.py [--seed N] [--files N]

The corpus, built under $TMPDIR/spillguard-bench/quality: real source files of the standard library,
each with one planted snippet at a random line:
- positives: every rule's positive examples (synthetic credentials in each provider's documented format,
  in assignment, config, URL and key-block contexts);
- hard negatives, generated here: documentation example keys, placeholders and template references,
  hashes (SHA-256, git SHAs, MD5), UUIDs, SRI and lockfile integrity strings, base64 image data, long
  identifiers. (Rules' own negative examples are not used: many are negatives only for their rule, like
  a token with a wrong checksum that a generic rule rightly reports.)
A planted positive counts as found when a tool reports anything on its lines; a finding on a planted
negative is a false positive. Findings elsewhere in the real files are counted and listed for review,
not scored. Caveat: the examples were written alongside spillguard's rules, which favours spillguard on
formats the peers do not know; the per-rule table shows where each tool stands.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from common import WORK, find_tool, spillguard_command

from scanner.ruleset.loader import load_rules


@dataclass(frozen=True)
class Plant:
    path: str
    first: int
    last: int
    rule_id: str
    positive: bool


def hard_negatives(rng: random.Random, count: int) -> list[tuple[str, str]]:
    hexd = "0123456789abcdef"
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def pick(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    def uuid() -> str:
        return f"{pick(hexd, 8)}-{pick(hexd, 4)}-4{pick(hexd, 3)}-a{pick(hexd, 3)}-{pick(hexd, 12)}"

    makers = [
        ("doc-aws-id", lambda: "aws_access_key_id = AKIAIOSFODNN7EXAMPLE"),
        ("doc-aws-secret", lambda: "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("placeholder-x", lambda: 'GITHUB_TOKEN = "ghp_' + "x" * 36 + '"'),
        ("placeholder-your", lambda: 'api_key = "YOUR_API_KEY_HERE"'),
        ("template-env", lambda: "password: ${DB_PASSWORD}"),
        ("template-jinja", lambda: 'secret = "{{ vault_app_secret }}"'),
        ("placeholder-angle", lambda: 'token = "<your-token>"'),
        ("changeme", lambda: 'DB_PASSWORD = "changeme"'),
        ("sha256", lambda: f'checksum = "{pick(hexd, 64)}"'),
        ("git-sha", lambda: f'commit = "{pick(hexd, 40)}"'),
        ("md5", lambda: f"etag = '{pick(hexd, 32)}'"),
        ("uuid", lambda: f'request_id = "{uuid()}"'),
        ("uuid-key", lambda: f'idempotency_key = "{uuid()}"'),
        ("sri", lambda: f'<script src="app.js" integrity="sha512-{pick(b64, 86)}=="></script>'),
        ("lockfile", lambda: f'  "integrity": "sha512-{pick(b64, 86)}==",'),
        ("image", lambda: f'icon = "data:image/png;base64,iVBORw0KGgo{pick(b64, 120)}"'),
        ("identifier", lambda: "cache_key = 'user_profile_settings_v2_by_region'"),
        ("env-reference", lambda: 'token = os.environ["GITHUB_TOKEN"]'),
        ("call", lambda: "password = getpass.getpass(prompt)"),
    ]
    return [(kind, make()) for kind, make in (rng.choice(makers) for _ in range(count))]


def build(seed: int, count: int) -> tuple[Path, list[Plant]]:
    rng = random.Random(seed)
    root = WORK / "quality"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(p for p in stdlib.glob("*.py") if p.stat().st_size < 60_000)
    plants: list[Plant] = []
    snippets = [
        (rule.id, example, True)
        for rule in load_rules()
        if rule.files is None
        for example in rule.examples.positive
    ]
    snippets += [(f"negative:{kind}", text, False) for kind, text in hard_negatives(rng, len(snippets))]
    rng.shuffle(snippets)
    for number, (rule_id, snippet, positive) in enumerate(snippets[:count]):
        source = rng.choice(sources)
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
        at = rng.randrange(len(lines) + 1)
        text = "\n".join([*lines[:at], snippet, *lines[at:]]) + "\n"
        name = f"{number:04}_{source.name}"
        (root / name).write_text(text, encoding="utf-8")
        plants.append(Plant(name, at + 1, at + snippet.count("\n") + 1, rule_id, positive))
    return root, plants


def spillguard(root: Path, scratch: Path) -> list[tuple[str, int]]:
    out = scratch / "sg.json"
    subprocess.run(spillguard_command("scan", str(root), "-f", "json", "-q", "-o", str(out)), check=False)
    return [(Path(f["path"]).name, f["line"]) for f in json.loads(out.read_text())["findings"]]


def betterleaks(root: Path, scratch: Path) -> list[tuple[str, int]]:
    out = scratch / "bl.json"
    subprocess.run(
        [find_tool("betterleaks"), "fs", str(root), "--no-banner", "-l", "error", "-o", str(out)],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    found = json.loads(out.read_text())["findings"]
    return [(Path(f["location"]["path"]).name, int(f["location"]["start_line"])) for f in found]


def detect_secrets(root: Path, scratch: Path) -> list[tuple[str, int]]:
    tool = find_tool("detect-secrets")
    # run from inside the corpus: from within another git work tree it reports nothing outside it
    done = subprocess.run(
        [tool, "scan", "--all-files", "."], capture_output=True, text=True, check=False, cwd=root
    )
    results = json.loads(done.stdout)["results"]
    return [(Path(name).name, item["line_number"]) for name, items in results.items() for item in items]


def score(findings: list[tuple[str, int]], plants: list[Plant]) -> dict[str, object]:
    by_file = defaultdict(set)
    for name, line in findings:
        by_file[name].add(line)
    tp = fn = fp = 0
    missed: dict[str, int] = defaultdict(int)
    fp_kinds: dict[str, int] = defaultdict(int)
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for plant in plants:
        hit = any(plant.first <= line <= plant.last for line in by_file[plant.path])
        if plant.positive:
            per_rule[plant.rule_id][1] += 1
            if hit:
                tp += 1
                per_rule[plant.rule_id][0] += 1
            else:
                fn += 1
                missed[plant.rule_id] += 1
        elif hit:
            fp += 1
            fp_kinds[plant.rule_id.removeprefix("negative:")] += 1
    planted = {(p.path, line) for p in plants for line in range(p.first, p.last + 1)}
    elsewhere = sum(1 for f in findings if f not in planted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "elsewhere": elsewhere,
        "per_rule": per_rule,
        "fp_kinds": fp_kinds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", type=int, default=100_000, help="at most this many planted files")
    args = parser.parse_args()
    root, plants = build(args.seed, args.files)
    positives = sum(p.positive for p in plants)
    print(
        f"corpus: {root}  files: {len(plants)}  planted positives: {positives}  "
        f"hard negatives: {len(plants) - positives}"
    )
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, run in (
            ("spillguard", spillguard),
            ("betterleaks", betterleaks),
            ("detect-secrets", detect_secrets),
        ):
            results[name] = score(run(root, Path(scratch)), plants)
    for name, r in results.items():
        if r["fp_kinds"]:
            print(f"{name} false positives by kind: {dict(sorted(r['fp_kinds'].items()))}")
    print(
        f"{'tool':15s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'TP':>5s} {'FP':>5s} {'FN':>5s} "
        f"{'elsewhere':>9s}"
    )
    for name, r in results.items():
        print(
            f"{name:15s} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f} {r['tp']:5d} "
            f"{r['fp']:5d} {r['fn']:5d} {r['elsewhere']:9d}"
        )
    print("\nspillguard rules below 0.9 recall on their own planted examples:")
    low = [
        (rule, found, total)
        for rule, (found, total) in sorted(results["spillguard"]["per_rule"].items())
        if total and found / total < 0.9
    ]
    for rule, found, total in low:
        print(f"  {rule:45s} {found}/{total}")
    if not low:
        print("  none")


if __name__ == "__main__":
    sys.exit(main())
