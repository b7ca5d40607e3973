from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.errors import UsageError
from indexops.planning.amm import Pool, flipped, size_for_impact
from indexops.planning.chunking import (
    equal_chunks,
    fixed_impact_baseline,
    gross_up_for_protocol_fee,
    plan_chunks,
)
from indexops.planning.errors import ImpactCapUnreachable, NoLiquidity

E = 10**18
GWEI = 10**9
VENUE_NAMES = ["uniswap", "sushiswap", "fraxswap", "shibaswap"]


@st.composite
def venue_sets(draw, max_size=3):
    """Component -> WETH pools near one price, depths over two orders of magnitude."""
    price = draw(st.floats(min_value=1e-3, max_value=10.0))
    venues = {}
    for name in VENUE_NAMES[: draw(st.integers(min_value=1, max_value=max_size))]:
        depth = int(10 ** draw(st.floats(min_value=23, max_value=25)))
        skew = draw(st.floats(min_value=0.99, max_value=1.01))
        venues[name] = Pool(depth, int(depth * price * skew), draw(st.sampled_from([5, 30, 100])))
    return venues


def as_buy(venues):
    return {name: flipped(pool) for name, pool in venues.items()}


plan_settings = settings(max_examples=40, deadline=None)
sides = st.sampled_from(["sell", "buy"])
modes = st.sampled_from(["one", "many"])
fractions = st.floats(min_value=1e-4, max_value=0.2)


def sell_quantity(venues, fraction):
    return max(1, int(sum(p.reserve_in for p in venues.values()) * fraction))


def plan(side, venues, quantity, **overrides):
    arguments = dict(gas_price_wei=30 * GWEI, gas_per_call=180_000, max_impact_bps=100, max_chunks=200)
    arguments.update(overrides)
    pools = venues if side == "sell" else as_buy(venues)
    return plan_chunks("TKN", side, quantity, pools, **arguments)


def net_weth(chunk_plan):
    """WETH received net of gas (sell), or minus WETH spent and gas (buy): higher is better."""
    sign = 1 if chunk_plan.side == "sell" else -1
    return sign * chunk_plan.weth - chunk_plan.gas_cost_wei


@plan_settings
@given(venues=venue_sets(), side=sides, mode=modes, fraction=fractions, gas=st.integers(0, 500))
def test_chunks_sum_exactly_and_stay_within_the_caps(venues, side, mode, fraction, gas):
    quantity = sell_quantity(venues, fraction)
    try:
        result = plan(side, venues, quantity, venues_per_chunk=mode, gas_price_wei=gas * GWEI)
    except ImpactCapUnreachable:
        return
    sizes = [c.quantity for c in result.chunks]
    assert sum(sizes) == quantity == result.quantity
    assert sizes == equal_chunks(quantity, len(sizes))
    assert 1 <= result.chunk_count <= 200
    for chunk in result.chunks:
        assert chunk.price_impact <= 0.01
        assert all(fill.price_impact <= 0.01 for fill in chunk.fills)
        moved = sum(f.amount_in if side == "sell" else f.amount_out for f in chunk.fills)
        assert moved == chunk.quantity
        assert chunk.gas_cost_wei == len(chunk.fills) * 180_000 * gas * GWEI
        if mode == "one":
            assert len(chunk.fills) == 1


@plan_settings
@given(venues=venue_sets(), side=sides, mode=modes, fraction=fractions)
def test_value_in_equals_value_out_plus_fees_and_impact(venues, side, mode, fraction):
    quantity = sell_quantity(venues, fraction)
    pools = venues if side == "sell" else as_buy(venues)
    try:
        result = plan(side, venues, quantity, venues_per_chunk=mode)
    except ImpactCapUnreachable:
        return
    for chunk in result.chunks:
        for fill in chunk.fills:
            pool = pools[fill.venue]
            mid = Fraction(pool.reserve_out, pool.reserve_in)
            if side == "sell":
                value_in, value_out, unit = fill.amount_in * mid, Fraction(fill.amount_out), 1
            else:
                value_in, value_out, unit = Fraction(fill.amount_in), fill.amount_out / mid, 1 / mid
            residual = value_in - value_out - Fraction(fill.fee_cost_wei) - Fraction(fill.impact_cost_wei)
            # Integer rounding leaves at most about two units of the output token, plus float error.
            assert abs(residual) <= 2 * unit + 2 + value_in * Fraction(1, 10**12)


