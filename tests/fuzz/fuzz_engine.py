"""Coverage-guided fuzzing of the engine with atheris (not collected by pytest: not a test_*.py file).

    pip install atheris
    python tests/fuzz/fuzz_engine.py -atheris_runs=100000      # or -max_total_time=600
    python tests/fuzz/fuzz_engine.py CRASH_FILE                # replay an input it saved

Each input is split into a path and a text (bytes decoded as a file's would be, or Unicode), with
keywords of the real built-in rules spliced in so the prefilter, the regexes, the decoders and the
filters all run. Any exception is a crash: the engine has no documented error for text.
"""

from __future__ import annotations

import sys

try:
    import atheris
except ImportError:  # pragma: no cover - only without the optional fuzzer
    sys.exit("atheris is not installed: `pip install atheris` (a wheel exists for CPython 3.8-3.11 on Linux)")

with atheris.instrument_imports(include=["scanner"]):
    from scanner.engine.file_rules import scan_path
    from scanner.engine.scan import scan_chunk
    from scanner.model import Chunk, Policy
    from scanner.ruleset.compiled import CompiledRuleset
    from scanner.ruleset.loader import load_rules
    from scanner.sources.text import decode

RULESET = CompiledRuleset(load_rules(), "pyahocorasick")
RULESET.prepare()
POLICY = Policy()
KEYWORDS = sorted({k for rule in RULESET.rules for k in rule.keywords})
PATHS = ("app.py", "config/.env", "id_rsa", "x.ipynb", ".npmrc", "terraform.tfstate", "a/b/c.yml")


def one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    path = PATHS[provider.ConsumeIntInRange(0, len(PATHS) - 1)]
    pieces = []
    for _ in range(provider.ConsumeIntInRange(0, 4)):
        pieces.append(KEYWORDS[provider.ConsumeIntInRange(0, len(KEYWORDS) - 1)])
        pieces.append(provider.ConsumeUnicodeNoSurrogates(provider.ConsumeIntInRange(0, 200)))
    if provider.ConsumeBool():
        text = decode(provider.ConsumeBytes(provider.remaining_bytes()))
    else:
        text = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    if text is not None:
        text = "".join(pieces) + text
        scan_chunk(Chunk(path, text), RULESET, POLICY)
    scan_path(path, text, RULESET, POLICY)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
