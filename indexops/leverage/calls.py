"""Each strategy call as the contract runs it, short of the trade: its checks, its target and its chunk.

`plan_engage`, `plan_rebalance`, `plan_iterate`, `plan_ripcord` and `plan_disengage` follow `engage`,
`rebalance`, `iterateRebalance`, `ripcord` and `disengage` of FlexibleLeverageStrategyExtension step by
step (validation order included, so the first failing require is the one reported) and raise `Reverts`
where the call would revert; `check_call` turns that into a `Check`. What they cannot see: `onlyEOA`,
`onlyOperator` and the caller allow-list (the caller's, checked by the shell), and the trade's fill.
`state_after` applies a plan the way the contract updates its storage (TWAP ratio, timestamps), with
the trade's expected balances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from indexops.leverage.chunks import ChunkNotional, rebalance_notional
from indexops.leverage.errors import Reverts
from indexops.leverage.precise import PRECISE_UNIT
from indexops.leverage.ratio import is_advantageous_twap, new_leverage_ratio
from indexops.leverage.rules import (
    validate_engage,
    validate_leveraged_info,
    validate_non_twap,
    validate_normal_rebalance,
    validate_ripcord,
    validate_twap,
)
from indexops.leverage.settings import Exchanges, ExchangeSettings, LeverageSettings, exchange_settings
from indexops.leverage.state import LeverageState
from indexops.leverage.trades import Trade, delever_to_zero_trade, delever_trade, lever_trade


class Call(Enum):
    """The strategy's state-changing calls, by their Solidity names."""

    ENGAGE = "engage"
    REBALANCE = "rebalance"
    ITERATE = "iterateRebalance"
    RIPCORD = "ripcord"
    DISENGAGE = "disengage"


@dataclass(frozen=True, slots=True)
class CallPlan:
    """What one call would do now: the ratio it starts from and aims at, its chunk and trade, its storage after.

    trade is None only for an iterateRebalance that finds the TWAP advantageous (it clears the TWAP
    without trading). twap_ratio_after is the contract's twapLeverageRatio once the call is mined;
    ether_reward is what a ripcord pays its caller (the reward, or the extension's balance if smaller).
    """

    call: Call
    exchange: str
    current_ratio: int
    new_ratio: int
    chunk: ChunkNotional | None
    trade: Trade | None
    twap_ratio_after: int
    updates_timestamps: bool
    ether_reward: int = 0

    @property
    def expected_ratio(self) -> int:
        """The ratio after the call if the trade fills at oracle prices (unchanged when nothing is traded)."""
        return self.trade.expected_ratio if self.trade else self.current_ratio


@dataclass(frozen=True, slots=True)
class Check:
    """Whether a call would go through now; `reason` is the revert message when it would not."""

    ok: bool
    reason: str = ""
    plan: CallPlan | None = None

    def __bool__(self) -> bool:
        return self.ok


def _handle_rebalance(
    state: LeverageState, settings: LeverageSettings, current: int, new: int, max_trade_size: int, slippage: int
) -> tuple[ChunkNotional, Trade]:
    """`_handleRebalance`: delever when the new ratio is lower, else lever (an equal ratio levers nothing)."""
    is_lever = new >= current
    unutilized = settings.execution.unutilized_leverage_percentage
    chunk = rebalance_notional(state, current, new, is_lever, max_trade_size, unutilized)
    trade = lever_trade(state, chunk, slippage) if is_lever else delever_trade(state, chunk, slippage)
    return chunk, trade


def plan_engage(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, name: str) -> CallPlan:
    """`engage(name)`: lever from 1x (taken as exactly 1x) toward the target; a TWAP if the chunk falls short."""
    validate_engage(state)
    target = settings.methodology.target_leverage_ratio
    exchange = exchange_settings(exchanges, name)
    chunk = rebalance_notional(
        state,
        PRECISE_UNIT,
        target,
        True,
        exchange.twap_max_trade_size,
        settings.execution.unutilized_leverage_percentage,
    )
    trade = lever_trade(state, chunk, settings.execution.slippage_tolerance)
    return CallPlan(
        call=Call.ENGAGE,
        exchange=name,
        current_ratio=PRECISE_UNIT,
        new_ratio=target,
        chunk=chunk,
        trade=trade,
        twap_ratio_after=target if chunk.is_twap else state.twap_leverage_ratio,
        updates_timestamps=True,
    )


def plan_rebalance(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, name: str) -> CallPlan:
    """`rebalance(name)`: out of the band, or once the interval has passed since the global last trade."""
    exchange = exchange_settings(exchanges, name)
    current = validate_leveraged_info(state, exchange.twap_max_trade_size)
    validate_normal_rebalance(
        state, settings, current, settings.methodology.rebalance_interval, state.global_last_trade_timestamp
    )
    validate_non_twap(state)
    new = new_leverage_ratio(current, settings.methodology)
    chunk, trade = _handle_rebalance(
        state, settings, current, new, exchange.twap_max_trade_size, settings.execution.slippage_tolerance
    )
    return CallPlan(
        call=Call.REBALANCE,
        exchange=name,
        current_ratio=current,
        new_ratio=new,
        chunk=chunk,
        trade=trade,
        twap_ratio_after=new if chunk.is_twap else state.twap_leverage_ratio,
        updates_timestamps=True,
    )


