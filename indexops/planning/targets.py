"""Target weights to per-set units, and the value of a set from its units.

newUnit_i = 10^decimals_i x w_i x V / price_i, with prices in WETH per whole token and V the
WETH value of one set. Arithmetic is exact on the decimals the float inputs are written as, so
the same inputs always give the same units; units are rounded down, so a set never needs more
value than V.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from indexops.planning.errors import InvalidComponentData, InvalidWeights
from indexops.planning.exact import exact

WEIGHT_SUM_TOLERANCE = 1e-9


def validate_weights(weights: Mapping[str, float]) -> None:
    """Raise `InvalidWeights` unless every weight is finite and non-negative and they sum to 1."""
    if not weights:
        raise InvalidWeights("Target weights are empty: give at least one component a weight.")
    for name in sorted(weights):
        weight = weights[name]
        if not math.isfinite(weight) or weight < 0:
            raise InvalidWeights(f"Target weight for {name} must be a non-negative number, got {weight}.")
    total = math.fsum(weights.values())
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        raise InvalidWeights(f"Target weights must sum to 1, but they sum to {total!r}.")


def _capped(weights: Mapping[str, Fraction], cap: Fraction) -> dict[str, Fraction]:
    total = sum(weights.values(), Fraction(0))
    weighted = [name for name in sorted(weights) if weights[name] > 0]
    # A cap of 1/n (as a float, just under it) still holds n names, as in validate_weights.
    if cap * len(weighted) < total - Fraction(WEIGHT_SUM_TOLERANCE):
        raise InvalidWeights(
            f"A weight cap of {float(cap):g} cannot hold {len(weighted)} weighted components: "
            f"the cap must be at least {float(total / len(weighted)):g}."
        )
    capped: list[str] = []
    while True:
        free = [name for name in weighted if name not in capped]
        free_total = sum((weights[name] for name in free), Fraction(0))
        remaining = total - cap * len(capped)
        scale = remaining / free_total if free_total else Fraction(0)
        over = [name for name in free if weights[name] * scale > cap]
        if not over:
            break
        # Capping these raises every other share; repeat until none exceeds the cap.
        capped.extend(over)
    return {name: (cap if name in capped else weights[name] * scale) for name in sorted(weights)}


def capped_weights(weights: Mapping[str, float], cap: float) -> dict[str, float]:
    """Clip weights at `cap` and give the excess to the uncapped names pro rata, repeatedly."""
    validate_weights(weights)
    _validate_cap(cap)
    capped = _capped({name: exact(w) for name, w in weights.items()}, exact(cap))
    return {name: float(w) for name, w in capped.items()}


def _validate_cap(cap: float) -> None:
    if not (math.isfinite(cap) and 0 < cap <= 1):
        raise InvalidWeights(f"A weight cap must be in (0, 1], got {cap}.")


def check_market_data(name: str, prices: Mapping[str, float], decimals: Mapping[str, int]) -> None:
    """Raise `InvalidComponentData` unless `name` has a positive WETH price and its decimals."""
    price = prices.get(name)
    if price is None or not math.isfinite(price) or price <= 0:
        raise InvalidComponentData(f"{name} needs a positive WETH price, got {price}.")
    if decimals.get(name) is None or decimals[name] < 0:
        raise InvalidComponentData(f"{name} needs its token decimals, got {decimals.get(name)}.")


def units_from_weights(
    weights: Mapping[str, float],
    prices_in_weth: Mapping[str, float],
    decimals: Mapping[str, int],
    value_per_set_weth: float,
    cap: float | None = None,
) -> dict[str, int]:
    """Per-set units (base units per 1e18 set) for each weighted component, rounded down.

    Components with weight 0 get unit 0 (so they are sold). With `cap`, weights are capped first
    (see `capped_weights`).
    """
    validate_weights(weights)
    if not (math.isfinite(value_per_set_weth) and value_per_set_weth > 0):
        raise InvalidComponentData(f"The value per set must be a positive number of WETH, got {value_per_set_weth}.")
    shares = {name: exact(w) for name, w in weights.items()}
    if cap is not None:
        _validate_cap(cap)
        shares = _capped(shares, exact(cap))
    value = exact(value_per_set_weth)
    units: dict[str, int] = {}
    for name in sorted(shares):
        if shares[name] == 0:
            units[name] = 0
            continue
        check_market_data(name, prices_in_weth, decimals)
        units[name] = math.floor(10 ** decimals[name] * shares[name] * value / exact(prices_in_weth[name]))
    return units


def value_per_set(units: Mapping[str, int], prices_in_weth: Mapping[str, float], decimals: Mapping[str, int]) -> float:
    """WETH value of one set: sum of unit x price / 10^decimals."""
    total = Fraction(0)
    for name in sorted(units):
        if units[name] == 0:
            continue
        check_market_data(name, prices_in_weth, decimals)
        total += Fraction(units[name], 10 ** decimals[name]) * exact(prices_in_weth[name])
    return float(total)
