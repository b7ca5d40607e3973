"""Move one asset's price everywhere in the sandbox: every pool holding it (traded there by the sandbox's
arbitrageur), then its USD feed and Compound's oracle together in one block, so the strategies and
Compound see the new price from the same block on, after the market already trades at it.

A pool of two fed assets (WETH/USDC, WBTC/USDC) goes to the price the feeds imply; any other pool
holding the asset (UNI/WETH...) moves by the same factor as the asset, the other token's price held.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field

from indexops.chain.uniswap import pair_address, sort_tokens
from indexops.chain.uniswap_v3 import pool_address
from indexops.config.models import UNISWAP_V2_PAIR_INIT_CODE_HASH, UNISWAP_V3_POOL_INIT_CODE_HASH
from indexops.errors import SandboxError, UsageError
from indexops.sandbox import scenario
from indexops.sandbox.arbitrage import PoolMover

FEED_ABI = [
    {
        "type": "function",
        "name": "latestAnswer",
        "inputs": [],
        "outputs": [{"name": "", "type": "int256"}],
        "stateMutability": "view",
    },
    {
        "type": "function",
        "name": "setPrice",
        "inputs": [{"name": "_price", "type": "int256"}],
        "outputs": [],
        "stateMutability": "nonpayable",
    },
]
ORACLE_ABI = [
    {
        "type": "function",
        "name": "setUnderlyingPrice",
        "outputs": [],
        "stateMutability": "nonpayable",
        "inputs": [{"name": "_token", "type": "address"}, {"name": "_newPrice", "type": "uint256"}],
    },
]
CTOKENS = {"WETH": "cETH", "USDC": "cUSDC", "WBTC": "cWBTC"}


@dataclass(frozen=True)
class PoolMove:
    venue: str
    pool: str
    other: str  # the pool's other token
    before: float  # other-token base units per asset base unit
    after: float


@dataclass(frozen=True)
class PriceMove:
    symbol: str
    before_usd: float
    after_usd: float
    feed: str
    ctoken: str
    block: int
    pools: list[PoolMove] = field(default_factory=list)


def priced_symbol(text: str) -> str:
    """The sandbox symbol for `text` (ETH and BTC name WETH and WBTC), or a UsageError listing them."""
    symbol = scenario.PRICE_ALIASES.get(text.upper(), text.upper())
    for known in scenario.PRICED_ASSETS:
        if known.upper() == symbol:
            return known
    shown = text if len(text) <= 24 else text[:24] + "…"
    aliases = {v: k for k, v in scenario.PRICE_ALIASES.items()}
    names = ", ".join(f"{s} ({aliases[s]})" if s in aliases else s for s in scenario.PRICED_ASSETS)
    raise UsageError(f"unknown symbol {shown!r}: the sandbox prices {names}")


def new_answer(before: int, by_percent: float | None, to_usd: float | None) -> int:
    """The feed's next answer (8 decimals): `by_percent` from `before`, or `to_usd`."""
    if (by_percent is None) == (to_usd is None):
        raise UsageError("give exactly one of --by PCT or --to USD")
    if by_percent is not None:
        answer = round(before * (100 + by_percent) / 100)
    else:
        assert to_usd is not None
        answer = round(to_usd * 10**scenario.FEED_DECIMALS)
    if answer < 1:
        raise UsageError("that price is below the feed's smallest step (1e-8 USD)")
    return answer


def move_price(
    w3,
    deployment: dict,
    symbol: str,
    by_percent: float | None = None,
    to_usd: float | None = None,
    pools_against: Collection[str] | None = None,
) -> PriceMove:
    """The pools first (only those against `pools_against` symbols when given), then the feed and
    Compound's oracle together in one block: the price the strategies and Compound read changes at once."""
    feeds = deployment.get("price_feeds")
    if not feeds:
        raise SandboxError("this sandbox has no price feeds: it was deployed without the leverage products")
    feed = w3.eth.contract(address=feeds[symbol], abi=FEED_ABI)
    before = feed.functions.latestAnswer().call()
    after = new_answer(before, by_percent, to_usd)
    answers = {s: w3.eth.contract(address=a, abi=FEED_ABI).functions.latestAnswer().call() for s, a in feeds.items()}
    answers[symbol] = after
    pools = _move_pools(w3, deployment, symbol, after / before, answers, pools_against)
    ctoken = deployment["compound"]["ctokens"][CTOKENS[symbol]]
    oracle = w3.eth.contract(address=deployment["compound"]["oracle"], abi=ORACLE_ABI)
    oracle_price = after * 10 ** (28 - scenario.decimals(symbol))
    sender = deployment["accounts"]["deployer"]
    _send_in_one_block(
        w3, [feed.functions.setPrice(after), oracle.functions.setUnderlyingPrice(ctoken, oracle_price)], sender
    )
    scale = 10**scenario.FEED_DECIMALS
    return PriceMove(
        symbol=symbol,
        before_usd=before / scale,
        after_usd=after / scale,
        feed=feeds[symbol],
        ctoken=ctoken,
        block=w3.eth.block_number,
        pools=pools,
    )


