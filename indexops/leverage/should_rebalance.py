"""What the contract's `shouldRebalance()` and `shouldRebalanceWithBounds(min, max)` answer, wrong answers included.

A faithful copy of `_shouldRebalance`, per enabled exchange: at or above the ripcord ratio, RIPCORD once
`last + incentivized cooldown < now`; else in a TWAP, ITERATE_REBALANCE once `last + TWAP cooldown < now`;
else REBALANCE once the interval passed since the global last trade or the ratio is outside the bounds.
It is not what may be called: it ignores that iterateRebalance needs no cooldown outside [min, max]
(NONE right after an engage that is still under the minimum), that every call needs a debt (REBALANCE
after a full disengage, which reverts "Borrow balance must exist"), that a disengage is under way (REBALANCE:
a keeper would re-lever), that ripcord needs an incentivized trade size and borrow headroom, and that a
rebalance with nothing to trade reverts. `verdict` gives the right answer; this one is for showing beside it.
"""

from __future__ import annotations

from enum import IntEnum

from indexops.leverage.precise import sub
from indexops.leverage.ratio import leverage_ratio
from indexops.leverage.rules import require
from indexops.leverage.settings import Exchanges, LeverageSettings
from indexops.leverage.state import LeverageState

INVALID_BOUNDS = "Custom bounds must be valid"


class ShouldRebalance(IntEnum):
    """The contract's enum, same values."""

    NONE = 0
    REBALANCE = 1
    ITERATE_REBALANCE = 2
    RIPCORD = 3


def _should_rebalance(
    state: LeverageState,
    settings: LeverageSettings,
    exchanges: Exchanges,
    current_ratio: int,
    min_ratio: int,
    max_ratio: int,
) -> dict[str, ShouldRebalance]:
    answers = {}
    now = state.timestamp
    for name, exchange in exchanges.items():
        answer = ShouldRebalance.NONE
        last = exchange.exchange_last_trade_timestamp
        if current_ratio >= settings.incentive.incentivized_leverage_ratio:
            if last + settings.incentive.incentivized_twap_cooldown_period < now:
                answer = ShouldRebalance.RIPCORD
        elif state.twap_leverage_ratio > 0:
            if last + settings.execution.twap_cooldown_period < now:
                answer = ShouldRebalance.ITERATE_REBALANCE
        elif (
            sub(now, state.global_last_trade_timestamp) > settings.methodology.rebalance_interval
            or current_ratio > max_ratio
            or current_ratio < min_ratio
        ):
            answer = ShouldRebalance.REBALANCE
        answers[name] = answer
    return answers


def should_rebalance(
    state: LeverageState, settings: LeverageSettings, exchanges: Exchanges
) -> dict[str, ShouldRebalance]:
    """`shouldRebalance()`: each enabled exchange's answer, in the order given (the contract's enabledExchanges)."""
    methodology = settings.methodology
    return _should_rebalance(
        state,
        settings,
        exchanges,
        leverage_ratio(state),
        methodology.min_leverage_ratio,
        methodology.max_leverage_ratio,
    )


def should_rebalance_with_bounds(
    state: LeverageState, settings: LeverageSettings, exchanges: Exchanges, min_ratio: int, max_ratio: int
) -> dict[str, ShouldRebalance]:
    """`shouldRebalanceWithBounds(min, max)`: bounds no tighter than the methodology's, else it reverts."""
    methodology = settings.methodology
    require(min_ratio <= methodology.min_leverage_ratio and max_ratio >= methodology.max_leverage_ratio, INVALID_BOUNDS)
    return _should_rebalance(state, settings, exchanges, leverage_ratio(state), min_ratio, max_ratio)
