"""The package's layers, as the README and STYLE draw them, checked over every module's imports
(function-level imports included): `cli` -> `modes` -> `sources`, `engine`, `ruleset`, `baseline`,
`reporters` -> the records (the top-level modules). An arrow never points up or sideways where this
table does not allow it; pygit2 is imported in `sources/` only; no module grows past 300 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scanner"
LAYERS = ("cli", "modes", "sources", "engine", "ruleset", "baseline", "reporters")
RECORDS = "records"  # model, errors, config, fingerprint, decision, pool, ... : the top-level modules

# What each layer may import besides itself and the records.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "cli": frozenset(LAYERS),
    "modes": frozenset({"sources", "engine", "ruleset", "baseline"}),  # never cli or reporters
    "sources": frozenset(),  # never the engine: bytes and text in, chunks out
    "engine": frozenset(),  # pure: never ruleset, sources, reporters, cli
    "ruleset": frozenset({"engine"}),  # compiles into the engine's index, self-tests through it
    "baseline": frozenset({"engine", "sources"}),  # review finds an entry's secret in its file
    "reporters": frozenset(),
    RECORDS: frozenset(),
}
MAX_LINES = 300
# Over MAX_LINES, with the reason it is not split yet.
LONG_MODULES: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(module: str) -> str:
    """`scanner.engine.scan` -> engine; `scanner.model` -> records; `scanner.__main__` is the CLI."""
    parts = module.split(".")
    if parts[1:2] == ["__main__"]:
        return "cli"
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else RECORDS


def _name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file; `from scanner.x import y` names `scanner.x.y` when
    y is a module, else `scanner.x`."""
    found: set[tuple[int, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    PACKAGE.parent / Path(*candidate.split("."))
                ).is_dir()
                found.add((node.lineno, candidate if is_module else node.module))
    return sorted(found)


def test_the_table_names_every_subpackage() -> None:
    on_disk = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} - {"rules"}
    assert on_disk == set(LAYERS)


def _violations() -> list[str]:
    found = []
    for path in _modules():
        name = _name(path)
        layer = _layer(name)
        shown = path.relative_to(PACKAGE).as_posix()
        for line, module in _imports(path):
            if module.split(".")[0] == "pygit2" and layer != "sources":
                found.append(f"{shown}:{line}: imports pygit2 outside sources/")
            if not module.startswith("scanner.") or module == "scanner":
                continue
            target = _layer(module)
            if target not in (layer, RECORDS) and target not in MAY_IMPORT[layer]:
                found.append(f"{shown}:{line}: {layer} imports {module} ({target})")
    return found


def test_imports_follow_the_layers() -> None:
    assert _violations() == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above can fail: an engine module importing the rule loader, a mode importing a
    reporter and a record importing pygit2 are each named."""
    fake = tmp_path / "scanner"
    for layer in LAYERS:
        (fake / layer).mkdir(parents=True)
        (fake / layer / "__init__.py").write_text("")
    (fake / "engine" / "bad.py").write_text("def f():\n    from scanner.ruleset.loader import load_rules\n")
    (fake / "modes" / "bad.py").write_text("from scanner import reporters\n")
    (fake / "model.py").write_text("import pygit2\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    assert _violations() == [
        "engine/bad.py:2: engine imports scanner.ruleset.loader (ruleset)",
        "model.py:1: imports pygit2 outside sources/",
        "modes/bad.py:1: modes imports scanner.reporters (reporters)",
    ]


def test_modules_stay_small() -> None:
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines()) for p in _modules()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES and m not in LONG_MODULES} == {}
    assert all(sizes[m] > MAX_LINES for m in LONG_MODULES)  # an entry is dropped once it is split
