"""A product's prices at past blocks, with its own price sources at each block, read for many blocks in a few
batched rounds (archive reads; final blocks' answers cached):

- ETH in USD at the network's pricing venue's WETH/USD pool (`valuation`'s price);
- one set at its NAV: an index's components at their configured venues' pools (`valuation.price_in_weth`; a
  cToken at its `exchangeRateStored` times its underlying's price, cEther's underlying priced as WETH), read as
  `read_snapshot` reads them; a leverage token's collateral less its debt at the strategy's own prices
  (`leverage.state.nav_per_token`: cToken balance x exchangeRateStored, borrowBalanceStored, Chainlink's
  latestAnswer), read as `read_leverage` reads them;
- tokens of the network's token book (COMP) at their pools.

Rounds: an index reads its components and the pools at every block, once which components are cTokens, then
the components at every block; a leverage token reads its strategy once, then its balances and feeds at every
block. A price nothing gives (no pool with reserves) is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils import to_checksum_address

from indexops.chain.abis import contract
from indexops.chain.history import answered
from indexops.chain.history.archive import ArchiveReader
from indexops.chain.history.history import ChainHistory
from indexops.chain.leverage_reader import STRATEGY_ABI, _strategy
from indexops.chain.reader import _component, _queue_component, _queue_reserves, _QueuedComponent, _reserves
from indexops.config.selection import ProductOnNetwork
from indexops.leverage.state import LeverageState, collateral_balance_from_ctokens, nav_per_token, oracle_price
from indexops.snapshot import ComponentState, PoolReserves
from indexops.valuation import PRECISE_UNIT, price_in_weth


@dataclass(frozen=True)
class BlockPrices:
    block: int
    eth_usd: float | None
    set_usd: float | None  # one whole set (1e18 base units) at its NAV
    tokens_usd: dict[str, float | None]  # token book symbol -> USD per whole token


def read_prices(
    history: ChainHistory, target: ProductOnNetwork, blocks: Sequence[int], symbols: Sequence[str] = ()
) -> dict[int, BlockPrices]:
    blocks = sorted(set(blocks))
    if not blocks:
        return {}
    network = target.where.network
    weth = network.tokens[network.weth].address
    usd = network.tokens[network.usd]
    w3, reader = history.connection.w3, ArchiveReader(history)
    pricing = network.venues[network.pricing_venue]
    symbols = [s for s in dict.fromkeys(symbols) if s in network.tokens]
    common = {}
    usd_decimals = usd.decimals
    if usd_decimals is None:
        ticket = reader.at(blocks[-1]).call(contract(w3, "ERC20", usd.address), "decimals")
        usd_decimals = answered.value(history.connection, reader.run(), ticket, "the USD token's decimals", blocks[-1])
    for block in blocks:
        reader.at(block)
        common[block] = (
            _queue_reserves(reader, w3, pricing, usd.address, weth),
            {s: _queue_component(reader, w3, target, network.tokens[s].address) for s in symbols},
        )
    if target.product.kind == "leverage":
        navs, results = _leverage_navs(history, target, blocks, reader)
    else:
        navs, results = _index_navs(history, target, blocks, reader, weth)
    prices = {}
    for block in blocks:
        pool_ticket, token_tickets = common[block]
        pool = _reserves(results, pool_ticket, network.pricing_venue, pricing.fee_bps)
        eth_usd = _eth_usd(pool, usd_decimals)
        tokens = {}
        for symbol, queued in token_tickets.items():
            price = price_in_weth(_component(results, queued), weth)
            tokens[symbol] = None if price is None or eth_usd is None else price * eth_usd
        nav = navs[block]
        prices[block] = BlockPrices(block, eth_usd, nav(eth_usd) if callable(nav) else nav, tokens)
    return prices


def _eth_usd(pool: PoolReserves | None, usd_decimals: int) -> float | None:
    if pool is None or pool.weth_reserve == 0:
        return None
    return (pool.token_reserve / 10**usd_decimals) / (pool.weth_reserve / 10**18)


# ---- a leverage token -------------------------------------------------------------------------------


def _leverage_navs(history: ChainHistory, target: ProductOnNetwork, blocks: list[int], reader: ArchiveReader):
    """(block -> NAV in USD, the results of the round the common reads were queued in)."""
    w3, connection = history.connection.w3, history.connection
    extension = target.deployment.extensions.get("fli_strategy")
    if extension is None:
        from indexops.errors import UsageError

        raise UsageError(
            f"{target.where.source}: products.{target.key}.deployments.{target.where.name}.extensions.fli_strategy: "
            "missing: a leverage token's NAV is read through its FlexibleLeverageStrategyExtension"
        )
    fields_ticket = ArchiveReader(history).at(blocks[-1])
    ticket = fields_ticket.call(contract(w3, STRATEGY_ABI, extension), "getStrategy")
    strategy = _strategy(answered.value(connection, fields_ticket.run(), ticket, "getStrategy()", blocks[-1]))
    set_token = contract(w3, "SetToken", strategy.set_token)
    collateral = contract(w3, "compound/CErc20", strategy.collateral_ctoken)
    borrow = contract(w3, "compound/CErc20", strategy.borrow_ctoken)
    collateral_feed = contract(w3, "ChainlinkAggregator", strategy.collateral_oracle)
    borrow_feed = contract(w3, "ChainlinkAggregator", strategy.borrow_oracle)
    queued = {}
    for block in blocks:
        reader.at(block)
        queued[block] = {
            "supply": reader.call(set_token, "totalSupply"),
            "ctokens": reader.call(collateral, "balanceOf", strategy.set_token),
            "rate": reader.call(collateral, "exchangeRateStored"),
            "borrow": reader.call(borrow, "borrowBalanceStored", strategy.set_token),
            "collateral_price": reader.call(collateral_feed, "latestAnswer"),
            "borrow_price": reader.call(borrow_feed, "latestAnswer"),
        }
    results = reader.run()
    navs: dict[int, float | None] = {}
    for block, tickets in queued.items():
        got = {
            name: answered.value(connection, results, t, f"the leverage token's {name}", block)
            for name, t in tickets.items()
        }
        if not got["supply"]:
            navs[block] = None
            continue
        state = LeverageState(
            collateral_balance=collateral_balance_from_ctokens(got["ctokens"], got["rate"]),
            borrow_balance=got["borrow"],
            collateral_price=oracle_price(got["collateral_price"], strategy.collateral_adjustment),
            borrow_price=oracle_price(got["borrow_price"], strategy.borrow_adjustment),
            set_total_supply=got["supply"],
            collateral_factor=0,
            timestamp=0,
        )
        navs[block] = nav_per_token(state) / PRECISE_UNIT
    return navs, results


# ---- an index ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CToken:
    underlying: str


def _index_navs(history: ChainHistory, target: ProductOnNetwork, blocks: list[int], reader: ArchiveReader, weth: str):
    """(block -> a function of ETH's USD price giving the NAV, the results of the last round)."""
    w3, connection = history.connection.w3, history.connection
    set_token = contract(w3, "SetToken", target.deployment.set_token)
    listed = {block: reader.at(block).call(set_token, "getComponents") for block in blocks}
    first = reader.run()
    components: dict[int, list[str]] = {
        b: [str(to_checksum_address(a)) for a in answered.value(connection, first, t, "getComponents", b)]
        for b, t in listed.items()
    }
    ctokens = _ctokens(history, sorted({a for held in components.values() for a in held}), blocks[-1], weth)
    queued: dict[int, tuple[list[_QueuedComponent], dict[str, int], dict[str, _QueuedComponent]]] = {}
    for block in blocks:
        reader.at(block)
        held = [_queue_component(reader, w3, target, address) for address in components[block]]
        rates: dict[str, int] = {
            a: reader.call(contract(w3, "compound/CErc20", a), "exchangeRateStored")
            for a in components[block]
            if a in ctokens
        }
        underlyings = {
            c.underlying: _queue_component(reader, w3, target, c.underlying)
            for a, c in ctokens.items()
            if a in rates and c.underlying != weth
        }
        queued[block] = (held, rates, underlyings)
    results = reader.run()
    navs = {}
    for block, (held, rates, underlyings) in queued.items():
        states = [_component(results, q) for q in held]
        under = {address: _component(results, q) for address, q in underlyings.items()}
        rate_values = {
            a: answered.value(connection, results, t, f"exchangeRateStored of {a}", block) for a, t in rates.items()
        }
        navs[block] = _nav_of(states, under, rate_values, ctokens, weth)
    # the common reads were queued before the components: they are in the first round's results
    return navs, first


def _nav_of(states: list[ComponentState], under: dict[str, ComponentState], rates: dict[str, int], ctokens, weth: str):
    def nav(eth_usd: float | None) -> float | None:
        if eth_usd is None:
            return None
        total = 0.0
        for state in states:
            price = _usd(state, eth_usd, weth, under, rates, ctokens)
            total += state.unit / 10**state.decimals * (price or 0.0)
        return total

    return nav


def _usd(state: ComponentState, eth_usd: float, weth: str, under: dict, rates: dict, ctokens: dict) -> float | None:
    if state.address in rates:
        underlying = ctokens[state.address].underlying
        known = under.get(underlying)
        decimals = 18 if known is None else known.decimals
        in_weth = 1.0 if underlying == weth else (price_in_weth(known, weth) if known is not None else None)
        if in_weth is None:
            return None
        return rates[state.address] / PRECISE_UNIT / 10**decimals * 10**state.decimals * in_weth * eth_usd
    price = price_in_weth(state, weth)
    return None if price is None else price * eth_usd


def _ctokens(history: ChainHistory, addresses: list[str], block: int, weth: str) -> dict[str, _CToken]:
    """Which of `addresses` are cTokens (they answer exchangeRateStored), with their underlying (WETH for cEther)."""
    w3 = history.connection.w3
    reader = ArchiveReader(history).at(block)
    tickets = {
        a: (reader.call(contract(w3, "compound/CErc20", a), "exchangeRateStored"),
            reader.call(contract(w3, "compound/CErc20", a), "underlying"))
        for a in addresses
    }  # fmt: skip
    got = reader.run()
    found = {}
    for address, (rate, underlying) in tickets.items():
        if answered.maybe(got, rate) is None:
            continue
        named = answered.maybe(got, underlying)
        found[address] = _CToken(to_checksum_address(named) if named else weth)
    return found
