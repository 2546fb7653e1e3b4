"""The test suite never writes into the user cache of whoever runs it (~/.cache/spillguard)."""

from __future__ import annotations

from pathlib import Path

from scanner import user_cache
from tests.conftest import Invoke


def test_the_suite_runs_on_a_private_user_cache(
    private_user_cache: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    home_cache = Path.home() / ".cache" / "spillguard"
    assert user_cache.cache_dir() == private_user_cache != home_cache
    (tmp_path / "a.py").write_text("x = 1\n")
    assert run_cli("scan", cwd=tmp_path).exit_code == 0
    assert any(private_user_cache.iterdir())  # what a scan derives lands here
