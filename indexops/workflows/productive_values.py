"""What a productive index's tokens are worth, for the value a reward or a wrap moves.

A token with a pool against WETH is priced at its pool (`valuation.price_in_weth`, `eth_price_usd` over one
`read_snapshot` of the product with the tokens as candidates); a cToken at its `exchangeRateStored` times its
underlying's price (cEther's underlying is ETH, priced as WETH); a token without a pool at the pools of the
token book's entry of the same symbol, said as a stand-in (on the sandbox Compound's COMP, priced as the book's
COMP). None when nothing prices it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.productive import Held
from indexops.chain.reader import read_snapshot
from indexops.config.selection import ProductOnNetwork
from indexops.snapshot import Snapshot
from indexops.valuation import eth_price_usd, price_in_weth

PRECISE = 10**18


@dataclass(frozen=True)
class CToken:
    exchange_rate: int  # exchangeRateStored: underlying base units per cToken base unit, x 1e18
    underlying: str


@dataclass(frozen=True)
class Prices:
    snapshot: Snapshot  # the product's state, read with the tokens' pools: what a plan of the call records
    eth_usd: float | None
    usd: dict[str, float | None]  # checksummed address -> USD per whole token
    ctokens: dict[str, CToken]
    stand_ins: dict[str, str]  # checksummed address -> the token book symbol whose pools priced it

    def value_usd(self, token: Held, base_units: int) -> float | None:
        price = self.usd.get(token.address)
        return None if price is None else base_units / 10**token.decimals * price


def read_prices(connection, target: ProductOnNetwork, tokens: Sequence[Held]) -> Prices:
    network = target.where.network
    weth = network.tokens[network.weth].address
    ctokens = _ctokens(connection, [t.address for t in tokens], weth)
    symbols = {t.address: t.symbol for t in tokens}
    wanted = [*symbols, *(c.underlying for c in ctokens.values())]
    book: dict[str, str] = {to_checksum_address(t.address): s for s, t in network.tokens.items()}
    stand_ins = {a: symbols[a] for a in wanted if a not in book and symbols.get(a) in network.tokens}
    candidates = [book[a] for a in wanted if a in book] + list(stand_ins.values())
    snapshot = read_snapshot(connection, target, candidates=tuple(dict.fromkeys(candidates)))
    eth_usd = eth_price_usd(snapshot)
    states = {c.address: c for c in (*snapshot.components, *snapshot.candidates)}
    for address, symbol in stand_ins.items():
        states.setdefault(address, states[network.tokens[symbol].address])

    def usd(address: str) -> float | None:
        if address in ctokens:
            ctoken = ctokens[address]
            under, known = usd(ctoken.underlying), states.get(ctoken.underlying)
            if under is None or (known is None and ctoken.underlying != weth):
                return None
            underlying_decimals = 18 if known is None else known.decimals
            decimals = next(t.decimals for t in tokens if t.address == address)
            return ctoken.exchange_rate / PRECISE / 10**underlying_decimals * 10**decimals * under
        state = states.get(address)
        price = price_in_weth(state, weth) if state is not None else (1.0 if address == weth else None)
        return None if price is None or eth_usd is None else price * eth_usd

    return Prices(
        snapshot=snapshot,
        eth_usd=eth_usd,
        usd={address: usd(address) for address in symbols},
        ctokens=ctokens,
        stand_ins={a: s for a, s in stand_ins.items() if a in symbols},
    )


def _ctokens(connection, addresses: Sequence[str], weth: str) -> dict[str, CToken]:
    """The cTokens among `addresses` (those answering exchangeRateStored), with their underlying (WETH for cEther)."""
    w3 = connection.w3
    reader = BatchReader(w3, int(w3.eth.block_number))
    tickets = {
        a: (reader.call(contract(w3, "compound/CErc20", a), "exchangeRateStored"),
            reader.call(contract(w3, "compound/CErc20", a), "underlying"))
        for a in addresses
    }  # fmt: skip
    got = reader.run()
    found = {}
    for address, (rate, underlying) in tickets.items():
        if isinstance(got[rate], CallFailed):
            continue
        under = weth if isinstance(got[underlying], CallFailed) else to_checksum_address(got[underlying])
        found[address] = CToken(exchange_rate=int(got[rate]), underlying=under)
    return found


def balance_at(connection, token: str, holder: str, block: int) -> int:
    return int(contract(connection.w3, "ERC20", token).functions.balanceOf(holder).call(block_identifier=block))


def units_at(connection, set_token: str, tokens: Sequence[str], block: int) -> dict[str, int]:
    bound = contract(connection.w3, "SetToken", set_token).functions
    return {token: int(bound.getDefaultPositionRealUnit(token).call(block_identifier=block)) for token in tokens}
