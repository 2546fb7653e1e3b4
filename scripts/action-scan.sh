#!/usr/bin/env bash
# The GitHub Action's scan step (action.yml). Picks what to scan from the event, writes SARIF, sets the
# `findings` and `sarif` outputs, and exits 1 when findings at or above `fail-on` remain.
# Reads: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT, INPUT_MODE, INPUT_CONFIG, INPUT_BASELINE,
# INPUT_FAIL_ON, INPUT_ARGS, INPUT_SARIF, INPUT_DEFAULT_BRANCH, INPUT_HISTORY_CACHE (history mode: the
# directory of the history cache kept between runs; empty: the default, inside .git/).
set -euo pipefail

mode="${INPUT_MODE:-auto}"
sarif="${INPUT_SARIF:-spillguard.sarif}"
fail_on="${INPUT_FAIL_ON:-low}"
event="${GITHUB_EVENT_NAME:-workflow_dispatch}"
zero=0000000000000000000000000000000000000000

event_field() {  # event_field KEY [KEY...]: a field of the event payload, empty when absent
  python3 - "$@" <<'PY'
import json, os, sys
value = json.load(open(os.environ["GITHUB_EVENT_PATH"])) if os.environ.get("GITHUB_EVENT_PATH") else {}
for key in sys.argv[1:]:
    value = value.get(key) if isinstance(value, dict) else None
print(value or "")
PY
}

if [ "$mode" = auto ]; then
  case "$event" in
    pull_request|pull_request_target) mode=pull_request ;;
    push) mode=push ;;
    *) mode=history ;;
  esac
fi

source_args=()
case "$mode" in
  pull_request)
    base=$(event_field pull_request base sha)
    head=$(event_field pull_request head sha)
    source_args=(--range "$base..$head") ;;
  push)
    before=$(event_field before)
    after=$(event_field after)
    if [ -n "$before" ] && [ "$before" != "$zero" ] && ! git cat-file -e "$before^{commit}" 2>/dev/null \
        && [ "$(git rev-parse --is-shallow-repository)" = false ]; then
      # a force push: the branch's previous head is in no ref of this clone (in a shallow clone the range
      # is kept, so that its error says to fetch more history)
      echo "spillguard: the push's previous head $before is not in this clone (a force push?); scanning what the branch adds instead" >&2
      before=""
    fi
    if [ -z "$before" ] || [ "$before" = "$zero" ]; then
      branch="${INPUT_DEFAULT_BRANCH:-main}"
      if git rev-parse --verify --quiet "origin/$branch^{commit}" >/dev/null; then
        source_args=(--range "origin/$branch..$after")   # a new branch: what it adds to the default
      else
        source_args=(--history --branch "$after")
      fi
    else
      source_args=(--range "$before..$after")
    fi ;;
  history)
    source_args=(--history)
    if [ -n "${INPUT_HISTORY_CACHE:-}" ]; then source_args+=(--cache "$INPUT_HISTORY_CACHE"); fi ;;
  directory) source_args=(.) ;;
  *) echo "spillguard action: unknown mode '$mode' (auto, pull_request, push, history, directory)" >&2
     exit 2 ;;
esac

if [ "${source_args[0]:-}" = --history ] && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  # a history audit of a depth-1 clone (actions/checkout's default) would audit one commit: deepen it;
  # if that fails, spillguard refuses the shallow clone with a message saying how to fix it (exit 2)
  echo "spillguard: this clone is shallow; fetching the whole history for the audit (git fetch --unshallow)" >&2
  git fetch --quiet --unshallow || echo "spillguard: git fetch --unshallow failed; use actions/checkout with fetch-depth: 0" >&2
fi

config_args=()
if [ -n "${INPUT_CONFIG:-}" ]; then config_args=(--config "$INPUT_CONFIG"); fi
if [ -n "${INPUT_BASELINE:-}" ]; then config_args+=(--baseline "$INPUT_BASELINE"); fi
# shellcheck disable=SC2206
extra_args=(${INPUT_ARGS:-})

status=0
spillguard scan "${source_args[@]}" "${config_args[@]}" "${extra_args[@]}" \
  --format sarif --output "$sarif" --fail-on "$fail_on" || status=$?

count=$(python3 -c 'import json,sys; print(sum(len(r.get("results", [])) for r in json.load(open(sys.argv[1]))["runs"]))' "$sarif" 2>/dev/null || echo 0)
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "findings=$count"; echo "sarif=$sarif"; echo "status=$status"; } >> "$GITHUB_OUTPUT"
fi
echo "spillguard: $count finding(s); SARIF written to $sarif"
exit "$status"
