"""Read a product's block-pinned Snapshot in a fixed number of batched round trips.

Round 1 reads the SetToken and everything the products file names; round 2 reads
per-component state for the components the chain reports. Neither grows with the
number of components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexops.chain import uniswap_v3
from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.chain.uniswap import pair_address, sort_tokens
from indexops.config.models import ModuleName, Venue
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError
from indexops.snapshot import ComponentState, GimExecution, PoolReserves, Role, Snapshot, StreamingFee

MODULE_ABIS = {"gim": "GeneralIndexModule", "streaming_fee": "StreamingFeeModule", "trade": "TradeModule"}


class Known:
    """A value the products file already gave, standing where a batch ticket would."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


Ticket = int  # a queued read's index in its round's results
Item = Ticket | Known  # a value to read, or one already known


@dataclass(frozen=True)
class _QueuedV2Pool:
    pair: str
    token_is_first: bool
    kind: str
    reserves: Ticket  # getReserves


@dataclass(frozen=True)
class _QueuedV3Pool:
    pair: str
    token_is_first: bool
    kind: str
    fee_tier: int
    slot0: Ticket
    liquidity: Ticket


_QueuedPool = _QueuedV2Pool | _QueuedV3Pool


@dataclass(frozen=True)
class _QueuedFee:
    state: Ticket  # feeStates
    now: Ticket  # getFee


@dataclass(frozen=True)
class _FirstRound:
    code: Ticket
    components: Ticket
    supply: Ticket
    multiplier: Ticket
    manager: Ticket
    name: Ticket
    symbol: Ticket
    modules: dict[ModuleName, Ticket]
    fee: _QueuedFee | None
    usd_pool: _QueuedPool
    usd_decimals: Item


@dataclass(frozen=True)
class _QueuedComponent:
    address: str
    symbol: Item
    decimals: Item
    unit: Ticket
    balance: Ticket
    pools: list[tuple[str, int, _QueuedPool]] = field(default_factory=list)  # (venue name, fee_bps, pool)
    gim: Ticket | None = None  # executionInfo, when the product has a GeneralIndexModule


_QueuedRole = tuple[str, str, Item]  # (role, what it lets the holder do, ticket or Known)


def read_snapshot(connection: Connection, target: ProductOnNetwork, candidates: tuple[str, ...] = ()) -> Snapshot:
    """Read the product's state; `candidates` are token symbols a new target adds, read in the same round."""
    w3, deployment, network = connection.w3, target.deployment, target.where.network
    block = w3.eth.get_block("latest")
    reader = BatchReader(w3, block["number"])
    set_token = contract(w3, "SetToken", deployment.set_token)

    fee_module = _module(w3, deployment, "streaming_fee")
    weth, usd = network.tokens[network.weth].address, network.tokens[network.usd]
    pricing = network.venues[network.pricing_venue]
    first = _FirstRound(  # queued in the order written
        code=reader.code(deployment.set_token),
        components=reader.call(set_token, "getComponents"),
        supply=reader.call(set_token, "totalSupply"),
        multiplier=reader.call(set_token, "positionMultiplier"),
        manager=reader.call(set_token, "manager"),
        name=reader.call(set_token, "name"),
        symbol=reader.call(set_token, "symbol"),
        modules={
            key: reader.call(set_token, "isInitializedModule", address) for key, address in deployment.modules.items()
        },
        fee=_queue_fee(reader, fee_module, deployment.set_token) if fee_module is not None else None,
        usd_pool=_queue_reserves(reader, w3, pricing, usd.address, weth),
        usd_decimals=Known(usd.decimals)
        if usd.decimals is not None
        else reader.call(contract(w3, "ERC20", usd.address), "decimals"),
    )
    got = reader.run()
    if not got[first.code] or isinstance(got[first.code], CallFailed):
        raise ChainError(f"{target.key} on {target.where.name}: no contract at SetToken address {deployment.set_token}")
    components = _value(got, first.components, "SetToken.getComponents")
    manager = _value(got, first.manager, "SetToken.manager")

    queued_components = [_queue_component(reader, w3, target, address) for address in components]
    in_set = set(components)
    extra = [network.tokens[s].address for s in candidates if network.tokens[s].address not in in_set]
    queued_candidates = [_queue_component(reader, w3, target, address) for address in extra]
    queued_roles = _queue_roles(reader, w3, target, manager)
    got2 = reader.run()

    return Snapshot(
        network=target.where.name,
        chain_id=connection.chain_id,
        block_number=block["number"],
        block_hash=block["hash"].to_0x_hex(),
        timestamp=block["timestamp"],
        set_token=deployment.set_token,
        name=_value(got, first.name, "SetToken.name"),
        symbol=_value(got, first.symbol, "SetToken.symbol"),
        total_supply=_value(got, first.supply, "SetToken.totalSupply"),
        position_multiplier=_value(got, first.multiplier, "SetToken.positionMultiplier"),
        manager=manager,
        manager_kind=deployment.manager_kind,
        components=tuple(_component(got2, queued) for queued in queued_components),
        weth=weth,
        usd_pool=_reserves(got, first.usd_pool, network.pricing_venue, pricing.fee_bps),
        usd_decimals=_resolve(got, first.usd_decimals, "USD token decimals"),
        modules=tuple(
            (key, deployment.modules[key], got[ticket] is True) for key, ticket in sorted(first.modules.items())
        ),
        roles=_roles(got2, queued_roles),
        fee=_fee(got, first.fee) if first.fee is not None else None,
        candidates=tuple(_component(got2, queued) for queued in queued_candidates),
    )


