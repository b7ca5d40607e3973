from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexops.planning.amm import (
    Pool,
    amount_in,
    amount_out,
    flipped,
    price_impact,
    size_for_impact,
    swap,
)
from indexops.planning.exact import exact

reserves = st.integers(min_value=1, max_value=10**30)
amounts = st.integers(min_value=0, max_value=10**30)
fees = st.sampled_from([0, 5, 30, 100, 300, 9_999])


def router02_get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    amount_in_with_fee = amount_in * 997
    return amount_in_with_fee * reserve_out // (reserve_in * 1000 + amount_in_with_fee)


def router02_get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


@settings(max_examples=300)
@given(x=reserves, y=reserves, d=st.integers(min_value=1, max_value=10**30))
def test_amount_out_is_router02_with_997_over_1000(x, y, d):
    assert amount_out(Pool(x, y), d) == router02_get_amount_out(d, x, y)


@settings(max_examples=300)
@given(x=reserves, y=st.integers(min_value=2, max_value=10**30), data=st.data())
def test_amount_in_is_router02_with_997_over_1000(x, y, data):
    out = data.draw(st.integers(min_value=1, max_value=y - 1))
    assert amount_in(Pool(x, y), out) == router02_get_amount_in(out, x, y)


@settings(max_examples=200)
@given(x=reserves, y=st.integers(min_value=2, max_value=10**30), fee=fees, data=st.data())
def test_amount_in_buys_at_least_the_output_asked_for(x, y, fee, data):
    pool = Pool(x, y, fee)
    out = data.draw(st.integers(min_value=1, max_value=y - 1))
    assert amount_out(pool, amount_in(pool, out)) >= out


@settings(max_examples=200)
@given(x=reserves, y=reserves, fee=fees, d=amounts)
def test_swap_never_lowers_the_constant_product(x, y, fee, d):
    pool = Pool(x, y, fee)
    after = swap(pool, d)
    assert after.reserve_in == x + d
    assert after.reserve_out == y - amount_out(pool, d)
    assert after.reserve_in * after.reserve_out >= x * y


@settings(max_examples=200)
@given(x=reserves, y=reserves, fee=fees, d=amounts, e=amounts)
def test_output_is_monotone_and_never_drains_the_pool(x, y, fee, d, e):
    pool = Pool(x, y, fee)
    small, large = sorted((d, e))
    assert amount_out(pool, small) <= amount_out(pool, large) < y


@settings(max_examples=200)
@given(x=reserves, y=reserves, fee=fees, s=st.floats(min_value=0, max_value=0.99))
def test_size_for_impact_is_the_largest_size_within_the_impact(x, y, fee, s):
    pool = Pool(x, y, fee)
    size = size_for_impact(pool, s)
    g = Fraction(10_000 - fee, 10_000)

    def exact_impact(d: int) -> Fraction:
        return g * d / (x + g * d)

    assert exact_impact(size) <= exact(s)
    assert exact_impact(size + 1) > exact(s)
    assert price_impact(pool, size) <= s


def test_hand_checked_amounts():
    pool = Pool(10**21, 2 * 10**21)
    # 1e19 x 0.997 x 2e21 / (1e21 + 0.997e19) = 1.994e40 / 1.00997e21 = 1.97431606879...e19
    assert amount_out(pool, 10**19) == 19_743_160_687_941_225_977
    # 1e21 x 1e19 / (0.997 x 1.99e21) = 5.0402463672...e18, plus one
    assert amount_in(pool, 10**19) == 5_040_246_367_242_430_811
    # s = g d / (x + g d) = 0.997e19 / 1.00997e21
    assert price_impact(pool, 10**19) == pytest.approx(0.0098715803, rel=1e-8)
    # d = s x / (g (1 - s)) = 0.005 x 1e21 / (0.997 x 0.995) = 5.04024...e18
    assert size_for_impact(pool, 0.005) == 5_040_246_367_242_430_810


def test_fee_in_bps_generalises_the_router():
    pool = Pool(10**21, 10**21, fee_bps=5)
    assert amount_out(pool, 10**18) == 10**18 * 9995 * 10**21 // (10**21 * 10_000 + 10**18 * 9995)
    assert amount_out(Pool(10**21, 10**21, fee_bps=0), 10**21) == 5 * 10**20


def test_zero_amounts_and_empty_pools():
    assert amount_out(Pool(10**18, 10**18), 0) == 0
    assert amount_in(Pool(10**18, 10**18), 0) == 0
    assert amount_out(Pool(0, 0), 10**18) == 0
    assert price_impact(Pool(0, 10**18), 10**18) == 0.0
    assert size_for_impact(Pool(0, 0), 0.01) == 0
    with pytest.raises(ValueError):
        amount_in(Pool(10**18, 10**18), 10**18)


def test_invalid_pools_and_amounts_are_refused():
    with pytest.raises(ValueError):
        Pool(-1, 1)
    with pytest.raises(ValueError):
        Pool(1, 1, fee_bps=10_000)
    with pytest.raises(ValueError):
        amount_out(Pool(1, 1), -1)
    with pytest.raises(ValueError):
        size_for_impact(Pool(1, 1), 1.0)


@given(x=reserves, y=reserves, fee=fees)
def test_flipping_twice_gives_the_same_pool(x, y, fee):
    pool = Pool(x, y, fee)
    assert flipped(pool) == Pool(y, x, fee)
    assert flipped(flipped(pool)) == pool
