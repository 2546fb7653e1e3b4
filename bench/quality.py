"""Detection quality: precision, recall and F1 of spillguard, betterleaks (`betterleaks fs`) and
detect-secrets (`detect-secrets scan --all-files`) on the same labelled corpus, plus every finding each
tool makes in real files with nothing planted.

Usage: python bench/quality.py [--seed N] [--per-format N] [--real-files N] [--quick]
(default: 6 values per format, 300 real files, about 2 minutes on 2 cores; --real-files 0 scans the
whole standard library copy, where detect-secrets alone takes about 8 minutes)

Corpus, built under $TMPDIR/spillguard-bench/quality (outside any git work tree):
- planted positives: fresh synthetic credentials from bench/corpus_tokens.py (one generator per
  provider format, written from the providers' format descriptions, not from spillguard's rules or
  examples), each in its own small file, in one of these contexts (bench/contexts.py): Python,
  JavaScript or Go assignment, .env, YAML, JSON, a URL with credentials, a Jupyter notebook (cell
  source or output), a Kubernetes Secret `data:` value (base64), a Docker config `auths` entry
  (base64 of user:token), and for key blocks a PEM file, a YAML block scalar, a JSON-escaped PEM
  (service-account JSON) and a Python string;
- hard negatives (bench/negatives.py): documentation keys (AKIAIOSFODNN7EXAMPLE), placeholders and
  template references, hashes (git SHAs, SHA-256, MD5, image digests), UUIDs, SRI and lockfile
  integrity strings, whole lockfiles and checksum lists, a minified bundle, object ids and other
  high-entropy identifiers that are not secrets. (A token with a failed checksum is not among them:
  it cannot be live, but a generic rule that reports it under a credential name is not wrong);
- test keys (Stripe sk_test_, Flutterwave FLWSECK_TEST-, Shippo shippo_test_) are scored apart: they
  should be reported, but as test keys (spillguard: severity low), not as live credentials. They count
  neither as positives nor as negatives in precision and recall; a line reports how often each tool
  reports them and how often spillguard gives them low severity;
- real files: a copy of the standard library as it is (a seeded sample of --real-files files, all of
  them with --real-files 0). Every finding there is listed for spillguard and counted for the peers.

Tables: recall is per provider format (what was planted), precision per spillguard rule (what
fired): the share of a rule's findings on planted lines that were right.

Scoring: a planted positive is found by a peer when one of its findings' line ranges intersects the
planted lines, and by spillguard when such a finding also has the right rule family (the rule id's
first part, e.g. `github` for github.pat-classic). A wrong-family spillguard finding is a miss, not a
false positive. Any finding on a hard negative's lines is one false positive for that negative.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sysconfig
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from common import WORK, find_tool, spillguard_command
from contexts import contexts_for, render
from corpus_tokens import FORMATS
from negatives import NEGATIVES


@dataclass(frozen=True)
class Plant:
    path: str
    first: int
    last: int
    label: str  # format name, or negative kind
    kind: str  # positive | negative | test-key
    context: str
    family: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    path: str
    first: int
    last: int
    rule: str = ""
    severity: str = ""


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: list[Plant] = field(default_factory=list)
    false: list[Plant] = field(default_factory=list)
    test_found: int = 0
    test_low: int = 0
    by_label: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_context: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    rule_hits: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# --- corpus -----------------------------------------------------------------------------------------


def write(root: Path, number: int, filename: str, lines: list[str]) -> str:
    """Each plant in its own directory, under the file name it has in real projects."""
    name = f"{number:04}/{filename}"
    (root / name).parent.mkdir()
    (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


def build(seed: int, per_format: int) -> tuple[Path, list[Plant]]:
    rng = random.Random(seed)
    root = WORK / "quality" / "planted"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    plants: list[Plant] = []
    for fmt in FORMATS:
        contexts = list(contexts_for(fmt))
        rng.shuffle(contexts)
        for i in range(per_format):
            context = contexts[i % len(contexts)]
            filename, lines, first, last = render(fmt, fmt.make(rng), context)
            name = write(root, len(plants), filename, lines)
            kind = "test-key" if fmt.test_key else "positive"
            plants.append(Plant(name, first + 1, last + 1, fmt.name, kind, context, fmt.family))
    negatives = [neg for neg in NEGATIVES for _ in range(2 * per_format)]
    for neg in negatives:
        filename, lines, first, last = neg.render(rng)
        name = write(root, len(plants), filename, lines)
        plants.append(Plant(name, first + 1, last + 1, neg.kind, "negative", neg.context))
    return root, plants


def real_sample(count: int, seed: int) -> Path:
    """The standard library copy as it is, or a seeded sample of `count` of its files."""
    source = WORK / "stdlib"
    if not source.is_dir():
        shutil.copytree(sysconfig.get_paths()["stdlib"], source, symlinks=True)
    if not count:
        return source
    target = WORK / "quality" / "real"
    shutil.rmtree(target, ignore_errors=True)
    files = sorted(
        p for p in source.rglob("*") if p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts
    )
    for path in random.Random(seed).sample(files, min(count, len(files))):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return target


# --- tools ------------------------------------------------------------------------------------------


def run_spillguard(root: Path, scratch: Path) -> list[Hit]:
    out = scratch / "sg.json"
    subprocess.run(
        spillguard_command("scan", str(root), "-f", "json", "-q", "--exit-zero", "-o", str(out)), check=True
    )
    return [
        Hit(str(Path(f["path"]).relative_to(root)), f["line"], f["end_line"], f["rule_id"], f["severity"])
        for f in json.loads(out.read_text())["findings"]
    ]


def run_betterleaks(root: Path, scratch: Path) -> list[Hit]:
    out = scratch / "bl.json"
    subprocess.run(
        [find_tool("betterleaks"), "fs", str(root), "--no-banner", "-l", "error", "-o", str(out)],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    found = json.loads(out.read_text())["findings"]
    return [
        Hit(
            str(Path(f["location"]["path"]).relative_to(root)),
            int(f["location"]["start_line"]),
            int(f["location"]["end_line"]),
            f["rule_id"],
        )
        for f in found
    ]


def run_detect_secrets(root: Path, scratch: Path) -> list[Hit]:
    # run from inside the corpus: from within another git work tree it reports nothing outside it
    done = subprocess.run(
        [find_tool("detect-secrets"), "scan", "--all-files", "."],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    results = json.loads(done.stdout)["results"]
    return [
        Hit(str(Path(name)), item["line_number"], item["line_number"], item["type"])
        for name, items in results.items()
        for item in items
    ]


TOOLS = {"spillguard": run_spillguard, "betterleaks": run_betterleaks, "detect-secrets": run_detect_secrets}


# --- scoring ----------------------------------------------------------------------------------------


def family(rule: str) -> str:
    return rule.split(".", 1)[0]


def score(hits: list[Hit], plants: list[Plant], check_family: bool) -> Score:
    by_path: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_path[hit.path].append(hit)
    result = Score()
    for plant in plants:
        on = [h for h in by_path[plant.path] if h.first <= plant.last and h.last >= plant.first]
        right = [h for h in on if not check_family or family(h.rule) in plant.family]
        if plant.kind == "test-key":
            result.test_found += bool(right)
            result.test_low += any(h.severity == "low" for h in right)
            continue
        if plant.kind == "negative":
            result.fp += bool(on)
            if on:
                result.false.append(plant)
            for h in on:
                result.rule_hits[h.rule][1] += 1
            continue
        found = bool(right)
        result.tp += found
        result.fn += not found
        if not found:
            result.missed.append(plant)
        for table, key in ((result.by_label, plant.label), (result.by_context, plant.context)):
            table[key][0] += found
            table[key][1] += 1
        for h in on:
            result.rule_hits[h.rule][0 if h in right else 1] += 1
    return result


# --- report -----------------------------------------------------------------------------------------


def print_scores(scores: dict[str, Score], tests: int) -> None:
    print(
        f"\n{'tool':15s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'TP':>5s} {'FP':>5s} {'FN':>5s}"
        "  test keys reported"
    )
    for name, s in scores.items():
        low = f" ({s.test_low} at low severity)" if name == "spillguard" else ""
        print(
            f"{name:15s} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.tp:5d} {s.fp:5d} {s.fn:5d}  "
            f"{s.test_found}/{tests}{low}"
        )


def print_tables(scores: dict[str, Score]) -> None:
    names = list(scores)
    print("\nrecall by context: " + "  ".join(f"{n}" for n in names))
    contexts = sorted({c for s in scores.values() for c in s.by_context})
    for context in contexts:
        cells = "  ".join(
            f"{scores[n].by_context[context][0]:3d}/{scores[n].by_context[context][1]:<3d}" for n in names
        )
        print(f"  {context:18s} {cells}")
    sg = scores["spillguard"]
    print("\nspillguard formats with recall below 0.9 (found/planted):")
    low = [(k, v) for k, v in sorted(sg.by_label.items()) if v[1] and v[0] / v[1] < 0.9]
    for label, (found, total) in low:
        print(f"  {label:40s} {found}/{total}")
    if not low:
        print("  none")
    print("\nspillguard rules with precision below 0.9 on the planted set (right/all findings on plants):")
    bad = [(r, v) for r, v in sorted(sg.rule_hits.items()) if v[0] / (v[0] + v[1]) < 0.9]
    for rule, (right, wrong) in bad:
        print(f"  {rule:40s} {right}/{right + wrong}")
    if not bad:
        print("  none")
    print("\nspillguard misses (file: format, context):")
    for plant in sg.missed:
        print(f"  {plant.path}: {plant.label} in {plant.context}")
    for name, s in scores.items():
        kinds: dict[str, int] = defaultdict(int)
        for plant in s.false:
            kinds[plant.label] += 1
        print(f"{name} false positives by negative kind: {dict(sorted(kinds.items())) or 'none'}")


def print_real(real: Path, hits: dict[str, list[Hit]]) -> None:
    print(f"\nreal files ({real}, nothing planted): findings per tool")
    for name, found in hits.items():
        rules: dict[str, int] = defaultdict(int)
        for hit in found:
            rules[hit.rule] += 1
        print(f"  {name:15s} {len(found):4d}  {dict(sorted(rules.items()))}")
    print("spillguard findings in real files, for review:")
    for hit in sorted(hits["spillguard"], key=lambda h: (h.path, h.first)):
        print(f"  {hit.path}:{hit.first} {hit.rule}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-format", type=int, default=6, help="planted values per provider format")
    parser.add_argument("--real-files", type=int, default=300, help="stdlib files sampled (0: all of it)")
    parser.add_argument("--quick", action="store_true", help="3 values per format, 100 real files")
    args = parser.parse_args()
    if args.quick:
        args.per_format, args.real_files = 3, 100
    started = time.perf_counter()
    root, plants = build(args.seed, args.per_format)
    real = real_sample(args.real_files, args.seed)
    count = {kind: sum(p.kind == kind for p in plants) for kind in ("positive", "negative", "test-key")}
    providers = len({f.provider for f in FORMATS if not f.test_key})
    print(
        f"corpus: {root}  files: {len(plants)}  formats: {len(FORMATS)} ({providers} providers)  "
        f"positives: {count['positive']}  hard negatives: {count['negative']}  test keys: {count['test-key']}"
    )
    scores: dict[str, Score] = {}
    real_hits: dict[str, list[Hit]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, run in TOOLS.items():
            scores[name] = score(run(root, Path(scratch)), plants, check_family=name == "spillguard")
            real_hits[name] = run(real, Path(scratch))
    print_scores(scores, count["test-key"])
    print_tables(scores)
    print_real(real, real_hits)
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