def _module(w3, deployment, key: str):
    address = deployment.modules.get(key)
    return contract(w3, MODULE_ABIS[key], address) if address else None


def _queue_fee(reader: BatchReader, fee_module, set_token: str) -> _QueuedFee:
    return _QueuedFee(
        state=reader.call(fee_module, "feeStates", set_token), now=reader.call(fee_module, "getFee", set_token)
    )


def _queue_reserves(reader: BatchReader, w3, venue: Venue, token: str, weth: str) -> _QueuedPool:
    token_is_first = sort_tokens(token, weth)[0] == token
    if venue.kind == "uniswap-v3":
        if venue.fee_tier is None:  # the products file's checks require it for uniswap-v3
            raise ChainError(f"a uniswap-v3 venue needs a fee_tier to find the {token}/WETH pool")
        pool = uniswap_v3.pool_address(venue.factory, token, weth, venue.fee_tier, venue.init_code_hash)
        bound = contract(w3, "UniswapV3Pool", pool)
        return _QueuedV3Pool(
            pair=pool,
            token_is_first=token_is_first,
            kind=venue.kind,
            fee_tier=venue.fee_tier,
            slot0=reader.call(bound, "slot0"),
            liquidity=reader.call(bound, "liquidity"),
        )
    pair = pair_address(venue.factory, token, weth, venue.init_code_hash)
    return _QueuedV2Pool(
        pair=pair,
        token_is_first=token_is_first,
        kind=venue.kind,
        reserves=reader.call(contract(w3, "UniswapV2Pair", pair), "getReserves"),
    )


def _reserves(results: list, queued: _QueuedPool, venue_name: str, fee_bps: int) -> PoolReserves | None:
    fee_tier = None
    if isinstance(queued, _QueuedV3Pool):
        slot0, liquidity = results[queued.slot0], results[queued.liquidity]
        if isinstance(slot0, CallFailed) or isinstance(liquidity, CallFailed):
            return None  # no pool for this pair and fee tier on this venue
        reserve0, reserve1 = uniswap_v3.virtual_reserves(liquidity, slot0[0])
        fee_tier = queued.fee_tier
    else:
        answer = results[queued.reserves]
        if isinstance(answer, CallFailed):
            return None  # no pool for this pair on this venue
        reserve0, reserve1, _ = answer
    token_reserve, weth_reserve = (reserve0, reserve1) if queued.token_is_first else (reserve1, reserve0)
    return PoolReserves(
        venue=venue_name,
        pair=queued.pair,
        token_reserve=token_reserve,
        weth_reserve=weth_reserve,
        fee_bps=fee_bps,
        kind=queued.kind,
        fee_tier=fee_tier,
    )


