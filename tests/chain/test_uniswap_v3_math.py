"""Uniswap V3 offline helpers: pool addresses, virtual reserves, and the adapters' data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexops.chain.uniswap_v3 import Q96, pool_address, sqrt_price_x96, virtual_reserves
from indexops.config.models import UNISWAP_V3_POOL_INIT_CODE_HASH
from indexops.planning.amm import Pool, amount_out
from indexops.routes.uniswap_v3_data import fee_tier_data, single_hop_path

MAINNET_FACTORY = "0x1F98431c8aD98523631AE4a59f267346ea31F984"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"


@pytest.mark.parametrize(
    ("fee_tier", "pool"),
    [(500, "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"), (3000, "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8")],
)
def test_pool_address_is_the_mainnet_factorys(fee_tier, pool):
    assert pool_address(MAINNET_FACTORY, WETH, USDC, fee_tier, UNISWAP_V3_POOL_INIT_CODE_HASH) == pool
    assert pool_address(MAINNET_FACTORY, USDC, WETH, fee_tier, UNISWAP_V3_POOL_INIT_CODE_HASH) == pool


def test_virtual_reserves_are_l_over_and_times_sqrt_price():
    liquidity = 10**21
    assert virtual_reserves(liquidity, Q96) == (liquidity, liquidity)  # price 1
    assert virtual_reserves(liquidity, 2 * Q96) == (liquidity // 2, 2 * liquidity)  # price 4
    assert virtual_reserves(liquidity, 0) == (0, 0)  # not initialized
    assert virtual_reserves(0, Q96) == (0, 0)  # no liquidity in range


def test_sqrt_price_of_two_amounts_gives_them_back_as_reserves():
    mkr, weth = 20_000 * 10**18, 10_000 * 10**18
    price = sqrt_price_x96(mkr, weth)
    liquidity = 14142135623730950488016  # sqrt(mkr * weth)
    reserve0, reserve1 = virtual_reserves(liquidity, price)
    assert reserve0 == pytest.approx(mkr, rel=1e-15) and reserve1 == pytest.approx(weth, rel=1e-15)


def _v3_exact_input_token0(liquidity: int, sqrt_price: int, amount_in: int, fee_tier: int) -> int:
    """token1 out for token0 in within one range, as SwapMath/SqrtPriceMath compute it."""
    after_fee = amount_in * (10**6 - fee_tier) // 10**6
    numerator = liquidity * Q96
    next_price = -(-numerator * sqrt_price // (numerator + after_fee * sqrt_price))  # rounded up
    return liquidity * (sqrt_price - next_price) // Q96


def _v3_exact_input_token1(liquidity: int, sqrt_price: int, amount_in: int, fee_tier: int) -> int:
    """token0 out for token1 in within one range."""
    after_fee = amount_in * (10**6 - fee_tier) // 10**6
    next_price = sqrt_price + after_fee * Q96 // liquidity
    return liquidity * Q96 * (next_price - sqrt_price) // (next_price * sqrt_price)


@given(
    liquidity=st.integers(10**18, 10**26),
    price=st.floats(1e-6, 1e6),
    share=st.floats(1e-6, 0.05),
    fee_tier=st.sampled_from([500, 3000, 10000]),
)
def test_a_constant_product_pool_on_virtual_reserves_swaps_as_the_v3_pool(liquidity, price, share, fee_tier):
    sqrt_price = int(price**0.5 * Q96)
    reserve0, reserve1 = virtual_reserves(liquidity, sqrt_price)
    fee_bps = fee_tier // 100
    amount0 = max(1, int(reserve0 * share))
    expected = _v3_exact_input_token0(liquidity, sqrt_price, amount0, fee_tier)
    assert amount_out(Pool(reserve0, reserve1, fee_bps), amount0) == pytest.approx(expected, rel=1e-9, abs=2)
    amount1 = max(1, int(reserve1 * share))
    expected = _v3_exact_input_token1(liquidity, sqrt_price, amount1, fee_tier)
    assert amount_out(Pool(reserve1, reserve0, fee_bps), amount1) == pytest.approx(expected, rel=1e-9, abs=2)


def test_adapter_data_is_the_fee_tier_and_the_packed_path():
    assert fee_tier_data(3000) == bytes.fromhex("000bb8")
    path = single_hop_path(USDC, 500, WETH)
    assert path == bytes.fromhex(USDC[2:]) + bytes.fromhex("0001f4") + bytes.fromhex(WETH[2:])
    assert len(path) == 43
