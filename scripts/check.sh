#!/usr/bin/env bash
# Code health, as CI runs it after the test suite: lint, formatting, types, then the coverage gates
# over the `.coverage` data that the last full `python -m pytest` run wrote (scripts/check_coverage.py).
# Needs the `dev` and `test` extras: python -m pip install -e '.[test,hyperscan,dev]'
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
    echo "== $*"
    "$@" || status=1
}
step python -m ruff check .
step python -m ruff format --check .
step python -m mypy
step python scripts/check_coverage.py
exit "$status"
