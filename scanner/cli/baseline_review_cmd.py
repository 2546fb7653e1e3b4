"""`spillguard baseline audit`: review baseline entries one by one, each shown with its context lines
in the work tree (scanner.baseline.review), the answer saved after each one."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from scanner.baseline.apply import load_baseline
from scanner.baseline.format import Baseline, Entry, save
from scanner.baseline.review import ANSWERS, entry_context, review, review_root
from scanner.cli.options import baseline_option, build_policy, build_ruleset, ruleset_options, waiting_for
from scanner.errors import SpillguardError
from scanner.locked import locked
from scanner.model import ReviewStatus
from scanner.reporters.text import printable
from scanner.sources.git import open_repo, user_email


def _reviewer() -> str | None:
    """git's user.email, else $USER."""
    try:
        email = user_email(open_repo(Path.cwd()))
    except SpillguardError:  # not in a repository
        email = None
    return email if email is not None else os.environ.get("USER")


def _save_review(path: Path, reviewed: Entry) -> Baseline:
    """Writes one answer into the baseline as it is on disk now (another command may have updated it
    since it was read), under the baseline's lock; returns what was written."""
    with locked(path, waiting_for(str(path))):
        current = load_baseline(str(path))
        entries = tuple(reviewed if e.fingerprint == reviewed.fingerprint else e for e in current.entries)
        current = replace(current, entries=entries)
        save(current, path)
    return current


@click.command("audit")
@baseline_option()
@ruleset_options
@click.option("--reveal", is_flag=True, help="Show secret values in the context lines.")
@click.option("--all", "review_all", is_flag=True, help="Review every entry, not only unreviewed ones.")
@click.option("--reviewer", help="Name recorded with each answer (default: git user.email).")
def audit_cmd(
    baseline_path: str,
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
    reveal: bool,
    review_all: bool,
    reviewer: str | None,
) -> int:
    """Review entries one by one: (r)eal, must rotate; (f)alse positive; (a)ccepted risk, with a
    reason; (s)kip; (b)ack; (q)uit. Progress is saved after each answer. The rules are those a scan
    uses (the config's, --config, --rules), so entries of user rules show their context too."""
    path = Path(baseline_path)
    current = load_baseline(baseline_path)
    policy = build_policy(config_path, rule_files, disabled)
    ruleset = build_ruleset(policy, prefilter)
    root = review_root(Path.cwd())
    rules = {rule.id: rule for rule in ruleset.rules}
    queue = [e.fingerprint for e in current.entries if review_all or e.status is ReviewStatus.UNREVIEWED]
    who = reviewer or _reviewer()
    position = 0
    while 0 <= position < len(queue):
        entries = {e.fingerprint: e for e in current.entries}
        if queue[position] not in entries:  # removed by an update while this audit ran
            position += 1
            continue
        entry = entries[queue[position]]
        rule = rules.get(entry.rule_id)
        click.echo("")
        click.echo(
            f"[{position + 1}/{len(queue)}] {printable(entry.path)}:{entry.line}  "
            f"{rule.name if rule else entry.rule_id} [{entry.rule_id}]  status: {entry.status.value}"
        )
        context = entry_context(entry, current.params, root, ruleset, reveal, policy.max_file_size)
        if rule is None:
            click.echo(
                f"  (rule {entry.rule_id} is not loaded: pass the --config or --rules the baseline was made "
                "with to see where it is)"
            )
        elif context.whole_file:
            shown = "its first lines:" if context.lines else "--reveal shows its first lines"
            click.echo(f"  (the file itself is the finding, and it is in the work tree; {shown})")
        elif not context.lines:
            click.echo("  (not in the work tree now; it may remain in git history)")
        for number, text in context.lines:
            marker = ">" if number == context.line else " "
            click.echo(f"  {marker}{number:5d} | {printable(text)}")
        answer = click.prompt(
            "(r)eal, (f)alse positive, (a)ccepted risk, (s)kip, (b)ack, (q)uit",
            type=click.Choice(["r", "f", "a", "s", "b", "q"]),
            show_choices=False,
        )
        if answer == "q":
            break
        if answer == "b":
            position = max(0, position - 1)
            continue
        if answer == "s":
            position += 1
            continue
        reason, expires = None, None
        if answer in ("a", "f"):
            prompt = "Reason" if answer == "a" else "Reason (optional)"
            reason = click.prompt(prompt, default="" if answer == "f" else None, show_default=False)
        if answer == "a":
            expires = click.prompt(
                "Review again on (YYYY-MM-DD, empty for never)",
                default="",
                show_default=False,
                value_proc=_date_or_none,
            )
        current = _save_review(path, review(entry, ANSWERS[answer], who, reason, expires))
        position += 1
    reviewed_count = sum(1 for e in current.entries if e.status is not ReviewStatus.UNREVIEWED)
    click.echo(f"saved {baseline_path}: {reviewed_count} of {len(current.entries)} entries reviewed")
    return 0


def _date_or_none(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter("expected a date like 2027-01-31") from None
