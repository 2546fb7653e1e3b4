"""`spillguard rules list|explain|check`."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import click

from scanner.cli.options import build_policy, ruleset_options
from scanner.errors import RuleError
from scanner.remediation import as_text
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import check_unique, load_rule_file, load_rules
from scanner.ruleset.selftest import check_rules


@click.group()
def rules() -> None:
    """List, explain and test detection rules."""


@rules.command("list")
@ruleset_options
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
    fmt: str,
) -> int:
    """List the active rules: id, severity, confidence and name."""
    policy = build_policy(config_path, rule_files, disabled)
    loaded = sorted(load_rules(policy.extra_rule_files, policy.disabled_rules), key=lambda r: r.id)
    if fmt == "json":
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "severity": r.severity.value,
                "confidence": r.confidence.value,
                "keywords": list(r.keywords),
                "tags": list(r.tags),
                "source": r.source,
            }
            for r in loaded
        ]
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return 0
    width = max((len(r.id) for r in loaded), default=10)
    for rule in loaded:
        click.echo(f"{rule.id:<{width}}  {rule.severity.value:<8}  {rule.confidence.value:<6}  {rule.name}")
    click.echo(f"{len(loaded)} rules", err=True)
    return 0


@rules.command()
@click.argument("rule_id")
@ruleset_options
def explain(
    rule_id: str,
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
) -> int:
    """Describe a rule and how to rotate, revoke and purge what it finds."""
    policy = build_policy(config_path, rule_files, disabled)
    loaded = {r.id: r for r in load_rules(policy.extra_rule_files, ())}
    rule = loaded.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, loaded, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `spillguard rules list`"
        raise RuleError(f"no rule with id '{rule_id}'{hint}")
    click.echo(f"{rule.id}  ({rule.severity.value} severity, {rule.confidence.value} confidence)")
    click.echo(as_text(rule))
    return 0


@rules.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@ruleset_options
def check(
    files: tuple[str, ...],
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    prefilter: str,
) -> int:
    """Validate rule FILES and run their examples through the whole engine (default: every active
    rule). Exit 1 when an example misbehaves, 2 when a file is malformed."""
    policy = build_policy(config_path, rule_files, disabled)
    if files:
        checked = tuple(r for name in files for r in load_rule_file(Path(name)))
        others = load_rules(policy.extra_rule_files, policy.disabled_rules)
        others = tuple(r for r in others if r.source not in {c.source for c in checked})
        everything = others + checked
        check_unique(everything)
    else:
        from scanner.ruleset.loader import builtin_rule_files

        checked = tuple(r for path in builtin_rule_files() for r in load_rule_file(path))
        checked += tuple(r for name in policy.extra_rule_files for r in load_rule_file(Path(name)))
        everything = checked
        check_unique(everything)
    ruleset = CompiledRuleset(everything, prefilter)
    failures = check_rules(checked, ruleset)
    from scanner.reporters.text import printable

    for failure in failures:
        click.echo(f"FAIL {printable(failure)}", err=True)
    examples = sum(len(r.examples.positive) + len(r.examples.negative) for r in checked)
    status = "failed" if failures else "ok"
    click.echo(f"{status}: {len(checked)} rules, {examples} examples, {len(failures)} failing")
    return 1 if failures else 0