@plan_settings
@given(venues=venue_sets(), side=sides, fraction=fractions, slippage=st.integers(0, 500))
def test_limits_round_in_the_safe_direction(venues, side, fraction, slippage):
    quantity = sell_quantity(venues, fraction)
    try:
        result = plan(side, venues, quantity, slippage_bps=slippage, venues_per_chunk="many")
    except ImpactCapUnreachable:
        return
    for chunk in result.chunks:
        if side == "sell":
            assert chunk.weth_limit == chunk.weth * (10_000 - slippage) // 10_000
            assert all(f.weth_limit * 10_000 <= f.amount_out * (10_000 - slippage) for f in chunk.fills)
        else:
            assert chunk.weth_limit * 10_000 >= chunk.weth * (10_000 + slippage) > (chunk.weth_limit - 1) * 10_000
            assert all(f.weth_limit * 10_000 >= f.amount_in * (10_000 + slippage) for f in chunk.fills)


@plan_settings
@given(venues=venue_sets(), side=sides, fraction=fractions, gases=st.lists(st.integers(0, 1_000), min_size=2, max_size=4))
def test_more_expensive_gas_never_means_more_chunks(venues, side, fraction, gases):
    quantity = sell_quantity(venues, fraction)
    counts = []
    for gas in sorted(gases):
        try:
            counts.append(plan(side, venues, quantity, gas_price_wei=gas * GWEI).chunk_count)
        except ImpactCapUnreachable:
            return
    assert counts == sorted(counts, reverse=True)


@plan_settings
@given(venues=venue_sets(max_size=1), side=sides, fractions=st.lists(fractions, min_size=2, max_size=4), gas=st.integers(1, 500))
def test_a_larger_trade_never_means_fewer_chunks(venues, side, fractions, gas):
    # One venue: with several, a larger trade can be pushed by the impact cap from a shallow pool
    # with the better price to a deeper one, which needs fewer chunks.
    counts = []
    for fraction in sorted(fractions):
        try:
            counts.append(plan(side, venues, sell_quantity(venues, fraction), gas_price_wei=gas * GWEI).chunk_count)
        except ImpactCapUnreachable:
            break
    assert counts == sorted(counts)


@plan_settings
@given(venues=venue_sets(), side=sides, fraction=fractions, cut=st.integers(1, 199))
def test_the_chosen_count_is_best_and_splitting_venues_never_hurts(venues, side, fraction, cut):
    quantity = sell_quantity(venues, fraction)
    try:
        best = plan(side, venues, quantity)
    except ImpactCapUnreachable:
        return
    assert net_weth(plan(side, venues, quantity, venues_per_chunk="many")) >= net_weth(best)
    try:
        fewer = plan(side, venues, quantity, max_chunks=cut)
    except ImpactCapUnreachable:
        return
    assert net_weth(best) >= net_weth(fewer)


@plan_settings
@given(venues=venue_sets(), side=sides, mode=modes, fraction=fractions)
def test_same_inputs_give_identical_plans(venues, side, mode, fraction):
    quantity = sell_quantity(venues, fraction)
    try:
        first = plan(side, venues, quantity, venues_per_chunk=mode)
    except ImpactCapUnreachable:
        return
    assert first == plan(side, dict(reversed(list(venues.items()))), quantity, venues_per_chunk=mode)


def test_hand_checked_optimal_count():
    # No fee, one pool at price 1: n chunks of Q/n lose Q^2 / (n x + Q) in all, and pay n G of gas.
    # d/dn = 0 at n = Q (sqrt(x / G) - 1) / x = 1e22 x (1e4 - 1) / 1e24 = 99.99 chunks.
    venues = {"uniswap": Pool(10**24, 10**24, fee_bps=0)}
    result = plan_chunks(
        "TKN", "sell", 10**22, venues, gas_price_wei=100 * GWEI, gas_per_call=100_000, max_impact_bps=500, max_chunks=1_000
    )
    assert result.chunk_count == 100
    assert result.gas_cost_wei == 100 * 10**16
    # Impact of 1e20 into 1e24: 1e40 / (1e24 + 1e20) per chunk, about 0.9999e16 wei.
    assert result.impact_cost_wei == pytest.approx(100 * 10**40 / (10**24 + 10**20), rel=1e-9)
    assert result.fee_cost_wei == 0


def test_cap_that_cannot_be_met_names_the_component_and_numbers():
    venues = {"uniswap": Pool(1_000 * E, 1_000 * E)}
    with pytest.raises(ImpactCapUnreachable) as raised:
        plan_chunks("LINK", "sell", 100 * E, venues, gas_price_wei=GWEI, gas_per_call=1, max_impact_bps=50, max_chunks=10)
    assert isinstance(raised.value, UsageError) and raised.value.exit_code == 2
    message = str(raised.value)
    assert "LINK" in message and str(100 * E) in message and "10 chunks" in message and "50 bps" in message
    assert str(size_for_impact(venues["uniswap"], 0.005)) in message


def test_no_liquidity_is_a_usage_error():
    with pytest.raises(NoLiquidity, match="MKR"):
        plan_chunks("MKR", "sell", E, {"uniswap": Pool(0, 0)}, gas_price_wei=1, gas_per_call=1, max_impact_bps=50, max_chunks=5)


