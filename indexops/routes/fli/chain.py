"""The leverage route on chain: what a lever plan is made from, read at one block, and the executor's checks.

`read_lever` reads the strategy (`chain.leverage_reader`), its manager's operator and the V2 pool of each
enabled exchange whose venue the network knows; `lever_state` is what a plan's `state` holds of it, so the
executor sees what moved (`drift`). Roles, as the contract has them: `engage`, `disengage` and the
settings calls need the BaseManager's operator (`onlyOperator`, a Safe may be it); `iterateRebalance` and
`rebalance` need an EOA on `callAllowList` (or `anyoneCallable`), the role called "keeper" here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from indexops.chain.leverage_market import LeverageMarket, VenuePair, read_leverage_market, venue_pair
from indexops.chain.leverage_reader import LeverageReading, read_leverage
from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.planning.chunk_pricing import VenuesPerChunk
from indexops.routes.fli.chunks import GAS, Asset, LeverInputs
from indexops.routes.fli.drift import lever_state_changes
from indexops.routes.route import ChainNow, GasProfile

DECIMALS_FROM = 28  # the strategy's decimal adjustment is 28 - token decimals


def strategy_of(target: ProductOnNetwork) -> str:
    """The product's FlexibleLeverageStrategyExtension on this network, or one line saying where to put it."""
    extension = target.deployment.extensions.get("fli_strategy")
    if extension is None:
        raise UsageError(
            f"{target.where.source}: products.{target.key}.deployments.{target.where.name}.extensions.fli_strategy: "
            "missing: a leverage token is operated through its FlexibleLeverageStrategyExtension"
        )
    return extension


def configured_callers(target: ProductOnNetwork) -> tuple[str, ...]:
    leverage = target.deployment.leverage
    return tuple(leverage.allowed_callers) if leverage is not None else ()


class NotARebalance(UsageError):
    def __init__(self, product: str):
        super().__init__(
            f"{product} is a leverage token: it is not rebalanced towards target weights; "
            f"plan its actions with `indexops lever engage|disengage|settings {product}`"
        )


@dataclass(frozen=True)
class LeverReading:
    """The strategy, its operator and its pools at one block, and the pure inputs made of them."""

    reading: LeverageReading
    market: LeverageMarket
    pairs: Mapping[str, VenuePair]
    inputs: LeverInputs

    @property
    def allowed_callers(self) -> tuple[str, ...]:
        return tuple(address for address, allowed in self.reading.callers.items() if allowed)


def read_lever(connection, target: ProductOnNetwork, callers: Iterable[str] = ()) -> LeverReading:
    extension = strategy_of(target)
    reading = read_leverage(connection, extension, callers=[*configured_callers(target), *callers])
    strategy = reading.strategy
    collateral = _asset(target, strategy.collateral_asset, strategy.collateral_adjustment)
    borrow = _asset(target, strategy.borrow_asset, strategy.borrow_adjustment)
    venues = {
        venue.trade_adapter: (name, venue)
        for name, venue in target.where.network.venues.items()
        if venue.kind == "uniswap-v2" and venue.trade_adapter in reading.exchanges
    }
    pairs = {
        adapter: venue_pair(name, venue.factory, venue.init_code_hash, strategy.collateral_asset, strategy.borrow_asset)
        for adapter, (name, venue) in venues.items()
        if adapter is not None
    }
    market = read_leverage_market(connection, reading.block_number, extension, pairs)
    inputs = LeverInputs(
        strategy=extension,
        state=reading.state,
        settings=reading.settings,
        exchanges=reading.exchanges,
        collateral=collateral,
        borrow=borrow,
        reserves=market.reserves,
        fee_bps={adapter: venue.fee_bps for adapter, (_name, venue) in venues.items() if adapter is not None},
    )
    return LeverReading(reading=reading, market=market, pairs=pairs, inputs=inputs)


