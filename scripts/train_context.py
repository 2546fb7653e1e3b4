"""Trains the context-scoring model (scanner/engine/context_model.py) on the dev part of a CredData-format
dataset, reproducibly: same data, same weights.

Usage: python scripts/train_context.py [DATASET] [--write] [--l2 X] [--dump FILE]

What it does:
1. Runs the engine over `files/` of the dataset's dev part (bench/quality_real.py's split: every
   repository whose RepoId does NOT start with 0-3; the held-out part is never read), with every
   context-scored rule reporting from confidence 0, and keeps each context-scored match that survives
   overlap resolution, with its features (scanner.engine.context).
2. Labels a candidate 1 when its line range overlaps a True range of the labels, else 0 (F, X and
   unlabelled lines alike, as the dataset's scorer counts them).
3. Splits the dev part by repository: validation = RepoIds starting with 4, 8 or c (29 of 100
   repositories), training = the other dev repositories. Fits an L2-regularised logistic regression
   on the training part (exactly, by Newton's method: the optimum, whatever the order of the data),
   prints precision and recall of the candidates at a few thresholds on both parts. The penalty
   (--l2, 1.0) was chosen by bench/quality_cv.py, which fits the model the same way without each of
   five folds of dev repositories and scores each fold end to end.
4. With --write: fits again on the whole dev part with the same settings and writes the weights to
   scanner/engine/context_model.py (weights under 0.01 in size are left out).

Features are the engine's own; nothing here decides what a feature is. Each candidate is weighted by
1/sqrt(candidates in its file), so one generated fixture with hundreds of similar lines does not
outweigh a hundred configuration files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.engine.overlaps import resolve_overlaps  # noqa: E402
from scanner.engine.scan import find_matches  # noqa: E402
from scanner.model import Policy  # noqa: E402
from scanner.ruleset.compiled import CompiledRuleset  # noqa: E402
from scanner.ruleset.loader import load_rules  # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "creddata-dev"
HOLDOUT = ("0", "1", "2", "3")
VALIDATION = ("4", "8", "c")
MODEL = ROOT / "scanner" / "engine" / "context_model.py"
MIN_WEIGHT = 0.01


@dataclasses.dataclass(frozen=True)
class Sample:
    repo: str
    path: str
    line: int
    rule: str
    features: tuple[str, ...]
    label: int
    weight: float


def repo_of(path: str) -> str:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "data" else ""


def collect(dataset: Path) -> list[Sample]:
    labels = json.loads((dataset / "labels.json").read_text())["labels"]
    truths: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for path, start, end, label, _category in labels:
        if label == "T":
            truths[path].append((start, end))
    rules = tuple(
        dataclasses.replace(r, context=dataclasses.replace(r.context, report=0.0)) if r.context else r
        for r in load_rules()
    )
    ruleset = CompiledRuleset(rules)
    by_id = ruleset.rule_by_id
    files = dataset / "files"
    found: list[tuple[str, int, int, str, tuple[str, ...]]] = []
    for file in sorted(p for p in files.rglob("*") if p.is_file()):
        path = file.relative_to(files).as_posix()
        repo = repo_of(path)
        if not repo or repo.startswith(HOLDOUT):
            continue
        text = file.read_bytes().decode("utf-8", "replace")
        matches, _ = find_matches(text, ruleset, Policy(), path)
        for match in resolve_overlaps(matches, by_id):
            judgement = match.judgement
            if judgement is None or not judgement.features:
                continue
            first = text.count("\n", 0, match.secret_span.start) + 1
            last = first + text.count("\n", match.secret_span.start, match.secret_span.end)
            found.append((path, first, last, match.rule_id, judgement.features))
    per_file = Counter(path for path, *_ in found)
    samples = []
    for path, first, last, rule, features in found:
        label = int(any(a <= last and first <= b for a, b in truths.get(path, ())))
        weight = 1 / math.sqrt(per_file[path])
        samples.append(Sample(repo_of(path), path, first, rule, features, label, weight))
    return samples


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix @ x = vector (Gaussian elimination with partial pivoting; the matrix is
    symmetric positive definite here, so it never fails)."""
    n = len(vector)
    rows = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / head[col]
            if factor:
                row = rows[r]
                for c in range(col, n + 1):
                    row[c] -= factor * head[c]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        solution[r] = (rows[r][n] - sum(rows[r][c] * solution[c] for c in range(r + 1, n))) / rows[r][r]
    return solution


