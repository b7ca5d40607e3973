"""The leverage route: FlexibleLeverageStrategyExtension's own calls, one per chunk, as plan steps.

`engage_chunks` levers from 1x: `engage(exchange)` by the operator, then `iterateRebalance(exchange)` by an
allow-listed keeper until the TWAP is done (a TWAP already in progress is finished with iterates alone).
`disengage_chunks` delevers to 1x with `disengage(exchange)`, operator only, until the debt is repaid.
Each chunk is what the pure `indexops.leverage` calls say the contract will do (`plan_engage`,
`plan_iterate`, `plan_disengage`, `state_after`), its trade filled on the exchange's pool at the plan's
reserves (arbitrage restores a pool between chunks: that is what the TWAP cooldown waits for) or at
the oracle's price where the pool is unknown. Exchanges alternate chunk by chunk; every chunk waits the
TWAP cooldown + 1 s after the one before it (the contract's test is strict: `now - last > cooldown`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from indexops.errors import UsageError
from indexops.leverage import (
    CallPlan,
    Exchanges,
    LeverageSettings,
    LeverageState,
    Reverts,
    leverage_ratio,
    plan_disengage,
    plan_engage,
    plan_iterate,
    state_after,
)
from indexops.leverage.rules import first_time_after
from indexops.leverage.trades import REDEEM_FAILED
from indexops.planning.amm import Pool, amount_out
from indexops.routes.calls import make_call
from indexops.routes.steps import PlannedStep

STRATEGY_ABI = "FlexibleLeverageStrategyExtension"
# gas of each call on the sandbox's real contracts (engage 0.74-0.92 M, iterate 0.62-0.67 M, disengage 0.67-0.71 M)
GAS = {"engage": 950_000, "iterateRebalance": 720_000, "disengage": 760_000}
MAX_CHUNKS = 60
SIGNER = {"engage": "operator", "iterateRebalance": "keeper", "disengage": "operator"}
REDEEM_HINT = (
    " (the last disengage redeems all the debt's worth x (1 + slippage) at once, past Compound's limit: a smaller "
    "twap_max_trade_size, set with `indexops lever settings`, leaves a smaller last chunk)"
)


class LeverPlanRefused(UsageError):
    """A lever plan that cannot be made from this state, in one line."""


@dataclass(frozen=True)
class Asset:
    symbol: str
    decimals: int


@dataclass(frozen=True)
class LeverInputs:
    """What the chunks are predicted from: the strategy's state at one block and the pools it trades on."""

    strategy: str
    state: LeverageState
    settings: LeverageSettings
    exchanges: Exchanges
    collateral: Asset
    borrow: Asset
    reserves: Mapping[str, tuple[int, int]]  # exchange -> (collateral reserve, borrow reserve) of its pool
    fee_bps: Mapping[str, int] = field(default_factory=dict)  # exchange -> its pool's fee (default 30)

    @property
    def cool_off(self) -> int:
        return self.settings.execution.twap_cooldown_period + 1


@dataclass(frozen=True)
class Chunk:
    """One call: what the contract computes (`plan`), the state before it and as expected after it."""

    plan: CallPlan
    before: LeverageState
    after: LeverageState
    exchanges_after: Exchanges
    received: int  # collateral bought (lever) or borrow asset received (delever), base units; 0 without a trade

    @property
    def function(self) -> str:
        return self.plan.call.value

    @property
    def ratio_after(self) -> int:
        return leverage_ratio(self.after) if self.after.borrow_balance else 10**18