def _asset(target: ProductOnNetwork, address: str, adjustment: int) -> Asset:
    return Asset(symbol=target.where.symbol_of(address) or address, decimals=DECIMALS_FROM - adjustment)


def lever_state(lever: LeverReading) -> dict[str, Any]:
    """The chain values a lever plan is made from (no block identity: see `plans.state`)."""
    reading, state = lever.reading, lever.reading.state
    settings = reading.settings
    m, e, i = settings.methodology, settings.execution, settings.incentive
    return {
        "strategy": reading.extension,
        "set_token": reading.strategy.set_token,
        "manager": lever.market.manager,
        "operator": lever.market.operator,
        "ratio": reading.contract_ratio,
        "twap_leverage_ratio": state.twap_leverage_ratio,
        "set_total_supply": state.set_total_supply,
        "collateral_balance": state.collateral_balance,
        "borrow_balance": state.borrow_balance,
        "collateral_price": state.collateral_price,
        "borrow_price": state.borrow_price,
        "assets": {
            role: {"symbol": asset.symbol, "address": address, "decimals": asset.decimals}
            for role, asset, address in (
                ("collateral", lever.inputs.collateral, reading.strategy.collateral_asset),
                ("borrow", lever.inputs.borrow, reading.strategy.borrow_asset),
            )
        },
        "settings": {
            "methodology": [
                m.target_leverage_ratio,
                m.min_leverage_ratio,
                m.max_leverage_ratio,
                m.recentering_speed,
                m.rebalance_interval,
            ],
            "execution": [e.unutilized_leverage_percentage, e.slippage_tolerance, e.twap_cooldown_period],
            "incentive": [
                i.ether_reward,
                i.incentivized_leverage_ratio,
                i.incentivized_slippage_tolerance,
                i.incentivized_twap_cooldown_period,
            ],
        },
        "exchanges": {
            name: [
                x.twap_max_trade_size,
                x.incentivized_twap_max_trade_size,
                "0x" + x.lever_exchange_data.hex(),
                "0x" + x.delever_exchange_data.hex(),
            ]
            for name, x in reading.exchanges.items()
        },
        "last_trades": {
            "global": state.global_last_trade_timestamp,
            **{name: x.exchange_last_trade_timestamp for name, x in reading.exchanges.items()},
        },
        "pools": {name: [lever.pairs[name].pair, *reserves] for name, reserves in lever.market.reserves.items()},
    }


def role_holders(lever: LeverReading, keeper: str | None) -> dict[str, tuple[str, ...]]:
    """Who may sign each role: the manager's operator; the allow-listed callers (anyone, when anyoneCallable)."""
    keepers = lever.allowed_callers
    if lever.reading.anyone_callable and keeper is not None:
        keepers = (*keepers, keeper)
    return {"operator": (lever.market.operator,), "keeper": keepers}


@dataclass(frozen=True)
class FliRoute:
    """The leverage route: its plans come from `indexops lever`, not from a rebalance."""

    target: ProductOnNetwork
    kind: str = "fli"
    gas: GasProfile = GasProfile(per_trade=GAS["iterateRebalance"])
    venues_per_chunk: VenuesPerChunk = "one"
    buys_exact_output: bool = False
    signers: Mapping[str, str] = field(default_factory=lambda: {"setup": "operator", "trade": "keeper"})

    def steps(self, rebalance, snapshot):
        raise NotARebalance(self.target.key)

    def check_before_send(self, w3, steps: Iterable) -> None:
        """The strategy's own rules are simulated step by step; roles and drift are checked by `read_now`."""

    def read_now(self, connection, signers: Mapping[str, str]) -> ChainNow:
        keeper = signers.get("keeper")
        lever = read_lever(connection, self.target, callers=[keeper] if keeper else [])
        return ChainNow(lever.reading.block_number, lever_state(lever), role_holders(lever, keeper))

    def state_changes(self, planned: Mapping, current: Mapping, tolerance_bps: float) -> list[str]:
        return lever_state_changes(planned, current, tolerance_bps)
