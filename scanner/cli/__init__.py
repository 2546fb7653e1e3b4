"""Command-line entry point. The only place that prints to the terminal or picks an exit code.

Exit codes: 0 no findings, 1 findings (or failing rule examples), 2 usage or input error (or a report
that cannot be written), 3 unexpected error, 128 + N ended by signal N (130 Ctrl-C, 143 SIGTERM, 129
SIGHUP, 131 SIGQUIT, 141 the reader of standard output went away).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from scanner import __version__
from scanner.errors import SpillguardError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNEXPECTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE's number: what a shell reports for a reader that went away

EPILOG = (
    "Exit codes: 0 no findings, 1 findings, 2 usage or input error, 3 unexpected error, "
    "128+N ended by signal N (130 Ctrl-C, 143 SIGTERM)."
)


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs, to keep start-up short."""

    commands_by_module = {
        "scan": "scanner.cli.scan_cmd:scan",
        "rules": "scanner.cli.rules_cmd:rules",
        "hook": "scanner.cli.hook_cmd:hook",
        "install-hook": "scanner.cli.hook_cmd:install_hook",
        "baseline": "scanner.cli.baseline_cmd:baseline",
        "fleet": "scanner.cli.fleet_cmd:fleet",
        "inventory": "scanner.cli.inventory_cmd:inventory",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands_by_module)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.commands_by_module.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: the version and the keyword prefilter scans run with (`--prefilter auto`)."""
    if not value or ctx.resilient_parsing:
        return
    from scanner.engine.prefilter import resolve_backend

    backend = resolve_backend("auto")
    note = "" if backend == "hyperscan" else ", hyperscan not installed"
    click.echo(f"spillguard, version {__version__} (keyword prefilter: {backend}{note})")
    ctx.exit()


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version and the keyword prefilter in use (hyperscan or pyahocorasick), and exit.",
)
def cli() -> None:
    """spillguard finds credentials in files and git history before they leak, and tells you how to
    rotate each one."""


def _unexpected(exc: BaseException) -> str:
    """Names the exception type and where it was raised, never its message (which could hold text
    from a scanned file)."""
    import traceback  # only on this path: not worth its import time on every run

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    return f"spillguard: unexpected error: {type(exc).__name__}{where}; please report it"


def _usage(exc: click.ClickException) -> str:
    """One line: click's message, then where the help is (click's own display takes three)."""
    from scanner.reporters.text import printable

    context = getattr(exc, "ctx", None)
    where = f"; see `{context.command_path} --help`" if context is not None else ""
    return f"spillguard: error: {printable(exc.format_message())}{where}"


def main(argv: Sequence[str] | None = None) -> int:
    from scanner.cli import signals, streams

    args = list(sys.argv[1:] if argv is None else argv)
    restore_streams = streams.guard()
    restore_signals = signals.install()
    try:
        return _run(args)
    finally:
        restore_signals()
        restore_streams()


def _run(args: list[str]) -> int:
    from scanner.cli.signals import Terminated
    from scanner.cli.streams import ReaderGone
    from scanner.reporters.text import printable  # escapes ANSI, C0/C1 controls and bidi overrides

    try:
        result = cli.main(args=args, prog_name="spillguard", standalone_mode=False)
        sys.stdout.flush()  # what is still buffered: a full disk is reported here, not at exit
    except SpillguardError as exc:
        click.echo(f"spillguard: error: {printable(exc.message)}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("spillguard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        click.echo(_usage(exc), err=True)
        return EXIT_USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("spillguard: interrupted", err=True)
        return EXIT_INTERRUPTED
    except Terminated as exc:
        click.echo(f"spillguard: terminated by {exc.name}", err=True)
        return 128 + exc.signum
    except (ReaderGone, BrokenPipeError):  # the reader went away (`| head`): no one to tell
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into exit 3
        click.echo(_unexpected(exc), err=True)
        return EXIT_UNEXPECTED
    return int(result) if isinstance(result, int) else EXIT_CLEAN
