"""`indexops plan`: read the chain, plan in the pure core, let the route write the calls, save the plan file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from indexops.config.selection import ProductOnNetwork
from indexops.config.targets_file import Targets
from indexops.errors import UsageError
from indexops.planning.rebalance import PlanningPolicy, RouteProfile, plan_rebalance
from indexops.plans import Plan, default_plan_path, write_plan
from indexops.plans.build import build_plan
from indexops.routes import gim as gim_route
from indexops.routes.uniswap_v3_data import fee_tier_data
from indexops.valuation import target_weights_from_units, value

GWEI = 10**9
DIRECT_GAS_PER_TRADE = 240_000  # TradeModule.trade through a Uniswap V2 adapter
DELEGATED_GAS_PER_TRADE = 260_000  # the same, through TradeExtension and the manager
BATCH_GAS_PER_TRADE, BATCH_BASE_GAS = 230_000, 60_000  # batchTrade shares one transaction's overhead


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    path: Path
    round_trips: int


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan is made from, read once: the snapshot, the policy, the targets and the route."""

    target: ProductOnNetwork
    snapshot: object
    weights: dict[str, float]
    policy: PlanningPolicy
    route: dict


def make_plan(connection, target: ProductOnNetwork, *, targets: Targets | None, gas_price_gwei: float | None,
              out: Path | None, data_dir: Path, now: datetime | None = None, batch: bool = False) -> PlanResult:
    from indexops.chain.quotes import check_v3_fills

    inputs = read_plan_inputs(connection, target, targets=targets, gas_price_gwei=gas_price_gwei, batch=batch)
    rebalance = check_v3_fills(connection, target.where.network, inputs.snapshot, plan_rebalance_for(inputs),
                               inputs.policy.slippage_bps, inputs.route["buys_exact_output"])
    plan = assemble(inputs, rebalance, now or datetime.now(timezone.utc))
    if target.deployment.manager_kind == "delegated":
        from indexops.routes.delegated_checks import check_delegated_plan

        check_delegated_plan(connection.w3, target.deployment, target.where.network, plan.steps)
    path = write_plan(plan, out or default_plan_path(data_dir, target.key, target.where.name, plan.snapshot.block_number))
    return PlanResult(plan=plan, path=path, round_trips=connection.round_trips)


def read_plan_inputs(connection, target: ProductOnNetwork, *, targets: Targets | None,
                     gas_price_gwei: float | None, batch: bool = False) -> PlanInputs:
    from indexops.chain.reader import read_snapshot

    route = _route_for(target, batch)
    product, network = target.product, target.where.network
    wanted = targets or _configured_targets(target)
    snapshot = read_snapshot(connection, target, candidates=tuple(s for s in wanted.values if s in network.tokens))
    weights = _weights(wanted, snapshot)
    gas_price_wei = int(gas_price_gwei * GWEI) if gas_price_gwei is not None else int(connection.w3.eth.gas_price)
    policy = PlanningPolicy(
        slippage_bps=product.execution.default_slippage_bps,
        max_chunk_impact_bps=product.execution.max_chunk_impact_bps,
        max_duration_seconds=int(product.execution.max_duration_hours * 3600),
        dust_usd=product.execution.dust_usd,
        gas_price_wei=gas_price_wei,
        cool_off_seconds={s: _cool_off(target, s) for s in weights},
        venues={s: c.venues for s, c in product.components.items()},
        weight_cap=product.execution.weight_cap,
    )
    return PlanInputs(target=target, snapshot=snapshot, weights=weights, policy=policy, route=route)


def plan_rebalance_for(inputs: PlanInputs):
    candidates = {c.symbol: c for c in inputs.snapshot.candidates}
    return plan_rebalance(inputs.snapshot, inputs.weights, candidates, inputs.policy, inputs.route["profile"])


