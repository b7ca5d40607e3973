"""Exact arithmetic on the decimals that float inputs (prices, weights, fees) are written as."""

from __future__ import annotations

from fractions import Fraction


def exact(number: float) -> Fraction:
    """The decimal a float is written as: 0.3 is 3/10, not the binary fraction nearest to it."""
    return Fraction(repr(float(number)))
