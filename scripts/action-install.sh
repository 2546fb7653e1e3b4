#!/usr/bin/env bash
# The GitHub Action's install step (action.yml): spillguard in a virtual environment of its own, never
# in the runner's Python (on a PEP 668 system, Debian 12 or Ubuntu 24.04, `pip install` there fails with
# "externally-managed-environment"), its dependencies pinned to the versions and file hashes of
# scripts/action-requirements.txt, only wheels, nothing else fetched.
# Reads: ACTION_PATH (the action's checkout), SPILLGUARD_VENV (where to create the environment),
# INPUT_PYTHON (the interpreter to create it with; default python3, at least 3.10).
set -euo pipefail

python="${INPUT_PYTHON:-python3}"
venv="${SPILLGUARD_VENV:?SPILLGUARD_VENV is not set}"
action="${ACTION_PATH:?ACTION_PATH is not set}"

fail() { echo "::error title=spillguard install::$1"; exit 2; }

command -v "$python" >/dev/null 2>&1 || fail "no $python on PATH: add actions/setup-python (3.10 or later) before this step"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "$("$python" --version 2>&1) is too old: spillguard needs Python 3.10 or later (actions/setup-python)"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" \
    || fail "cannot create a virtual environment with $python (Debian and Ubuntu: apt-get install python3-venv; or use actions/setup-python)"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input --quiet)
"${pip[@]}" install --require-hashes --only-binary=:all: -r "$action/scripts/action-requirements.txt"
"${pip[@]}" install --no-deps --no-build-isolation --no-index "$action"
"$venv/bin/spillguard" --version
