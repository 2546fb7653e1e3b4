"""Report writers: a registry from format name to a function rendering a Report as text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.model import Report


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    verbose: bool = False
    playbook: bool = False  # text: append a rotation playbook grouped by credential


Writer = Callable[[Report, RenderOptions], str]


def get_writer(name: str) -> Writer:
    if name == "json":
        from scanner.reporters.json_report import render
    elif name == "sarif":
        from scanner.reporters.sarif import render
    else:
        from scanner.reporters.text import render
    return render


FORMATS = ("text", "json", "sarif")
