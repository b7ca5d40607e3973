import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexops.planning.amm import Pool, amount_in, amount_out
from indexops.planning.split import split_buy, split_sell, total_input, total_output

E = 10**18


@st.composite
def pool_sets(draw, min_size=1, max_size=4, allow_empty=False):
    """Pools quoting roughly one price (within 5%) with depths over four orders of magnitude."""
    price = draw(st.floats(min_value=1e-4, max_value=1e4))
    pools = []
    for _ in range(draw(st.integers(min_value=min_size, max_value=max_size))):
        if allow_empty and draw(st.booleans()) and draw(st.booleans()):
            pools.append(Pool(0, 0, 30))
            continue
        depth = int(10 ** draw(st.floats(min_value=21, max_value=25)))
        skew = draw(st.floats(min_value=0.95, max_value=1.05))
        fee = draw(st.sampled_from([5, 30, 100]))
        pools.append(Pool(depth, max(1, int(depth * price * skew)), fee))
    return pools


def trade_size(pools, fraction):
    return max(1, int(sum(p.reserve_in for p in pools) * fraction))


fractions = st.floats(min_value=1e-9, max_value=3.0)


def proportional_split(pools, total):
    """AMMSplitter's rule: shares in proportion to each pool's balance of the output token."""
    weights = [p.reserve_out if not p.is_empty else 0 for p in pools]
    shares = [total * w // sum(weights) for w in weights]
    shares[weights.index(max(weights))] += total - sum(shares)
    return shares


@settings(max_examples=150, deadline=None)
@given(pools=pool_sets(allow_empty=True), fraction=fractions)
def test_sell_split_sums_exactly_and_beats_every_single_venue(pools, fraction):
    assume(any(not p.is_empty for p in pools))
    total = trade_size(pools, fraction)
    amounts = split_sell(pools, total)
    assert sum(amounts) == total
    assert all(a >= 0 for a in amounts)
    assert all(a == 0 for a, p in zip(amounts, pools) if p.is_empty)
    output = total_output(pools, amounts)
    assert all(output >= amount_out(p, total) for p in pools)


@settings(max_examples=150, deadline=None)
@given(pools=pool_sets(min_size=2), fraction=fractions)
def test_sell_split_beats_the_proportional_split(pools, fraction):
    total = trade_size(pools, fraction)
    # Integer outputs are floored per pool, so splitting can lose up to one unit per pool.
    output = total_output(pools, split_sell(pools, total))
    assert output >= total_output(pools, proportional_split(pools, total)) - len(pools)


@settings(max_examples=100, deadline=None)
@given(pools=pool_sets(min_size=2), fraction=st.floats(min_value=1e-4, max_value=3.0), data=st.data())
def test_sell_split_is_locally_optimal(pools, fraction, data):
    total = trade_size(pools, fraction)
    amounts = split_sell(pools, total)
    output = total_output(pools, amounts)
    src = data.draw(st.sampled_from([i for i, a in enumerate(amounts) if a > 0]))
    dst = data.draw(st.sampled_from([i for i in range(len(pools)) if i != src]))
    moved = max(1, amounts[src] // 1000)
    shifted = list(amounts)
    shifted[src] -= moved
    shifted[dst] += moved
    assert total_output(pools, shifted) <= output + len(pools) + output // 10**12


@settings(max_examples=100, deadline=None)
@given(pools=pool_sets(min_size=2, max_size=2), fraction=st.floats(min_value=1e-6, max_value=3.0))
def test_two_pool_split_matches_the_closed_form(pools, fraction):
    total = trade_size(pools, fraction)
    (x1, y1, g1), (x2, y2, g2) = ((p.reserve_in, p.reserve_out, 1 - p.fee_bps / 10_000) for p in pools)
    a1, a2 = math.sqrt(g1 * x1 * y1), math.sqrt(g2 * x2 * y2)
    first = (a1 * (x2 + g2 * total) - a2 * x1) / (a2 * g1 + a1 * g2)
    first = min(max(first, 0.0), total)
    expected = [first, total - first]
    amounts = split_sell(pools, total)
    by_closed_form = total_output(pools, [round(expected[0]), total - round(expected[0])])
    assert total_output(pools, amounts) >= by_closed_form - 2


def test_equal_prices_and_fees_split_in_proportion_to_depth():
    pools = [Pool(1_000 * E, 2_000 * E), Pool(3_000 * E, 6_000 * E)]
    assert split_sell(pools, 400 * E) == [100 * E, 300 * E]
    assert split_buy(pools, 400 * E) == [100 * E, 300 * E]


def test_a_tiny_trade_goes_to_the_best_price_only():
    better = Pool(1_000 * E, 2_100 * E)
    worse = Pool(100_000 * E, 200_000 * E)
    assert split_sell([worse, better], 10**15) == [0, 10**15]


def test_empty_pools_get_nothing_and_no_liquidity_is_refused():
    assert split_sell([Pool(0, 0), Pool(E, E)], 10) == [0, 10]
    assert split_sell([Pool(0, 0)], 0) == [0]
    with pytest.raises(ValueError):
        split_sell([Pool(0, 0)], 10)


@settings(max_examples=150, deadline=None)
@given(pools=pool_sets(allow_empty=True), fraction=st.floats(min_value=1e-9, max_value=0.95))
def test_buy_split_sums_exactly_and_costs_no_more_than_any_single_venue(pools, fraction):
    live = [p for p in pools if not p.is_empty]
    assume(live)
    total = max(1, int(sum(p.reserve_out for p in live) * fraction))
    outputs = split_buy(pools, total)
    assert sum(outputs) == total
    assert all(0 <= o < max(p.reserve_out, 1) for o, p in zip(outputs, pools))
    spent = total_input(pools, outputs)
    assert all(spent <= amount_in(p, total) for p in live if total < p.reserve_out)
    assert all(amount_out(p, amount_in(p, o)) >= o for p, o in zip(pools, outputs))


@settings(max_examples=100, deadline=None)
@given(pools=pool_sets(min_size=2), fraction=st.floats(min_value=1e-6, max_value=0.9))
def test_buy_split_costs_no_more_than_the_proportional_split(pools, fraction):
    total = max(1, int(sum(p.reserve_out for p in pools) * fraction))
    proportional = proportional_split(pools, total)
    assume(all(o < p.reserve_out for o, p in zip(proportional, pools)))
    spent = total_input(pools, split_buy(pools, total))
    assert spent <= total_input(pools, proportional) + len(pools)


def test_buying_more_than_the_pools_hold_is_refused():
    with pytest.raises(ValueError):
        split_buy([Pool(E, E), Pool(E, E)], 2 * E - 1)
    assert sum(split_buy([Pool(E, E), Pool(E, E)], 2 * E - 2)) == 2 * E - 2


@given(pools=pool_sets(), fraction=fractions)
def test_same_inputs_give_identical_splits(pools, fraction):
    total = trade_size(pools, fraction)
    assert split_sell(pools, total) == split_sell(list(pools), total)
    out = max(1, min(p.reserve_out for p in pools) // 2)
    assert split_buy(pools, out) == split_buy(list(pools), out)
