"""Detection quality on real, labelled code: spillguard and betterleaks side by side on a CredData-format
directory (the dev set in ../shared/datasets/creddata-dev by default), scored by that directory's own
`score.py` (imported, so its matching rules are the ones used; nothing is re-implemented here).

Usage: python bench/quality_real.py [DATASET] [--split dev|holdout|all] [--tools spillguard,betterleaks]
                                    [--list fn|fp] [--list-tool NAME] [--json OUT] [-- SPILLGUARD_ARGS...]

DATASET is a directory with `files/` (what is scanned), `labels.json` and `score.py` (default: the
dev set, or $SPILLGUARD_CREDDATA). Each tool scans `files/` from inside it, as the dataset's README says:
    spillguard scan . --format sarif --output X --quiet [SPILLGUARD_ARGS]
    betterleaks fs . -o X.json -s --exit-code 0 -j 2

Split (fixed; change it only with a note in the README): the held-out part is every repository whose
RepoId (the directory name under files/data/) starts with 0, 1, 2 or 3; the dev part is the rest. On the
CredData dev set that holds out 29 of 129 repositories (527 True label rows). Tune on `dev` only; look at
`holdout` as summary numbers at checkpoints, never at its misses or false places. `all` is both.

Prints, per tool: TP / FP / FN, precision, recall, F1 (strict: FPs on unlabelled lines count), then
recall per category side by side, FPs per rule id, and with --list the missed True ranges (fn) or the
false places (fp) of one tool (spillguard by default) with file and line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from common import find_tool, spillguard_command

DEFAULT_DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "creddata-dev"
HOLDOUT_PREFIXES = ("0", "1", "2", "3")  # RepoId first hex digit: the held-out part
TOOLS = ("spillguard", "betterleaks")


def load_scorer(dataset: Path) -> ModuleType:
    """The dataset's own score.py, imported as a module."""
    path = dataset / "score.py"
    spec = importlib.util.spec_from_file_location("creddata_score", path)
    if spec is None or spec.loader is None:
        sys.exit(f"{path}: cannot be imported as the scorer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def repo_of(path: str) -> str:
    """The RepoId of a label or report path relative to files/ (data/<RepoId>/...), '' elsewhere."""
    parts = Path(path).parts
    return parts[1] if len(parts) > 2 and parts[0] == "data" else ""


def in_split(path: str, split: str) -> bool:
    if split == "all":
        return True
    held = repo_of(path).startswith(HOLDOUT_PREFIXES)
    return held if split == "holdout" else not held


def split_of(split: str) -> Callable[[str], bool]:
    """The predicate on paths relative to files/ that keeps one split."""
    return lambda path: in_split(path, split)


def run_spillguard(files: Path, out: Path, extra: list[str]) -> float:
    command = spillguard_command("scan", ".", "--format", "sarif", "--output", str(out), "--quiet", *extra)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=files, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"spillguard failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def run_betterleaks(files: Path, out: Path) -> float:
    command = [find_tool("betterleaks"), "fs", ".", "-o", str(out), "-s", "--exit-code", "0", "-j", "2"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=files, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"betterleaks failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def evaluate(
    scorer: ModuleType, report: Path, fmt: str, dataset: Path, keep: Callable[[str], bool]
) -> dict[str, Any]:
    """The scorer's result on the paths `keep` selects (a split, or some repositories): labels and
    findings elsewhere are left out before scoring."""
    root = str(dataset / "files")
    labels = json.loads((dataset / "labels.json").read_text())["labels"]
    labels = [row for row in labels if keep(row[0])]
    findings = [
        (scorer.norm(p, root), int(s), int(e), r)
        for p, s, e, r in scorer.PARSERS[fmt](str(report))
        if int(s) > 0
    ]
    findings = [f for f in findings if keep(f[0])]
    result: dict[str, Any] = scorer.score(labels, scorer.merged(findings))
    result["findings"] = len(findings)
    return result


def print_summary(results: dict[str, dict[str, Any]], seconds: dict[str, float]) -> None:
    print(
        f"{'tool':12} {'TP':>5} {'FP':>5} {'(unlab.)':>8} {'FN':>5} {'P':>6} {'R':>6} {'F1':>6} {'secs':>6}"
    )
    for tool, res in results.items():
        print(
            f"{tool:12} {res['tp']:5} {res['fp']:5} {res['fp_unlabelled']:8} {res['fn']:5} "
            f"{res['precision']:6.3f} {res['recall']:6.3f} {res['f1']:6.3f} {seconds[tool]:6.1f}"
        )


def print_categories(results: dict[str, dict[str, Any]]) -> None:
    tools = list(results)
    first = results[tools[0]]["recall_per_category"]
    print("\nrecall per category (True ranges; a range with several categories counts in each)")
    print(f"  {'category':34} {'T':>5} " + " ".join(f"{t[:11]:>11}" for t in tools))
    for category, row in first.items():
        cells = " ".join(f"{results[t]['recall_per_category'][category]['recall']:11.2f}" for t in tools)
        print(f"  {category:34} {row['t_ranges']:5} {cells}")


def print_fp_rules(results: dict[str, dict[str, Any]], top: int) -> None:
    for tool, res in results.items():
        rules = list(res["fp_per_rule"].items())
        print(f"\nFPs per rule id, {tool} (a place flagged by several rules counts for each)")
        for rule, count in rules[:top]:
            print(f"  {count:6}  {rule}")
        if len(rules) > top:
            print(f"  ... {len(rules) - top} more rules, {sum(n for _, n in rules[top:])} FPs")


def print_listing(res: dict[str, Any], listing: str, tool: str) -> None:
    if listing == "fn":
        print(f"\nmissed True ranges of {tool} ({len(res['_fn'])}): path:line  category")
        for path, start, end, category in res["_fn"]:
            print(f"  {path}:{start}{'-' + str(end) if end != start else ''}  {category}")
    else:
        print(f"\nfalse places of {tool} ({len(res['_fp'])}): path:line  rule(s)  [F/X or unlabelled]")
        for path, start, end, rules, kind in res["_fp"]:
            print(f"  {path}:{start}{'-' + str(end) if end != start else ''}  {','.join(rules)}  [{kind}]")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", nargs="?", type=Path)
    parser.add_argument("--split", choices=("dev", "holdout", "all"), default="dev")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: spillguard,betterleaks")
    parser.add_argument("--list", choices=("fn", "fp"), dest="listing")
    parser.add_argument("--list-tool", default="spillguard", choices=TOOLS)
    parser.add_argument("--top", type=int, default=15, help="rules shown in the FPs-per-rule lists")
    parser.add_argument("--json", type=Path, help="save each tool's numbers as JSON")
    parser.add_argument("--keep", type=Path, help="keep the reports in this directory")
    parser.add_argument("spillguard_args", nargs="*", help="after --: extra arguments to spillguard scan")
    args = parser.parse_args()
    dataset = (args.dataset or Path(os.environ.get("SPILLGUARD_CREDDATA", DEFAULT_DATASET))).resolve()
    for needed in ("files", "labels.json", "score.py"):
        if not (dataset / needed).exists():
            sys.exit(f"{dataset}: no {needed}; a CredData-format directory has files/, labels.json, score.py")
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown or not tools:
        sys.exit(f"--tools: choose from {', '.join(TOOLS)}")
    if args.listing and args.list_tool not in tools:
        sys.exit(f"--list-tool {args.list_tool} is not among --tools")
    scorer = load_scorer(dataset)
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="quality-real-"))
    scratch.mkdir(parents=True, exist_ok=True)
    files = dataset / "files"
    results: dict[str, dict[str, Any]] = {}
    seconds: dict[str, float] = {}
    for tool in tools:
        if tool == "spillguard":
            report = scratch / "spillguard.sarif"
            seconds[tool] = run_spillguard(files, report, args.spillguard_args)
            results[tool] = evaluate(scorer, report, "sarif", dataset, split_of(args.split))
        else:
            report = scratch / "betterleaks.json"
            seconds[tool] = run_betterleaks(files, report)
            results[tool] = evaluate(scorer, report, "betterleaks", dataset, split_of(args.split))
    truths = results[tools[0]]["tp"] + results[tools[0]]["fn"]
    print(f"dataset {dataset}  split {args.split} (held out: RepoId starting with 0-3)  True ranges {truths}")
    print_summary(results, seconds)
    print_categories(results)
    print_fp_rules(results, args.top)
    if args.listing:
        print_listing(results[args.list_tool], args.listing, args.list_tool)
    if args.json:
        public = {t: {k: v for k, v in r.items() if not k.startswith("_")} for t, r in results.items()}
        args.json.write_text(json.dumps({"split": args.split, "results": public}, indent=1) + "\n")


if __name__ == "__main__":
    main()