def assemble(inputs: PlanInputs, rebalance, now: datetime) -> Plan:
    """The route's steps for a planned rebalance, sealed into a plan file model."""
    return build_plan(
        product=inputs.target.key, network=inputs.target.where.name, route=inputs.target.deployment.manager_kind,
        snapshot=inputs.snapshot, rebalance=rebalance, steps=inputs.route["steps"](rebalance, inputs.snapshot),
        dust_usd=inputs.policy.dust_usd, created_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _cool_off(target: ProductOnNetwork, symbol: str) -> int:
    component = target.product.components.get(symbol)
    if component is not None and component.cool_off is not None:
        return component.cool_off
    return target.product.execution.cool_off


def _route_for(target: ProductOnNetwork, batch: bool = False) -> dict:
    deployment = target.deployment
    where = f"{target.where.source}: products.{target.key}.deployments.{target.where.name}"
    if batch and deployment.manager_kind != "delegated":
        raise UsageError(
            f"--batch needs the delegated route's BatchTradeExtension; {target.key} is managed by "
            f"{deployment.manager_kind!r}, whose trades are single calls (a Safe can batch its operator set-up)"
        )
    if deployment.manager_kind == "base-manager":
        return _gim_route(target, where)
    return _trade_module_route(target, where, batch)


def _require(mapping: dict, key: str, where: str, why: str) -> str:
    if key not in mapping:
        raise UsageError(f"{where}.{key}: missing: {why}")
    return mapping[key]


def _gim_route(target: ProductOnNetwork, where: str) -> dict:
    deployment, network = target.deployment, target.where.network
    extension = _require(deployment.extensions, "gim", f"{where}.extensions", "a base-manager rebalance is set up through the GIMExtension")
    gim = deployment.modules["gim"]
    adapters = {name: venue.index_adapter for name, venue in network.venues.items() if venue.index_adapter}
    data = {s: bytes.fromhex(c.exchange_data[2:]) for s, c in target.product.components.items() if c.exchange_data != "0x"}
    venue_data = {name: fee_tier_data(fee_tier) for name, fee_tier in _v3_fee_tiers(network).items()}

    def steps(rebalance, snapshot):
        traders = {h for r in snapshot.roles if r.name == "trader" for h in r.holders}
        missing = [t for t in deployment.allowed_traders if t not in traders]
        return gim_route.gim_steps(rebalance, snapshot, gim, extension, adapters, data, missing, venue_data)

    # GIM buys an exact component amount for at most the WETH limit (exactOutputSingle on V3)
    return {"profile": RouteProfile("one", gim_route.GAS_PER_TRADE), "steps": steps, "buys_exact_output": True}


def _trade_module_route(target: ProductOnNetwork, where: str, batch: bool) -> dict:
    from indexops.routes import delegated, direct, trade_module_steps as tm

    deployment, network, execution = target.deployment, target.where.network, target.product.execution
    adapters = {name: venue.trade_adapter for name, venue in network.venues.items() if venue.trade_adapter}
    fee_tiers = _v3_fee_tiers(network)
    if deployment.manager_kind == "direct":
        module = _require(deployment.modules, "trade", f"{where}.modules", "the direct route trades through TradeModule")
        call_for, gas = (lambda trade: direct.trade_call(module, deployment.set_token, trade)), DIRECT_GAS_PER_TRADE
    else:
        extension = _require(deployment.extensions, "trade", f"{where}.extensions", "the delegated route trades through TradeExtension")
        call_for = lambda trade: delegated.trade_call(  # noqa: E731
            extension, deployment.set_token, *trade.as_tuple(), side=trade.side, label=trade.label)
        gas = DELEGATED_GAS_PER_TRADE
    if batch:
        batcher = _require(deployment.extensions, "batch_trade", f"{where}.extensions", "--batch trades through BatchTradeExtension")

        def steps(rebalance, snapshot):
            fills = tm.fill_trades(rebalance, snapshot, adapters, execution.default_slippage_bps, fee_tiers)
            return tm.batched_steps(fills, lambda trades: delegated.batch_calls(
                batcher, deployment.set_token, trades, BATCH_GAS_PER_TRADE, BATCH_BASE_GAS, execution.batch_gas_limit),
                BATCH_GAS_PER_TRADE, BATCH_BASE_GAS)

        return {"profile": RouteProfile("many", BATCH_GAS_PER_TRADE), "steps": steps, "buys_exact_output": False}

    def steps(rebalance, snapshot):
        fills = tm.fill_trades(rebalance, snapshot, adapters, execution.default_slippage_bps, fee_tiers)
        return tm.serial_steps(fills, call_for, gas)

    # TradeModule trades send an exact amount: a buy spends exact WETH for at least the component
    return {"profile": RouteProfile("many", gas), "steps": steps, "buys_exact_output": False}


def _v3_fee_tiers(network) -> dict[str, int]:
    return {name: venue.fee_tier for name, venue in network.venues.items() if venue.kind == "uniswap-v3"}


def _configured_targets(target: ProductOnNetwork) -> Targets:
    components = target.product.components
    if not components:
        raise UsageError(f"{target.where.source}: products.{target.key}.components: no targets to plan towards")
    if all(c.weight is not None for c in components.values()):
        return Targets("weights", {s: c.weight for s, c in components.items()})
    return Targets("units", {s: float(c.units) for s, c in components.items()})


def _weights(targets: Targets, snapshot) -> dict[str, float]:
    if targets.kind == "weights":
        return dict(targets.values)
    prices = {c.component.symbol: c.price_usd or 0.0 for c in value(snapshot).components}
    return target_weights_from_units(targets.values, prices)
