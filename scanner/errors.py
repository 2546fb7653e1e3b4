"""The one user-facing error family. Only cli.py turns these into a line on stderr and an exit code."""

from __future__ import annotations


class SpillguardError(Exception):
    """An error the user can act on. The message is one sentence naming the file or item at fault."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(SpillguardError):
    """A configuration file or command-line option is invalid."""


class RuleError(SpillguardError):
    """A rule file is malformed or a rule is invalid."""


class InputError(SpillguardError):
    """A path to scan cannot be read."""


class BaselineError(SpillguardError):
    """A baseline file is malformed."""


class GitError(SpillguardError):
    """A git repository, revision or object cannot be read."""


class OutputError(SpillguardError):
    """The report or a message cannot be written (standard output closed, a full disk)."""
