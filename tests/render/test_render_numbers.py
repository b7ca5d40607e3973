"""Human formatting of durations and gas prices: one format everywhere, enough digits to tell values apart."""

from __future__ import annotations

import pytest

from indexops.render.numbers import duration, gwei


@pytest.mark.parametrize("seconds, text", [
    (0, "0 s"), (45, "45 s"), (60, "1 min"), (90, "1 min 30 s"), (301, "5 min 1 s"), (3600, "1 h"),
    (14_400, "4 h"), (67_200, "18 h 40 min"), (86_400, "1 d"), (183_600, "2 d 3 h"),
    (2.1, "2.1 s"), (59.6, "1 min"),
])
def test_durations_in_their_two_largest_units(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize("seconds, text", [(3_630, "1 h 1 min"), (86_399, "1 d"), (183_900, "2 d 3 h")])
def test_durations_round_to_their_smaller_unit(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize("value, text", [
    (0, "0"), (30, "30.00"), (100, "100.00"), (0.0015, "0.0015"), (0.000000007, "0.000000007"), (0.5, "0.5"),
])
def test_gas_prices_keep_their_significant_digits(value, text):
    assert gwei(value) == text
