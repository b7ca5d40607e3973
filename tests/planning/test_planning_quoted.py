"""The Quoter check's pure half: which fills are quoted, and the plan with the quotes applied."""

from __future__ import annotations

import pytest

from indexops.planning.amm import Pool
from indexops.planning.chunk_pricing import weth_limit
from indexops.planning.chunking import plan_chunks
from indexops.planning.quoted import QuoteBeyondSlippage, QuoteKey, quote_keys, with_quotes
from indexops.planning.rebalance import CostTotals, PlannedTrade, RebalancePlan, RouteProfile
from indexops.planning.trades import Trade

MKR = "0x" + "4a" * 20
UNIT = 10**18
SLIPPAGE = 50
POOLS = {"uniswap-v3": Pool(20_000 * UNIT, 10_000 * UNIT), "uniswap-v2": Pool(13_000 * UNIT, 6_500 * UNIT)}


def plan_of(side: str, quantity: int) -> RebalancePlan:
    pools = POOLS if side == "sell" else {name: Pool(p.reserve_out, p.reserve_in) for name, p in POOLS.items()}
    chunks = plan_chunks("MKR", side, quantity, pools, gas_price_wei=30 * 10**9, gas_per_call=300_000,
                         max_impact_bps=100, max_chunks=10, venues_per_chunk="many", slippage_bps=SLIPPAGE)
    planned = PlannedTrade(Trade("MKR", side, quantity, quantity // 2), MKR, 18, 600, chunks, chunks)
    totals = CostTotals(0, 0.0, 0.0, 0, 0, 0)
    return RebalancePlan((), (planned,), (), 3000.0, 0.0, 0.0, totals, totals, RouteProfile("many", 300_000), 30 * 10**9)


def v3_fills(plan: RebalancePlan):
    return [f for c in plan.trades[0].chunks.chunks for f in c.fills if f.venue == "uniswap-v3"]


def test_equal_chunks_share_one_quote_and_only_quoted_venues_are_asked():
    plan = plan_of("sell", 400 * UNIT)
    assert plan.trades[0].chunks.chunk_count > 1 and {f.venue for c in plan.trades[0].chunks.chunks for f in c.fills} == set(POOLS)
    keys = quote_keys(plan, ["uniswap-v3"], buys_exact_output=True)
    assert {k.venue for k in keys} == {"uniswap-v3"}
    assert len(keys) == len({f.amount_in for f in v3_fills(plan)}) < len(v3_fills(plan))


def test_a_quote_within_one_bp_keeps_the_plan():
    plan = plan_of("sell", 10 * UNIT)
    fill = v3_fills(plan)[0]
    [key] = quote_keys(plan, ["uniswap-v3"], True)
    assert with_quotes(plan, {key: fill.amount_out - fill.amount_out // 20_000}, SLIPPAGE, True) == plan


def test_a_sell_quoted_lower_takes_the_quote_and_its_limit():
    plan = plan_of("sell", 10 * UNIT)
    fill = v3_fills(plan)[0]
    [key] = quote_keys(plan, ["uniswap-v3"], True)
    assert key == QuoteKey(MKR, "sell", "uniswap-v3", fill.amount_in, exact_output=False)
    quoted = fill.amount_out * 9_990 // 10_000  # 10 bps less
    checked = with_quotes(plan, {key: quoted}, SLIPPAGE, True)
    [new] = v3_fills(checked)
    assert (new.amount_out, new.weth_limit) == (quoted, weth_limit("sell", quoted, SLIPPAGE))
    chunk, before = checked.trades[0].chunks.chunks[0], plan.trades[0].chunks.chunks[0]
    assert chunk.weth == before.weth - fill.amount_out + quoted
    assert chunk.weth_limit == weth_limit("sell", chunk.weth, SLIPPAGE)
    assert checked.trades[0].chunks.weth == sum(c.weth for c in checked.trades[0].chunks.chunks)


def test_an_exact_output_buy_is_quoted_for_the_weth_it_costs():
    plan = plan_of("buy", 10 * UNIT)
    fill = v3_fills(plan)[0]
    [key] = quote_keys(plan, ["uniswap-v3"], buys_exact_output=True)
    assert (key.amount, key.exact_output) == (fill.amount_out, True)
    quoted = fill.amount_in * 10_020 // 10_000
    [new] = v3_fills(with_quotes(plan, {key: quoted}, SLIPPAGE, True))
    assert (new.amount_in, new.amount_out, new.weth_limit) == (quoted, fill.amount_out, weth_limit("buy", quoted, SLIPPAGE))


def test_an_exact_input_buy_is_quoted_for_the_component_it_gets():
    plan = plan_of("buy", 10 * UNIT)
    fill = v3_fills(plan)[0]
    [key] = quote_keys(plan, ["uniswap-v3"], buys_exact_output=False)
    assert (key.amount, key.exact_output) == (fill.amount_in, False)
    quoted = fill.amount_out * 9_980 // 10_000
    checked = with_quotes(plan, {key: quoted}, SLIPPAGE, False)
    [new] = v3_fills(checked)
    assert (new.amount_in, new.amount_out) == (fill.amount_in, quoted)
    assert checked.trades[0].chunks.quantity == plan.trades[0].chunks.quantity - fill.amount_out + quoted


@pytest.mark.parametrize("side", ["sell", "buy"])
def test_a_quote_beyond_the_slippage_is_one_line(side):
    plan = plan_of(side, 10 * UNIT)
    fill = v3_fills(plan)[0]
    [key] = quote_keys(plan, ["uniswap-v3"], True)
    quoted = fill.amount_out * 9_900 // 10_000 if side == "sell" else fill.amount_in * 10_100 // 10_000
    with pytest.raises(QuoteBeyondSlippage) as caught:
        with_quotes(plan, {key: quoted}, SLIPPAGE, True)
    message = str(caught.value)
    assert message.startswith("MKR: the uniswap-v3 Quoter gives ") and "\n" not in message
    assert message.endswith("worse than 50 bps of slippage allows: the trade crosses out of the pool's current tick "
                            "range; lower max_chunk_impact_bps or raise the slippage.")
