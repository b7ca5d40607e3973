"""Read a product's block-pinned Snapshot in a fixed number of batched round trips.

Round 1 reads the SetToken and everything the products file names; round 2 reads
per-component state for the components the chain reports. Neither grows with the
number of components.
"""

from __future__ import annotations

from indexops.chain import uniswap_v3
from indexops.chain.abis import contract
from indexops.chain.batch import BatchReader, CallFailed
from indexops.chain.connection import Connection
from indexops.chain.uniswap import pair_address, sort_tokens
from indexops.config.models import Venue
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError
from indexops.snapshot import ComponentState, GimExecution, PoolReserves, Role, Snapshot, StreamingFee

MODULE_ABIS = {"gim": "GeneralIndexModule", "streaming_fee": "StreamingFeeModule", "trade": "TradeModule"}


def read_snapshot(connection: Connection, target: ProductOnNetwork, candidates: tuple[str, ...] = ()) -> Snapshot:
    """Read the product's state; `candidates` are token symbols a new target adds, read in the same round."""
    w3, deployment, network = connection.w3, target.deployment, target.where.network
    block = w3.eth.get_block("latest")
    reader = BatchReader(w3, block["number"])
    set_token = contract(w3, "SetToken", deployment.set_token)

    first = {
        "code": reader.code(deployment.set_token),
        "components": reader.call(set_token, "getComponents"),
        "supply": reader.call(set_token, "totalSupply"),
        "multiplier": reader.call(set_token, "positionMultiplier"),
        "manager": reader.call(set_token, "manager"),
        "name": reader.call(set_token, "name"),
        "symbol": reader.call(set_token, "symbol"),
        "modules": {key: reader.call(set_token, "isInitializedModule", address) for key, address in deployment.modules.items()},
    }
    fee_module = _module(w3, deployment, "streaming_fee")
    if fee_module is not None:
        first["fee_state"] = reader.call(fee_module, "feeStates", deployment.set_token)
        first["fee_now"] = reader.call(fee_module, "getFee", deployment.set_token)
    weth, usd = network.tokens[network.weth].address, network.tokens[network.usd]
    pricing = network.venues[network.pricing_venue]
    first["usd_pool"] = _queue_reserves(reader, w3, pricing, usd.address, weth)
    first["usd_decimals"] = Known(usd.decimals) if usd.decimals is not None else reader.call(contract(w3, "ERC20", usd.address), "decimals")
    got = reader.run()
    if not got[first["code"]] or isinstance(got[first["code"]], CallFailed):
        raise ChainError(f"{target.key} on {target.where.name}: no contract at SetToken address {deployment.set_token}")
    components = _value(got, first["components"], "SetToken.getComponents")
    manager = _value(got, first["manager"], "SetToken.manager")

    second = {"components": [_queue_component(reader, w3, target, address) for address in components]}
    in_set = set(components)
    extra = [network.tokens[s].address for s in candidates if network.tokens[s].address not in in_set]
    second["candidates"] = [_queue_component(reader, w3, target, address) for address in extra]
    second["roles"] = _queue_roles(reader, w3, target, manager)
    got2 = reader.run()

    return Snapshot(
        network=target.where.name,
        chain_id=connection.chain_id,
        block_number=block["number"],
        block_hash=block["hash"].to_0x_hex(),
        timestamp=block["timestamp"],
        set_token=deployment.set_token,
        name=_value(got, first["name"], "SetToken.name"),
        symbol=_value(got, first["symbol"], "SetToken.symbol"),
        total_supply=_value(got, first["supply"], "SetToken.totalSupply"),
        position_multiplier=_value(got, first["multiplier"], "SetToken.positionMultiplier"),
        manager=manager,
        manager_kind=deployment.manager_kind,
        components=tuple(_component(got2, queued) for queued in second["components"]),
        weth=weth,
        usd_pool=_reserves(got, first["usd_pool"], network.pricing_venue, pricing.fee_bps),
        usd_decimals=_resolve(got, first["usd_decimals"], "USD token decimals"),
        modules=tuple(
            (key, deployment.modules[key], got[ticket] is True) for key, ticket in sorted(first["modules"].items())
        ),
        roles=_roles(got2, second["roles"]),
        fee=_fee(got, first) if fee_module is not None else None,
        candidates=tuple(_component(got2, queued) for queued in second["candidates"]),
    )


def _module(w3, deployment, key: str):
    address = deployment.modules.get(key)
    return contract(w3, MODULE_ABIS[key], address) if address else None


def _queue_reserves(reader: BatchReader, w3, venue: Venue, token: str, weth: str) -> dict:
    token_is_first = sort_tokens(token, weth)[0] == token
    if venue.kind == "uniswap-v3":
        pool = uniswap_v3.pool_address(venue.factory, token, weth, venue.fee_tier, venue.init_code_hash)
        bound = contract(w3, "UniswapV3Pool", pool)
        return {"pair": pool, "token_is_first": token_is_first, "kind": venue.kind, "fee_tier": venue.fee_tier,
                "slot0": reader.call(bound, "slot0"), "liquidity": reader.call(bound, "liquidity")}
    pair = pair_address(venue.factory, token, weth, venue.init_code_hash)
    return {"pair": pair, "token_is_first": token_is_first, "kind": venue.kind,
            "ticket": reader.call(contract(w3, "UniswapV2Pair", pair), "getReserves")}


