"""Errors of the leverage maths: a call the contract would revert, or inputs it could never hold.

`Reverts` carries the contract's own revert string (or SafeMath's), so a reader can match it with what
an `eth_call` of the same function answers.
"""

from __future__ import annotations

from indexops.errors import IndexopsError


class LeverageError(IndexopsError):
    """The leverage maths cannot answer for these inputs."""


class Reverts(LeverageError):
    """The contract would revert here, with this reason."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"the strategy contract would revert: {reason}")


class InvalidLeverageInput(LeverageError):
    """A value outside what the contract can hold (a negative uint, a ratio under 1x, ...)."""