def _move_pools(
    w3, deployment: dict, symbol: str, factor: float, answers: dict[str, int], against: Collection[str] | None
) -> list[PoolMove]:
    tokens = deployment["tokens"]
    asset = tokens[symbol]
    mover = PoolMover(w3, deployment["accounts"]["arbitrageur"], tokens["WETH"])
    moved = []
    for venue_name, venue in deployment["venues"].items():
        for other_symbol, other in tokens.items():
            if other == asset or (against is not None and other_symbol not in against):
                continue
            if "quoter" in venue:
                pool = pool_address(
                    venue["factory"], asset, other, scenario.UNISWAP_V3_FEE_TIER, UNISWAP_V3_POOL_INIT_CODE_HASH
                )
            else:
                pool = pair_address(venue["factory"], asset, other, UNISWAP_V2_PAIR_INIT_CODE_HASH)
            if not w3.eth.get_code(pool):
                continue
            if "quoter" in venue:
                move = _move_v3(mover, venue, pool, asset, other, factor)
            else:
                move = _move_v2(mover, pool, symbol, other_symbol, asset, other, factor, answers)
            moved.append(PoolMove(venue_name, pool, other_symbol, *move))
    return moved


def _move_v2(
    mover: PoolMover,
    pair: str,
    symbol: str,
    other_symbol: str,
    asset: str,
    other: str,
    factor: float,
    answers: dict[str, int],
) -> tuple[float, float]:
    asset_reserve, other_reserve = mover.pair_reserves(pair, asset, other)
    before = other_reserve / asset_reserve
    if other_symbol in answers:  # both fed: the feeds' price, in base units
        target = (
            answers[symbol]
            * 10 ** scenario.decimals(other_symbol)
            / (answers[other_symbol] * 10 ** scenario.decimals(symbol))
        )
    else:
        target = before * factor
    mover.move_pair(pair, asset, other, target)
    asset_reserve, other_reserve = mover.pair_reserves(pair, asset, other)
    return before, other_reserve / asset_reserve


def _move_v3(mover: PoolMover, venue: dict, pool: str, asset: str, other: str, factor: float) -> tuple[float, float]:
    asset_is_token0 = sort_tokens(asset, other)[0] == asset
    current = mover.sqrt_price(pool)
    target = int(current * math.sqrt(factor)) if asset_is_token0 else int(current / math.sqrt(factor))
    mover.move_v3_pool(pool, asset, other, venue["router"], target)
    return _v3_price(current, asset_is_token0), _v3_price(mover.sqrt_price(pool), asset_is_token0)


def _v3_price(sqrt_price_x96: int, asset_is_token0: bool) -> float:
    """Other-token base units per asset base unit."""
    price = (sqrt_price_x96 / 2**96) ** 2  # token1 per token0
    return price if asset_is_token0 else 1 / price


def _send_in_one_block(w3, calls: list, sender: str) -> None:
    node = w3.provider
    automine = node.make_request("anvil_getAutomine", []).get("result", True)
    node.make_request("evm_setAutomine", [False])
    try:
        hashes = [call.transact({"from": sender}) for call in calls]
        node.make_request("evm_mine", [])
    finally:
        node.make_request("evm_setAutomine", [bool(automine)])
    for call, tx_hash in zip(calls, hashes, strict=True):
        if w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01).status != 1:
            raise SandboxError(f"the sandbox price change's {call.fn_name} reverted")
