"""Which token a name on the command line means for a product: an address, a token on its AirdropModule's list
by its own symbol (on the sandbox Compound's COMP, which the token book's COMP only stands in for), or a
symbol of the network's token book."""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils import is_hex_address, to_checksum_address

from indexops.chain.productive import Held, ProductiveState
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError


def addresses_to_read(target: ProductOnNetwork, names: Sequence[str]) -> list[str]:
    """The addresses the names may mean before the chain is read (airdrop tokens are read anyway)."""
    tokens = target.where.network.tokens
    found: list[str] = []
    for name in names:
        if is_hex_address(name):
            found.append(to_checksum_address(name))
        elif name in tokens:
            found.append(tokens[name].address)
    return found


def resolve(target: ProductOnNetwork, state: ProductiveState, name: str) -> Held:
    if is_hex_address(name):
        return state.held(name)
    airdrops = [state.held(a) for a in state.airdrops]
    by_symbol = [token for token in airdrops if token.symbol == name]
    if len(by_symbol) == 1:
        return by_symbol[0]
    book = target.where.network.tokens.get(name)
    if book is not None:
        return state.held(book.address)
    listed = ", ".join(sorted({t.symbol for t in airdrops} | set(target.where.network.tokens)))
    raise UsageError(
        f"unknown token {name!r} for {target.key}: give an address, a token of its AirdropModule's list or of the "
        f"{target.where.name} token book ({listed})"
    )
