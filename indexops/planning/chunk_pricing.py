"""What one chunk of a component trade gets and costs against a set of venues.

Sells send the component and receive WETH; buys send WETH and receive an exact amount of the
component. Between chunks arbitrage is assumed to restore every pool, so each chunk is priced
against the pools as given. Costs are WETH wei measured against each venue's pre-trade mid price:
the pool fee (1 - g) of the value sent, the price impact g d s of it, and gas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Literal

from indexops.planning.amm import BPS, Pool, amount_in, amount_out, price_impact, size_for_impact
from indexops.planning.sides import Side
from indexops.planning.split import split_buy, split_sell

VenuesPerChunk = Literal["one", "many"]


@dataclass(frozen=True, slots=True)
class VenueFill:
    """One call to one venue: amounts, price impact, costs (WETH wei) and the call's WETH limit."""

    venue: str
    amount_in: int
    amount_out: int
    price_impact: float
    fee_cost_wei: float
    impact_cost_wei: float
    weth_limit: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk: `quantity` of the component sold (sell) or received (buy) for `weth` WETH.

    `weth_limit` is the minimum WETH to receive on a sell, the maximum to spend on a buy.
    """

    quantity: int
    weth: int
    weth_limit: int
    fills: tuple[VenueFill, ...]
    price_impact: float
    impact_cost_wei: float
    fee_cost_wei: float
    gas_cost_wei: int

    @property
    def total_cost_wei(self) -> float:
        """Price impact + pool fees + gas, in WETH wei."""
        return self.impact_cost_wei + self.fee_cost_wei + self.gas_cost_wei


@dataclass(frozen=True, slots=True)
class Market:
    """The venues one component trades on, oriented for the trade (token in -> token out)."""

    side: Side
    venues: tuple[str, ...]
    pools: tuple[Pool, ...]
    max_inputs: tuple[int, ...]
    gas_per_call_wei: int
    slippage_bps: int


def make_market(
    side: Side, pools: Mapping[str, Pool], cap_bps: float, gas_per_call_wei: int, slippage_bps: int
) -> Market:
    """Venues in name order, with the largest input each takes within the price-impact cap."""
    names = tuple(sorted(pools))
    ordered = tuple(pools[name] for name in names)
    caps = tuple(size_for_impact(pool, cap_bps / BPS) for pool in ordered)
    return Market(side, names, ordered, caps, gas_per_call_wei, slippage_bps)


def largest_chunk(market: Market, venues_per_chunk: VenuesPerChunk) -> int:
    """An upper bound on the chunk quantity that stays within the cap."""
    if market.side == "sell":
        per_venue = list(market.max_inputs)
    else:
        per_venue = [amount_out(pool, cap) for pool, cap in zip(market.pools, market.max_inputs, strict=True)]
    return max(per_venue, default=0) if venues_per_chunk == "one" else sum(per_venue)


def _candidate_venue_sets(market: Market, venues_per_chunk: VenuesPerChunk) -> list[tuple[int, ...]]:
    live = [i for i, pool in enumerate(market.pools) if not pool.is_empty]
    if venues_per_chunk == "one":
        return [(i,) for i in live]
    return [subset for size in range(1, len(live) + 1) for subset in combinations(live, size)]


def _route_on(market: Market, subset: tuple[int, ...], quantity: int) -> list[int] | None:
    pools = [market.pools[i] for i in subset]
    if market.side == "sell":
        return split_sell(pools, quantity)
    if quantity > sum(pool.reserve_out - 1 for pool in pools):
        return None
    return split_buy(pools, quantity)


def best_route(market: Market, quantity: int, venues_per_chunk: VenuesPerChunk) -> tuple[tuple[int, ...], int] | None:
    """Per-venue amounts (inputs for a sell, outputs for a buy) for one chunk, and its WETH score.

    The score is WETH spent plus gas (buy) or minus WETH received net of gas (sell): lower is
    better. Every venue set the route capability allows is tried, so a venue whose extra gas
    costs more than it saves is left out. None when no set keeps every call within the cap.
    """
    best: tuple[tuple[int, ...], int] | None = None
    for subset in _candidate_venue_sets(market, venues_per_chunk):
        routed = _route_on(market, subset, quantity)
        if routed is None:
            continue
        amounts = [0] * len(market.pools)
        for i, amount in zip(subset, routed, strict=True):
            amounts[i] = amount
        inputs = amounts if market.side == "sell" else _inputs_for(market, amounts)
        if any(sent > cap for sent, cap in zip(inputs, market.max_inputs, strict=True)):
            continue
        calls = sum(1 for amount in amounts if amount > 0)
        gas = calls * market.gas_per_call_wei
        if market.side == "sell":
            score = gas - sum(amount_out(pool, sent) for pool, sent in zip(market.pools, inputs, strict=True))
        else:
            score = sum(inputs) + gas
        if best is None or score < best[1]:
            best = (tuple(amounts), score)
    return best


def _inputs_for(market: Market, outputs: list[int]) -> list[int]:
    return [amount_in(pool, out) for pool, out in zip(market.pools, outputs, strict=True)]


def weth_limit(side: Side, weth: int, slippage_bps: int) -> int:
    """Minimum WETH to receive (sell, rounded down) or maximum to spend (buy, rounded up)."""
    if side == "sell":
        return weth * (BPS - slippage_bps) // BPS
    return -(-weth * (BPS + slippage_bps) // BPS)


def _fill(market: Market, index: int, sent: int, received: int) -> VenueFill:
    pool = market.pools[index]
    g = pool.fee_factor
    impact = Fraction(sent * (BPS - pool.fee_bps), pool.reserve_in * BPS + sent * (BPS - pool.fee_bps))
    # A buy sends WETH; a sell sends the component, valued in WETH at the pool's mid price.
    value_sent = sent * pool.mid_price if market.side == "sell" else Fraction(sent)
    weth = received if market.side == "sell" else sent
    return VenueFill(
        venue=market.venues[index],
        amount_in=sent,
        amount_out=received,
        price_impact=price_impact(pool, sent),
        fee_cost_wei=float((1 - g) * value_sent),
        impact_cost_wei=float(g * value_sent * impact),
        weth_limit=weth_limit(market.side, weth, market.slippage_bps),
    )


def price_chunk(market: Market, quantity: int, amounts: tuple[int, ...]) -> Chunk:
    """The full account of one chunk routed as `amounts` (from `best_route`)."""
    fills = []
    for i, amount in enumerate(amounts):
        if amount == 0:
            continue
        pool = market.pools[i]
        if market.side == "sell":
            fills.append(_fill(market, i, amount, amount_out(pool, amount)))
        else:
            fills.append(_fill(market, i, amount_in(pool, amount), amount))
    weth = sum(f.amount_out if market.side == "sell" else f.amount_in for f in fills)
    return Chunk(
        quantity=quantity,
        weth=weth,
        weth_limit=weth_limit(market.side, weth, market.slippage_bps),
        fills=tuple(fills),
        price_impact=max((f.price_impact for f in fills), default=0.0),
        impact_cost_wei=sum(f.impact_cost_wei for f in fills),
        fee_cost_wei=sum(f.fee_cost_wei for f in fills),
        gas_cost_wei=len(fills) * market.gas_per_call_wei,
    )
