"""`indexops plan`: read the chain, plan in the pure core, let the route write the calls, save the plan file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from indexops.config.selection import ProductOnNetwork
from indexops.config.targets_file import Targets
from indexops.errors import UsageError
from indexops.planning.rebalance import PlanningPolicy, plan_rebalance
from indexops.plans import Plan, default_plan_path, write_plan
from indexops.plans.build import build_plan
from indexops.routes.choose import route_for
from indexops.routes.route import Route, planning_profile
from indexops.snapshot import Snapshot
from indexops.valuation import target_weights_from_units, value

GWEI = 10**9


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    path: Path
    round_trips: int


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan is made from, read once: the snapshot, the policy, the targets and the route."""

    target: ProductOnNetwork
    snapshot: Snapshot
    weights: dict[str, float]
    policy: PlanningPolicy
    route: Route


def make_plan(
    connection,
    target: ProductOnNetwork,
    *,
    targets: Targets | None,
    gas_price_gwei: float | None,
    out: Path | None,
    data_dir: Path,
    now: datetime | None = None,
    batch: bool = False,
) -> PlanResult:
    from indexops.chain.quotes import check_v3_fills

    inputs = read_plan_inputs(connection, target, targets=targets, gas_price_gwei=gas_price_gwei, batch=batch)
    rebalance = check_v3_fills(
        connection,
        target.where.network,
        inputs.snapshot,
        plan_rebalance_for(inputs),
        inputs.policy.slippage_bps,
        inputs.route.buys_exact_output,
    )
    plan = assemble(inputs, rebalance, now or datetime.now(UTC))
    inputs.route.check_before_send(connection.w3, plan.steps)
    path = write_plan(
        plan, out or default_plan_path(data_dir, target.key, target.where.name, plan.snapshot.block_number)
    )
    return PlanResult(plan=plan, path=path, round_trips=connection.round_trips)


def read_plan_inputs(
    connection, target: ProductOnNetwork, *, targets: Targets | None, gas_price_gwei: float | None, batch: bool = False
) -> PlanInputs:
    from indexops.chain.reader import read_snapshot

    route = route_for(target, batch)
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
    return plan_rebalance(inputs.snapshot, inputs.weights, candidates, inputs.policy, planning_profile(inputs.route))


def assemble(inputs: PlanInputs, rebalance, now: datetime) -> Plan:
    """The route's steps for a planned rebalance, sealed into a plan file model."""
    return build_plan(
        product=inputs.target.key,
        network=inputs.target.where.name,
        route=inputs.target.deployment.manager_kind,
        snapshot=inputs.snapshot,
        rebalance=rebalance,
        steps=inputs.route.steps(rebalance, inputs.snapshot),
        dust_usd=inputs.policy.dust_usd,
        created_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _cool_off(target: ProductOnNetwork, symbol: str) -> int:
    component = target.product.components.get(symbol)
    if component is not None and component.cool_off is not None:
        return component.cool_off
    return target.product.execution.cool_off


def _configured_targets(target: ProductOnNetwork) -> Targets:
    components = target.product.components
    if not components:
        raise UsageError(f"{target.where.source}: products.{target.key}.components: no targets to plan towards")
    weights = {s: c.weight for s, c in components.items() if c.weight is not None}
    if len(weights) == len(components):
        return Targets("weights", weights)
    units = {}
    for symbol, component in components.items():
        if component.units is None:  # the config's checks leave no component of a product without weights unitless
            raise UsageError(
                f"{target.where.source}: products.{target.key}.components.{symbol}: "
                "no units, where the other components are given units rather than weights"
            )
        units[symbol] = float(component.units)
    return Targets("units", units)


def _weights(targets: Targets, snapshot) -> dict[str, float]:
    if targets.kind == "weights":
        return dict(targets.values)
    prices = {c.component.symbol: c.price_usd or 0.0 for c in value(snapshot).components}
    return target_weights_from_units(targets.values, prices)