def _loss(samples: list[Sample], index: dict[str, int], theta: list[float], l2: float) -> float:
    total = 0.5 * l2 * sum(t * t for t in theta[1:])
    for sample in samples:
        z = theta[0] + sum(theta[index[f]] for f in sample.features)
        total += sample.weight * (math.log1p(math.exp(-abs(z))) + max(z, 0.0) - sample.label * z)
    return total


def fit(samples: list[Sample], l2: float) -> tuple[float, dict[str, float]]:
    """Weighted logistic regression with an L2 penalty on the weights (not the bias), fitted exactly by
    Newton's method: the optimum of the penalised log-loss, whatever the order of the samples."""
    names = sorted({f for s in samples for f in s.features})
    index = {f: i + 1 for i, f in enumerate(names)}  # 0: the bias
    rows = [(s, [0] + [index[f] for f in sorted(set(s.features))]) for s in samples]
    theta = [0.0] * (len(names) + 1)
    loss = _loss(samples, index, theta, l2)
    for _ in range(50):
        grad = [0.0] + [l2 * t for t in theta[1:]]
        hess = [[0.0] * len(theta) for _ in theta]
        for i in range(1, len(theta)):
            hess[i][i] = l2
        hess[0][0] = 1e-9
        for sample, cols in rows:
            z = sum(theta[c] for c in cols)
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            g, h = sample.weight * (p - sample.label), sample.weight * p * (1 - p)
            for a in cols:
                grad[a] += g
                row = hess[a]
                for b in cols:
                    row[b] += h
        step = _solve(hess, grad)
        scale = 1.0
        while True:  # a Newton step, halved while it does not lower the loss
            trial = [t - scale * d for t, d in zip(theta, step, strict=True)]
            trial_loss = _loss(samples, index, trial, l2)
            if trial_loss <= loss or scale < 1e-4:
                break
            scale /= 2
        theta, done = trial, loss - trial_loss < 1e-9
        loss = trial_loss
        if done:
            break
    return theta[0], {f: theta[index[f]] for f in names}


def predict(sample: Sample, bias: float, weights: dict[str, float]) -> float:
    z = bias + sum(weights.get(f, 0.0) for f in sample.features)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def report(name: str, samples: list[Sample], bias: float, weights: dict[str, float]) -> None:
    positives = sum(s.label for s in samples)
    print(f"{name}: {len(samples)} candidates, {positives} on True lines")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        tp = sum(1 for s in samples if s.label and predict(s, bias, weights) >= threshold)
        fp = sum(1 for s in samples if not s.label and predict(s, bias, weights) >= threshold)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / positives if positives else 0.0
        print(f"  threshold {threshold:.1f}: TP {tp:5} FP {fp:5}  precision {p:.3f}  recall {r:.3f}")


def write_model(bias: float, weights: dict[str, float], samples: list[Sample], l2: float) -> None:
    kept = {f: round(w, 3) for f, w in sorted(weights.items()) if abs(w) >= MIN_WEIGHT}
    lines = [
        '"""Weights of the context-scoring model (engine.context). Data, written by scripts/train_context.py',
        f"from {len(samples)} candidates of the dev part of CredData-dev ({sum(s.label for s in samples)} on",
        f"True lines), L2 {l2}, fitted exactly. Do not edit by hand: change the features or the data",
        'and retrain."""',
        "",
        "from __future__ import annotations",
        "",
        f"BIAS = {round(bias, 3)}",
        "WEIGHTS: dict[str, float] = {",
        *(f'    "{f}": {w},' for f, w in kept.items()),
        "}",
        "",
    ]
    MODEL.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help="write scanner/engine/context_model.py")
    parser.add_argument("--dump", type=Path, help="save the candidates as JSON lines (for inspection)")
    args = parser.parse_args()
    samples = collect(args.dataset)
    if args.dump:
        with args.dump.open("w") as out:
            for s in samples:
                out.write(json.dumps(dataclasses.asdict(s)) + "\n")
    training = [s for s in samples if not s.repo.startswith(VALIDATION)]
    validation = [s for s in samples if s.repo.startswith(VALIDATION)]
    bias, weights = fit(training, args.l2)
    report("training", training, bias, weights)
    report("validation", validation, bias, weights)
    if args.write:
        bias, weights = fit(samples, args.l2)
        write_model(bias, weights, samples, args.l2)
        kept = sum(abs(w) >= MIN_WEIGHT for w in weights.values())
        print(f"wrote {MODEL.relative_to(ROOT)}: {kept} weights")


if __name__ == "__main__":
    main()
