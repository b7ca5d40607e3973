"""The `data` Set's Uniswap V3 adapters read: the GIM adapter a fee tier, the TradeModule adapter a path."""

from __future__ import annotations


def fee_tier_data(fee_tier: int) -> bytes:
    """UniswapV3IndexExchangeAdapter's exchange data: the pool's fee tier as 3 bytes (3000 -> 0x000bb8)."""
    return fee_tier.to_bytes(3, "big")


def single_hop_path(token_in: str, fee_tier: int, token_out: str) -> bytes:
    """UniswapV3ExchangeAdapter's data, SwapRouter.exactInput's packed path: tokenIn(20) | fee(3) | tokenOut(20)."""
    return bytes.fromhex(token_in[2:]) + fee_tier_data(fee_tier) + bytes.fromhex(token_out[2:])
