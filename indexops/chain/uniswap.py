"""Uniswap V2-style pair addresses, computed offline so that reserves can be read in the same batch."""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address


def sort_tokens(token_a: str, token_b: str) -> tuple[str, str]:
    return (token_a, token_b) if int(token_a, 16) < int(token_b, 16) else (token_b, token_a)


def pair_address(factory: str, token_a: str, token_b: str, init_code_hash: str) -> str:
    token0, token1 = sort_tokens(token_a, token_b)
    salt = keccak(bytes.fromhex(token0[2:]) + bytes.fromhex(token1[2:]))
    digest = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return to_checksum_address(digest[12:])
