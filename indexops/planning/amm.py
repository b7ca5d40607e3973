"""Constant-product pools (Uniswap V2, Sushiswap) with the exact integer maths of Router02.

A `Pool` is oriented for one trade direction: `reserve_in` is the token sent to the pool and
`reserve_out` the token received. Router02 hard-codes a 0.3% fee as 997/1000; here the fee is
`fee_bps` out of 10000, which with `fee_bps=30` gives byte-identical results (9970/10000 is
997/1000 with both sides scaled by 10, and floor division does not see the scale).

A Uniswap V3 pool within one tick range follows the same formulas on its virtual reserves
(L / sqrt(P) and L x sqrt(P)); its own rounding differs from Router02's by a few base units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from indexops.planning.exact import exact

BPS = 10_000


@dataclass(frozen=True, slots=True)
class Pool:
    """Reserves of a constant-product pool, oriented token in -> token out."""

    reserve_in: int
    reserve_out: int
    fee_bps: int = 30

    def __post_init__(self) -> None:
        if self.reserve_in < 0 or self.reserve_out < 0:
            raise ValueError(f"pool reserves must be non-negative, got {self.reserve_in}, {self.reserve_out}")
        if not 0 <= self.fee_bps < BPS:
            raise ValueError(f"pool fee must be in [0, {BPS}) bps, got {self.fee_bps}")

    @property
    def is_empty(self) -> bool:
        """True when either reserve is zero: such a pool cannot trade."""
        return self.reserve_in == 0 or self.reserve_out == 0

    @property
    def fee_factor(self) -> Fraction:
        """g = 1 - fee, exactly."""
        return Fraction(BPS - self.fee_bps, BPS)

    @property
    def mid_price(self) -> Fraction:
        """Token out per token in at the pool's current price, before fee and impact."""
        if self.is_empty:
            return Fraction(0)
        return Fraction(self.reserve_out, self.reserve_in)

    @property
    def depth(self) -> int:
        """sqrt(reserve_in x reserve_out): the pool's liquidity, the same in both directions."""
        return math.isqrt(self.reserve_in * self.reserve_out)


def flipped(pool: Pool) -> Pool:
    """The same pool oriented for the opposite trade direction."""
    return Pool(reserve_in=pool.reserve_out, reserve_out=pool.reserve_in, fee_bps=pool.fee_bps)


def _require_non_negative(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must be non-negative, got {value}")


def amount_out(pool: Pool, amount_in: int) -> int:
    """Router02 getAmountOut: tokens received for `amount_in`, rounded down (0 for an empty pool)."""
    _require_non_negative("amount_in", amount_in)
    if amount_in == 0 or pool.is_empty:
        return 0
    amount_in_with_fee = amount_in * (BPS - pool.fee_bps)
    numerator = amount_in_with_fee * pool.reserve_out
    denominator = pool.reserve_in * BPS + amount_in_with_fee
    return numerator // denominator


def amount_in(pool: Pool, amount_out: int) -> int:
    """Router02 getAmountIn: tokens to send to receive exactly `amount_out` (floor + 1).

    Zero output needs zero input. Raises ValueError when the pool cannot pay `amount_out`.
    """
    _require_non_negative("amount_out", amount_out)
    if amount_out == 0:
        return 0
    if pool.is_empty or amount_out >= pool.reserve_out:
        raise ValueError(f"pool cannot pay out {amount_out}: its reserve is {pool.reserve_out}")
    numerator = pool.reserve_in * amount_out * BPS
    denominator = (pool.reserve_out - amount_out) * (BPS - pool.fee_bps)
    return numerator // denominator + 1


def swap(pool: Pool, amount_in: int) -> Pool:
    """The pool after selling `amount_in` into it (the fee stays in the pool, as in Uniswap V2)."""
    received = amount_out(pool, amount_in)
    return Pool(pool.reserve_in + amount_in, pool.reserve_out - received, pool.fee_bps)


def price_impact(pool: Pool, amount_in: int) -> float:
    """Price impact excluding the fee, s = g d / (x + g d): the shortfall of the average
    execution price (after the fee) against the pre-trade mid price."""
    _require_non_negative("amount_in", amount_in)
    if amount_in == 0 or pool.is_empty:
        return 0.0
    effective_in = amount_in * (BPS - pool.fee_bps)
    return effective_in / (pool.reserve_in * BPS + effective_in)


def size_for_impact(pool: Pool, impact: float) -> int:
    """Largest input whose price impact is at most `impact`: d = s x / (g (1 - s)), rounded down."""
    if not 0 <= impact < 1:
        raise ValueError(f"impact must be in [0, 1), got {impact}")
    if pool.is_empty:
        return 0
    s = exact(impact)
    size = s * pool.reserve_in / (pool.fee_factor * (1 - s))
    return math.floor(size)
