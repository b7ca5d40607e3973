"""Integer maths exactly as the contracts do it: OpenZeppelin 3.x SafeMath and Set's PreciseUnitMath.

A "precise unit" is 10**18 (1.0). `precise_mul(a, b)` is a*b / 1e18 and `precise_div(a, b)` is
a*1e18 / b, both rounded down; every overflow, underflow and division by zero raises `Reverts` with
the message the Solidity library reverts with, so a mirrored computation fails where the contract does.
"""

from __future__ import annotations

from indexops.leverage.errors import Reverts

PRECISE_UNIT = 10**18
MAX_UINT256 = 2**256 - 1

ADD_OVERFLOW = "SafeMath: addition overflow"
SUB_OVERFLOW = "SafeMath: subtraction overflow"
MUL_OVERFLOW = "SafeMath: multiplication overflow"
DIV_BY_ZERO = "SafeMath: division by zero"


def add(a: int, b: int) -> int:
    """SafeMath.add."""
    total = a + b
    if total > MAX_UINT256:
        raise Reverts(ADD_OVERFLOW)
    return total


def sub(a: int, b: int) -> int:
    """SafeMath.sub: reverts when b > a."""
    if b > a:
        raise Reverts(SUB_OVERFLOW)
    return a - b


def mul(a: int, b: int) -> int:
    """SafeMath.mul."""
    product = a * b
    if product > MAX_UINT256:
        raise Reverts(MUL_OVERFLOW)
    return product


def div(a: int, b: int) -> int:
    """SafeMath.div: rounds down, reverts on zero."""
    if b == 0:
        raise Reverts(DIV_BY_ZERO)
    return a // b


def precise_mul(a: int, b: int) -> int:
    """PreciseUnitMath.preciseMul: a.mul(b).div(1e18)."""
    return div(mul(a, b), PRECISE_UNIT)


def precise_div(a: int, b: int) -> int:
    """PreciseUnitMath.preciseDiv: a.mul(1e18).div(b)."""
    return div(mul(a, PRECISE_UNIT), b)
