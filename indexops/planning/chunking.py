"""Splitting one component's trade over time into chunks that cost the least in total.

n chunks of a quantity Q lose about Q^2 / (n x) to price impact (arbitrage restores the pools
between chunks) and pay n times the gas, so the best n depends on the gas price and the depth.
`plan_chunks` searches n exactly against the integer pool maths; `fixed_impact_baseline` is the
older rule (one venue, chunks sized at 50 bps of impact whatever gas costs) for comparison.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from indexops.planning.amm import BPS, Pool, amount_out, size_for_impact
from indexops.planning.chunk_pricing import (
    Chunk,
    Market,
    VenuesPerChunk,
    best_route,
    largest_chunk,
    make_market,
    price_chunk,
)
from indexops.planning.errors import ImpactCapUnreachable, InvalidPlanParameter, NoLiquidity
from indexops.planning.exact import exact
from indexops.planning.sides import Side


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """Chunks of one component trade, in order, and their totals (costs in WETH wei).

    `quantity` is the component amount sold, or bought from the pools (a buy's quantity
    includes the protocol fee gross-up).
    """

    component: str
    side: Side
    quantity: int
    venues_per_chunk: VenuesPerChunk
    chunks: tuple[Chunk, ...]
    weth: int
    weth_limit: int
    impact_cost_wei: float
    fee_cost_wei: float
    gas_cost_wei: int
    max_price_impact: float

    @property
    def chunk_count(self) -> int:
        """How many trades the plan makes."""
        return len(self.chunks)

    @property
    def largest_chunk_quantity(self) -> int:
        """The largest chunk: the maxSize to give GIM, which then trades this much each time and
        what is left last (the same count whenever the chunks are much larger than their number)."""
        return max((chunk.quantity for chunk in self.chunks), default=0)

    @property
    def total_cost_wei(self) -> float:
        """Price impact + pool fees + gas over all chunks, in WETH wei."""
        return self.impact_cost_wei + self.fee_cost_wei + self.gas_cost_wei


def equal_chunks(quantity: int, count: int) -> list[int]:
    """`count` equal chunk sizes summing to `quantity`; the last takes the rounding remainder."""
    if count < 1 or quantity < count:
        raise ValueError(f"cannot cut {quantity} into {count} non-empty chunks")
    base = quantity // count
    return [base] * (count - 1) + [quantity - base * (count - 1)]


def gross_up_for_protocol_fee(quantity: int, protocol_fee: float) -> int:
    """GIM's buy size: (target - current) / (1 - protocolFee), rounded down like preciseDiv."""
    if not 0 <= protocol_fee < 1:
        raise InvalidPlanParameter(f"The protocol fee must be in [0, 1), got {protocol_fee}.")
    return math.floor(quantity / (1 - exact(protocol_fee)))


def _assemble(
    component: str,
    market: Market,
    sizes: list[int],
    routes: Mapping[int, tuple[int, ...]],
    venues_per_chunk: VenuesPerChunk,
) -> ChunkPlan:
    priced = {size: price_chunk(market, size, routes[size]) for size in sorted(set(sizes))}
    chunks = tuple(priced[size] for size in sizes)
    return ChunkPlan(
        component=component,
        side=market.side,
        quantity=sum(sizes),
        venues_per_chunk=venues_per_chunk,
        chunks=chunks,
        weth=sum(c.weth for c in chunks),
        weth_limit=sum(c.weth_limit for c in chunks),
        impact_cost_wei=sum(c.impact_cost_wei for c in chunks),
        fee_cost_wei=sum(c.fee_cost_wei for c in chunks),
        gas_cost_wei=sum(c.gas_cost_wei for c in chunks),
        max_price_impact=max((c.price_impact for c in chunks), default=0.0),
    )


def _check_parameters(
    component: str,
    quantity: int,
    gas_price_wei: int,
    gas_per_call: int,
    cap_bps: float,
    slippage_bps: int,
    max_chunks: int = 1,
) -> None:
    problems = [
        (quantity >= 0, f"the quantity must be non-negative, got {quantity}"),
        (gas_price_wei >= 0, f"the gas price must be non-negative, got {gas_price_wei}"),
        (gas_per_call >= 0, f"the gas per call must be non-negative, got {gas_per_call}"),
        (0 < cap_bps < BPS, f"the price-impact cap must be in (0, {BPS}) bps, got {cap_bps}"),
        (0 <= slippage_bps < BPS, f"the slippage must be in [0, {BPS}) bps, got {slippage_bps}"),
        (max_chunks >= 1, f"the most chunks allowed must be at least 1, got {max_chunks}"),
    ]
    for ok, problem in problems:
        if not ok:
            raise InvalidPlanParameter(f"{component}: {problem}.")


