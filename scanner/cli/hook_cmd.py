"""`spillguard hook` (the pre-commit/pre-push entry point) and `spillguard install-hook`."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import click

from scanner.cli.options import build_policy, build_ruleset, ruleset_options
from scanner.errors import GitError
from scanner.model import Report
from scanner.reporters import RenderOptions
from scanner.reporters.text import render

ZERO_SHA = "0" * 40
HOOK_MARKER = "# installed by spillguard install-hook"


def _blocked_message(report: Report, what: str) -> str:
    count = len(report.findings)
    lines = [f"spillguard: {what} blocked: {count} secret{'s' if count != 1 else ''} found", ""]
    lines.append(render(report, RenderOptions()).rstrip("\n"))
    first = report.findings[0].rule_id
    lines += [
        "",
        "What to do:",
        f"  - Treat the credential as leaked if it was ever pushed: rotate it "
        f"(`spillguard rules explain {first}`), then remove it from the files.",
        "  - A false positive: add `spillguard:allow=RULE_ID` in a comment on its line, or an "
        "allowlist entry in .spillguard.yml.",
        "  - `git commit --no-verify` skips this check; the secret then goes into history.",
    ]
    return "\n".join(lines)


@click.command()
@ruleset_options
@click.option("--all-lines", is_flag=True, help="Scan staged files whole, not only added lines.")
def hook(
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
    all_lines: bool,
) -> int:
    """Git hook entry point: scans staged changes and blocks the commit on a finding. Run by the
    pre-commit framework in the pre-push stage (PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF set), it
    scans the pushed commits instead. Exit 1 blocks."""
    from scanner.gitscan import scan_range, scan_staged

    policy = build_policy(config_path, rule_files, disabled)
    ruleset = build_ruleset(policy, prefilter)
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        spec = f"{'--remotes' if from_ref == ZERO_SHA else from_ref}..{to_ref}"
        report, what = scan_range(spec, ruleset, policy), "push"
    else:
        report, what = scan_staged(ruleset, policy, all_lines), "commit"
    if report.findings:
        click.echo(_blocked_message(report, what), err=True)
        return 1
    return 0


@click.command("install-hook")
@click.option("--force", is_flag=True, help="Replace an existing pre-commit hook not written by spillguard.")
def install_hook(force: bool) -> int:
    """Write a native .git/hooks/pre-commit that runs `spillguard hook`."""
    from scanner.sources.git import open_repo

    repo = open_repo(Path.cwd())
    hooks = Path(repo.path) / "hooks"
    target = hooks / "pre-commit"
    if target.exists() and HOOK_MARKER not in target.read_text(errors="replace") and not force:
        raise GitError(
            f"{target}: a pre-commit hook already exists; use --force to replace it, or "
            "call `spillguard hook` from it"
        )
    hooks.mkdir(parents=True, exist_ok=True)
    script = (
        "#!/bin/sh\n"
        f"{HOOK_MARKER}; delete this file to uninstall\n"
        f'if [ -x "{sys.executable}" ]; then exec "{sys.executable}" -m scanner hook; fi\n'
        "exec spillguard hook\n"
    )
    target.write_text(script)
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    click.echo(f"installed {target}")
    return 0
