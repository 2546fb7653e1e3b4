"""Report writers: a registry from format name to a function rendering a Report as text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.inventory_model import Inventory
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


InventoryWriter = Callable[[Inventory], str]
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