def engage_chunks(inputs: LeverInputs, names: Sequence[str]) -> list[Chunk]:
    """engage, then iterateRebalance until the TWAP is cleared; iterates alone when a TWAP is in progress."""
    state, exchanges = inputs.state, inputs.exchanges
    chunks: list[Chunk] = []
    if not state.in_twap:
        chunks.append(_chunk(inputs, "engage", state, exchanges, names[0]))
        state, exchanges = chunks[-1].after, chunks[-1].exchanges_after
    while state.in_twap:
        if len(chunks) >= MAX_CHUNKS:
            raise LeverPlanRefused(f"engage does not reach the target in {MAX_CHUNKS} chunks: raise twapMaxTradeSize")
        name = names[len(chunks) % len(names)]
        when = _iterate_time(inputs, state, exchanges, name, after_chunk=bool(chunks))
        chunks.append(_chunk(inputs, "iterateRebalance", state.at(when), exchanges, name))
        state, exchanges = chunks[-1].after, chunks[-1].exchanges_after
    return chunks


def disengage_chunks(inputs: LeverInputs, names: Sequence[str]) -> list[Chunk]:
    """disengage until the debt is repaid (the last call repays it all: `_deleverToZeroBorrowBalance`)."""
    state, exchanges = inputs.state, inputs.exchanges
    chunks: list[Chunk] = []
    while state.borrow_balance > 0 or not chunks:
        if len(chunks) >= MAX_CHUNKS:
            raise LeverPlanRefused(f"disengage does not repay the debt in {MAX_CHUNKS} chunks: raise twapMaxTradeSize")
        name = names[len(chunks) % len(names)]
        when = state.timestamp + inputs.cool_off if chunks else state.timestamp
        chunks.append(_chunk(inputs, "disengage", state.at(when), exchanges, name))
        state = chunks[-1].after
    return chunks


def _iterate_time(inputs: LeverInputs, state: LeverageState, exchanges: Exchanges, name: str, after_chunk: bool) -> int:
    """When the executor sends the next iterate: a cool-off after the chunk before, and past the exchange's cooldown."""
    earliest = state.timestamp + inputs.cool_off if after_chunk else state.timestamp
    last = exchanges[name].exchange_last_trade_timestamp
    if last:
        earliest = max(earliest, first_time_after(last, inputs.settings.execution.twap_cooldown_period))
    return earliest


PLANNERS = {"engage": plan_engage, "iterateRebalance": plan_iterate, "disengage": plan_disengage}


def _chunk(inputs: LeverInputs, function: str, state: LeverageState, exchanges: Exchanges, name: str) -> Chunk:
    try:
        plan = PLANNERS[function](state, inputs.settings, exchanges, name)
    except Reverts as revert:
        hint = REDEEM_HINT if revert.reason == REDEEM_FAILED else ""
        raise LeverPlanRefused(f"{function}({name!r}) would revert: {revert.reason}{hint}") from None
    after, exchanges_after = state_after(state, exchanges, plan)
    after, received = _filled(inputs, state, after, plan)
    return Chunk(plan=plan, before=state, after=after, exchanges_after=exchanges_after, received=received)


def _filled(
    inputs: LeverInputs, before: LeverageState, after: LeverageState, plan: CallPlan
) -> tuple[LeverageState, int]:
    """The balances once the trade fills on the exchange's pool (at the oracle's price when there is none)."""
    trade = plan.trade
    if trade is None:
        return after, 0
    pool = inputs.reserves.get(plan.exchange)
    if pool is None:
        return after, trade.expected_receive_notional
    collateral_reserve, borrow_reserve = at_oracle_price(pool, before)
    fee = inputs.fee_bps.get(plan.exchange, 30)
    if trade.is_lever:
        received = amount_out(Pool(borrow_reserve, collateral_reserve, fee), trade.send_notional)
        collateral, borrow = before.collateral_balance + received, before.borrow_balance + trade.send_notional
    else:
        received = amount_out(Pool(collateral_reserve, borrow_reserve, fee), trade.send_notional)
        collateral = before.collateral_balance - trade.send_notional
        borrow = 0 if trade.to_zero else before.borrow_balance - min(received, before.borrow_balance)
    if received < trade.min_receive_notional:
        asset = inputs.collateral if trade.is_lever else inputs.borrow
        raise LeverPlanRefused(
            f"{plan.call.value}({plan.exchange!r}) would receive {_amount(received, asset)}, under its minimum of "
            f"{_amount(trade.min_receive_notional, asset)}: the pool is too shallow for a chunk of "
            f"{_amount(trade.collateral_notional, inputs.collateral)} (lower twapMaxTradeSize or use another exchange)"
        )
    return replace(after, collateral_balance=collateral, borrow_balance=borrow), received


