"""A plan's fills on quoted venues (Uniswap V3), and the plan again with the quoted amounts where they differ.

The planner prices a V3 pool on its current range's virtual reserves; the venue's Quoter gives what
the pool would really do. Each fill is quoted in the direction the route executes it: with the
amount sent fixed (sells, and buys through TradeModule), or with the amount received fixed (GIM's
buys). Within `TOLERANCE_BPS` the plan stands; beyond it the quote replaces the planned amount
and the limit derived from it, unless the quote is already outside the planned limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from indexops.planning.chunk_pricing import Chunk, VenueFill, weth_limit
from indexops.planning.chunking import ChunkPlan
from indexops.planning.errors import PlanningError
from indexops.planning.rebalance import PlannedTrade, RebalancePlan

BPS = 10_000
TOLERANCE_BPS = 1
WETH_DECIMALS = 18


@dataclass(frozen=True)
class QuoteKey:
    """One distinct quote: `amount` is the fixed side (sent, or received when `exact_output`)."""

    component: str  # address
    side: str
    venue: str
    amount: int
    exact_output: bool


class QuoteBeyondSlippage(PlanningError):
    """The Quoter's amount for a fill is worse than the plan's own limit for it."""


def quote_keys(plan: RebalancePlan, venues: Iterable[str], buys_exact_output: bool) -> list[QuoteKey]:
    """Every distinct fill on `venues`, in plan order (equal chunks share one quote)."""
    quoted_venues = set(venues)
    keys = [
        _key(planned, fill, buys_exact_output)
        for planned in plan.trades
        for chunk in planned.chunks.chunks
        for fill in chunk.fills
        if fill.venue in quoted_venues
    ]
    return list(dict.fromkeys(keys))


def with_quotes(
    plan: RebalancePlan, quotes: Mapping[QuoteKey, int], slippage_bps: int, buys_exact_output: bool
) -> RebalancePlan:
    """The plan with every quoted fill that differs by more than `TOLERANCE_BPS` set to its quote.

    Raises QuoteBeyondSlippage when a quote falls outside the fill's planned limit. Cost estimates
    stay as planned: they value the impact the planner expected, which the limits now bound.
    """
    trades = []
    for planned in plan.trades:
        chunks = tuple(
            _chunk(planned, chunk, quotes, slippage_bps, buys_exact_output) for chunk in planned.chunks.chunks
        )
        if chunks == planned.chunks.chunks:
            trades.append(planned)
            continue
        trades.append(replace(planned, chunks=_chunk_plan(planned.chunks, chunks)))
    return replace(plan, trades=tuple(trades))


def _key(planned: PlannedTrade, fill: VenueFill, buys_exact_output: bool) -> QuoteKey:
    exact_output = planned.trade.side == "buy" and buys_exact_output
    amount = fill.amount_out if exact_output else fill.amount_in
    return QuoteKey(planned.address, planned.trade.side, fill.venue, amount, exact_output)


def _chunk(planned: PlannedTrade, chunk: Chunk, quotes, slippage_bps: int, buys_exact_output: bool) -> Chunk:
    quoted = []
    for fill in chunk.fills:
        quote = quotes.get(_key(planned, fill, buys_exact_output))
        quoted.append(fill if quote is None else _quoted_fill(planned, fill, quote, slippage_bps, buys_exact_output))
    fills = tuple(quoted)
    if fills == chunk.fills:
        return chunk
    side = planned.trade.side
    weth = sum(f.amount_out if side == "sell" else f.amount_in for f in fills)
    quantity = chunk.quantity if side == "sell" or buys_exact_output else sum(f.amount_out for f in fills)
    return replace(chunk, fills=fills, quantity=quantity, weth=weth, weth_limit=weth_limit(side, weth, slippage_bps))


def _quoted_fill(
    planned: PlannedTrade, fill: VenueFill, quote: int, slippage_bps: int, buys_exact_output: bool
) -> VenueFill:
    side = planned.trade.side
    if side == "sell":  # component in, WETH out: the WETH received is quoted
        planned_amount, worse, limit = fill.amount_out, quote < fill.weth_limit, fill.weth_limit
        updated = replace(fill, amount_out=quote, weth_limit=weth_limit(side, quote, slippage_bps))
    elif buys_exact_output:  # GIM: exact component out, the WETH spent is quoted
        planned_amount, worse, limit = fill.amount_in, quote > fill.weth_limit, fill.weth_limit
        updated = replace(fill, amount_in=quote, weth_limit=weth_limit(side, quote, slippage_bps))
    else:  # TradeModule: exact WETH in, the component received is quoted
        limit = fill.amount_out * (BPS - slippage_bps) // BPS
        planned_amount, worse = fill.amount_out, quote < limit
        updated = replace(fill, amount_out=quote)
    if worse:
        raise QuoteBeyondSlippage(
            _beyond_message(planned, fill, quote, planned_amount, limit, slippage_bps, buys_exact_output)
        )
    if abs(quote - planned_amount) * BPS <= planned_amount * TOLERANCE_BPS:
        return fill
    return updated


def _beyond_message(
    planned: PlannedTrade,
    fill: VenueFill,
    quote: int,
    planned_amount: int,
    limit: int,
    slippage_bps: int,
    buys_exact_output: bool,
) -> str:
    symbol, side = planned.trade.component, planned.trade.side
    component = lambda amount: f"{amount / 10**planned.decimals:.6g} {symbol}"  # noqa: E731
    weth = lambda amount: f"{amount / 10**WETH_DECIMALS:.6g} WETH"  # noqa: E731
    if side == "sell":
        what = (
            f"{weth(quote)} for {component(fill.amount_in)} where the plan expects {weth(planned_amount)} "
            f"(at least {weth(limit)})"
        )
    elif buys_exact_output:
        what = (
            f"{weth(quote)} to buy {component(fill.amount_out)} where the plan expects {weth(planned_amount)} "
            f"(at most {weth(limit)})"
        )
    else:
        what = (
            f"{component(quote)} for {weth(fill.amount_in)} where the plan expects {component(planned_amount)} "
            f"(at least {component(limit)})"
        )
    return (
        f"{symbol}: the {fill.venue} Quoter gives {what}, worse than {slippage_bps} bps of slippage allows: "
        "the trade crosses out of the pool's current tick range; lower max_chunk_impact_bps or raise the slippage."
    )


def _chunk_plan(plan: ChunkPlan, chunks: tuple[Chunk, ...]) -> ChunkPlan:
    return replace(
        plan,
        chunks=chunks,
        quantity=sum(c.quantity for c in chunks),
        weth=sum(c.weth for c in chunks),
        weth_limit=sum(c.weth_limit for c in chunks),
    )
