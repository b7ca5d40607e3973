"""Leverage ratios as the strategy computes them.

`current_leverage_ratio` is `_calculateCurrentLeverageRatio` (collateral value / (collateral - borrow
value)), `leverage_ratio` applies it to a state as `getCurrentLeverageRatio()` does, `new_leverage_ratio`
is `_calculateNewLeverageRatio` (recentre toward the target by the recentering speed, then clamp into
[min, max]) and `is_advantageous_twap` is `_isAdvantageousTWAP`.
"""

from __future__ import annotations

from indexops.leverage.precise import PRECISE_UNIT, add, precise_div, precise_mul, sub
from indexops.leverage.settings import Methodology
from indexops.leverage.state import LeverageState

ONE_X = PRECISE_UNIT


def current_leverage_ratio(collateral_value: int, borrow_value: int) -> int:
    """`collateralValue.preciseDiv(collateralValue.sub(borrowValue))`; reverts when the debt is not smaller."""
    return precise_div(collateral_value, sub(collateral_value, borrow_value))


def leverage_ratio(state: LeverageState) -> int:
    """`getCurrentLeverageRatio()` for this state (1x with no debt; reverts with no equity)."""
    return current_leverage_ratio(state.collateral_value, state.borrow_value)


def new_leverage_ratio(current_ratio: int, methodology: Methodology) -> int:
    """max(min, min(max, current x (1 - speed) + target x speed)), each product rounded down as the contract does."""
    toward_target = precise_mul(methodology.target_leverage_ratio, methodology.recentering_speed)
    kept = precise_mul(sub(PRECISE_UNIT, methodology.recentering_speed), current_ratio)
    recentred = add(toward_target, kept)
    return max(methodology.min_leverage_ratio, min(recentred, methodology.max_leverage_ratio))


def is_advantageous_twap(current_ratio: int, twap_ratio: int, target_ratio: int) -> bool:
    """The price has carried the ratio past the TWAP's goal: iterateRebalance then clears the TWAP without a trade."""
    return (twap_ratio < target_ratio and current_ratio >= twap_ratio) or (
        twap_ratio > target_ratio and current_ratio <= twap_ratio
    )