def at_oracle_price(reserves: tuple[int, int], state: LeverageState) -> tuple[int, int]:
    """A pool's reserves with its liquidity (x * y) kept and its price moved to the oracle's: where arbitrage
    leaves it between chunks. Prices are the strategy's adjusted ones, so their ratio is in base units."""
    collateral_reserve, borrow_reserve = reserves
    product = collateral_reserve * borrow_reserve
    collateral = math.isqrt(product * state.borrow_price // state.collateral_price)
    return (collateral, product // collateral) if collateral else reserves


def lever_steps(inputs: LeverInputs, chunks: Sequence[Chunk]) -> list[PlannedStep]:
    """The plan steps of the chunks, one call each, numbered 1..n."""
    return [_step(inputs, chunk, k + 1, len(chunks)) for k, chunk in enumerate(chunks)]


def _step(inputs: LeverInputs, chunk: Chunk, number: int, count: int) -> PlannedStep:
    plan, function = chunk.plan, chunk.function
    call = make_call(
        STRATEGY_ABI,
        function,
        inputs.strategy,
        [plan.exchange],
        SIGNER[function],
        f"{function} on {plan.exchange}: {_what(inputs, chunk)} (chunk {number}/{count}), "
        f"{_ratio(plan.current_ratio)} → {_ratio(chunk.ratio_after)}",
    )
    trade = plan.trade
    expected = {
        "ratio_before": plan.current_ratio,
        "ratio_after": chunk.ratio_after,
        "twap_ratio_after": plan.twap_ratio_after,
        "collateral_after": chunk.after.collateral_balance,
        "borrow_after": chunk.after.borrow_balance,
    }
    limits = {}
    if trade is not None:
        expected |= {
            "chunk_notional": trade.collateral_notional,
            "total_notional": trade.total_notional,
            "send": trade.send_notional,
            "receive": chunk.received,
        }
        limits = {"min_receive": trade.min_receive_notional}
    return PlannedStep(
        call=call,
        phase="trade",
        gas_estimate=GAS[function],
        component=inputs.collateral.symbol,
        side="buy" if trade is None or trade.is_lever else "sell",
        chunk=number,
        chunks=count,
        venue=plan.exchange,
        cool_off_after=inputs.cool_off,
        limits=limits,
        expected=expected,
    )


def _what(inputs: LeverInputs, chunk: Chunk) -> str:
    trade = chunk.plan.trade
    if trade is None:
        return "the TWAP target is passed: clears the TWAP without trading"
    collateral, borrow = inputs.collateral, inputs.borrow
    if trade.is_lever:
        return f"borrow {_amount(trade.send_notional, borrow)} for ≥ {_amount(trade.min_receive_notional, collateral)}"
    repay = "to repay all the debt" if trade.to_zero else f"for ≥ {_amount(trade.min_receive_notional, borrow)}"
    return f"sell {_amount(trade.send_notional, collateral)} {repay}"


def _amount(base_units: int, asset: Asset) -> str:
    return f"{base_units / 10**asset.decimals:,.6g} {asset.symbol}"


def _ratio(precise: int) -> str:
    return f"{precise / 1e18:.4f}x"


def lever_action(functions: Sequence[str]) -> str:
    """The `indexops lever` action a plan's calls (Solidity signatures or names) come from."""
    names = [function.split("(")[0] for function in functions]
    if names and all(name == "disengage" for name in names):
        return "disengage"
    if names and all(name in ("engage", "iterateRebalance") for name in names):
        return "engage"
    return "settings"
