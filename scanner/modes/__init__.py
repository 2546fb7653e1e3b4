"""Scan modes: one module per way of choosing what to scan (work tree, staged changes, a commit range,
the whole history), each running its source through the engine into a Report."""
