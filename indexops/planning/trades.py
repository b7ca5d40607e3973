"""Current and target units to an ordered list of whole-set trades.

Quantity of a unit change: |newUnit - currentUnit| x totalSupply / 1e18, rounded down. Sells come
before buys because GIM pays for buys with the WETH the sells bring in; whether that WETH (plus
what the set already holds) covers the buys is reported, never fixed by scaling trades.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from indexops.planning.errors import InvalidComponentData
from indexops.planning.exact import exact
from indexops.planning.sides import Side
from indexops.planning.targets import check_market_data

PRECISE_UNIT = 10**18


@dataclass(frozen=True, slots=True)
class Trade:
    """One component's whole-set trade against WETH; `notional_wei` is its WETH value."""

    component: str
    side: Side
    quantity: int
    notional_wei: int
    removes_component: bool = False


@dataclass(frozen=True, slots=True)
class TradeList:
    """Trades to make (sells first, then buys), the dust left out, and the WETH budget."""

    trades: tuple[Trade, ...]
    dust: tuple[Trade, ...]
    weth_from_sells_wei: int
    weth_for_buys_wei: int
    weth_available_wei: int

    @property
    def shortfall_wei(self) -> int:
        """WETH the buys need beyond what the sells and the available WETH bring (0 if none)."""
        return max(0, self.weth_for_buys_wei - self.weth_from_sells_wei - self.weth_available_wei)

    @property
    def funded(self) -> bool:
        """True when the sells and the available WETH cover the buys."""
        return self.shortfall_wei == 0


def _notional_wei(quantity: int, price_in_weth: float, decimals: int, side: Side) -> int:
    value = Fraction(quantity, 10**decimals) * exact(price_in_weth) * PRECISE_UNIT
    # Proceeds are rounded down and costs up, so the funding check errs on the safe side.
    return math.floor(value) if side == "sell" else math.ceil(value)


def _check_amounts(
    names: list[str], amounts: list[Mapping[str, int]], total_supply: int, weth_available_wei: int
) -> None:
    if total_supply < 0:
        raise InvalidComponentData(f"Total supply must be non-negative, got {total_supply}.")
    if weth_available_wei < 0:
        raise InvalidComponentData(f"Available WETH must be non-negative, got {weth_available_wei}.")
    for name in names:
        for mapping in amounts:
            if mapping.get(name, 0) < 0:
                raise InvalidComponentData(f"{name} has a negative unit or balance ({mapping[name]}).")


def _dust_limit_wei(threshold: float, currency: Literal["WETH", "USD"], eth_price_usd: float | None) -> Fraction:
    if not (math.isfinite(threshold) and threshold >= 0):
        raise InvalidComponentData(f"The dust threshold must be a non-negative number, got {threshold}.")
    if currency == "WETH":
        return exact(threshold) * PRECISE_UNIT
    if eth_price_usd is None or not (math.isfinite(eth_price_usd) and eth_price_usd > 0):
        raise InvalidComponentData(f"A dust threshold in USD needs a positive ETH price in USD, got {eth_price_usd}.")
    return exact(threshold) / exact(eth_price_usd) * PRECISE_UNIT


def plan_trades(
    current_units: Mapping[str, int],
    target_units: Mapping[str, int],
    total_supply: int,
    prices_in_weth: Mapping[str, float],
    decimals: Mapping[str, int],
    *,
    dust_threshold: float,
    dust_currency: Literal["WETH", "USD"] = "WETH",
    eth_price_usd: float | None = None,
    weth_available_wei: int = 0,
    balances: Mapping[str, int] | None = None,
    quote: str = "WETH",
) -> TradeList:
    """Trades that move every component from its current unit to its target unit.

    A component absent from the targets, or with target 0, is sold entirely: its whole balance
    (`balances`, default unit x supply / 1e18), and such a sale is never left out as dust. Other
    trades worth less than `dust_threshold` (WETH, or USD at `eth_price_usd`) are left out and
    listed in `dust`. Sells never exceed the balance. The `quote` component (WETH) is what the
    trades are priced against, so it is not traded itself.
    """
    names = sorted((set(current_units) | set(target_units)) - {quote})
    _check_amounts(names, [current_units, target_units, balances or {}], total_supply, weth_available_wei)
    dust_limit = _dust_limit_wei(dust_threshold, dust_currency, eth_price_usd)
    trades: list[Trade] = []
    dust: list[Trade] = []
    for name in names:
        current = current_units.get(name, 0)
        target = target_units.get(name, 0)
        if current == target:
            continue
        check_market_data(name, prices_in_weth, decimals)
        side: Side = "sell" if target < current else "buy"
        held = current * total_supply // PRECISE_UNIT
        if balances is not None and name in balances:
            held = balances[name]
        removes = side == "sell" and target == 0
        if removes:
            quantity = held
        else:
            quantity = abs(target - current) * total_supply // PRECISE_UNIT
            if side == "sell":
                quantity = min(quantity, held)
        notional = _notional_wei(quantity, prices_in_weth[name], decimals[name], side)
        trade = Trade(name, side, quantity, notional, removes)
        if quantity == 0 or (not removes and trade.notional_wei < dust_limit):
            dust.append(trade)
        else:
            trades.append(trade)
    sells = sorted((t for t in trades if t.side == "sell"), key=lambda t: (-t.notional_wei, t.component))
    buys = sorted((t for t in trades if t.side == "buy"), key=lambda t: (-t.notional_wei, t.component))
    return TradeList(
        trades=tuple(sells + buys),
        dust=tuple(dust),
        weth_from_sells_wei=sum(t.notional_wei for t in sells),
        weth_for_buys_wei=sum(t.notional_wei for t in buys),
        weth_available_wei=weth_available_wei,
    )
