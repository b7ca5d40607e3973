"""Risk numbers: price falls to the maximum, the ripcord and liquidation; NAV; the ratio after a price move."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexops.leverage import (
    InvalidLeverageInput,
    Reverts,
    leverage_ratio,
    liquidation_price_drop,
    nav_per_token,
    price_drop_to_ratio,
    ratio_after_price_move,
    risk,
)
from indexops.leverage.risk import liquidation_ratio
from tests.leverage.cases import CF, ETH, SETTINGS, SUPPLY, USDC, E, ratios, state_at_ratio, state_with, states

props = settings(max_examples=150, deadline=None)
TWO_X = state_with(collateral=2_000 * ETH, debt=2_000_000 * USDC)  # 4 M USD of ETH against 2 M USD of USDC


def test_at_two_x_the_lines_are_where_the_algebra_puts_them():
    assert leverage_ratio(TWO_X) == 2 * E
    assert price_drop_to_ratio(TWO_X, 23 * E // 10) == 1 - Fraction(23, 26)  # 11.54%
    assert price_drop_to_ratio(TWO_X, 27 * E // 10) == 1 - Fraction(27, 34)  # 20.59%
    assert liquidation_price_drop(TWO_X) == Fraction(1, 3)  # 75% x 2/3 of 4 M = 2 M
    assert liquidation_ratio(CF) == 4
    numbers = risk(TWO_X, SETTINGS)
    assert numbers.drop_to_max_pct == pytest.approx(11.538461538)
    assert numbers.drop_to_ripcord_pct == pytest.approx(20.588235294)
    assert numbers.drop_to_liquidation_pct == pytest.approx(33.333333333)
    assert numbers.liquidation_leverage_ratio == 4.0
    assert numbers.nav_per_token == 100 * E  # 2 M USD of equity over 20,000 tokens


def test_a_25_percent_fall_takes_two_x_to_three_x_exactly():
    assert ratio_after_price_move(TWO_X, -25) == 3 * E
    assert ratio_after_price_move(TWO_X, 0) == 2 * E
    assert ratio_after_price_move(TWO_X, 100) == 4 * E // 3
    assert ratio_after_price_move(TWO_X, -25.0) == ratio_after_price_move(TWO_X, Fraction(-25))


def test_a_fall_past_the_equity_reverts_as_the_contract_does():
    with pytest.raises(Reverts):
        ratio_after_price_move(TWO_X, -50)
    with pytest.raises(InvalidLeverageInput):
        ratio_after_price_move(TWO_X, -101)


def test_a_line_already_crossed_is_a_negative_drop_and_no_debt_is_never_reached():
    deep = state_at_ratio(3 * E)
    assert price_drop_to_ratio(deep, 27 * E // 10) < 0
    no_debt = replace(TWO_X, borrow_balance=0)
    assert price_drop_to_ratio(no_debt, 27 * E // 10) is None and liquidation_price_drop(no_debt) is None
    assert risk(no_debt, SETTINGS).drop_to_ripcord_pct is None
    assert nav_per_token(no_debt) == 4_000_000 * E * E // SUPPLY


@props
@given(state=states(1.05, 3.9), line=ratios(1.1, 3.9))
def test_liquidation_is_further_than_any_ratio_below_the_liquidation_ratio(state, line):
    drop = price_drop_to_ratio(state, line)
    liquidation = liquidation_price_drop(state)
    assert line < liquidation_ratio(state.collateral_factor) * E
    assert liquidation > drop


@props
@given(state=states(1.05, 3.9))
def test_the_ripcord_comes_before_liquidation_and_the_maximum_before_the_ripcord(state):
    numbers = risk(state, SETTINGS)
    assert numbers.drop_to_max_pct < numbers.drop_to_ripcord_pct < numbers.drop_to_liquidation_pct


@props
@given(state=states(1.05, 3.9), moves=st.lists(st.integers(min_value=-9_000, max_value=50_000), min_size=2, max_size=6))
def test_the_ratio_after_a_price_move_falls_as_the_price_rises(state, moves):
    ratios_after = []
    for move in sorted(moves):
        try:
            ratios_after.append(ratio_after_price_move(state, Fraction(move, 100)))
        except Reverts:
            ratios_after.append(None)
    known = [ratio for ratio in ratios_after if ratio is not None]
    assert known == sorted(known, reverse=True)
    # a move that leaves no equity reverts, and so does every larger fall
    if None in ratios_after:
        first = ratios_after.index(None)
        assert all(ratio is None for ratio in ratios_after[: first + 1])


@props
@given(state=states(1.05, 2.9), pct=st.integers(min_value=-30, max_value=30))
def test_the_ratio_after_a_move_agrees_with_the_exact_ratio_and_the_drop_lands_on_its_line(state, pct):
    collateral, borrow = Fraction(state.collateral_value), Fraction(state.borrow_value)
    moved = collateral * (1 + Fraction(pct, 100))
    assume(moved > borrow * Fraction(101, 100))
    exact = moved / (moved - borrow) * E
    assert abs(ratio_after_price_move(state, pct) - exact) <= exact / 1000
    line = 27 * E // 10
    drop = price_drop_to_ratio(state, line)
    assume(drop < Fraction(99, 100))
    landed = ratio_after_price_move(state, -drop * 100)
    assert abs(landed - line) <= line // 10**6
