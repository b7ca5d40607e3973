"""Splitting one trade across several constant-product pools ("water-filling").

For a sell, pool i's marginal output at input d is g x y / (x + g d)^2. At the optimum every pool
that gets something has the same marginal output, which for constant-product pools has a closed
form: with a_i = sqrt(g_i x_i y_i) and t common to all active pools, d_i = (a_i t - x_i) / g_i.
Pools join in order of their marginal price at zero, sqrt(g y / x) = a / x, best first. A buy
(minimum input for a required output) is the same condition seen from the output side:
o_i = y_i - b_i u with b_i = sqrt(x_i y_i / g_i).

The closed forms are evaluated to sixty digits; the integer amounts then sum exactly to the total,
and the result is never worse than sending everything to the single best pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from indexops.planning.amm import BPS, Pool, amount_in, amount_out

# Sixty significant digits keep the closed forms exact to the unit for reserves far beyond 1e30.
_DIGITS = 60


def _fee_factor(pool: Pool) -> Decimal:
    return Decimal(BPS - pool.fee_bps) / Decimal(BPS)


def _best_first(pools: Sequence[Pool]) -> list[int]:
    """Indices of the tradeable pools, best marginal price g y / x first (ties by position)."""
    live = [i for i, pool in enumerate(pools) if not pool.is_empty]

    def marginal_price(i: int) -> Fraction:
        return Fraction((BPS - pools[i].fee_bps) * pools[i].reserve_out, pools[i].reserve_in)

    return sorted(live, key=lambda i: (-marginal_price(i), i))


def _round_to_total(values: Sequence[Decimal], total: int, caps: Sequence[int]) -> list[int]:
    """Integers near `values`, each within [0, cap], summing exactly to `total`.

    Each is rounded to the nearest unit; the few units this leaves over or short are
    settled on the largest allocations first.
    """
    amounts = [min(cap, max(0, round(v))) for v, cap in zip(values, caps, strict=True)]
    order = sorted(range(len(values)), key=lambda i: (values[i], -i), reverse=True)
    missing = total - sum(amounts)
    for i in order:
        if missing == 0:
            break
        if missing > 0:
            step = min(missing, caps[i] - amounts[i])
        else:
            step = -min(-missing, amounts[i])
        amounts[i] += step
        missing -= step
    if missing != 0:
        raise ValueError(f"cannot place {total} within the pools' limits")
    return amounts


def _water_fill_sell(pools: Sequence[Pool], order: list[int], total_in: int) -> list[Decimal]:
    gains = {i: _fee_factor(pools[i]) for i in order}
    reserves_in = {i: Decimal(pools[i].reserve_in) for i in order}
    roots = {i: (gains[i] * Decimal(pools[i].reserve_in * pools[i].reserve_out)).sqrt() for i in order}
    active = 0
    level = Decimal(0)
    while active < len(order):
        active += 1
        chosen = order[:active]
        numerator = Decimal(total_in) + sum(reserves_in[i] / gains[i] for i in chosen)
        level = numerator / sum(roots[i] / gains[i] for i in chosen)
        # The next pool joins once this level would give it a positive amount, a t > x.
        if active < len(order) and roots[order[active]] * level <= reserves_in[order[active]]:
            break
    shares = [Decimal(0)] * len(pools)
    for i in order[:active]:
        shares[i] = max(Decimal(0), (roots[i] * level - reserves_in[i]) / gains[i])
    return shares


def split_sell(pools: Sequence[Pool], total_in: int) -> list[int]:
    """Input per pool that maximises the total output of selling `total_in`; sums to `total_in`."""
    if total_in < 0:
        raise ValueError(f"total_in must be non-negative, got {total_in}")
    order = _best_first(pools)
    if total_in == 0:
        return [0] * len(pools)
    if not order:
        raise ValueError("no pool has liquidity")
    with localcontext(prec=_DIGITS):
        shares = _water_fill_sell(pools, order, total_in)
    caps = [total_in if i in order else 0 for i in range(len(pools))]
    amounts = _round_to_total(shares, total_in, caps)
    best_single = max(order, key=lambda i: (amount_out(pools[i], total_in), -i))
    if amount_out(pools[best_single], total_in) > total_output(pools, amounts):
        amounts = [total_in if i == best_single else 0 for i in range(len(pools))]
    return amounts


def _water_fill_buy(pools: Sequence[Pool], order: list[int], total_out: int) -> list[Decimal]:
    reserves_out = {i: Decimal(pools[i].reserve_out) for i in order}
    roots = {i: (Decimal(pools[i].reserve_in * pools[i].reserve_out) / _fee_factor(pools[i])).sqrt() for i in order}
    active = 0
    level = Decimal(0)
    while active < len(order):
        active += 1
        chosen = order[:active]
        level = (sum(reserves_out[i] for i in chosen) - Decimal(total_out)) / sum(roots[i] for i in chosen)
        # The next pool joins once this level would give it a positive amount, y - b u > 0.
        if active < len(order) and roots[order[active]] * level >= reserves_out[order[active]]:
            break
    shares = [Decimal(0)] * len(pools)
    for i in order[:active]:
        shares[i] = max(Decimal(0), reserves_out[i] - roots[i] * level)
    return shares


def split_buy(pools: Sequence[Pool], total_out: int) -> list[int]:
    """Output per pool that receives `total_out` for the least total input; sums to `total_out`.

    Raises ValueError when the pools together hold too little of the output token.
    """
    if total_out < 0:
        raise ValueError(f"total_out must be non-negative, got {total_out}")
    order = _best_first(pools)
    if total_out == 0:
        return [0] * len(pools)
    caps = [pool.reserve_out - 1 if i in order else 0 for i, pool in enumerate(pools)]
    if total_out > sum(caps):
        raise ValueError(f"the pools hold too little to pay out {total_out}")
    with localcontext(prec=_DIGITS):
        shares = _water_fill_buy(pools, order, total_out)
    amounts = _round_to_total(shares, total_out, caps)
    singles = [i for i in order if caps[i] >= total_out]
    if singles:
        best_single = min(singles, key=lambda i: (amount_in(pools[i], total_out), i))
        if amount_in(pools[best_single], total_out) < total_input(pools, amounts):
            amounts = [total_out if i == best_single else 0 for i in range(len(pools))]
    return amounts


def total_output(pools: Sequence[Pool], amounts_in: Sequence[int]) -> int:
    """Total output of selling `amounts_in[i]` into `pools[i]` (each pool from its current state)."""
    return sum(amount_out(pool, amount) for pool, amount in zip(pools, amounts_in, strict=True))


def total_input(pools: Sequence[Pool], amounts_out: Sequence[int]) -> int:
    """Total input needed to receive `amounts_out[i]` from `pools[i]`."""
    return sum(amount_in(pool, amount) for pool, amount in zip(pools, amounts_out, strict=True))