def _reserves(results: list, queued: dict, venue_name: str, fee_bps: int) -> PoolReserves | None:
    if queued["kind"] == "uniswap-v3":
        slot0, liquidity = results[queued["slot0"]], results[queued["liquidity"]]
        if isinstance(slot0, CallFailed) or isinstance(liquidity, CallFailed):
            return None  # no pool for this pair and fee tier on this venue
        reserve0, reserve1 = uniswap_v3.virtual_reserves(liquidity, slot0[0])
    else:
        answer = results[queued["ticket"]]
        if isinstance(answer, CallFailed):
            return None  # no pool for this pair on this venue
        reserve0, reserve1, _ = answer
    token_reserve, weth_reserve = (reserve0, reserve1) if queued["token_is_first"] else (reserve1, reserve0)
    return PoolReserves(venue=venue_name, pair=queued["pair"], token_reserve=token_reserve, weth_reserve=weth_reserve,
                        fee_bps=fee_bps, kind=queued["kind"], fee_tier=queued.get("fee_tier"))


def _queue_component(reader: BatchReader, w3, target: ProductOnNetwork, address: str) -> dict:
    network, deployment = target.where.network, target.deployment
    set_token = contract(w3, "SetToken", deployment.set_token)
    erc20 = contract(w3, "ERC20", address)
    weth = network.tokens[network.weth].address
    symbol = target.where.symbol_of(address)
    known = network.tokens.get(symbol) if symbol else None
    policy = target.product.components.get(symbol) if symbol else None
    venue_names = (policy.venues if policy and policy.venues else None) or (network.pricing_venue,)
    queued = {
        "address": address,
        "symbol": Known(symbol) if symbol else reader.call(erc20, "symbol"),
        "decimals": Known(known.decimals) if known and known.decimals is not None else reader.call(erc20, "decimals"),
        "unit": reader.call(set_token, "getDefaultPositionRealUnit", address),
        "balance": reader.call(erc20, "balanceOf", deployment.set_token),
        "pools": [] if address == weth else [
            (name, network.venues[name].fee_bps, _queue_reserves(reader, w3, network.venues[name], address, weth))
            for name in venue_names
        ],
    }
    gim = _module(w3, deployment, "gim")
    if gim is not None:
        queued["gim"] = reader.call(gim, "executionInfo", deployment.set_token, address)
    return queued


def _component(results: list, queued: dict) -> ComponentState:
    symbol = _resolve(results, queued["symbol"], f"symbol of {queued['address']}")
    gim = None
    if "gim" in queued and not isinstance(results[queued["gim"]], CallFailed):
        _target_unit, max_size, cool_off, last_trade, exchange, data = results[queued["gim"]]
        gim = GimExecution(max_size=max_size, cool_off=cool_off, last_trade=last_trade, exchange=exchange, exchange_data=bytes(data))
    pools = tuple(p for p in (_reserves(results, q, name, fee) for name, fee, q in queued["pools"]) if p is not None)
    return ComponentState(
        address=queued["address"],
        symbol=symbol,
        decimals=_resolve(results, queued["decimals"], f"decimals of {symbol}"),
        unit=_resolve(results, queued["unit"], f"unit of {symbol}"),
        balance=_resolve(results, queued["balance"], f"balance of {symbol}"),
        pools=pools,
        gim=gim,
    )


def _queue_roles(reader: BatchReader, w3, target: ProductOnNetwork, manager: str) -> list[tuple[str, str, object]]:
    """(role, what it lets the holder do, ticket or Known) for the product's manager kind."""
    kind, deployment = target.deployment.manager_kind, target.deployment
    if kind == "direct":
        return [("operator", "trade through TradeModule", Known((manager,)))]
    if kind == "base-manager":
        base_manager = contract(w3, "BaseManager", manager)
        roles = [
            ("operator", "start rebalances and set GIM parameters", reader.call(base_manager, "operator")),
            ("methodologist", "", reader.call(base_manager, "methodologist")),
        ]
        gim = _module(w3, deployment, "gim")
        if gim is not None:
            roles.append(("trader", "call GeneralIndexModule.trade", reader.call(gim, "getAllowedTraders", deployment.set_token)))
        return roles
    delegated = contract(w3, "delegated/DelegatedManager", manager)
    return [
        ("owner", "change operators, assets and extensions", reader.call(delegated, "owner")),
        ("methodologist", "", reader.call(delegated, "methodologist")),
        ("operator", "trade through TradeExtension and BatchTradeExtension", reader.call(delegated, "getOperators")),
    ]


def _roles(results: list, queued: list) -> tuple[Role, ...]:
    roles = []
    for name, needed_to, item in queued:
        holders = _resolve(results, item, f"manager {name}")
        roles.append(Role(name=name, holders=tuple(holders) if isinstance(holders, (list, tuple)) else (holders,), needed_to=needed_to))
    return tuple(roles)


def _fee(results: list, first: dict) -> StreamingFee:
    recipient, maximum, percentage, last = _value(results, first["fee_state"], "StreamingFeeModule.feeStates")
    return StreamingFee(
        recipient=recipient, max_percentage=maximum, percentage=percentage, last_accrual=last,
        accrued_now=_value(results, first["fee_now"], "StreamingFeeModule.getFee"),
    )


class Known:
    """A value the products file already gave, standing where a batch ticket would."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _resolve(results: list, item, what: str):
    return item.value if isinstance(item, Known) else _value(results, item, what)


def _value(results: list, ticket: int, what: str):
    answer = results[ticket]
    if isinstance(answer, CallFailed):
        raise ChainError(f"reading {what} failed: {answer.reason}")
    return answer
