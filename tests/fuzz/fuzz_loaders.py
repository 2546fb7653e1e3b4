"""Coverage-guided fuzzing of the input loaders with atheris (not collected by pytest): rule files,
the config file, baselines and notebooks. Each may reject its input only with its documented error
(RuleError, ConfigError, BaselineError: a SpillguardError); a notebook that is not one gives None.

    pip install atheris
    python tests/fuzz/fuzz_loaders.py -atheris_runs=100000     # or -max_total_time=600
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

try:
    import atheris
except ImportError:  # pragma: no cover - only without the optional fuzzer
    sys.exit("atheris is not installed: `pip install atheris` (a wheel exists for CPython 3.8-3.11 on Linux)")

# parsed rule files are cached per user: keep the fuzzer's thousands of them out of the real cache
WORK = Path(tempfile.mkdtemp(prefix="spillguard-fuzz-"))
os.environ["SPILLGUARD_CACHE_DIR"] = str(WORK / "cache")

with atheris.instrument_imports(include=["scanner"]):
    from scanner.baseline.format import parse, render
    from scanner.baseline.match import consistent
    from scanner.config import load_config
    from scanner.errors import SpillguardError
    from scanner.ruleset.compiled import CompiledRuleset
    from scanner.ruleset.loader import load_rule_file
    from scanner.sources.notebook import notebook_chunks


def _rules(data: bytes) -> None:
    path = WORK / "rules.yml"
    path.write_bytes(data)
    rules = load_rule_file(path)
    CompiledRuleset(rules, "pyahocorasick").prepare()


def _config(data: bytes) -> None:
    path = WORK / ".spillguard.yml"
    path.write_bytes(data)
    load_config(path)


def _baseline(data: bytes) -> None:
    baseline = parse(data.decode("utf-8", "replace"), "baseline.json", consistent)
    parse(render(baseline), "baseline.json", consistent)


def _notebook(data: bytes) -> None:
    notebook_chunks("n.ipynb", data.decode("utf-8", "replace"))


TARGETS = (_rules, _config, _baseline, _notebook)


def one_input(data: bytes) -> None:
    if not data:
        return
    with contextlib.suppress(SpillguardError):
        TARGETS[data[0] % len(TARGETS)](data[1:])


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