def test_buy_is_grossed_up_for_the_protocol_fee():
    assert gross_up_for_protocol_fee(1_000, 0.0025) == 1_002  # 1000 / 0.9975 = 1002.5
    venues = {"uniswap": Pool(10**24, 10**24)}
    result = plan("buy", venues, 1_000 * E, protocol_fee=0.0025)
    assert result.quantity == sum(c.quantity for c in result.chunks) == 1_000 * E * 400 // 399


def test_many_venues_pay_gas_only_when_a_second_call_is_worth_it():
    venues = {"sushiswap": Pool(10**24, 10**24), "uniswap": Pool(10**24, 10**24)}
    calm = plan("sell", venues, 10**22, venues_per_chunk="many", gas_price_wei=GWEI)
    assert all(len(c.fills) == 2 for c in calm.chunks)
    spike = plan("sell", venues, 10**20, venues_per_chunk="many", gas_price_wei=2_000 * GWEI)
    assert all(len(c.fills) == 1 for c in spike.chunks)


def test_baseline_uses_the_deepest_venue_at_fifty_bps_whatever_gas_costs():
    # 100 tokens into 1,000-token pools: about 20 chunks at 50 bps whatever the gas, while the
    # cost-optimal count is about Q / sqrt(x G): 235 at 1 gwei and 10.5 at 500 gwei.
    venues = {"sushiswap": Pool(100 * E, 100 * E), "uniswap": Pool(1_000 * E, 1_000 * E)}
    quantity = 100 * E
    step = size_for_impact(venues["uniswap"], 0.005)
    for gas, optimal_count in ((GWEI, 235), (500 * GWEI, 10)):
        baseline = fixed_impact_baseline("TKN", "sell", quantity, venues, gas_price_wei=gas, gas_per_call=180_000)
        assert [c.quantity for c in baseline.chunks] == [step] * (quantity // step) + [quantity % step]
        assert baseline.chunk_count == 20
        assert {f.venue for c in baseline.chunks for f in c.fills} == {"uniswap"}
        assert all(c.price_impact <= 0.005 for c in baseline.chunks)
        optimal = plan("sell", venues, quantity, gas_price_wei=gas, max_chunks=500)
        assert optimal.chunk_count == pytest.approx(optimal_count, abs=1)
        assert optimal.total_cost_wei < baseline.total_cost_wei


def test_zero_quantity_gives_an_empty_plan():
    result = plan("sell", {"uniswap": Pool(E, E)}, 0)
    assert result.chunks == () and result.total_cost_wei == 0


def test_equal_chunks_put_the_remainder_last():
    assert equal_chunks(10, 3) == [3, 3, 4]
    with pytest.raises(ValueError):
        equal_chunks(2, 3)


def test_a_larger_trade_can_move_to_a_deeper_venue_and_need_fewer_chunks():
    # Uniswap quotes the better price but is shallow; once the cap keeps the larger trade's
    # chunks off it, the deeper Sushiswap pool needs fewer chunks for the same gas.
    venues = {
        "sushiswap": Pool(999_999_999_999_999_983_222_784, 31_249_999_999_999_999_475_712, 5),
        "uniswap": Pool(177_827_941_003_892_275_281_920, 5_535_415_644_042_057_220_096, 5),
    }
    smaller = plan("buy", venues, 147_228_492_625_486_532_291_040, gas_price_wei=214 * GWEI)
    larger = plan("buy", venues, 220_842_738_938_229_798_436_560, gas_price_wei=214 * GWEI)
    assert {f.venue for c in smaller.chunks for f in c.fills} == {"uniswap"}
    assert {f.venue for c in larger.chunks for f in c.fills} == {"sushiswap"}
    assert larger.chunk_count < smaller.chunk_count


def test_one_venue_per_chunk_avoids_a_venue_that_would_break_the_cap():
    # The 5 bps pool pays more for small chunks but is too shallow for these within 50 bps.
    venues = {"cheap": Pool(10**22, 10**22, 5), "deep": Pool(10**24, 10**24, 30)}
    result = plan("sell", venues, 10**22, max_impact_bps=50, max_chunks=5)
    assert {f.venue for c in result.chunks for f in c.fills} == {"deep"}


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"max_impact_bps": 0}, "price-impact cap"),
        ({"slippage_bps": 10_000}, "slippage"),
        ({"max_chunks": 0}, "most chunks"),
        ({"gas_price_wei": -1}, "gas price"),
        ({"protocol_fee": 1.0}, "protocol fee"),
    ],
)
def test_parameters_out_of_range_are_usage_errors(overrides, match):
    with pytest.raises(UsageError, match=match):
        plan("buy", {"uniswap": Pool(E, E)}, E, **overrides)
