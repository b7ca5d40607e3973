"""Steps for the routes that trade through TradeModule (`direct`, `delegated`): one call per venue fill.

Each chunk of a planned trade becomes one TradeModule-style trade per venue it fills, in per-set
units; with `--batch` (delegated) every round of chunks goes into as few batchTrade transactions
as the gas limit allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from indexops.routes.calls import Call
from indexops.routes.steps import PlannedStep, trade_rounds
from indexops.routes.trade_module import Trade, units_to_receive_at_least, units_to_send
from indexops.routes.uniswap_v3_data import single_hop_path

BPS = 10_000


def fill_trades(
    plan, snapshot, trade_adapters: dict[str, str], slippage_bps: int, fee_tiers: Mapping[str, int] | None = None
):
    """(planned trade, chunk index, fill, Trade) in execution order; `fee_tiers` names the Uniswap V3
    venues, whose adapter takes the swap path as its data."""
    fee_tiers = fee_tiers or {}
    supply = snapshot.total_supply
    out = []
    for planned, k in trade_rounds(plan.trades):
        for fill in planned.chunks.chunks[k].fills:
            component, weth = planned.address, snapshot.weth
            if planned.trade.side == "sell":
                send, receive, minimum = component, weth, fill.weth_limit
            else:  # exact WETH in, at least the component amount less the slippage out
                send, receive, minimum = weth, component, fill.amount_out * (BPS - slippage_bps) // BPS
            data = single_hop_path(send, fee_tiers[fill.venue], receive) if fill.venue in fee_tiers else b""
            trade = Trade(
                planned.trade.side,
                trade_adapters[fill.venue],
                send,
                units_to_send(fill.amount_in, supply),
                receive,
                units_to_receive_at_least(minimum, supply),
                data,
                f"{planned.trade.component} on {fill.venue}",
            )
            out.append((planned, k, fill, trade))
    return out


def serial_steps(fills, call_for: Callable[[Trade], Call], gas_per_trade: int) -> list[PlannedStep]:
    steps = []
    for planned, k, fill, trade in fills:
        side = planned.trade.side
        limit_key = "min_receive_units"
        steps.append(
            PlannedStep(
                call=call_for(trade),
                phase="trade",
                gas_estimate=gas_per_trade,
                component=planned.trade.component,
                side=side,
                chunk=k + 1,
                chunks=planned.chunks.chunk_count,
                venue=fill.venue,
                cool_off_after=planned.cool_off if k + 1 < planned.chunks.chunk_count else 0,
                limits={limit_key: trade.min_receive_units, "send_units": trade.send_units},
                expected={
                    "component_amount": fill.amount_in if side == "sell" else fill.amount_out,
                    "weth_amount": fill.amount_out if side == "sell" else fill.amount_in,
                    "impact_ppm": round(fill.price_impact * 1_000_000),
                },
            )
        )
    return steps


def batched_steps(
    fills, batch_calls_for: Callable[[list[Trade]], list[Call]], gas_per_trade: int, base_gas: int
) -> list[PlannedStep]:
    """One round of chunks (same chunk number and side) per group of batchTrade calls."""
    rounds: dict[tuple[int, str], list] = {}
    for item in fills:
        planned, k = item[0], item[1]
        rounds.setdefault((k, planned.trade.side), []).append(item)
    steps = []
    for (k, side), items in rounds.items():
        cool_off = max((p.cool_off for p, kk, _, _ in items if kk + 1 < p.chunks.chunk_count), default=0)
        for call in batch_calls_for([trade for _, _, _, trade in items]):
            count = len(call.args["_trades"])
            steps.append(
                PlannedStep(
                    call=call,
                    phase="trade",
                    gas_estimate=base_gas + gas_per_trade * count,
                    side=side,
                    chunk=k + 1,
                    chunks=max(p.chunks.chunk_count for p, *_ in items),
                    cool_off_after=cool_off,
                    expected={"trades": count},
                )
            )
    return steps
