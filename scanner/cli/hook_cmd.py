"""`spillguard hook` (the pre-commit/pre-push entry point) and `spillguard install-hook`."""

from __future__ import annotations

import os
import stat
import sys
from datetime import date
from pathlib import Path

import click

from scanner.baseline.format import Baseline
from scanner.cli.options import build_policy, build_ruleset, ruleset_options
from scanner.decision import visible
from scanner.errors import BaselineError, GitError
from scanner.model import Report, Severity
from scanner.reporters import RenderOptions
from scanner.reporters.text import render

ZERO_SHA = "0" * 40
HOOK_MARKER = "# installed by spillguard install-hook"


def _first_commit(report: Report) -> str | None:
    """The oldest commit (in the order the range was walked) that holds a finding that blocks."""
    holding = {f.location.commit for f in visible(report) if f.location.commit}
    return next((info.sha for info in report.commits if info.sha in holding), None) or min(
        holding, default=None
    )


def _blocked_message(report: Report, what: str) -> str:
    count = len(visible(report))
    lines = [f"spillguard: {what} blocked: {count} secret{'s' if count != 1 else ''} found", ""]
    lines.append(render(report, RenderOptions()).rstrip("\n"))
    first = visible(report)[0].rule_id
    lines += ["", "What to do:"]
    if what == "push":
        commit = _first_commit(report)
        short = commit[:12] if commit else "COMMIT"
        lines += [
            f"  - Rotate the credential first (`spillguard rules explain {first}`) if it ever left this "
            "machine (a shared branch, CI, a fork).",
            "  - A new commit that deletes it does not unblock the push: the commit that added it would "
            "still be pushed. Rewrite the commits not pushed yet:",
            f"      git rebase -i {short}^   # mark {short} `edit` (and any later commit holding it)",
            "      (remove the secret from the file)  git commit --amend -a  git rebase --continue",
            "    or, to redo them as one commit: git reset --soft @{upstream} (a new branch: the commit it "
            "started from), remove the secret, commit again; then push.",
        ]
    else:
        lines.append(
            f"  - Treat the credential as leaked if it was ever pushed: rotate it "
            f"(`spillguard rules explain {first}`), then remove it from the files."
        )
    lines += [
        "  - A false positive: add `spillguard:allow=RULE_ID` in a comment on its line, or an "
        "allowlist entry in .spillguard.yml.",
        f"  - `git {what} --no-verify` skips this check; the secret then "
        + ("goes into history." if what == "commit" else "reaches the remote."),
    ]
    return "\n".join(lines)


def _hook_baseline(path: str | None) -> Baseline | None:
    """The baseline the hook compares with: the one named, or `.spillguard-baseline.json` at the work
    tree root when it exists. The hook never writes it, and refuses to use one with unstaged changes:
    what is committed must be what was reviewed."""
    from scanner.baseline.apply import load_baseline
    from scanner.baseline.format import DEFAULT_PATH
    from scanner.sources.git import open_repo, unstaged_changes, work_tree

    repo = open_repo(Path.cwd())
    root = work_tree(repo) or Path.cwd()
    target = Path(path) if path else root / DEFAULT_PATH
    if path is None and not target.exists():
        return None
    if unstaged_changes(repo, target, root):
        raise BaselineError(
            f"{target}: has unstaged changes; stage them (git add {target.name}) or discard them "
            f"(git checkout -- {target.name}) before committing"
        )
    return load_baseline(str(target))


@click.command()
@ruleset_options
@click.option("--all-lines", is_flag=True, help="Scan staged files whole, not only added lines.")
@click.option(
    "-b",
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False),
    help="Baseline file (default: .spillguard-baseline.json at the work tree root, if any).",
)
def hook(
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
    all_lines: bool,
    baseline_path: str | None,
) -> int:
    """Git hook entry point: scans staged changes and blocks the commit on a finding not in the
    baseline. Run by the pre-commit framework in the pre-push stage (PRE_COMMIT_FROM_REF and
    PRE_COMMIT_TO_REF set), it scans the pushed commits instead. Exit 1 blocks."""
    from scanner.baseline.apply import with_baseline
    from scanner.decision import failing
    from scanner.modes.range import scan_range
    from scanner.modes.staged import scan_staged
    from scanner.sources.git import has_commit, open_repo

    baseline = _hook_baseline(baseline_path)
    policy = build_policy(config_path, rule_files, disabled)
    ruleset = build_ruleset(policy, prefilter)
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if not (from_ref or to_ref) and os.environ.get("PRE_COMMIT_REMOTE_NAME"):
        # the framework's pre-push of a history down to its root commit (a first push) names no refs,
        # only the branch pushed: every commit of it not yet on a remote-tracking branch
        from_ref, to_ref = ZERO_SHA, os.environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    if from_ref and to_ref:
        # a new branch, or a remote tip this clone does not have (a force push over commits never
        # fetched): every commit not yet on a remote-tracking branch
        known = from_ref != ZERO_SHA and has_commit(open_repo(Path.cwd()), from_ref)
        spec = f"{from_ref if known else '--remotes'}..{to_ref}"
        report, what = scan_range(spec, ruleset, policy), "push"
    else:
        report, what = scan_staged(ruleset, policy, all_lines), "commit"
    if baseline is not None:
        report = with_baseline(report, baseline, date.today(), None, show_known=False)
    if failing(report, Severity.LOW):
        click.echo(_blocked_message(report, what), err=True)
        return 1
    return 0


