"""scripts/check_coverage.py fails, naming the module and its missing lines, when a gated module is
below 100% or the package below the total minimum; with no data it says to run the suite."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from coverage import CoverageData

ROOT = Path(__file__).resolve().parent.parent


def gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_coverage", ROOT / "scripts" / "check_coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_partial_data_fails_naming_each_gated_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = CoverageData(basename=str(tmp_path / ".coverage"))
    # fingerprint.py run up to the imports and the two `def` lines, never inside either function
    data.add_arcs(
        {str(ROOT / "scanner" / "fingerprint.py"): {(-1, 7), (7, 9), (9, 11), (11, 14), (14, 19), (19, -1)}}
    )
    data.write()
    assert gate().main([str(tmp_path / ".coverage")]) == 1
    err = capsys.readouterr().err
    assert "coverage: scanner/fingerprint.py: " in err and "< 100%" in err
    assert "15-16" in err and "20-21" in err  # the function bodies, as missing lines
    assert "coverage: scanner/baseline/match.py: " in err  # measured nowhere: 0%
    assert "scanner/ total " in err and "< 90%" in err


def test_no_data_is_exit_2_with_the_next_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gate().main([str(tmp_path / "missing")]) == 2
    assert "no coverage data; run `python -m pytest` (the whole suite) first" in capsys.readouterr().err
