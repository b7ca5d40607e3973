"""Risk numbers of a position: how far the collateral price may fall before each line is crossed, and NAV.

With the debt fixed (borrow price and balance unchanged) a collateral price factor f scales the
collateral value C to f x C, and the ratio f C / (f C - B) rises as the price falls. The ratio reaches
L at f = L B / ((L - 1) C); Compound liquidates once f C x collateral factor < B, at f = B / (CF x C),
which is the ratio 1 / (1 - CF). Drops are exact fractions of the price (0.25 = a 25% fall), negative
when the line is already crossed, None when no fall reaches it (no debt). `ratio_after_price_move` is
what `getCurrentLeverageRatio()` reads once the collateral's oracle price moves by a percentage.
No contract function computes these; they use the strategy's valuation (`_createActionInfo`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from indexops.leverage.errors import InvalidLeverageInput
from indexops.leverage.precise import PRECISE_UNIT
from indexops.leverage.ratio import leverage_ratio
from indexops.leverage.settings import LeverageSettings
from indexops.leverage.state import LeverageState, nav_per_token


def _fraction(value: int | float | Decimal | Fraction) -> Fraction:
    """A number as written (floats by their shortest repr, so -25.1 is exactly -251/10)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def price_drop_to_ratio(state: LeverageState, ratio: int) -> Fraction | None:
    """The fall of the collateral price (fraction of it) at which the leverage ratio reaches `ratio`."""
    if ratio <= PRECISE_UNIT:
        raise InvalidLeverageInput(f"a leverage ratio of {ratio} is not above 1x")
    collateral, borrow = state.collateral_value, state.borrow_value
    if borrow == 0 or collateral == 0:
        return None
    factor = Fraction(ratio * borrow, (ratio - PRECISE_UNIT) * collateral)
    return 1 - factor


def liquidation_price_drop(state: LeverageState) -> Fraction | None:
    """The fall of the collateral price at which collateral value x collateral factor meets the debt."""
    collateral, borrow = state.collateral_value, state.borrow_value
    if borrow == 0 or collateral == 0:
        return None
    if state.collateral_factor == 0:
        raise InvalidLeverageInput("a collateral factor of 0 leaves any debt liquidatable")
    return 1 - Fraction(borrow * PRECISE_UNIT, state.collateral_factor * collateral)


def liquidation_ratio(collateral_factor: int) -> Fraction | None:
    """The leverage ratio at which Compound liquidates: 1 / (1 - collateral factor) (None at a factor of 100%)."""
    if collateral_factor >= PRECISE_UNIT:
        return None
    return Fraction(PRECISE_UNIT, PRECISE_UNIT - collateral_factor)


def ratio_after_price_move(state: LeverageState, pct: int | float | Decimal | Fraction) -> int:
    """`getCurrentLeverageRatio()` once the collateral's oracle price moves by `pct` percent (-25 = a 25% fall).

    The adjusted price is scaled and rounded down, the debt kept; it reverts (raises `Reverts`) when the
    collateral would no longer cover the debt, as the contract does.
    """
    factor = 1 + _fraction(pct) / 100
    if factor < 0:
        raise InvalidLeverageInput(f"a price cannot move by {pct}%")
    moved = replace(state, collateral_price=int(state.collateral_price * factor))
    return leverage_ratio(moved)


@dataclass(frozen=True, slots=True)
class Risk:
    """A position's distance to its lines, as falls of the collateral price in percent (None: never reached).

    leverage_ratio and nav_per_token (USD per whole token) in precise units; liquidation_leverage_ratio
    is 1 / (1 - collateral factor), as a float for display.
    """

    leverage_ratio: int
    nav_per_token: int
    drop_to_max_pct: float | None
    drop_to_ripcord_pct: float | None
    drop_to_liquidation_pct: float | None
    liquidation_leverage_ratio: float | None


def _pct(drop: Fraction | None) -> float | None:
    return None if drop is None else float(drop * 100)


def risk(state: LeverageState, settings: LeverageSettings) -> Risk:
    """The risk numbers of `state` under `settings` (its ratio must be computable: debt below collateral)."""
    lines = liquidation_ratio(state.collateral_factor)
    return Risk(
        leverage_ratio=leverage_ratio(state),
        nav_per_token=nav_per_token(state),
        drop_to_max_pct=_pct(price_drop_to_ratio(state, settings.methodology.max_leverage_ratio)),
        drop_to_ripcord_pct=_pct(price_drop_to_ratio(state, settings.incentive.incentivized_leverage_ratio)),
        drop_to_liquidation_pct=_pct(liquidation_price_drop(state)),
        liquidation_leverage_ratio=None if lines is None else float(lines),
    )
