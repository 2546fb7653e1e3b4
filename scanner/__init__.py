"""spillguard: a secret scanner for git repositories and working trees."""

from __future__ import annotations

__version__ = "0.1.0"
