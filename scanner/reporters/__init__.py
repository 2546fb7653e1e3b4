"""Report writers: a registry from format name to a function rendering a Report as text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scanner.model import Report, Severity

if TYPE_CHECKING:  # the inventory's model is loaded by the modes that build one, not by every scan
    from scanner.inventory_model import Inventory


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False
    verbose: bool = False
    playbook: bool = False  # text: append a rotation playbook grouped by credential
    category: str | None = None  # SARIF: the run's category (automationDetails.id), spillguard/MODE
    # fingerprints of findings from git that HEAD no longer holds (the file deleted since, or the secret
    # removed from it): SARIF places them on their commit, Markdown and annotations say so
    gone: frozenset[str] = frozenset()
    # what fails the run (--fail-on; None: new findings only), for formats that mark failing findings
    fail_on: Severity | None = Severity.LOW


Writer = Callable[[Report, RenderOptions], str]


def get_writer(name: str) -> Writer:
    if name == "json":
        from scanner.reporters.json_report import render
    elif name == "sarif":
        from scanner.reporters.sarif import render
    elif name == "markdown":
        from scanner.reporters.markdown import render
    elif name == "github":
        from scanner.reporters.github import render
    else:
        from scanner.reporters.text import render
    return render


FORMATS = ("text", "json", "sarif", "markdown", "github")


InventoryWriter = Callable[["Inventory"], str]
INVENTORY_FORMATS = ("markdown", "json", "csv", "html")


def get_inventory_writer(name: str) -> InventoryWriter:
    """The writer of an inventory format (each module imported only when used: html loads Jinja2)."""
    if name == "json":
        from scanner.reporters.inventory_json import render
    elif name == "csv":
        from scanner.reporters.inventory_csv import render
    elif name == "html":
        from scanner.reporters.inventory_html import render
    else:
        from scanner.reporters.inventory_markdown import render
    return render
