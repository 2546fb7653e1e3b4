"""Coverage gates over the data of the last full test run (`python -m pytest` writes `.coverage`).

Fails, naming each module and its missing lines and branches, when the package as a whole is below
TOTAL_MIN or a file under a gated path is below its threshold (100% unless listed in BELOW_FULL).
Usage: python scripts/check_coverage.py [DATA_FILE]  (default: $COVERAGE_FILE, else .coverage)
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import coverage
from coverage.exceptions import NoDataError

TOTAL_MIN = 90.0
# Every file under these paths must be fully covered (lines and branches).
FULL_COVERAGE = (
    "scanner/engine/",
    "scanner/ruleset/",
    "scanner/baseline/",
    "scanner/fingerprint.py",
    "scanner/decision.py",
    # the credential inventory's core: what a credential is, its window, review, changes and key
    "scanner/credentials.py",
    "scanner/inventory_changes.py",
    "scanner/inventory_key.py",
    "scanner/inventory_model.py",
    "scanner/trail.py",
)
# Files under FULL_COVERAGE that have not reached 100% yet: the percentage actually reached.
BELOW_FULL: dict[str, float] = {}


def _report(cov: coverage.Coverage, include: list[str]) -> tuple[float, str]:
    out = io.StringIO()
    percent = cov.report(include=include, file=out, show_missing=True, skip_covered=True, precision=1)
    return percent, out.getvalue()


def _gated_files(root: Path) -> list[str]:
    files: list[str] = []
    for gate in FULL_COVERAGE:
        path = root / gate
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files.extend(p.relative_to(root).as_posix() for p in found)
    return files


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    data_file = argv[0] if argv else os.environ.get("COVERAGE_FILE", str(root / ".coverage"))
    cov = coverage.Coverage(data_file=data_file, config_file=str(root / "pyproject.toml"))
    cov.load()
    failures: list[str] = []
    try:
        total, table = _report(cov, [str(root / "scanner" / "*")])
    except NoDataError:
        print(
            f"{data_file}: no coverage data; run `python -m pytest` (the whole suite) first", file=sys.stderr
        )
        return 2
    if total < TOTAL_MIN:
        failures.append(f"scanner/ total {total:.1f}% < {TOTAL_MIN:.0f}%:\n{table}")
    for name in _gated_files(root):
        minimum = BELOW_FULL.get(name, 100.0)
        try:
            percent, table = _report(cov, [str(root / name)])
        except NoDataError:
            failures.append(f"{name}: never imported by the tests (0% < {minimum:g}%)")
            continue
        if percent < minimum:
            failures.append(f"{name}: {percent:.1f}% < {minimum:g}%\n{table}")
    for failure in failures:
        print(f"coverage: {failure}", file=sys.stderr)
    print(f"coverage: scanner/ {total:.1f}% (minimum {TOTAL_MIN:.0f}%); {len(failures)} gate(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
