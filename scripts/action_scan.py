"""The GitHub Action's scan step (action.yml), run by the Python of the Action's own virtual environment.

From the event it picks what to scan and deepens a shallow checkout where the mode needs history; it runs
`spillguard scan` once, writing SARIF (for code scanning), JSON (for the counts), Markdown (the job
summary) and workflow-command annotations; it never leaves or reuses an earlier run's report.

Reads (every input through the environment, never interpolated into a script): INPUT_MODE,
INPUT_CONFIG, INPUT_BASELINE, INPUT_FAIL_ON, INPUT_ARGS (extra `spillguard scan` arguments, split as
shell words: quotes group, nothing is expanded), INPUT_SARIF, INPUT_CATEGORY, INPUT_UPLOAD_SARIF,
INPUT_HISTORY_CACHE, INPUT_DEFAULT_BRANCH; GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_ACTOR,
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP; SPILLGUARD (the command, default `spillguard`).

Outputs: findings (what fails the run: new findings, and known ones marked real or past expiry, at or
above fail-on), reported (findings the report lists), sarif (its path; empty when the scan failed),
category, upload (whether to upload: a scan that completed, upload-sarif on, a token that may write),
status (spillguard's exit code). Exits with spillguard's code: 0 clean, 1 findings fail, 2 and above
the scan could not be completed.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scanner.reporters.markdown import escape  # the Action's environment has spillguard installed

MODES = ("auto", "pull_request", "push", "history", "directory")
FAIL_ON = ("low", "medium", "high", "critical", "new")
RANKS = {"low": 0, "medium": 1, "high": 2, "critical": 3}
ZERO = "0" * 40
# options the Action sets itself; passing them in `args` would write another report than the one counted
OWNED = ("-f", "--format", "-o", "--output", "--also-write", "--sarif-category", "--fail-on", "--exit-zero")


class InputError(Exception):
    """A bad input: one line, exit 2."""


def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub's rules require: `%`, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,` escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip() or default


def git(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=check)


def event() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def field(data: dict[str, Any], *keys: str) -> str:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def has_commit(sha: str) -> bool:
    return bool(sha) and git("cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def is_shallow() -> bool:
    return git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def fetch(*refspecs: str) -> bool:
    """Fetches from origin what the mode needs, the whole history behind it when the clone is shallow
    (actions/checkout's default depth of 1). A failure is a warning: spillguard then refuses what it
    cannot scan (exit 2) instead of scanning less."""
    args = ["fetch", "--quiet", "--no-tags", *(["--unshallow"] if is_shallow() else []), "origin", *refspecs]
    done = git(*args)
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        message = f"could not fetch history ({reason}); use actions/checkout with fetch-depth: 0"
        print(f"::warning title=spillguard::{escape_data(message)}")
    return done.returncode == 0


def source(mode: str, data: dict[str, Any]) -> list[str]:
    """The scan's source arguments for the mode; fetches what is missing first."""
    if mode == "pull_request":
        base, head = field(data, "pull_request", "base", "sha"), field(data, "pull_request", "head", "sha")
        if not (base and head):
            raise InputError("mode pull_request: the event has no pull_request.base.sha and head.sha")
        if is_shallow() or not (has_commit(base) and has_commit(head)):
            print("spillguard: fetching the pull request's base and head", file=sys.stderr)
            fetch(base, head)
        return ["--range", f"{base}..{head}"]
    if mode == "push":
        return push_source(field(data, "before"), field(data, "after") or "HEAD")
    if mode == "history":
        if is_shallow():
            print(
                "spillguard: this clone is shallow; fetching the whole history for the audit", file=sys.stderr
            )
            fetch()
        cache = env("INPUT_HISTORY_CACHE")
        return ["--history", *(["--cache", cache] if cache else [])]
    return ["."]


def push_source(before: str, after: str) -> list[str]:
    """A push scans the pushed commits, before..after. A new branch, or a force push whose previous head
    the remote no longer has, scans what the branch adds to the default branch."""
    if before and before != ZERO and (is_shallow() or not has_commit(before)):
        fetch(before, *([after] if after != "HEAD" else []))
    if before and before != ZERO and has_commit(before):
        return ["--range", f"{before}..{after}"]
    if before and before != ZERO:
        gone = f"the push's previous head {before} is gone (a force push?)"
        print(f"spillguard: {gone}; scanning what the branch adds")
    branch = env("INPUT_DEFAULT_BRANCH", "main")
    tracking = f"refs/remotes/origin/{branch}"
    if git("rev-parse", "--verify", "--quiet", f"{tracking}^{{commit}}").returncode != 0 or is_shallow():
        fetch(f"+refs/heads/{branch}:{tracking}")
    if git("rev-parse", "--verify", "--quiet", f"{tracking}^{{commit}}").returncode == 0:
        return ["--range", f"{tracking}..{after}"]
    return ["--history", "--branch", after]  # no default branch to compare with: the branch's history


def extra_args() -> list[str]:
    try:
        words = shlex.split(env("INPUT_ARGS"))
    except ValueError as exc:
        raise InputError(f"args: cannot split into words ({exc}); quote with ' or \"") from None
    for word in words:
        if (
            word.split("=", 1)[0] in OWNED
            or word.startswith(("-o", "-f"))
            and len(word) > 2
            and word[1] != "-"
        ):
            raise InputError(f"args: {word} is set by the Action (inputs sarif, fail-on, category)")
    return words


def read_only_token(data: dict[str, Any], name: str) -> str | None:
    """Why this run's token cannot write security events (so the upload would fail), or None."""
    if name != "pull_request":
        return None
    head = field(data, "pull_request", "head", "repo", "full_name")
    base = field(data, "pull_request", "base", "repo", "full_name")
    if head != base:
        return "a pull request from a fork gets a read-only token"
    if env("GITHUB_ACTOR").startswith("dependabot["):
        return "a Dependabot pull request gets a read-only token"
    return None


def policy_changes(mode: str, data: dict[str, Any], config: str, baseline: str) -> list[str]:
    """The spillguard policy files a pull request changes: the scan judges it by its own version."""
    if mode != "pull_request":
        return []
    base, head = field(data, "pull_request", "base", "sha"), field(data, "pull_request", "head", "sha")
    names = [".spillguard.yml", ".spillguard-baseline.json", *(p for p in (config, baseline) if p)]
    done = git("diff", "--name-only", f"{base}...{head}", "--", *dict.fromkeys(names))
    return done.stdout.split() if done.returncode == 0 else []


def failing(report: dict[str, Any], fail_on: str) -> int:
    """How many findings fail the run, as spillguard decides (scanner.decision.fails)."""
    count = 0
    for finding in report.get("findings", []):
        state = finding.get("baseline", {"state": "new"})
        if fail_on == "new":
            count += state["state"] == "new"
        elif RANKS[finding["severity"]] >= RANKS[fail_on]:
            count += state["state"] == "new" or bool(state.get("failing"))
    return count


def set_outputs(**values: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.writelines(f"{key}={value}\n" for key, value in values.items())


def add_summary(text: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(text)


def main() -> int:
    name = env("GITHUB_EVENT_NAME", "workflow_dispatch")
    sarif = Path(env("INPUT_SARIF", "spillguard.sarif"))
    sarif.unlink(missing_ok=True)  # never upload or count an earlier run's report
    set_outputs(sarif="", upload="false")
    try:
        mode, fail_on = env("INPUT_MODE", "auto"), env("INPUT_FAIL_ON", "low")
        if mode not in MODES:
            raise InputError(f"mode: {mode!r} is not one of {', '.join(MODES)}")
        if fail_on not in FAIL_ON:
            raise InputError(f"fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
        if fail_on == "new" and not env("INPUT_BASELINE"):
            raise InputError("fail-on: new needs a baseline (input baseline)")
        if mode == "auto":
            mode = {
                "pull_request": "pull_request",
                "pull_request_target": "pull_request",
                "push": "push",
            }.get(name, "history")
        data = event()
        words = extra_args()
        args = source(mode, data)
    except (InputError, OSError, ValueError) as exc:
        print(f"::error title=spillguard::{escape_data(str(exc))}")
        add_summary(f"### spillguard could not start\n\n{escape(str(exc))}\n")
        set_outputs(status="2", findings="", reported="")
        return 2
    config, baseline = env("INPUT_CONFIG"), env("INPUT_BASELINE")
    category = env("INPUT_CATEGORY", f"spillguard/{mode}")
    if config:
        args += ["--config", config]
    if baseline:
        args += ["--baseline", baseline]
    work = Path(tempfile.mkdtemp(prefix="spillguard-", dir=os.environ.get("RUNNER_TEMP")))
    command = [env("SPILLGUARD", "spillguard"), "scan", *args, *words, "--fail-on", fail_on]
    command += ["--format", "sarif", "--output", str(sarif), "--sarif-category", category]
    for fmt, file in (("json", "report.json"), ("markdown", "summary.md"), ("github", "annotations.txt")):
        command += ["--also-write", f"{fmt}={work / file}"]
    print("spillguard: " + shlex.join(command), file=sys.stderr)
    token = secrets.token_hex(16)  # nothing spillguard prints (paths, messages) is read as a command
    print(f"::stop-commands::{token}", flush=True)
    try:
        done = subprocess.run(command, stderr=subprocess.PIPE, text=True, errors="replace", check=False)
        status, errors = done.returncode, done.stderr
    except OSError as exc:
        status, errors = 2, f"spillguard: error: cannot run {command[0]} ({exc.strerror})\n"
    sys.stderr.write(errors)
    print(f"::{token}::", flush=True)
    if status not in (0, 1) or not sarif.is_file():
        sarif.unlink(missing_ok=True)
        why = next((line for line in errors.splitlines() if "error" in line), f"exit {status}")
        print(f"::error title=spillguard::{escape_data(f'the scan could not be completed: {why}')}")
        add_summary(f"### spillguard could not complete the scan (exit {status})\n\n{escape(why)}\n")
        set_outputs(status=str(status), findings="", reported="", category=category)
        return status if status not in (0, 1) else 2
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    sys.stdout.write((work / "annotations.txt").read_text(encoding="utf-8"))
    notes = []
    refused = read_only_token(data, name)
    upload = env("INPUT_UPLOAD_SARIF", "true") == "true" and refused is None
    if refused and env("INPUT_UPLOAD_SARIF", "true") == "true":
        notes.append(f"SARIF not uploaded: {refused}; the findings are in this summary and the annotations.")
    for path in policy_changes(mode, data, config, baseline):
        message = f"this pull request changes {path}, the policy this scan used: review that change"
        print(f"::warning file={escape_property(path)},title=spillguard::{escape_data(message)}")
        notes.append(
            f"This pull request changes {escape(path)}, the policy this scan used: review that change."
        )
    add_summary((work / "summary.md").read_text(encoding="utf-8") + "".join(f"\n{note}\n" for note in notes))
    count = failing(report, fail_on)
    set_outputs(
        status=str(status),
        findings=str(count),
        reported=str(len(report.get("findings", []))),
        sarif=str(sarif),
        category=category,
        upload=str(upload).lower(),
    )
    print(f"spillguard: {count} finding(s) fail this run; SARIF written to {sarif}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
