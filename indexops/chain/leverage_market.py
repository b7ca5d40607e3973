"""What a lever plan reads beside the strategy, at the strategy reading's block.

The block's hash (the plan's snapshot), the BaseManager's operator (who may engage and disengage), and
the collateral / borrow pool of each Uniswap V2-style venue whose Set trade adapter is one of the
strategy's exchanges (what the chunks are predicted to fill against).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.chain.uniswap import pair_address, sort_tokens
from indexops.errors import ChainError


@dataclass(frozen=True)
class VenuePair:
    """A V2 pool the strategy may trade through: its venue, pair address and the two tokens."""

    venue: str
    pair: str
    collateral: str
    borrow: str


@dataclass(frozen=True)
class LeverageMarket:
    block_hash: str
    manager: str
    operator: str
    reserves: dict[str, tuple[int, int]]  # exchange name -> (collateral reserve, borrow reserve); absent if no pool


def venue_pair(venue: str, factory: str, init_code_hash: str, collateral: str, borrow: str) -> VenuePair:
    return VenuePair(venue, pair_address(factory, collateral, borrow, init_code_hash), collateral, borrow)


def read_leverage_market(
    connection: Connection, block_number: int, extension: str, pairs: Mapping[str, VenuePair]
) -> LeverageMarket:
    """Two round trips (the manager, then its operator) and the block."""
    w3 = connection.w3
    reader = BatchReader(w3, block_number)
    manager_ticket = reader.call(contract(w3, "FlexibleLeverageStrategyExtension", extension), "manager")
    reserve_tickets = {
        name: reader.call(contract(w3, "UniswapV2Pair", pair.pair), "getReserves") for name, pair in pairs.items()
    }
    got = reader.run()
    manager = got[manager_ticket]
    if isinstance(manager, CallFailed):
        raise ChainError(f"cannot read manager() of the leverage strategy {extension}: {manager.reason}")
    reader.call(contract(w3, "BaseManager", manager), "operator")
    (operator,) = reader.run()
    if isinstance(operator, CallFailed):
        raise ChainError(f"cannot read operator() of the BaseManager {manager}: {operator.reason}")
    block = w3.eth.get_block(block_number)
    reserves = {}
    for name, ticket in reserve_tickets.items():
        answer = got[ticket]
        if isinstance(answer, CallFailed):
            continue  # no pool there: the chunk is predicted at the oracle's price
        pair = pairs[name]
        first, second = answer[0], answer[1]
        in_order = sort_tokens(pair.collateral, pair.borrow)[0] == pair.collateral
        reserves[name] = (first, second) if in_order else (second, first)
    return LeverageMarket(block_hash=_hex(block["hash"]), manager=manager, operator=operator, reserves=reserves)


def _hex(value) -> str:
    text = value.hex() if isinstance(value, (bytes, bytearray)) else str(value)
    return text if text.startswith("0x") else "0x" + text
