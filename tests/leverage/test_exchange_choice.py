"""The keeper's exchange: the cheapest per collateral unit moved, net of gas, among the quotes that fill."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.leverage import verdict
from indexops.leverage.exchange_choice import cheapest, exchange_costs, gas_in_usd
from indexops.leverage.precise import precise_mul
from tests.leverage.cases import SETTINGS, SUSHI, UNI, E, exchange, state_at_ratio

GWEI = 10**9


def _ripcord(uni_size: int | None = None):
    state = state_at_ratio(28 * E // 10)
    venues = {UNI: exchange(0), SUSHI: exchange(0)}
    if uni_size is not None:  # a smaller ripcord chunk on Uniswap: the verdict picks Sushiswap's larger one
        venues[UNI] = exchange(0, incentivized=uni_size)
    return state, verdict(state, SETTINGS, venues)


def _quote(state, trade, bps_off: int) -> int:
    """USDC a delever trade would get at the oracle price less `bps_off` basis points."""
    usd = precise_mul(state.collateral_price, trade.send_notional)
    return usd * (10_000 - bps_off) // 10_000 * E // state.borrow_price


def _fair(found, state, bps_off: int) -> int:
    return _quote(state, found.plan.trade, bps_off)


def test_the_verdict_moves_to_the_exchange_that_gives_more_for_the_same_chunk():
    state, found = _ripcord()
    assert found.exchange == UNI  # equal chunks: the first
    quotes = {UNI: _fair(found, state, 150), SUSHI: _fair(found, state, 40)}
    chosen = cheapest(found, exchange_costs(found.options, quotes, state, gas_usd=0))
    assert chosen.exchange == SUSHI and chosen.plan is next(o.check.plan for o in found.options if o.exchange == SUSHI)
    assert chosen.action is found.action and chosen.target_ratio == chosen.plan.new_ratio


def test_a_quote_below_the_minimum_receive_is_out_and_one_quote_alone_changes_nothing():
    state, found = _ripcord()
    below = found.plan.trade.min_receive_notional - 1
    costs = exchange_costs(found.options, {UNI: _fair(found, state, 150), SUSHI: below}, state, gas_usd=0)
    assert not next(c for c in costs if c.exchange == SUSHI).fills
    assert cheapest(found, costs).exchange == UNI
    alone = exchange_costs(found.options, {UNI: None, SUSHI: _fair(found, state, 10)}, state, gas_usd=0)
    assert cheapest(found, alone) is found


def test_gas_weighs_per_unit_moved_so_a_bigger_chunk_can_win_at_a_slightly_worse_price():
    state, found = _ripcord(uni_size=50 * E)  # Uniswap's ripcord chunk is a tenth of Sushiswap's
    sizes = {o.exchange: o.size for o in found.options}
    assert sizes[UNI] < sizes[SUSHI]
    uni_trade = next(o.check.plan.trade for o in found.options if o.exchange == UNI)
    sushi_plan = next(o.check.plan for o in found.options if o.exchange == SUSHI)
    quotes = {UNI: _quote(state, uni_trade, 20), SUSHI: _quote(state, sushi_plan.trade, 30)}
    gas = gas_in_usd(700_000, 1_500 * GWEI, state.collateral_price)  # a crash-hour ripcord: ~2,100 USD
    assert cheapest(found, exchange_costs(found.options, quotes, state, gas_usd=gas)).exchange == SUSHI
    assert cheapest(found, exchange_costs(found.options, quotes, state, gas_usd=0)).exchange == UNI


@settings(max_examples=200, deadline=None)
@given(offs=st.tuples(st.integers(0, 400), st.integers(0, 400)), gwei=st.integers(0, 3_000))
def test_the_choice_has_the_least_cost_per_unit_among_those_that_fill(offs, gwei):
    state, found = _ripcord(uni_size=300 * E)
    trades = {o.exchange: o.check.plan.trade for o in found.options}
    quotes = {name: _quote(state, trades[name], off) for name, off in zip((UNI, SUSHI), offs, strict=True)}
    costs = exchange_costs(found.options, quotes, state, gas_in_usd(700_000, gwei * GWEI, state.collateral_price))
    chosen = cheapest(found, costs)
    sizes = {o.exchange: o.size for o in found.options}
    filling = [c for c in costs if c.fills]
    if not filling:
        assert chosen is found
        return
    per_unit = {c.exchange: Fraction(c.cost_usd, sizes[c.exchange]) for c in filling}
    assert per_unit[chosen.exchange] == min(per_unit.values())
