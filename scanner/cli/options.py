"""Options shared by commands that load rules, and the loading they drive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from scanner.config import find_config, load_config, parse_size
from scanner.errors import ConfigError
from scanner.model import Policy
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import load_rules

F = TypeVar("F", bound=Callable[..., Any])


def ruleset_options(func: F) -> F:
    decorators = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            help="Config file (default: .spillguard.yml in the current directory or the "
            "root of its git work tree).",
        ),
        click.option(
            "--rules",
            "rule_files",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="Extra rule file (repeatable); added to the built-in rules.",
        ),
        click.option(
            "--disable",
            "disabled",
            multiple=True,
            metavar="RULE_ID",
            help="Disable a rule by id (repeatable).",
        ),
        click.option(
            "--prefilter",
            type=click.Choice(["auto", "pyahocorasick", "hyperscan"]),
            default="auto",
            show_default=True,
            help="Keyword prefilter backend; auto uses Hyperscan when installed.",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def baseline_option() -> Callable[[F], F]:
    """`-b/--baseline FILE` of the baseline commands, `.spillguard-baseline.json` by default."""
    from scanner.baseline.format import DEFAULT_PATH  # imported here: a plain scan needs no baseline

    return click.option(
        "-b",
        "--baseline",
        "baseline_path",
        type=click.Path(dir_okay=False),
        default=DEFAULT_PATH,
        show_default=True,
        help="Baseline file.",
    )


def waiting_for(path: str) -> Callable[[], None]:
    """What a baseline command says before it waits for another one holding the file (scanner.locked)."""
    return lambda: click.echo(f"spillguard: waiting for {path}: another spillguard is updating it", err=True)


def build_policy(
    config_path: str | None,
    rule_files: tuple[str, ...],
    disabled: tuple[str, ...],
    max_file_size: str | None = None,
    reveal: bool = False,
) -> Policy:
    if config_path is not None:
        policy = load_config(Path(config_path))
    else:
        found = find_config(Path.cwd())
        policy = load_config(found) if found else Policy()
    policy = replace(
        policy,
        extra_rule_files=policy.extra_rule_files + tuple(rule_files),
        disabled_rules=policy.disabled_rules + tuple(disabled),
        reveal_secrets=reveal,
    )
    if max_file_size is not None:
        try:
            size = parse_size(max_file_size, "--max-file-size")
        except ConfigError as exc:
            raise click.BadParameter(exc.message.split(": ", 1)[1], param_hint="'--max-file-size'") from None
        policy = replace(policy, max_file_size=size)
    return policy


def build_ruleset(policy: Policy, prefilter: str) -> CompiledRuleset:
    if prefilter == "hyperscan":
        from scanner.engine.prefilter import available_backends

        if "hyperscan" not in available_backends():
            raise ConfigError(
                "--prefilter hyperscan: the hyperscan package is not installed "
                "(pip install 'spillguard[hyperscan]')"
            )
    rules = load_rules(policy.extra_rule_files, policy.disabled_rules)
    return CompiledRuleset(rules, prefilter)
