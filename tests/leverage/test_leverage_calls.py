"""Each strategy call's checks and plan, in the contract's order and with its revert messages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from indexops.leverage import (
    Call,
    Reverts,
    check_call,
    leverage_ratio,
    plan_disengage,
    plan_engage,
    plan_iterate,
    plan_rebalance,
    plan_ripcord,
    state_after,
)
from indexops.leverage.rules import cooldown_elapsed, first_time_after, period_elapsed
from tests.leverage.cases import DAY, ETH, SETTINGS, SUSHI, T0, UNI, E, exchange, exchanges, state_at_ratio

M = SETTINGS.methodology


def engaged_from_one_x() -> tuple:
    """1,000 ETH at 1x, engaged through one exchange at T0: 200 ETH levered, a TWAP toward 2x stored."""
    start = replace(state_at_ratio(E, collateral=1_000 * ETH), borrow_balance=0)
    plan = plan_engage(start, SETTINGS, {UNI: exchange()}, UNI)
    return plan, *state_after(start, {UNI: exchange()}, plan)


def test_the_time_tests_are_the_contracts_strict_ones():
    assert not period_elapsed(T0 + 30, T0, 30) and period_elapsed(T0 + 31, T0, 30)
    assert not cooldown_elapsed(T0 + 1, T0, 1) and cooldown_elapsed(T0 + 2, T0, 1)  # last + 1 < now
    assert first_time_after(T0, 1) == T0 + 2
    with pytest.raises(Reverts, match="subtraction overflow"):
        period_elapsed(T0, T0 + 1, 30)


def test_engage_levers_from_exactly_one_x_and_starts_a_twap_toward_the_target():
    plan, after, after_exchanges = engaged_from_one_x()
    assert plan.call is Call.ENGAGE and plan.current_ratio == E and plan.new_ratio == 2 * E
    assert plan.chunk.chunk == 200 * ETH and plan.chunk.total == 1_000 * ETH
    assert plan.twap_ratio_after == 2 * E and after.twap_leverage_ratio == 2 * E
    assert leverage_ratio(after) == 12 * E // 10
    assert after.global_last_trade_timestamp == T0 and after_exchanges[UNI].exchange_last_trade_timestamp == T0
    assert check_call(Call.ENGAGE, after, SETTINGS, after_exchanges, UNI).reason == "Debt must be 0"
    start = replace(state_at_ratio(E, collateral=1_000 * ETH), borrow_balance=0)
    assert check_call(Call.ENGAGE, start, SETTINGS, {}, "unknown").reason == "Quantity is 0"


def test_keeper_calls_need_an_enabled_exchange_supply_collateral_and_debt():
    state = state_at_ratio(2 * E)
    for call in (Call.REBALANCE, Call.ITERATE, Call.RIPCORD, Call.DISENGAGE):
        assert check_call(call, state, SETTINGS, {}, "unknown").reason == "Must be valid exchange"
    no_ripcord_size = {UNI: exchange(incentivized=0)}
    assert check_call(Call.RIPCORD, state, SETTINGS, no_ripcord_size, UNI).reason == "Must be valid exchange"
    assert check_call(Call.REBALANCE, replace(state, set_total_supply=0), SETTINGS, exchanges(), UNI).reason == (
        "SetToken must have > 0 supply"
    )
    assert check_call(Call.REBALANCE, replace(state, borrow_balance=0), SETTINGS, exchanges(), UNI).reason == (
        "Borrow balance must exist"
    )


def test_rebalance_needs_the_interval_since_the_global_trade_or_a_band_breach_and_no_twap():
    inside = state_at_ratio(21 * E // 10, global_last_trade_timestamp=T0 - DAY)
    assert check_call(Call.REBALANCE, inside, SETTINGS, exchanges(), UNI).reason == (
        "Cooldown not elapsed or not valid leverage ratio"
    )
    assert check_call(Call.REBALANCE, inside.at(T0 + 1), SETTINGS, exchanges(), UNI).ok
    above = state_at_ratio(24 * E // 10, global_last_trade_timestamp=T0)
    plan = plan_rebalance(above, SETTINGS, exchanges(), UNI)
    assert not plan.trade.is_lever and plan.new_ratio == M.max_leverage_ratio
    in_twap = replace(above, twap_leverage_ratio=23 * E // 10)
    assert check_call(Call.REBALANCE, in_twap, SETTINGS, exchanges(), UNI).reason == "Must call iterate"
    ripcord = state_at_ratio(28 * E // 10)
    assert check_call(Call.REBALANCE, ripcord, SETTINGS, exchanges(), UNI).reason == (
        "Must be below incentivized leverage ratio"
    )


def test_a_rebalance_at_the_target_trades_nothing_and_reverts():
    at_target = state_at_ratio(2 * E, global_last_trade_timestamp=T0 - DAY - 1)
    assert leverage_ratio(at_target) == 2 * E
    assert check_call(Call.REBALANCE, at_target, SETTINGS, exchanges(), UNI).reason == "Quantity is 0"


def test_iterate_measures_the_cooldown_per_exchange_and_skips_it_outside_the_band():
    _, after, after_exchanges = engaged_from_one_x()
    after_exchanges = {**after_exchanges, SUSHI: exchange(T0)}
    soon = after.at(T0 + 5)  # cooldown 30 s not passed on either exchange, but 1.2x is under the 1.7x minimum
    plan = plan_iterate(soon, SETTINGS, after_exchanges, UNI)
    assert plan.trade.is_lever and plan.new_ratio == 2 * E and plan.twap_ratio_after == 2 * E
    inside = replace(state_at_ratio(19 * E // 10, timestamp=T0 + 5), twap_leverage_ratio=2 * E)
    assert check_call(Call.ITERATE, inside, SETTINGS, after_exchanges, UNI).reason == (
        "Cooldown not elapsed or not valid leverage ratio"
    )
    assert check_call(Call.ITERATE, inside.at(T0 + 31), SETTINGS, after_exchanges, UNI).ok
    assert (
        check_call(
            Call.ITERATE, replace(inside, twap_leverage_ratio=0).at(T0 + 31), SETTINGS, after_exchanges, UNI
        ).reason
        == "Not in TWAP state"
    )


def test_an_advantageous_iterate_clears_the_twap_without_trading():
    state = replace(state_at_ratio(19 * E // 10), twap_leverage_ratio=18 * E // 10)
    plan = plan_iterate(state, SETTINGS, exchanges(), UNI)
    assert plan.trade is None and plan.chunk is None and plan.twap_ratio_after == 0
    assert plan.expected_ratio == plan.current_ratio


def test_ripcord_delevers_toward_the_maximum_with_the_incentivized_caps_and_pays_its_reward():
    state = state_at_ratio(28 * E // 10, collateral=20_000 * ETH)
    plan = plan_ripcord(state, SETTINGS, exchanges(), UNI)
    assert plan.new_ratio == M.max_leverage_ratio and plan.chunk.chunk == 500 * ETH
    assert plan.ether_reward == ETH and plan.twap_ratio_after == 0
    poor = replace(state, ether_balance=ETH // 4)
    assert plan_ripcord(poor, SETTINGS, exchanges(), UNI).ether_reward == ETH // 4
    just_traded = exchanges(uni_last=T0 - 1)
    assert check_call(Call.RIPCORD, state, SETTINGS, just_traded, UNI).reason == "TWAP cooldown must have elapsed"
    assert check_call(Call.RIPCORD, state.at(T0 + 1), SETTINGS, just_traded, UNI).ok
    below = state_at_ratio(26 * E // 10)
    assert check_call(Call.RIPCORD, below, SETTINGS, exchanges(), UNI).reason == (
        "Must be above incentivized leverage ratio"
    )


def test_a_ripcord_beyond_the_borrow_limit_reverts_in_the_headroom_maths():
    too_deep = state_at_ratio(39 * E // 10)  # debt above 75% x 99% of the collateral value
    assert check_call(Call.RIPCORD, too_deep, SETTINGS, exchanges(), UNI).reason == "SafeMath: subtraction overflow"


def test_disengage_delevers_in_chunks_then_repays_all_and_records_nothing():
    state, names = state_at_ratio(2 * E, global_last_trade_timestamp=T0 - 100), exchanges()
    steps = []
    for _ in range(20):
        plan = plan_disengage(state, SETTINGS, names, UNI)
        steps.append(plan)
        state, names = state_after(state, names, plan)
        if plan.trade.to_zero:
            break
    assert steps[-1].trade.to_zero and state.borrow_balance == 0
    assert all(not step.trade.to_zero for step in steps[:-1]) and len(steps) > 1
    assert state.global_last_trade_timestamp == T0 - 100 and names[UNI].exchange_last_trade_timestamp == 0
    assert check_call(Call.DISENGAGE, state, SETTINGS, names, UNI).reason == "Borrow balance must exist"
