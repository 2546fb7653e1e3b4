"""spillguard: a secret scanner for git repositories and working trees.

Layers, each importing only those below it (tests/test_layers.py checks this): `cli` (commands, output,
exit codes) -> `modes` (one module per scan mode, and the per-file step they share) -> `sources` (files,
git objects, changes, the history walk: the only pygit2 user), `engine` (pure detection over a rule
index), `ruleset` (rule files compiled into the engine's index), `baseline`, `reporters` -> the records
(model, errors, config, decision, fingerprint, and small support modules at the top level).
"""

from __future__ import annotations

__version__ = "0.1.0"
