"""Ratios, recentering, chunk sizes and trades: the contract's integer maths and its invariants."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexops.leverage import (
    ExchangeSettings,
    Methodology,
    Reverts,
    borrow_units,
    chunk_rebalance_notional,
    collateral_balance_from_ctokens,
    current_leverage_ratio,
    decimal_adjustment,
    is_advantageous_twap,
    leverage_ratio,
    max_borrow_collateral,
    new_leverage_ratio,
    oracle_price,
    rebalance_notional,
    validate_settings,
)
from indexops.leverage.precise import precise_div, precise_mul
from indexops.leverage.trades import delever_to_zero_trade, delever_trade, lever_trade
from tests.leverage.cases import (
    CF,
    ETH,
    SETTINGS,
    SUSHI,
    UNI,
    USDC,
    USDC_PRICE,
    E,
    eth_price,
    exchange,
    ratios,
    state_at_ratio,
    state_with,
    states,
)

UNUTILIZED = SETTINGS.execution.unutilized_leverage_percentage
props = settings(max_examples=150, deadline=None)


@st.composite
def methodologies(draw) -> Methodology:
    low = draw(ratios(1.01, 3.0))
    target = draw(st.integers(min_value=low, max_value=low + 2 * E))
    high = draw(st.integers(min_value=target, max_value=target + 2 * E))
    speed = draw(st.integers(min_value=1, max_value=E))
    return Methodology(target, low, high, speed, 86_400)


# --- precise maths and valuation -------------------------------------------------------------------


def test_precise_maths_rounds_down_and_reverts_like_safemath():
    assert precise_mul(3, E // 2) == 1
    assert precise_div(1, 3) == E // 3
    with pytest.raises(Reverts, match="SafeMath: division by zero"):
        precise_div(1, 0)
    with pytest.raises(Reverts, match="SafeMath: multiplication overflow"):
        precise_mul(2**255, 2)


def test_oracle_prices_are_adjusted_to_28_minus_decimals():
    assert decimal_adjustment(18) == 10 and decimal_adjustment(6) == 22 and decimal_adjustment(8) == 20
    assert oracle_price(2_000 * 10**8, 10) == 2_000 * E
    assert USDC_PRICE == 10**30
    assert USDC_PRICE * 1_000 * USDC // E == 1_000 * E  # 1,000 USDC is 1,000 USD in precise units
    with pytest.raises(Reverts, match="SafeCast: value must be positive"):
        oracle_price(-1, 10)
    assert collateral_balance_from_ctokens(50 * 10**8, 2 * 10**26) == ETH  # 50 cETH at 0.02


def test_the_current_ratio_is_collateral_over_equity():
    assert current_leverage_ratio(2_000 * E, 1_000 * E) == 2 * E
    assert current_leverage_ratio(1_000 * E, 0) == E
    assert current_leverage_ratio(3 * E, 1 * E) == 3 * E // 2
    with pytest.raises(Reverts, match="subtraction overflow"):
        current_leverage_ratio(E, 2 * E)
    with pytest.raises(Reverts, match="division by zero"):
        current_leverage_ratio(E, E)


def test_a_state_is_valued_as_the_contract_values_it():
    state = state_at_ratio(2 * E, collateral=2_000 * ETH)
    assert state.collateral_value == 4_000_000 * E
    assert state.borrow_value == 2_000_000 * E
    assert state.borrow_balance == 2_000_000 * USDC
    assert leverage_ratio(state) == 2 * E


# --- recentering ---------------------------------------------------------------------------------


def test_recentering_moves_the_speed_toward_the_target_and_clamps():
    m = SETTINGS.methodology
    assert new_leverage_ratio(22 * E // 10, m) == 219 * E // 100  # 2.2 x 0.95 + 2 x 0.05
    assert new_leverage_ratio(18 * E // 10, m) == 181 * E // 100
    assert new_leverage_ratio(25 * E // 10, m) == m.max_leverage_ratio  # 2.475 clamped to 2.3
    assert new_leverage_ratio(12 * E // 10, m) == m.min_leverage_ratio  # 1.24 raised to 1.7
    assert new_leverage_ratio(2 * E, m) == 2 * E


@props
@given(methodology=methodologies(), current=ratios(1.0, 6.0))
def test_the_recentred_ratio_is_within_the_band_and_moves_toward_the_target(methodology, current):
    new = new_leverage_ratio(current, methodology)
    target = methodology.target_leverage_ratio

    def clamp(ratio: int) -> int:
        return max(methodology.min_leverage_ratio, min(ratio, methodology.max_leverage_ratio))

    assert methodology.min_leverage_ratio <= new <= methodology.max_leverage_ratio
    # between where it was and the target (two roundings down may cost 2 wei), then clamped into the band
    assert clamp(min(current, target) - 2) <= new <= clamp(max(current, target))
    assert abs(new - target) <= abs(clamp(current) - target) + 2


def test_a_twap_is_advantageous_when_the_price_carries_the_ratio_past_its_goal():
    target = 2 * E
    assert is_advantageous_twap(19 * E // 10, 18 * E // 10, target)  # levering toward 1.8, already at 1.9
    assert not is_advantageous_twap(17 * E // 10, 18 * E // 10, target)
    assert is_advantageous_twap(22 * E // 10, 23 * E // 10, target)  # delevering toward 2.3, already at 2.2
    assert not is_advantageous_twap(24 * E // 10, 23 * E // 10, target)
    assert not is_advantageous_twap(2 * E, 2 * E, target)  # a TWAP at the target itself never is


# --- chunks --------------------------------------------------------------------------------------


def test_engage_sized_chunks_take_the_least_of_total_headroom_and_trade_size():
    state = replace(state_at_ratio(E, collateral=1_000 * ETH), borrow_balance=0)
    chunk = rebalance_notional(state, E, 2 * E, True, 200 * ETH, UNUTILIZED)
    assert chunk.total == 1_000 * ETH
    assert chunk.max_borrow == 742_500 * ETH // 1_000  # 75% x 99% of 1,000 ETH
    assert chunk.chunk == 200 * ETH and chunk.is_twap and chunk.capped_by == "trade size"
    wide = rebalance_notional(state, E, 2 * E, True, 10_000 * ETH, UNUTILIZED)
    assert wide.chunk == wide.max_borrow and wide.capped_by == "borrow limit"


def test_the_delever_headroom_is_the_collateral_share_of_the_unused_limit():
    state = state_at_ratio(3 * E, collateral=1_000 * ETH)  # borrow = 2/3 of collateral value
    limit = state.collateral_value * CF // E * (E - UNUTILIZED) // E
    expected = precise_div(precise_mul(state.collateral_balance, limit - state.borrow_value), limit)
    assert max_borrow_collateral(state, UNUTILIZED, False) == expected
    deep = state_at_ratio(39 * E // 10, collateral=1_000 * ETH)  # borrow above 74.25% of collateral
    with pytest.raises(Reverts, match="subtraction overflow"):
        max_borrow_collateral(deep, UNUTILIZED, False)


@props
@given(state=states(1.05, 3.8), new=ratios(1.0, 3.0), cap=st.integers(min_value=0, max_value=10**24))
def test_chunks_never_exceed_the_caps(state, new, cap):
    current = leverage_ratio(state)
    is_lever = new > current
    try:
        chunk = rebalance_notional(state, current, new, is_lever, cap, UNUTILIZED)
    except Reverts:
        assume(False)
    assert chunk.chunk <= cap and chunk.chunk <= chunk.total and chunk.chunk <= chunk.max_borrow
    assert chunk.chunk == min(cap, chunk.total, chunk.max_borrow)
    assert chunk.is_twap == (chunk.chunk < chunk.total)


@props
@given(state=states(1.05, 3.8), twap=st.integers(min_value=0, max_value=3) | ratios(1.1, 2.6))
def test_get_chunk_rebalance_notional_stays_within_each_exchanges_cap(state, twap):
    state = replace(state, twap_leverage_ratio=twap if twap > 3 else 0)
    small = ExchangeSettings(twap_max_trade_size=7 * ETH, incentivized_twap_max_trade_size=11 * ETH)
    exchanges = {UNI: exchange(), SUSHI: small}
    try:
        sizes = chunk_rebalance_notional(state, SETTINGS, exchanges, [UNI, SUSHI, "unknown"])
    except Reverts:
        assume(False)
    assert sizes.size("unknown") == 0
    for name, size in sizes.sizes[:2]:
        settings_ = exchanges[name]
        cap = settings_.incentivized_twap_max_trade_size if sizes.is_ripcord else settings_.twap_max_trade_size
        assert size <= (borrow_units(cap, state) if sizes.is_lever else cap)
    assert sizes.is_ripcord == (sizes.current_ratio > SETTINGS.incentive.incentivized_leverage_ratio)
    assert sizes.sell_asset == ("borrow" if sizes.is_lever else "collateral")


def test_get_chunk_rebalance_notional_uses_strictly_above_for_the_ripcord():
    exchanges = {UNI: exchange()}
    at = state_with(collateral=2_700 * ETH, debt=3_400_000 * USDC)  # 5.4 M USD against 3.4 M: exactly 2.7x
    assert leverage_ratio(at) == SETTINGS.incentive.incentivized_leverage_ratio
    sizes = chunk_rebalance_notional(at, SETTINGS, exchanges, [UNI])
    assert not sizes.is_ripcord and sizes.size(UNI) == 200 * ETH  # the normal cap, toward the recentred ratio
    deep = state_at_ratio(28 * E // 10)
    above = chunk_rebalance_notional(deep, SETTINGS, exchanges, [UNI])
    assert above.is_ripcord and above.new_ratio == SETTINGS.methodology.max_leverage_ratio
    # the incentivized cap is 500 ETH, but the redeemable headroom is smaller: one ripcord cannot reach the maximum
    assert above.size(UNI) == max_borrow_collateral(deep, UNUTILIZED, False) < 500 * ETH
    wide = chunk_rebalance_notional(state_at_ratio(28 * E // 10, collateral=20_000 * ETH), SETTINGS, exchanges, [UNI])
    assert wide.size(UNI) == 500 * ETH


def test_get_chunk_rebalance_notional_sizes_a_lever_in_the_borrow_asset_even_with_no_debt():
    state = replace(state_at_ratio(E, collateral=1_000 * ETH), borrow_balance=0)
    sizes = chunk_rebalance_notional(state, SETTINGS, {UNI: exchange()}, [UNI])
    assert sizes.is_lever and sizes.new_ratio == SETTINGS.methodology.min_leverage_ratio
    assert sizes.size(UNI) == 200 * 2_000 * USDC  # 200 ETH of USDC at 2,000 USD


# --- trades --------------------------------------------------------------------------------------


@props
@given(state=states(1.05, 2.6), new=ratios(1.2, 2.6), cap=st.integers(min_value=ETH, max_value=10**24))
def test_a_whole_chunk_lands_on_the_new_ratio_and_a_part_short_of_it(state, new, cap):
    current = leverage_ratio(state)
    assume(abs(new - current) > E // 1000)
    is_lever = new > current
    try:
        chunk = rebalance_notional(state, current, new, is_lever, cap, UNUTILIZED)
        trade = (lever_trade if is_lever else delever_trade)(state, chunk, 2 * E // 100)
    except Reverts:
        assume(False)
    # the per-set units round down to a base unit of each asset: that much of each, per set, may go missing
    equity = state.collateral_value - state.borrow_value
    tolerance = (state.set_total_supply // E + 2) * (state.collateral_price + state.borrow_price) // equity + E // 10**9
    if chunk.chunk == chunk.total:
        assert abs(trade.expected_ratio - new) <= tolerance
    elif is_lever:
        assert current - tolerance <= trade.expected_ratio <= new + tolerance
    else:
        assert new - tolerance <= trade.expected_ratio <= current + tolerance
    assert trade.min_receive_notional <= trade.expected_receive_notional


def test_a_lever_sends_the_chunk_in_borrow_units_through_the_per_set_rounding():
    state = state_at_ratio(18 * E // 10)
    chunk = rebalance_notional(state, leverage_ratio(state), 2 * E, True, 10 * ETH, UNUTILIZED)
    trade = lever_trade(state, chunk, 2 * E // 100)
    units = precise_div(10 * ETH, state.set_total_supply)
    assert trade.send_units == precise_div(precise_mul(units, state.collateral_price), state.borrow_price)
    assert trade.send_notional == precise_mul(trade.send_units, state.set_total_supply)
    assert trade.min_receive_units == precise_mul(units, E - 2 * E // 100)
    assert abs(trade.send_notional - 20_000 * USDC) <= 20_000  # rounding of the per-set units only


def test_a_trade_of_nothing_reverts_in_the_module():
    state = state_at_ratio(2 * E)
    chunk = rebalance_notional(state, 2 * E, 2 * E, True, 200 * ETH, UNUTILIZED)
    with pytest.raises(Reverts, match="Quantity is 0"):
        lever_trade(state, chunk, 0)


def test_the_last_disengage_redeems_total_plus_slippage_and_repays_everything():
    state = state_at_ratio(11 * E // 10, collateral=1_000 * ETH)
    chunk = rebalance_notional(state, leverage_ratio(state), E, False, 200 * ETH, UNUTILIZED)
    assert chunk.chunk == chunk.total
    trade = delever_to_zero_trade(state, chunk, 2 * E // 100)
    assert trade.borrow_after == 0 and trade.to_zero
    assert trade.send_notional == precise_mul(
        precise_div(precise_mul(chunk.total, E + 2 * E // 100), state.set_total_supply), state.set_total_supply
    )
    greedy = delever_to_zero_trade(state_at_ratio(2 * E, collateral=1_000 * ETH), chunk, 60 * E // 100)
    assert greedy.send_notional > chunk.total
    with pytest.raises(Reverts, match="Redeem underlying failed"):
        big = rebalance_notional(state_at_ratio(2 * E), 2 * E, E, False, 10**30, 0)
        delever_to_zero_trade(state_at_ratio(2 * E), big, 60 * E // 100)


def test_settings_are_validated_as_the_contract_validates_them():
    validate_settings(SETTINGS, {UNI: exchange()})
    bad = replace(SETTINGS, incentive=replace(SETTINGS.incentive, incentivized_leverage_ratio=2 * E))
    with pytest.raises(Reverts, match="Incentivized leverage ratio must be > max leverage ratio"):
        validate_settings(bad)
    with pytest.raises(Reverts, match="Max TWAP trade size must not be 0"):
        validate_settings(SETTINGS, {UNI: exchange(size=0)})
    slow = replace(SETTINGS, execution=replace(SETTINGS.execution, twap_cooldown_period=0))
    with pytest.raises(Reverts, match="TWAP cooldown must be greater than incentivized TWAP cooldown"):
        validate_settings(slow)


def test_eth_price_helper():
    assert eth_price(2_000) == 2_000 * E