_PRE_COMMIT = """\
#!/bin/sh
{marker}; delete this file to uninstall
if [ -x {python} ]; then exec {python} -m scanner hook; fi
exec spillguard hook
"""

_PRE_PUSH = """\
#!/bin/sh
{marker}; delete this file to uninstall
# git gives one line per pushed ref: <local ref> <local sha> <remote ref> <remote sha>
zero={zero}
while read -r local_ref local_sha remote_ref remote_sha; do
  [ "$local_sha" = "$zero" ] && continue  # a deleted ref pushes no commit
  export PRE_COMMIT_FROM_REF="$remote_sha" PRE_COMMIT_TO_REF="$local_sha"
  if [ -x {python} ]; then {python} -m scanner hook </dev/null || exit 1
  else spillguard hook </dev/null || exit 1; fi
done
exit 0
"""


_DRIVER = (
    "if [ -x {python} ]; then exec {python} -m scanner baseline merge %O %A %B; "
    "else exec spillguard baseline merge %O %A %B; fi"
)


def _install_merge_driver() -> None:
    """The baseline's merge driver: git config (this clone) and .gitattributes (committed, for all)."""
    import shlex

    from scanner.baseline.format import DEFAULT_PATH
    from scanner.cli.baseline_merge_cmd import DRIVER
    from scanner.sources.git import open_repo, set_config, work_tree

    repo = open_repo(Path.cwd())
    set_config(repo, f"merge.{DRIVER}.name", "spillguard baseline: merge entries of both branches")
    set_config(repo, f"merge.{DRIVER}.driver", _DRIVER.format(python=shlex.quote(sys.executable)))
    attributes = (work_tree(repo) or Path.cwd()) / ".gitattributes"
    line = f"{DEFAULT_PATH} merge={DRIVER}"
    try:
        text = attributes.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    if line not in text.splitlines():
        attributes.write_text(text + ("\n" if text and not text.endswith("\n") else "") + line + "\n")
        click.echo(f"added to {attributes}: {line} (commit it, so every clone merges the baseline this way)")
    click.echo(f"set merge.{DRIVER}.driver in this clone's git config")


@click.command("install-hook")
@click.option(
    "--stage",
    "stages",
    type=click.Choice(["pre-commit", "pre-push"]),
    multiple=True,
    help="Which hook to write (repeat for both; default pre-commit, unless only --merge-driver is "
    "given): pre-commit scans what is staged, pre-push the commits being pushed.",
)
@click.option("--force", is_flag=True, help="Replace an existing hook not written by spillguard.")
@click.option(
    "--merge-driver",
    is_flag=True,
    help="Make git merge .spillguard-baseline.json entry by entry (`spillguard baseline merge`): set the "
    "driver in this clone's git config and add its line to .gitattributes.",
)
def install_hook(stages: tuple[str, ...], force: bool, merge_driver: bool) -> int:
    """Write native git hooks that run `spillguard hook`, where git looks for hooks (core.hooksPath
    when set, else .git/hooks, shared by linked worktrees); with --merge-driver, the baseline's merge
    driver."""
    import shlex

    from scanner.sources.git import hooks_dir, open_repo

    if not stages and not merge_driver:
        stages = ("pre-commit",)
    hooks = hooks_dir(open_repo(Path.cwd()))
    targets = [hooks / stage for stage in dict.fromkeys(stages)]
    for target in targets:  # check all before writing any
        if target.exists() and HOOK_MARKER not in target.read_text(errors="replace") and not force:
            raise GitError(
                f"{target}: a {target.name} hook already exists; use --force to replace it, or "
                "call `spillguard hook` from it"
            )
    if targets:
        hooks.mkdir(parents=True, exist_ok=True)
    for target in targets:
        template = _PRE_PUSH if target.name == "pre-push" else _PRE_COMMIT
        target.write_text(
            template.format(marker=HOOK_MARKER, python=shlex.quote(sys.executable), zero=ZERO_SHA)
        )
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        click.echo(f"installed {target}")
    if merge_driver:
        _install_merge_driver()
    return 0
