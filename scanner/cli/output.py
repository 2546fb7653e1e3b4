"""Writes a rendered report to stdout or, atomically, to a file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import click

from scanner.errors import InputError


def write_output(content: str, output: str | None, color: bool = False) -> None:
    """A regular file is written to a temporary file beside it and renamed over it, so a reader never
    sees half a report; a device or FIFO is written directly."""
    if output is None or output == "-":
        click.echo(content, nl=False, color=color)
        return
    target = Path(output)
    try:
        special = not stat.S_ISREG(os.stat(target).st_mode)
    except OSError:
        special = False
    if special:  # /dev/null, a FIFO, /dev/stdout: write into it, never replace it
        try:
            with open(target, "w", encoding="utf-8") as stream:
                stream.write(content)
        except OSError as exc:
            raise InputError(f"{output}: cannot write the report ({exc.strerror})") from None
        return
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise InputError(f"{output}: cannot write the report ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
        os.replace(temp, target)
    except OSError as exc:
        raise InputError(f"{output}: cannot write the report ({exc.strerror})") from None
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
