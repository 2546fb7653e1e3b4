"""Writes a rendered report to stdout or to a file (atomically; see scanner.atomic)."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.atomic import write_text
from scanner.errors import InputError


def write_output(content: str, output: str | None, color: bool = False) -> None:
    if output is None or output == "-":
        click.echo(content, nl=False, color=color)
        return
    try:
        write_text(Path(output), content)
    except OSError as exc:
        raise InputError(f"{output}: cannot write the report ({exc.strerror})") from None
