"""The keeper's gas policy: caps by urgency, the ripcord's cap from what is at stake, replacement bumps."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.leverage import Action, Reason, verdict
from indexops.leverage.errors import InvalidLeverageInput
from indexops.leverage.gas_policy import (
    GWEI,
    GasChoice,
    GasFees,
    GasPolicy,
    GasQuote,
    Urgency,
    bump,
    decide_gas,
    over_exposure_cost,
    ripcord_stake,
    routine_deadline,
    wei_per_gas,
)
from tests.leverage.cases import DAY, ETH, SETTINGS, T0, E, eth_price, exchanges, state_at_ratio

POLICY = GasPolicy(routine_max=30 * GWEI, iterate_max=200 * GWEI, ripcord_max=3_000 * GWEI)
props = settings(max_examples=150, deadline=None)
MAX = SETTINGS.methodology.max_leverage_ratio

fees_wei = st.integers(min_value=0, max_value=5_000 * GWEI)
tips = st.integers(min_value=0, max_value=50 * GWEI)
caps = st.integers(min_value=1, max_value=10_000 * GWEI)


def routine_state(elapsed: int = DAY + 10, ratio: int = 21 * E // 10):
    """In the band, the last trade `elapsed` seconds before T0: a rebalance only because the interval passed."""
    return state_at_ratio(ratio, global_last_trade_timestamp=T0 - elapsed)


def ripcord_state(ratio: int = 28 * E // 10, **fields):
    return state_at_ratio(ratio, **fields)


def twap_state():
    return state_at_ratio(19 * E // 10, twap_leverage_ratio=2 * E, global_last_trade_timestamp=T0 - 100)


def decision(state, base_fee: int, tip: int = GWEI, now: int | None = None, policy: GasPolicy = POLICY, eth_usd=None):
    chosen = verdict(state, SETTINGS, exchanges())
    at = state.timestamp if now is None else now
    return chosen, decide_gas(chosen, state, SETTINGS, GasQuote(base_fee, tip), at, policy, eth_usd)


def test_the_states_give_the_verdicts_the_policy_is_about():
    assert verdict(routine_state(), SETTINGS, exchanges()).reason is Reason.INTERVAL_ELAPSED
    assert verdict(twap_state(), SETTINGS, exchanges()).action is Action.ITERATE
    assert verdict(ripcord_state(), SETTINGS, exchanges()).action is Action.RIPCORD
    assert verdict(state_at_ratio(24 * E // 10), SETTINGS, exchanges()).reason is Reason.ABOVE_MAX


def test_a_routine_rebalance_waits_above_the_routine_max_and_pays_below_it():
    _, waits = decision(routine_state(), base_fee=50 * GWEI)
    assert waits.choice is GasChoice.WAIT and waits.urgency is Urgency.ROUTINE and waits.fees is None
    assert "above routine_max 30.00 gwei" in waits.why
    assert waits.wait_until == routine_deadline(routine_state(), SETTINGS) - POLICY.routine_urgent_within
    _, pays = decision(routine_state(), base_fee=10 * GWEI, tip=2 * GWEI)
    assert pays.choice is GasChoice.SEND and pays.fees == GasFees(22 * GWEI, 2 * GWEI)
    _, capped = decision(routine_state(), base_fee=20 * GWEI, tip=2 * GWEI)
    assert capped.fees == GasFees(30 * GWEI, 2 * GWEI)


def test_a_routine_rebalance_whose_interval_is_about_to_lapse_pays_up_to_iterate_max():
    state = routine_state(elapsed=2 * DAY - 60)  # one interval since it became possible, less a minute
    _, late = decision(state, base_fee=50 * GWEI)
    assert late.choice is GasChoice.SEND and late.cap == POLICY.iterate_max and "about to lapse" in late.why
    _, too_dear = decision(state, base_fee=250 * GWEI)
    assert too_dear.choice is GasChoice.WAIT and too_dear.cap == POLICY.iterate_max


def test_an_iterate_and_an_out_of_band_rebalance_pay_up_to_iterate_max():
    for state, gas in ((twap_state(), POLICY.iterate_gas), (state_at_ratio(24 * E // 10), POLICY.rebalance_gas)):
        _, pays = decision(state, base_fee=150 * GWEI, tip=GWEI)
        assert pays.choice is GasChoice.SEND and pays.urgency is Urgency.SCHEDULED and pays.gas == gas
        assert pays.fees == GasFees(200 * GWEI, GWEI)
        _, waits = decision(state, base_fee=201 * GWEI)
        assert waits.choice is GasChoice.WAIT and "iterate_max" in waits.why


def test_nothing_to_do_offers_nothing():
    _, nothing = decision(state_at_ratio(2 * E, global_last_trade_timestamp=T0 - 10), base_fee=GWEI)
    assert nothing.choice is GasChoice.NOTHING and nothing.fees is None and nothing.cap == 0


def test_the_ripcord_pays_at_least_what_its_reward_pays_back():
    far = ripcord_stake(ripcord_state(), reward=ETH, eth_usd=None, policy=POLICY, max_ratio=MAX)
    assert far.at_stake == 0 and far.cap == ETH // POLICY.ripcord_gas  # 1 ETH / 0.7 M gas = 1,428 gwei
    _, sends = decision(ripcord_state(), base_fee=1_000 * GWEI, tip=2 * GWEI)
    assert sends.choice is GasChoice.SEND and sends.fees is not None
    assert sends.fees.max_fee_per_gas == sends.cap == ETH // POLICY.ripcord_gas
    assert "ETH reward" in sends.why


def test_near_liquidation_the_ripcord_cap_is_what_a_liquidation_would_cost_up_to_ripcord_max():
    state = ripcord_state(ratio=36 * E // 10)  # ~3.6x: a 7.4% fall from Compound's 4x
    stake = ripcord_stake(state, reward=ETH, eth_usd=eth_price(2_000), policy=POLICY, max_ratio=MAX)
    assert stake.liquidation_drop is not None and 0 < stake.liquidation_drop < Fraction(1, 10)
    liquidation = Fraction(state.borrow_value * 8, 100) * stake.danger
    expected = int((liquidation + over_exposure_cost(state, MAX, POLICY)) / 2_000)
    assert abs(stake.at_stake - expected) <= 1 and stake.at_stake > ETH
    assert stake.cap == POLICY.ripcord_max
    small = GasPolicy(routine_max=GWEI, iterate_max=GWEI, ripcord_max=10**6 * GWEI)
    assert ripcord_stake(state, ETH, eth_price(2_000), small, MAX).cap == stake.at_stake // small.ripcord_gas


def test_just_over_the_ripcord_ratio_the_holders_over_exposure_lifts_the_cap_above_the_reward():
    state = ripcord_state(ratio=245 * E // 100)  # a fall of 21% from liquidation: no danger counted yet
    stake = ripcord_stake(state, reward=ETH, eth_usd=eth_price(2_000), policy=POLICY, max_ratio=MAX)
    assert stake.danger == 0
    equity = state.collateral_value - state.borrow_value
    above_max = state.collateral_value - Fraction(equity * MAX, E)  # the collateral beyond a 2.3x position
    assert above_max > 0
    assert abs(stake.at_stake - int(above_max / 10 / 2_000)) <= 1  # x a 10% further fall, in ETH at 2,000 USD
    assert stake.at_stake > ETH and stake.cap == POLICY.ripcord_max
    _, sends = decision(ripcord_state(), base_fee=1_700 * GWEI, eth_usd=eth_price(2_000))
    assert sends.choice is GasChoice.SEND and sends.cap == POLICY.ripcord_max and "ripcord_max" in sends.why


@props
@given(ratio=st.integers(min_value=E + 1, max_value=23 * E // 10), collateral=st.integers(10 * ETH, 10**6 * ETH))
def test_within_the_band_nothing_is_over_exposed(ratio, collateral):
    assert over_exposure_cost(state_at_ratio(ratio, collateral=collateral), MAX, POLICY) == 0


def test_a_ripcord_whose_cap_is_below_the_base_fee_waits_and_says_so():
    _, waits = decision(ripcord_state(), base_fee=2_000 * GWEI)
    assert waits.choice is GasChoice.WAIT and waits.cap_below_base_fee and "above the ripcord cap" in waits.why


@props
@given(
    kind=st.sampled_from(["routine", "twap", "out-of-band", "ripcord", "late"]),
    base_fee=fees_wei,
    tip=tips,
    routine=caps,
    iterate=caps,
    ripcord=caps,
    eth_usd=st.none() | st.integers(min_value=100, max_value=20_000).map(eth_price),
)
def test_never_above_the_cap(kind, base_fee, tip, routine, iterate, ripcord, eth_usd):
    state = {
        "routine": routine_state(),
        "late": routine_state(elapsed=2 * DAY),
        "twap": twap_state(),
        "out-of-band": state_at_ratio(24 * E // 10),
        "ripcord": ripcord_state(),
    }[kind]
    policy = GasPolicy(routine_max=routine, iterate_max=iterate, ripcord_max=ripcord)
    _, chosen = decision(state, base_fee, tip, policy=policy, eth_usd=eth_usd)
    assert chosen.cap <= max(routine, iterate, ripcord)
    if chosen.urgency is Urgency.RIPCORD:
        assert chosen.cap <= ripcord
    if chosen.fees is None:
        assert chosen.choice is GasChoice.WAIT and base_fee + min(tip, 1) > chosen.cap
        return
    fees = chosen.fees
    assert fees.max_fee_per_gas <= chosen.cap
    assert base_fee + fees.max_priority_fee_per_gas <= fees.max_fee_per_gas  # includable at this base fee
    assert fees.max_priority_fee_per_gas <= tip


@props
@given(
    ratio=st.integers(min_value=27 * E // 10, max_value=39 * E // 10),
    fall_bps=st.integers(min_value=0, max_value=1_500),
    collateral=st.integers(min_value=10 * ETH, max_value=100_000 * ETH),
    usd=st.integers(min_value=100, max_value=20_000),
    reward=st.integers(min_value=0, max_value=5 * ETH),
    ripcord_max=caps,
    eth_is_collateral=st.booleans(),
)
def test_the_ripcord_cap_is_monotone_in_the_danger(
    ratio, fall_bps, collateral, usd, reward, ripcord_max, eth_is_collateral
):
    policy = GasPolicy(routine_max=GWEI, iterate_max=GWEI, ripcord_max=ripcord_max)
    state = state_at_ratio(ratio, collateral=collateral, price=eth_price(usd))
    fallen = replace(state, collateral_price=state.collateral_price * (10_000 - fall_bps) // 10_000)
    before = ripcord_stake(state, reward, state.collateral_price if eth_is_collateral else eth_price(2_000), policy, MAX)
    after = ripcord_stake(fallen, reward, fallen.collateral_price if eth_is_collateral else eth_price(2_000), policy, MAX)
    assert after.danger >= before.danger
    assert after.at_stake >= before.at_stake
    assert after.cap >= before.cap
    assert after.cap == min(ripcord_max, max(after.at_stake, reward) // policy.ripcord_gas)


@props
@given(
    max_fee=st.integers(min_value=1, max_value=5_000 * GWEI),
    tip_share=st.fractions(min_value=0, max_value=1),
    cap=caps,
    attempt=st.integers(min_value=1, max_value=6),
    max_bumps=st.integers(min_value=0, max_value=5),
    base_fee=st.none() | fees_wei,
)
def test_a_bump_is_at_least_an_eighth_more_and_never_above_the_cap_or_none(
    max_fee, tip_share, cap, attempt, max_bumps, base_fee
):
    previous = GasFees(max_fee, int(max_fee * tip_share))
    bumped = bump(previous, cap, attempt, max_bumps, base_fee)
    if attempt > max_bumps:
        assert bumped is None
    if bumped is None:
        return
    assert 8 * bumped.max_fee_per_gas >= 9 * previous.max_fee_per_gas
    assert 8 * bumped.max_priority_fee_per_gas >= 9 * previous.max_priority_fee_per_gas
    assert bumped.max_priority_fee_per_gas <= bumped.max_fee_per_gas <= cap


def test_bump_examples():
    assert bump(GasFees(80 * GWEI, 2 * GWEI), 200 * GWEI, 1, 3) == GasFees(90 * GWEI, 2_250_000_000)
    assert bump(GasFees(80 * GWEI, 2 * GWEI), 89 * GWEI, 1, 3) is None  # the smallest replacement passes the cap
    assert bump(GasFees(80 * GWEI, 2 * GWEI), 200 * GWEI, 4, 3) is None  # bumps spent
    assert bump(GasFees(80 * GWEI, 2 * GWEI), 150 * GWEI, 1, 3, base_fee=100 * GWEI) == GasFees(
        150 * GWEI, 2_250_000_000
    )
    with pytest.raises(InvalidLeverageInput):
        bump(GasFees(GWEI, GWEI), GWEI, 0, 3)


@props
@given(elapsed=st.integers(min_value=DAY + 1, max_value=3 * DAY), base_fee=fees_wei, tip=tips)
def test_routine_never_pays_above_routine_max_unless_the_interval_is_about_to_lapse(elapsed, base_fee, tip):
    state = routine_state(elapsed=elapsed)
    chosen, gas = decision(state, base_fee, tip)
    if chosen.reason is not Reason.INTERVAL_ELAPSED:
        return
    lapsing = T0 >= routine_deadline(state, SETTINGS) - POLICY.routine_urgent_within
    if not lapsing:
        assert gas.cap == POLICY.routine_max
        assert gas.fees is None or gas.fees.max_fee_per_gas <= POLICY.routine_max
    else:
        assert gas.cap == POLICY.iterate_max


def test_policy_values_are_checked_and_gwei_convert_exactly():
    assert wei_per_gas(0.1) == 10**8 and wei_per_gas(30) == 30 * GWEI
    with pytest.raises(InvalidLeverageInput, match="routine_max"):
        GasPolicy(routine_max=0, iterate_max=GWEI, ripcord_max=GWEI)