def plan_iterate(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, name: str) -> CallPlan:
    """`iterateRebalance(name)`: the next TWAP chunk, once this exchange's cooldown passed or out of the band."""
    exchange = exchange_settings(exchanges, name)
    current = validate_leveraged_info(state, exchange.twap_max_trade_size)
    validate_normal_rebalance(
        state, settings, current, settings.execution.twap_cooldown_period, exchange.exchange_last_trade_timestamp
    )
    validate_twap(state)
    twap = state.twap_leverage_ratio
    chunk: ChunkNotional | None = None
    trade: Trade | None = None
    if not is_advantageous_twap(current, twap, settings.methodology.target_leverage_ratio):
        chunk, trade = _handle_rebalance(
            state, settings, current, twap, exchange.twap_max_trade_size, settings.execution.slippage_tolerance
        )
    finished = chunk is None or chunk.chunk == chunk.total
    return CallPlan(
        call=Call.ITERATE,
        exchange=name,
        current_ratio=current,
        new_ratio=twap,
        chunk=chunk,
        trade=trade,
        twap_ratio_after=0 if finished else twap,
        updates_timestamps=True,
    )


def plan_ripcord(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, name: str) -> CallPlan:
    """`ripcord(name)`: at or above the ripcord ratio, delever toward the maximum with the incentivized caps."""
    exchange = exchange_settings(exchanges, name)
    incentive = settings.incentive
    current = validate_leveraged_info(state, exchange.incentivized_twap_max_trade_size)
    validate_ripcord(state, settings, current, exchange.exchange_last_trade_timestamp)
    target = settings.methodology.max_leverage_ratio
    chunk = rebalance_notional(
        state,
        current,
        target,
        False,
        exchange.incentivized_twap_max_trade_size,
        settings.execution.unutilized_leverage_percentage,
    )
    trade = delever_trade(state, chunk, incentive.incentivized_slippage_tolerance)
    return CallPlan(
        call=Call.RIPCORD,
        exchange=name,
        current_ratio=current,
        new_ratio=target,
        chunk=chunk,
        trade=trade,
        twap_ratio_after=0,
        updates_timestamps=True,
        ether_reward=min(incentive.ether_reward, state.ether_balance),
    )


def plan_disengage(state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, name: str) -> CallPlan:
    """`disengage(name)`: toward 1x, a capped delever while the chunk is short of the total, else repay it all.

    The contract records nothing of a disengage (no timestamp, no TWAP), so a state mid-disengage looks
    like any state under the minimum: the caller must say so (`LeverageState.disengage_in_progress`).
    """
    exchange = exchange_settings(exchanges, name)
    current = validate_leveraged_info(state, exchange.twap_max_trade_size)
    slippage = settings.execution.slippage_tolerance
    chunk = rebalance_notional(
        state,
        current,
        PRECISE_UNIT,
        False,
        exchange.twap_max_trade_size,
        settings.execution.unutilized_leverage_percentage,
    )
    if chunk.total > chunk.chunk:
        trade = delever_trade(state, chunk, slippage)
    else:
        trade = delever_to_zero_trade(state, chunk, slippage)
    return CallPlan(
        call=Call.DISENGAGE,
        exchange=name,
        current_ratio=current,
        new_ratio=PRECISE_UNIT,
        chunk=chunk,
        trade=trade,
        twap_ratio_after=state.twap_leverage_ratio,
        updates_timestamps=False,
    )


PLANNERS = {
    Call.ENGAGE: plan_engage,
    Call.REBALANCE: plan_rebalance,
    Call.ITERATE: plan_iterate,
    Call.RIPCORD: plan_ripcord,
    Call.DISENGAGE: plan_disengage,
}


def check_call(call: Call, state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, name: str) -> Check:
    """Would `call(name)` go through now (for a caller the contract lets make it)? With its plan when it would."""
    try:
        plan = PLANNERS[call](state, settings, exchanges, name)
    except Reverts as revert:
        return Check(ok=False, reason=revert.reason)
    return Check(ok=True, plan=plan)


def state_after(
    state: LeverageState, exchanges: Exchanges, plan: CallPlan
) -> tuple[LeverageState, dict[str, ExchangeSettings]]:
    """The state and exchange settings once `plan` is mined at `state.timestamp`, its trade filled as expected."""
    collateral, borrow = state.collateral_balance, state.borrow_balance
    if plan.trade is not None:
        collateral, borrow = plan.trade.collateral_after, plan.trade.borrow_after
    after = replace(
        state,
        collateral_balance=collateral,
        borrow_balance=borrow,
        twap_leverage_ratio=plan.twap_ratio_after,
        ether_balance=state.ether_balance - plan.ether_reward,
    )
    updated = dict(exchanges)
    if plan.updates_timestamps:
        after = replace(after, global_last_trade_timestamp=state.timestamp)
        updated[plan.exchange] = replace(
            exchange_settings(exchanges, plan.exchange), exchange_last_trade_timestamp=state.timestamp
        )
    return after, updated
