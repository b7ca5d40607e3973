"""Uniswap V3 pools: addresses computed offline, and the virtual reserves of the current range.

Inside one tick range a V3 pool trades as a constant-product pool whose reserves are
L / sqrt(P) of token0 and L x sqrt(P) of token1 (P = token1 per token0, in base units).
"""

from __future__ import annotations

import math

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from indexops.chain.uniswap import sort_tokens

Q96 = 2**96


def pool_address(factory: str, token_a: str, token_b: str, fee_tier: int, init_code_hash: str) -> str:
    """The factory's CREATE2 address for the (token_a, token_b, fee_tier) pool."""
    token0, token1 = sort_tokens(token_a, token_b)
    salt = keccak(encode(["address", "address", "uint24"], [token0, token1, fee_tier]))
    digest = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return to_checksum_address(digest[12:])


def virtual_reserves(liquidity: int, sqrt_price_x96: int) -> tuple[int, int]:
    """(token0, token1) virtual reserves in base units, rounded down; (0, 0) for an uninitialized pool."""
    if sqrt_price_x96 <= 0 or liquidity <= 0:
        return 0, 0
    return liquidity * Q96 // sqrt_price_x96, liquidity * sqrt_price_x96 // Q96


def sqrt_price_x96(amount0: int, amount1: int) -> int:
    """sqrt(amount1 / amount0) in Q64.96, rounded down: the price at which the two amounts are worth the same."""
    return math.isqrt(amount1 * Q96 * Q96 // amount0)