def _queue_component(reader: BatchReader, w3, target: ProductOnNetwork, address: str) -> _QueuedComponent:
    network, deployment = target.where.network, target.deployment
    set_token = contract(w3, "SetToken", deployment.set_token)
    erc20 = contract(w3, "ERC20", address)
    weth = network.tokens[network.weth].address
    symbol = target.where.symbol_of(address)
    known = network.tokens.get(symbol) if symbol else None
    policy = target.product.components.get(symbol) if symbol else None
    venue_names = (policy.venues if policy and policy.venues else None) or (network.pricing_venue,)
    gim = _module(w3, deployment, "gim")
    return _QueuedComponent(  # queued in the order written
        address=address,
        symbol=Known(symbol) if symbol else reader.call(erc20, "symbol"),
        decimals=Known(known.decimals) if known and known.decimals is not None else reader.call(erc20, "decimals"),
        unit=reader.call(set_token, "getDefaultPositionRealUnit", address),
        balance=reader.call(erc20, "balanceOf", deployment.set_token),
        pools=[]
        if address == weth
        else [
            (name, network.venues[name].fee_bps, _queue_reserves(reader, w3, network.venues[name], address, weth))
            for name in venue_names
        ],
        gim=reader.call(gim, "executionInfo", deployment.set_token, address) if gim is not None else None,
    )


def _component(results: list, queued: _QueuedComponent) -> ComponentState:
    symbol = _resolve(results, queued.symbol, f"symbol of {queued.address}")
    gim = None
    if queued.gim is not None and not isinstance(results[queued.gim], CallFailed):
        _target_unit, max_size, cool_off, last_trade, exchange, data = results[queued.gim]
        gim = GimExecution(
            max_size=max_size, cool_off=cool_off, last_trade=last_trade, exchange=exchange, exchange_data=bytes(data)
        )
    pools = tuple(p for p in (_reserves(results, q, name, fee) for name, fee, q in queued.pools) if p is not None)
    return ComponentState(
        address=queued.address,
        symbol=symbol,
        decimals=_resolve(results, queued.decimals, f"decimals of {symbol}"),
        unit=_value(results, queued.unit, f"unit of {symbol}"),
        balance=_value(results, queued.balance, f"balance of {symbol}"),
        pools=pools,
        gim=gim,
    )


def _queue_roles(reader: BatchReader, w3, target: ProductOnNetwork, manager: str) -> list[_QueuedRole]:
    """(role, what it lets the holder do, ticket or Known) for the product's manager kind."""
    kind, deployment = target.deployment.manager_kind, target.deployment
    if kind == "direct":
        return [("operator", "trade through TradeModule", Known((manager,)))]
    if kind == "base-manager":
        base_manager = contract(w3, "BaseManager", manager)
        roles: list[_QueuedRole] = [
            ("operator", "start rebalances and set GIM parameters", reader.call(base_manager, "operator")),
            ("methodologist", "", reader.call(base_manager, "methodologist")),
        ]
        gim = _module(w3, deployment, "gim")
        if gim is not None:
            roles.append(
                ("trader", "call GeneralIndexModule.trade", reader.call(gim, "getAllowedTraders", deployment.set_token))
            )
        return roles
    delegated = contract(w3, "delegated/DelegatedManager", manager)
    return [
        ("owner", "change operators, assets and extensions", reader.call(delegated, "owner")),
        ("methodologist", "", reader.call(delegated, "methodologist")),
        ("operator", "trade through TradeExtension and BatchTradeExtension", reader.call(delegated, "getOperators")),
    ]


def _roles(results: list, queued: list[_QueuedRole]) -> tuple[Role, ...]:
    roles = []
    for name, needed_to, item in queued:
        holders = _resolve(results, item, f"manager {name}")
        roles.append(
            Role(
                name=name,
                holders=tuple(holders) if isinstance(holders, (list, tuple)) else (holders,),
                needed_to=needed_to,
            )
        )
    return tuple(roles)


def _fee(results: list, queued: _QueuedFee) -> StreamingFee:
    recipient, maximum, percentage, last = _value(results, queued.state, "StreamingFeeModule.feeStates")
    return StreamingFee(
        recipient=recipient,
        max_percentage=maximum,
        percentage=percentage,
        last_accrual=last,
        accrued_now=_value(results, queued.now, "StreamingFeeModule.getFee"),
    )


def _resolve(results: list, item: Item, what: str) -> Any:
    return item.value if isinstance(item, Known) else _value(results, item, what)


def _value(results: list, ticket: Ticket, what: str) -> Any:
    answer = results[ticket]
    if isinstance(answer, CallFailed):
        raise ChainError(f"reading {what} failed: {answer.reason}")
    return answer
