"""Leave-repositories-out evaluation on the dev part of a CredData-format dataset: how spillguard does on
repositories its context model was not trained on, scored by the dataset's own `score.py` (through
bench/quality_real.py's machinery; nothing of the scoring is re-implemented).

Usage: python bench/quality_cv.py [DATASET] [--folds 5] [--model cv|shipped] [--l2 X] [--shift X]
                                  [--list fn|fp] [--list-folds 0,1,2] [--json OUT]

The dev part (every repository whose RepoId does not start with 0-3; the held-out part is never read)
is cut into folds by repository: the RepoIds sorted, the i-th in fold i mod N. For each fold the context
model is fitted (scripts/train_context.py's `collect` and `fit`, the same settings as the shipped model)
on the candidates of the other folds only, and spillguard, run as a user runs it (`scan --format
sarif`, a fork pool) with those weights in place of the shipped ones, scans the fold's repositories;
the report is scored against the fold's labels. The folds' TP / FP / FN are summed into one cross-
validated P / R / F1, with recall per category and FPs per rule. `--model shipped` scores every fold
with the shipped weights instead (the model then has seen every fold: the in-sample figure).

Rules and features are written by people who read misses, so a fold only measures them honestly if
nobody read its misses: `--list` lists misses or false places of the folds in `--list-folds` only
(default 0, 1, 2, the folds to read while tuning); the repositories of folds 3 and 4 of the 5-fold
split are never listed, whatever --folds says, and their figure is printed on its own line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "scripts"))

from quality_real import DEFAULT_DATASET, HOLDOUT_PREFIXES, evaluate, load_scorer, repo_of  # noqa: E402
from train_context import collect, fit  # noqa: E402

READ_FOLDS = 5  # the split whose folds 3 and 4 are never listed, whatever --folds says
UNREAD = (3, 4)  # folds whose misses are never listed: the honest check of rule and feature changes
# spillguard's CLI with the context model's weights replaced (the pool forks, so workers keep them)
BOOT = (
    "import json, sys\n"
    "from scanner.engine import context_model as m\n"
    "model = json.load(open(sys.argv[1]))\n"
    "m.WEIGHTS.clear(); m.WEIGHTS.update(model['weights']); m.BIAS = model['bias']\n"
    "from scanner.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def dev_repos(files: Path) -> list[str]:
    return sorted(
        p.name for p in (files / "data").iterdir() if p.is_dir() and not p.name.startswith(HOLDOUT_PREFIXES)
    )


def scan_fold(files: Path, repos: list[str], model: Path | None, report: Path) -> None:
    """spillguard over the fold's repositories, from inside files/ (paths relative to it)."""
    head = [sys.executable, "-c", BOOT, str(model)] if model else [sys.executable, "-m", "scanner"]
    paths = [f"data/{repo}" for repo in repos]
    command = [*head, "scan", *paths, "--format", "sarif", "--output", str(report), "--quiet"]
    done = subprocess.run(command, cwd=files, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"spillguard failed ({done.returncode}): {done.stderr.strip()[-500:]}")


def in_repos(chosen: set[str]) -> Callable[[str], bool]:
    return lambda path: repo_of(path) in chosen


def pooled(results: list[dict[str, Any]]) -> dict[str, Any]:
    tp, fp, fn = (sum(r[k] for r in results) for k in ("tp", "fp", "fn"))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    categories: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rules: dict[str, int] = defaultdict(int)
    for res in results:
        for rule, count in res["fp_per_rule"].items():
            rules[rule] += count
        for category, row in res["recall_per_category"].items():
            categories[category][0] += row["t_ranges"]
            categories[category][1] += row["found"]
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "categories": dict(sorted(categories.items(), key=lambda kv: (-kv[1][0], kv[0]))),
        "fp_per_rule": dict(sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def line(name: str, res: dict[str, Any]) -> str:
    return (
        f"{name:12} {res['tp']:5} {res['fp']:5} {res['fn']:5} "
        f"{res['precision']:6.3f} {res['recall']:6.3f} {res['f1']:6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", nargs="?", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", choices=("cv", "shipped"), default="cv")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument(
        "--shift", type=float, default=0.0, help="add this to each fold's bias (a threshold sweep)"
    )
    parser.add_argument("--list", choices=("fn", "fp"), dest="listing")
    parser.add_argument("--list-folds", default="0,1,2", help="folds whose misses --list shows")
    parser.add_argument("--json", type=Path, help="save the pooled and per-fold numbers as JSON")
    args = parser.parse_args()
    dataset = (args.dataset or Path(os.environ.get("SPILLGUARD_CREDDATA", DEFAULT_DATASET))).resolve()
    listed = {int(f) for f in args.list_folds.split(",") if f}
    if args.listing and args.folds == READ_FOLDS and listed & set(UNREAD):
        sys.exit(f"folds {UNREAD} are kept unread: their misses are not listed")
    files = dataset / "files"
    scorer = load_scorer(dataset)
    repos = dev_repos(files)
    fold_of = {repo: i % args.folds for i, repo in enumerate(repos)}
    unread_repos = {repo for i, repo in enumerate(repos) if i % READ_FOLDS in UNREAD}
    samples = collect(dataset) if args.model == "cv" else []
    scratch = Path(tempfile.mkdtemp(prefix="quality-cv-"))
    results: list[dict[str, Any]] = []
    print(f"dataset {dataset}  dev repositories {len(repos)}  folds {args.folds}  model {args.model}")
    print(f"{'fold':12} {'TP':>5} {'FP':>5} {'FN':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for fold in range(args.folds):
        members = [r for r in repos if fold_of[r] == fold]
        model = None
        if args.model == "cv":
            training = [s for s in samples if fold_of.get(s.repo) != fold]
            bias, weights = fit(training, args.l2)
            model = scratch / f"model-{fold}.json"
            model.write_text(json.dumps({"bias": bias + args.shift, "weights": weights}))
        report = scratch / f"fold-{fold}.sarif"
        scan_fold(files, members, model, report)
        res = evaluate(scorer, report, "sarif", dataset, in_repos(set(members)))
        results.append(res)
        print(line(f"fold {fold}", res))
    total = pooled(results)
    unread = pooled([results[f] for f in UNREAD]) if args.folds == READ_FOLDS else None
    print(line("pooled", total))
    if unread is not None:
        print(line("unread 3,4", unread))
    print("\nrecall per category, pooled (True ranges)")
    for category, (count, found) in total["categories"].items():
        print(f"  {category:34} {count:5} {found / count:6.2f}")
    print("\nFPs per rule id, pooled (a place flagged by several rules counts for each)")
    for rule, count in total["fp_per_rule"].items():
        print(f"  {count:6}  {rule}")
    if args.listing:
        for fold in sorted(listed & set(range(args.folds))):
            res = results[fold]
            rows = res["_fn"] if args.listing == "fn" else res["_fp"]
            print(f"\nfold {fold}: {'missed True ranges' if args.listing == 'fn' else 'false places'}")
            for row in rows:
                path, start, end, *rest = row
                if repo_of(path) in unread_repos:
                    continue  # in folds 3 and 4 of the 5-fold split: never listed
                extra = rest[0] if args.listing == "fn" else f"{','.join(rest[0])}  [{rest[1]}]"
                print(f"  {path}:{start}{'-' + str(end) if end != start else ''}  {extra}")
    if args.json:
        public = [{k: v for k, v in r.items() if not k.startswith("_")} for r in results]
        args.json.write_text(json.dumps({"pooled": total, "unread": unread, "folds": public}, indent=1))


if __name__ == "__main__":
    main()
