"""The keeper's verdict beside what shouldRebalance() answers, in every state where the two differ and more."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexops.leverage import (
    Action,
    Call,
    Reason,
    Reverts,
    ShouldRebalance,
    check_call,
    leverage_ratio,
    new_leverage_ratio,
    plan_disengage,
    plan_engage,
    should_rebalance,
    should_rebalance_with_bounds,
    state_after,
    verdict,
)
from indexops.leverage.chunks import max_borrow_collateral
from indexops.leverage.verdict import decide
from tests.leverage.cases import (
    DAY,
    ETH,
    SETTINGS,
    SUSHI,
    T0,
    UNI,
    E,
    exchange,
    exchanges,
    state_at_ratio,
    states,
)

M, INC = SETTINGS.methodology, SETTINGS.incentive
NONE, REBALANCE, ITERATE, RIPCORD = (
    ShouldRebalance.NONE,
    ShouldRebalance.REBALANCE,
    ShouldRebalance.ITERATE_REBALANCE,
    ShouldRebalance.RIPCORD,
)
props = settings(max_examples=120, deadline=None)


def just_engaged(names: list[str]):
    """1,000 ETH engaged at T0 through the first exchange (the others traded in the same block)."""
    start = replace(state_at_ratio(E, collateral=1_000 * ETH), borrow_balance=0)
    enabled = {name: exchange(T0) for name in names}
    plan = plan_engage(start, SETTINGS, enabled, names[0])
    return state_after(start, enabled, plan)


# --- where shouldRebalance() is wrong (docs: shared reference, leverage.md) --------------------------


def test_just_engaged_under_the_minimum_it_says_none_while_iterate_goes_through():
    state, names = just_engaged([UNI])
    state = state.at(T0 + 5)
    assert leverage_ratio(state) < M.min_leverage_ratio and state.twap_leverage_ratio == 2 * E
    assert should_rebalance(state, SETTINGS, names) == {UNI: NONE}
    assert check_call(Call.ITERATE, state, SETTINGS, names, UNI).ok
    advice = verdict(state, SETTINGS, names)
    assert advice.action is Action.ITERATE and advice.reason is Reason.TWAP_ITERATE
    assert advice.exchange == UNI and advice.chunk.chunk == 200 * ETH
    assert advice.expected_ratio == 14 * E // 10
    assert advice.next_possible_at == T0 + 5  # still under the minimum after this chunk: again at once


def test_just_engaged_with_two_exchanges_it_answers_differently_per_exchange():
    state, names = just_engaged([UNI, SUSHI])
    state = state.at(T0 + 5)
    assert should_rebalance(state, SETTINGS, names) == {UNI: NONE, SUSHI: NONE}
    assert [option.ok for option in verdict(state, SETTINGS, names).options] == [True, True]
    older = {**names, SUSHI: exchange(0)}
    assert should_rebalance(state, SETTINGS, older) == {UNI: NONE, SUSHI: ITERATE}
    assert verdict(state, SETTINGS, older).action is Action.ITERATE


def test_fully_disengaged_it_says_rebalance_which_reverts_for_want_of_debt():
    state = replace(
        state_at_ratio(2 * E, collateral=1_000 * ETH, global_last_trade_timestamp=T0 - 10), borrow_balance=0
    )
    assert leverage_ratio(state) == E
    assert should_rebalance(state, SETTINGS, exchanges(T0 - 10, T0 - 10)) == {UNI: REBALANCE, SUSHI: REBALANCE}
    assert check_call(Call.REBALANCE, state, SETTINGS, exchanges(), UNI).reason == "Borrow balance must exist"
    advice = verdict(state, SETTINGS, exchanges())
    assert advice.action is Action.NOTHING and advice.reason is Reason.NOT_ENGAGED
    assert advice.next_possible_at is None and advice.plan is None


def test_during_a_partial_disengage_it_says_rebalance_and_a_keeper_would_re_lever():
    state, names = state_at_ratio(2 * E, global_last_trade_timestamp=T0 - 100), exchanges()
    while leverage_ratio(state) >= M.min_leverage_ratio:
        state, names = state_after(state, names, plan_disengage(state, SETTINGS, names, UNI))
    assert state.borrow_balance > 0  # part way: the contract records no trace of the disengage
    assert should_rebalance(state, SETTINGS, names) == {UNI: REBALANCE, SUSHI: REBALANCE}
    relever = check_call(Call.REBALANCE, state, SETTINGS, names, UNI)
    assert relever.ok and relever.plan.trade.is_lever
    assert verdict(state, SETTINGS, names).action is Action.REBALANCE  # what the state alone suggests
    told = replace(state, disengage_in_progress=True)
    advice = verdict(told, SETTINGS, names)
    assert advice.action is Action.NOTHING and advice.reason is Reason.DISENGAGING
    assert advice.next_possible_at is None


def test_the_ripcord_cooldown_is_strict_and_the_verdict_says_when_it_ends():
    state = state_at_ratio(28 * E // 10, timestamp=T0 + 1)
    names = exchanges(T0, T0)  # both exchanges ripcorded at T0
    assert should_rebalance(state, SETTINGS, names) == {UNI: NONE, SUSHI: NONE}  # T0 + 1 < T0 + 1 is false
    advice = verdict(state, SETTINGS, names)
    assert advice.action is Action.NOTHING and advice.reason is Reason.RIPCORD_COOLDOWN
    assert advice.next_possible_at == T0 + 2
    later = state.at(T0 + 2)
    assert should_rebalance(later, SETTINGS, names) == {UNI: RIPCORD, SUSHI: RIPCORD}
    assert verdict(later, SETTINGS, names).action is Action.RIPCORD


def test_it_says_ripcord_on_an_exchange_without_an_incentivized_size():
    state = state_at_ratio(28 * E // 10)
    names = {UNI: exchange(incentivized=0), SUSHI: exchange()}
    assert should_rebalance(state, SETTINGS, names) == {UNI: RIPCORD, SUSHI: RIPCORD}
    advice = verdict(state, SETTINGS, names)
    assert advice.action is Action.RIPCORD and advice.exchange == SUSHI
    assert advice.options[0].check.reason == "Must be valid exchange"


def test_it_says_ripcord_where_the_borrow_is_past_the_limit_and_every_ripcord_reverts():
    state = state_at_ratio(39 * E // 10)
    assert should_rebalance(state, SETTINGS, exchanges()) == {UNI: RIPCORD, SUSHI: RIPCORD}
    advice = verdict(state, SETTINGS, exchanges())
    assert advice.action is Action.NOTHING and advice.reason is Reason.RIPCORD_BLOCKED
    assert "SafeMath: subtraction overflow" in advice.detail


def test_it_says_rebalance_at_the_target_where_rebalance_has_nothing_to_trade():
    state = state_at_ratio(2 * E, global_last_trade_timestamp=T0 - DAY - 1)
    assert should_rebalance(state, SETTINGS, exchanges()) == {UNI: REBALANCE, SUSHI: REBALANCE}
    advice = verdict(state, SETTINGS, exchanges())
    assert advice.action is Action.NOTHING and advice.reason is Reason.REBALANCE_BLOCKED
    assert "Quantity is 0" in advice.detail


# --- the other situations ------------------------------------------------------------------------


def test_above_the_incentivized_ratio_it_ripcords_on_the_largest_chunk():
    state = state_at_ratio(28 * E // 10, collateral=20_000 * ETH)
    names = {UNI: exchange(incentivized=300 * ETH), SUSHI: exchange()}
    advice = verdict(state, SETTINGS, names)
    assert should_rebalance(state, SETTINGS, names) == {UNI: RIPCORD, SUSHI: RIPCORD}
    assert advice.action is Action.RIPCORD and advice.reason is Reason.RIPCORD
    assert advice.exchange == SUSHI and advice.chunk.chunk == 500 * ETH
    assert advice.target_ratio == M.max_leverage_ratio and advice.plan.ether_reward == ETH
    assert M.max_leverage_ratio < advice.expected_ratio < leverage_ratio(state)
    assert advice.next_possible_at == T0  # still above 2.7x after it: the other exchange may ripcord at once


def test_a_band_breach_rebalances_at_once_and_in_band_waits_for_the_interval():
    above = state_at_ratio(24 * E // 10, global_last_trade_timestamp=T0 - 60)
    advice = verdict(above, SETTINGS, exchanges())
    assert should_rebalance(above, SETTINGS, exchanges()) == {UNI: REBALANCE, SUSHI: REBALANCE}
    assert advice.action is Action.REBALANCE and advice.reason is Reason.ABOVE_MAX
    assert advice.target_ratio == M.max_leverage_ratio and not advice.trade.is_lever
    below = verdict(state_at_ratio(16 * E // 10, global_last_trade_timestamp=T0 - 60), SETTINGS, exchanges())
    assert below.action is Action.REBALANCE and below.reason is Reason.BELOW_MIN and below.trade.is_lever
    inside = state_at_ratio(21 * E // 10, global_last_trade_timestamp=T0 - 60)
    wait = verdict(inside, SETTINGS, exchanges())
    assert should_rebalance(inside, SETTINGS, exchanges()) == {UNI: NONE, SUSHI: NONE}
    assert wait.action is Action.NOTHING and wait.reason is Reason.IN_BAND
    assert wait.next_possible_at == T0 - 60 + DAY + 1


def test_once_the_interval_has_passed_it_recentres():
    state = state_at_ratio(21 * E // 10, global_last_trade_timestamp=T0 - DAY - 1)
    advice = verdict(state, SETTINGS, exchanges())
    assert should_rebalance(state, SETTINGS, exchanges()) == {UNI: REBALANCE, SUSHI: REBALANCE}
    assert advice.action is Action.REBALANCE and advice.reason is Reason.INTERVAL_ELAPSED
    assert advice.target_ratio == new_leverage_ratio(leverage_ratio(state), M)
    assert abs(advice.target_ratio - 2095 * E // 1000) < E // 10**9  # 2.1 x 95% + 2 x 5%
    assert advice.next_possible_at == T0 + DAY + 1


def test_a_twap_in_band_waits_for_its_cooldown_then_iterates():
    state = replace(state_at_ratio(19 * E // 10, timestamp=T0 + 10), twap_leverage_ratio=2 * E)
    names = exchanges(T0, T0)
    advice = verdict(state, SETTINGS, names)
    assert advice.action is Action.NOTHING and advice.reason is Reason.TWAP_COOLDOWN
    assert advice.next_possible_at == T0 + 31
    assert verdict(state.at(T0 + 31), SETTINGS, names).action is Action.ITERATE


def test_a_twap_passed_by_the_price_is_ended_by_an_iterate_without_a_trade():
    state = replace(state_at_ratio(19 * E // 10, timestamp=T0 + 31), twap_leverage_ratio=18 * E // 10)
    advice = verdict(state, SETTINGS, exchanges(T0, T0))
    assert advice.action is Action.ITERATE and advice.reason is Reason.TWAP_ADVANTAGEOUS
    assert advice.trade is None and advice.chunk is None and advice.expected_ratio == leverage_ratio(state)


def test_an_engage_followed_to_the_end_reaches_the_target_and_then_waits_a_day():
    state, names = just_engaged([UNI])
    state = state.at(T0 + 1)
    calls = []
    while True:
        advice = verdict(state, SETTINGS, names)
        if advice.action is Action.NOTHING:
            break
        calls.append((advice.action, state.timestamp - T0))
        state, names = state_after(state, names, advice.plan)
        if advice.next_possible_at is None:
            break
        state = state.at(advice.next_possible_at)
        assert len(calls) < 10
    assert [action for action, _ in calls] == [Action.ITERATE] * 4
    assert [offset for _, offset in calls] == [1, 1, 1, 32]  # under the minimum no cooldown is needed
    assert state.twap_leverage_ratio == 0 and abs(leverage_ratio(state) - 2 * E) < E // 10**6
    # so near the target a rebalance rounds to nothing per set (and reverts): no time alone allows a call
    assert advice.next_possible_at is None
    assert verdict(state, SETTINGS, names).reason is Reason.IN_BAND
    # once the price has moved, a rebalance is possible a day after the last trade
    moved = replace(state, collateral_price=state.collateral_price * 101 // 100)
    assert verdict(moved, SETTINGS, names).next_possible_at == state.global_last_trade_timestamp + DAY + 1


def test_with_bounds_it_refuses_tighter_bounds_and_reports_against_the_wider_ones():
    state = state_at_ratio(24 * E // 10, global_last_trade_timestamp=T0 - 60)
    with pytest.raises(Reverts, match="Custom bounds must be valid"):
        should_rebalance_with_bounds(state, SETTINGS, exchanges(), 18 * E // 10, 23 * E // 10)
    assert should_rebalance_with_bounds(state, SETTINGS, exchanges(), 15 * E // 10, 25 * E // 10) == {
        UNI: NONE,
        SUSHI: NONE,
    }


def test_no_supply_no_collateral_no_exchange_and_underwater_are_nothing():
    state = state_at_ratio(2 * E)
    assert verdict(state, SETTINGS, {}).reason is Reason.NO_EXCHANGE
    assert verdict(replace(state, set_total_supply=0), SETTINGS, exchanges()).reason is Reason.NO_SUPPLY
    assert verdict(replace(state, collateral_balance=0), SETTINGS, exchanges()).reason is Reason.NO_COLLATERAL
    underwater = replace(state, borrow_balance=state.borrow_balance * 3)
    advice = verdict(underwater, SETTINGS, exchanges())
    assert advice.reason is Reason.UNDERWATER and advice.leverage_ratio is None
    with pytest.raises(Reverts):
        should_rebalance(underwater, SETTINGS, exchanges())


# --- properties ----------------------------------------------------------------------------------

timestamps = st.integers(min_value=T0 - 2 * DAY, max_value=T0) | st.sampled_from([T0, T0 - 1, T0 - 2, T0 - 30, T0 - 31])


@props
@given(state=states(2.7, 3.8), uni_last=timestamps, sushi_last=timestamps, twap=st.sampled_from([0, 2 * E]))
def test_at_or_above_the_ripcord_ratio_with_the_cooldown_passed_it_ripcords(state, uni_last, sushi_last, twap):
    state = replace(state, twap_leverage_ratio=twap, global_last_trade_timestamp=max(uni_last, sushi_last))
    names = exchanges(uni_last, sushi_last)
    ratio = leverage_ratio(state)
    assume(ratio >= INC.incentivized_leverage_ratio)
    try:
        max_borrow_collateral(state, SETTINGS.execution.unutilized_leverage_percentage, False)
    except Reverts:
        assume(False)
    cooled = [name for name, ex in names.items() if ex.exchange_last_trade_timestamp + 1 < state.timestamp]
    advice = verdict(state, SETTINGS, names)
    if cooled:
        assert advice.action is Action.RIPCORD and advice.exchange in cooled
        assert advice.trade is not None and not advice.trade.is_lever
        assert advice.expected_ratio < ratio
    else:
        assert advice.action is Action.NOTHING and advice.reason is Reason.RIPCORD_COOLDOWN
        assert advice.next_possible_at == min(uni_last, sushi_last) + 2


@props
@given(
    state=states(1.05, 3.8),
    global_last=timestamps,
    uni_last=timestamps,
    sushi_last=timestamps,
    twap=st.sampled_from([0, 0, 18 * E // 10, 2 * E, 22 * E // 10]),
    disengaging=st.booleans(),
)
def test_the_verdict_only_advises_calls_that_go_through_and_its_next_time_is_real(
    state, global_last, uni_last, sushi_last, twap, disengaging
):
    state = replace(
        state, global_last_trade_timestamp=global_last, twap_leverage_ratio=twap, disengage_in_progress=disengaging
    )
    names = exchanges(uni_last, sushi_last)
    advice = verdict(state, SETTINGS, names)
    calls = {Action.REBALANCE: Call.REBALANCE, Action.ITERATE: Call.ITERATE, Action.RIPCORD: Call.RIPCORD}
    if advice.action is Action.NOTHING:
        assert advice.plan is None
        if advice.next_possible_at is not None:
            assert advice.next_possible_at > state.timestamp
            assert decide(state.at(advice.next_possible_at), SETTINGS, names).action is not Action.NOTHING
            assert decide(state.at(advice.next_possible_at - 1), SETTINGS, names).action is Action.NOTHING
    else:
        assert check_call(calls[advice.action], state, SETTINGS, names, advice.exchange).ok
        assert advice.plan.call is calls[advice.action]
        assert advice.next_possible_at is None or advice.next_possible_at >= state.timestamp
    ratio = leverage_ratio(state)
    if disengaging and ratio < INC.incentivized_leverage_ratio:
        assert advice.action is Action.NOTHING and advice.reason is Reason.DISENGAGING
    if advice.action is Action.REBALANCE:
        assert twap == 0
    if advice.action is Action.ITERATE:
        assert twap > 0


@props
@given(
    state=states(1.05, 3.8),
    global_last=timestamps,
    uni_last=timestamps,
    sushi_last=timestamps,
    twap=st.sampled_from([0, 0, 18 * E // 10, 2 * E, 22 * E // 10]),
)
def test_where_should_rebalance_and_the_verdict_disagree_it_is_one_of_the_known_cases(
    state, global_last, uni_last, sushi_last, twap
):
    state = replace(state, global_last_trade_timestamp=global_last, twap_leverage_ratio=twap)
    names = exchanges(uni_last, sushi_last)
    contract = should_rebalance(state, SETTINGS, names)
    advice = verdict(state, SETTINGS, names)
    ratio = leverage_ratio(state)
    outside = ratio < M.min_leverage_ratio or ratio > M.max_leverage_ratio
    answer = {Action.REBALANCE: REBALANCE, Action.ITERATE: ITERATE, Action.RIPCORD: RIPCORD}.get(advice.action, NONE)
    if advice.action is not Action.NOTHING:
        said = contract[advice.exchange]
        # the one way it under-reports: a TWAP outside the band needs no cooldown
        assert said is answer or (advice.action is Action.ITERATE and outside and said is NONE)
    elif advice.reason not in (Reason.RIPCORD_BLOCKED, Reason.REBALANCE_BLOCKED, Reason.TWAP_BLOCKED):
        assert set(contract.values()) == {NONE}  # otherwise it advises a call that reverts
