"""The strategy's own preconditions, each as the contract writes it, with its revert message.

`validate_leveraged_info` is `_getAndValidateLeveragedInfo` (an enabled exchange, supply, collateral and
debt, then the ratio), `validate_normal_rebalance` is `_validateNormalRebalance` (below the ripcord ratio,
and the period elapsed since the given last trade or the ratio outside [min, max]), `validate_ripcord` is
`_validateRipcord` (at or above the ripcord ratio, and `last + cooldown < now`, strictly), and
`validate_twap` / `validate_non_twap` are `_validateTWAP` / `_validateNonTWAP`. The time tests are the
contract's: `now - last > period` (which reverts if `last` is in the future) and `last + period < now`;
`first_time_after` is the first block time at which either holds.
"""

from __future__ import annotations

from indexops.leverage.errors import Reverts
from indexops.leverage.precise import add, sub
from indexops.leverage.ratio import current_leverage_ratio
from indexops.leverage.settings import LeverageSettings
from indexops.leverage.state import LeverageState

INVALID_EXCHANGE = "Must be valid exchange"
NO_SUPPLY = "SetToken must have > 0 supply"
NO_COLLATERAL = "Collateral balance must be > 0"
NO_BORROW = "Borrow balance must exist"
DEBT_MUST_BE_ZERO = "Debt must be 0"
ABOVE_RIPCORD = "Must be below incentivized leverage ratio"
COOLDOWN_NOT_ELAPSED = "Cooldown not elapsed or not valid leverage ratio"
BELOW_RIPCORD = "Must be above incentivized leverage ratio"
RIPCORD_COOLDOWN = "TWAP cooldown must have elapsed"
NOT_IN_TWAP = "Not in TWAP state"
IN_TWAP = "Must call iterate"


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise Reverts(reason)


def period_elapsed(now: int, last: int, period: int) -> bool:
    """`block.timestamp.sub(last) > period` (rebalance, iterateRebalance, shouldRebalance's epoch test)."""
    return sub(now, last) > period


def cooldown_elapsed(now: int, last: int, period: int) -> bool:
    """`last.add(period) < block.timestamp` (ripcord, and shouldRebalance's TWAP and ripcord tests)."""
    return add(last, period) < now


def first_time_after(last: int, period: int) -> int:
    """The first block time at which `now - last > period` (equivalently `last + period < now`) holds."""
    return last + period + 1


def validate_leveraged_info(state: LeverageState, max_trade_size: int) -> int:
    """`_getAndValidateLeveragedInfo`: the checks every call but engage makes; returns the current ratio."""
    require(max_trade_size > 0, INVALID_EXCHANGE)
    require(state.set_total_supply > 0, NO_SUPPLY)
    require(state.collateral_balance > 0, NO_COLLATERAL)
    require(state.borrow_balance > 0, NO_BORROW)
    return current_leverage_ratio(state.collateral_value, state.borrow_value)


def validate_engage(state: LeverageState) -> None:
    """engage's own requires (it checks no exchange: an unknown one trades nothing and the module reverts)."""
    require(state.set_total_supply > 0, NO_SUPPLY)
    require(state.collateral_balance > 0, NO_COLLATERAL)
    require(state.borrow_balance == 0, DEBT_MUST_BE_ZERO)


def outside_band(current_ratio: int, settings: LeverageSettings) -> bool:
    """Above the maximum or below the minimum ratio: rebalance and iterate need no wait."""
    methodology = settings.methodology
    return current_ratio > methodology.max_leverage_ratio or current_ratio < methodology.min_leverage_ratio


def validate_normal_rebalance(
    state: LeverageState, settings: LeverageSettings, current_ratio: int, period: int, last_trade: int
) -> None:
    """`_validateNormalRebalance(info, period, lastTradeTimestamp)`."""
    require(current_ratio < settings.incentive.incentivized_leverage_ratio, ABOVE_RIPCORD)
    require(
        period_elapsed(state.timestamp, last_trade, period) or outside_band(current_ratio, settings),
        COOLDOWN_NOT_ELAPSED,
    )


def validate_ripcord(state: LeverageState, settings: LeverageSettings, current_ratio: int, last_trade: int) -> None:
    """`_validateRipcord(info, exchangeLastTradeTimestamp)`."""
    incentive = settings.incentive
    require(current_ratio >= incentive.incentivized_leverage_ratio, BELOW_RIPCORD)
    require(
        cooldown_elapsed(state.timestamp, last_trade, incentive.incentivized_twap_cooldown_period), RIPCORD_COOLDOWN
    )


def validate_twap(state: LeverageState) -> None:
    """`_validateTWAP`: iterateRebalance needs a TWAP in progress."""
    require(state.twap_leverage_ratio > 0, NOT_IN_TWAP)


def validate_non_twap(state: LeverageState) -> None:
    """`_validateNonTWAP`: rebalance refuses while a TWAP is in progress."""
    require(state.twap_leverage_ratio == 0, IN_TWAP)
