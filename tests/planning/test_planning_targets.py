import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.planning.errors import InvalidComponentData, InvalidWeights
from indexops.planning.targets import capped_weights, units_from_weights, validate_weights, value_per_set

PRICES = {"AAVE": 0.05, "MKR": 0.6, "UNI": 0.002, "WBTC": 16.0}
DECIMALS = {"AAVE": 18, "MKR": 18, "UNI": 18, "WBTC": 8}


@st.composite
def weight_sets(draw, min_size=1, max_size=12):
    size = draw(st.integers(min_value=min_size, max_value=max_size))
    raw = draw(st.lists(st.floats(min_value=0.0, max_value=100.0), min_size=size, max_size=size))
    if math.fsum(raw) == 0:
        raw[0] = 1.0
    total = math.fsum(raw)
    weights = {f"T{i:02d}": w / total for i, w in enumerate(raw)}
    # Put the rounding error of the division on the largest weight so they sum to 1.
    largest = max(sorted(weights), key=weights.get)
    weights[largest] += 1 - math.fsum(weights.values())
    return weights


def test_hand_checked_units():
    weights = {"AAVE": 0.25, "MKR": 0.25, "UNI": 0.3, "WBTC": 0.2}
    units = units_from_weights(weights, PRICES, DECIMALS, value_per_set_weth=0.5)
    # newUnit = 10^dec x w x V / price
    assert units == {
        "AAVE": 25 * 10**17,  # 0.25 x 0.5 / 0.05 = 2.5 AAVE
        "MKR": 208_333_333_333_333_333,  # 0.25 x 0.5 / 0.6 = 0.2083... MKR, rounded down
        "UNI": 75 * 10**18,  # 0.3 x 0.5 / 0.002 = 75 UNI
        "WBTC": 625_000,  # 0.2 x 0.5 / 16 = 0.00625 WBTC, 8 decimals
    }
    assert value_per_set(units, PRICES, DECIMALS) == pytest.approx(0.5, rel=1e-15)


def test_cap_redistributes_until_no_weight_exceeds_it():
    # One pass caps A and gives B 0.3 x 0.6 / 0.5 = 0.36, above the cap; the second pass caps B.
    weights = {"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1}
    assert capped_weights(weights, 0.3) == pytest.approx({"A": 0.3, "B": 0.3, "C": 0.4 * 2 / 3, "D": 0.4 / 3})
    assert capped_weights({"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1}, 0.25) == {n: 0.25 for n in "ABCD"}


@settings(max_examples=200)
@given(weights=weight_sets(), cap=st.floats(min_value=0.05, max_value=1.0))
def test_capped_weights_respect_the_cap_and_keep_the_rest_in_proportion(weights, cap):
    positive = [n for n in weights if weights[n] > 0]
    if cap * len(positive) < math.fsum(weights.values()) - 1e-9:
        with pytest.raises(InvalidWeights):
            capped_weights(weights, cap)
        return
    capped = capped_weights(weights, cap)
    assert math.fsum(capped.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(w <= cap * (1 + 1e-12) for w in capped.values())
    free = [n for n in positive if capped[n] < cap * (1 - 1e-12)]
    for a in free:
        for b in free:
            assert capped[a] * weights[b] == pytest.approx(capped[b] * weights[a], rel=1e-9, abs=1e-300)
    assert all(capped[n] >= weights[n] * (1 - 1e-12) for n in free)


@settings(max_examples=100)
@given(weights=weight_sets(max_size=4), value=st.floats(min_value=1e-3, max_value=1e3))
def test_units_are_rounded_down_so_a_set_never_needs_more_than_its_value(weights, value):
    names = sorted(weights)
    prices = {n: 10.0 ** (i - 2) for i, n in enumerate(names)}
    decimals = {n: (18, 8, 6, 0)[i % 4] for i, n in enumerate(names)}
    units = units_from_weights(weights, prices, decimals, value)
    assert units == units_from_weights(dict(reversed(list(weights.items()))), prices, decimals, value)
    total = value_per_set(units, prices, decimals)
    assert total <= value * (1 + 1e-12)
    # Each unit loses less than one base unit to rounding.
    slack = sum(prices[n] / 10 ** decimals[n] for n in names)
    assert total >= value - slack - value * 1e-12


@pytest.mark.parametrize(
    "weights, match",
    [
        ({}, "empty"),
        ({"A": 0.7, "B": 0.4}, "sum to 1"),
        ({"A": 1.2, "B": -0.2}, "non-negative"),
        ({"A": float("nan"), "B": 1.0}, "non-negative"),
    ],
)
def test_bad_weights_are_refused_clearly(weights, match):
    with pytest.raises(InvalidWeights, match=match) as raised:
        validate_weights(weights)
    assert isinstance(raised.value, UsageError)


def test_missing_prices_and_bad_inputs_are_refused():
    with pytest.raises(InvalidComponentData, match="SNX"):
        units_from_weights({"SNX": 1.0}, PRICES, DECIMALS, 1.0)
    with pytest.raises(InvalidComponentData, match="value per set"):
        units_from_weights({"UNI": 1.0}, PRICES, DECIMALS, 0.0)
    with pytest.raises(InvalidWeights, match="cap"):
        units_from_weights({"UNI": 1.0}, PRICES, DECIMALS, 1.0, cap=0.0)
    with pytest.raises(InvalidWeights, match="at least 0.5"):
        units_from_weights({"UNI": 0.5, "AAVE": 0.5}, PRICES, DECIMALS, 1.0, cap=0.25)


def test_zero_weight_gives_unit_zero_and_needs_no_price():
    units = units_from_weights({"UNI": 1.0, "OLD": 0.0}, PRICES, DECIMALS, 1.0)
    assert units == {"OLD": 0, "UNI": 500 * 10**18}
