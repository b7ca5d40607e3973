"""One root error type; each subclass writes its own one-line message.

The CLI maps these to exit codes in one place (`indexops.cli.app`), so library code
raises and never prints or exits.
"""

from __future__ import annotations


class IndexopsError(Exception):
    """An error a person can act on: `str(error)` is the whole message."""

    exit_code = 1


class UsageError(IndexopsError):
    """Bad input from the user: config, flags, files, addresses, amounts."""

    exit_code = 2


class ConfigError(UsageError):
    """One or more problems in a products file, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ChainError(IndexopsError):
    """The chain answered something other than what the command needs."""


class SandboxError(IndexopsError):
    """The local sandbox chain or its toolchain could not do what was asked."""