def _score_floor(market: Market, quantity: int) -> Fraction:
    """A lower bound on a plan's WETH score before gas: no pool pays better than its mid after fee."""
    live = [pool for pool in market.pools if not pool.is_empty]
    if market.side == "sell":
        return -quantity * max(pool.fee_factor * pool.mid_price for pool in live)
    return quantity * min(1 / (pool.fee_factor * pool.mid_price) for pool in live)


def plan_chunks(
    component: str,
    side: Side,
    quantity: int,
    pools: Mapping[str, Pool],
    *,
    gas_price_wei: int,
    gas_per_call: int,
    max_impact_bps: float,
    max_chunks: int,
    venues_per_chunk: VenuesPerChunk = "one",
    slippage_bps: int = 50,
    protocol_fee: float = 0.0,
) -> ChunkPlan:
    """The chunk count (equal chunks) with the least expected price impact + pool fees + gas.

    `pools` maps venue name to its pool oriented for this trade: component -> WETH for a sell,
    WETH -> component for a buy. `quantity` is the component amount to sell, or to receive for a
    buy (grossed up by `protocol_fee` as GIM does). With `venues_per_chunk="one"` each chunk goes
    to the single best venue; with "many" it is split across venues, paying gas per venue used.
    No chunk's price impact exceeds `max_impact_bps`; raises `ImpactCapUnreachable` when
    `max_chunks` chunks are not enough.

    The search is exact on the integer pool maths: it maximises the WETH received net of gas
    (sell) or minimises the WETH spent plus gas (buy), which with the pools at one price is the
    same as minimising the costs; of equally good counts the smallest wins.
    """
    _check_parameters(component, quantity, gas_price_wei, gas_per_call, max_impact_bps, slippage_bps, max_chunks)
    market = make_market(side, pools, max_impact_bps, gas_per_call * gas_price_wei, slippage_bps)
    total = gross_up_for_protocol_fee(quantity, protocol_fee) if side == "buy" else quantity
    if total == 0:
        return _assemble(component, market, [], {}, venues_per_chunk)
    if all(pool.is_empty for pool in market.pools):
        raise NoLiquidity(component)
    per_chunk = largest_chunk(market, venues_per_chunk)
    highest = min(max_chunks, total)
    if per_chunk == 0 or math.ceil(total / per_chunk) > highest:
        raise ImpactCapUnreachable(component, side, total, max_chunks, max_impact_bps, per_chunk)

    floor = _score_floor(market, total)
    best: tuple[int, int, dict[int, tuple[int, ...]]] | None = None
    for count in range(math.ceil(total / per_chunk), highest + 1):
        if best is not None and floor + count * market.gas_per_call_wei >= best[1]:
            break  # every further count pays at least this much gas and cannot do better
        sizes = equal_chunks(total, count)
        routed = {size: best_route(market, size, venues_per_chunk) for size in sorted(set(sizes))}
        routes = {size: route for size, route in routed.items() if route is not None}
        if len(routes) < len(routed):
            continue
        score = sum(routes[size][1] for size in sizes)
        if best is None or score < best[1]:
            best = (count, score, {size: route[0] for size, route in routes.items()})
    if best is None:
        raise ImpactCapUnreachable(component, side, total, max_chunks, max_impact_bps, per_chunk)
    return _assemble(component, market, equal_chunks(total, best[0]), best[2], venues_per_chunk)


def fixed_impact_baseline(
    component: str,
    side: Side,
    quantity: int,
    pools: Mapping[str, Pool],
    *,
    gas_price_wei: int,
    gas_per_call: int,
    impact_bps: float = 50.0,
    slippage_bps: int = 50,
    protocol_fee: float = 0.0,
) -> ChunkPlan:
    """Index Coop's earlier rule: the deepest venue only, every chunk sized at `impact_bps` of
    price impact whatever the gas price, and a smaller last chunk for what is left."""
    _check_parameters(component, quantity, gas_price_wei, gas_per_call, impact_bps, slippage_bps)
    live = {name: pool for name, pool in pools.items() if not pool.is_empty}
    if not live:
        raise NoLiquidity(component)
    deepest = max(sorted(live), key=lambda name: live[name].depth)
    gas_per_call_wei = gas_per_call * gas_price_wei
    market = make_market(side, {deepest: live[deepest]}, impact_bps, gas_per_call_wei, slippage_bps)
    total = gross_up_for_protocol_fee(quantity, protocol_fee) if side == "buy" else quantity
    pool = live[deepest]
    chunk_in = size_for_impact(pool, impact_bps / BPS)
    size = chunk_in if side == "sell" else amount_out(pool, chunk_in)
    if size == 0:
        raise NoLiquidity(component)
    sizes = [size] * (total // size) + ([total % size] if total % size else [])
    routes = {s: (s,) for s in sorted(set(sizes))}
    return _assemble(component, market, sizes, routes, "one")
