"""`indexops lever engage|disengage|settings PRODUCT`: read the strategy, plan its calls, save them as a plan file.

A lever plan is a `Plan` of route "fli": no targets, the chain values it was made from in `state` (so
`indexops execute` sees what moved), one step per strategy call. It is executed by `indexops execute`
like a rebalance (journal, simulation, gas cap, resume); its operator steps go to the Safe when the
operator is one (`indexops safe export`, one SafeTx per chunk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from indexops.config.selection import ProductOnNetwork
from indexops.errors import UsageError
from indexops.plans import Plan, default_plan_path, seal, state_digest, write_plan
from indexops.plans.build import step_fields
from indexops.routes.fli.chain import LeverReading, lever_state, read_lever
from indexops.routes.fli.chunks import Chunk, disengage_chunks, engage_chunks, lever_steps
from indexops.routes.fli.settings import SETTINGS_GAS, Row, plan_change, plan_rows
from indexops.routes.steps import PlannedStep

ACTIONS = ("engage", "disengage")


@dataclass(frozen=True)
class LeverPlanResult:
    plan: Plan
    path: Path
    chunks: tuple[Chunk, ...]
    round_trips: int


def make_lever_plan(
    connection,
    target: ProductOnNetwork,
    action: str,
    *,
    exchanges: Sequence[str] = (),
    keepers: Sequence[str] = (),
    out: Path | None,
    data_dir: Path,
    now: datetime | None = None,
) -> LeverPlanResult:
    """Plan `action` from the chain's state now; `keepers` are callers to look for on the allowlist besides
    the configured ones (the plan refuses to have iterate steps nobody may send)."""
    require_leverage(target)
    lever = read_lever(connection, target, callers=keepers)
    names = chosen_exchanges(lever, exchanges)
    if action == "engage":
        _check_engage(target, lever)
        chunks = engage_chunks(lever.inputs, names)
    elif action == "disengage":
        _check_disengage(target, lever)
        chunks = disengage_chunks(lever.inputs, names)
    else:
        raise UsageError(f"unknown lever action {action!r} (one of {', '.join(ACTIONS)})")
    steps = lever_steps(lever.inputs, chunks)
    require_signers(target, lever, steps)
    plan = seal_lever_plan(
        target, lever, steps, gas_price_wei=int(connection.w3.eth.gas_price), created_at=now or datetime.now(UTC)
    )
    name = f"{target.key}-{action}"
    path = write_plan(plan, out or default_plan_path(data_dir, name, target.where.name, plan.snapshot.block_number))
    return LeverPlanResult(plan=plan, path=path, chunks=tuple(chunks), round_trips=connection.round_trips)


@dataclass(frozen=True)
class SettingsPlanResult:
    plan: Plan
    path: Path
    rows: tuple[Row, ...]
    warnings: tuple[str, ...]
    operator: str
    operator_is_contract: bool  # a Safe (or another contract): its calls are exported, not sent


def make_settings_plan(
    connection,
    target: ProductOnNetwork,
    assignments: Sequence[str],
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    out: Path | None,
    data_dir: Path,
    now: datetime | None = None,
) -> SettingsPlanResult:
    """A plan of the setter calls that make the strategy's settings what `assignments` say (`KEY=VALUE`),
    checked against the contract's own rules before anything is written."""
    require_leverage(target)
    lever = read_lever(connection, target)
    reading, collateral = lever.reading, lever.inputs.collateral
    known = [venue.trade_adapter for venue in target.where.network.venues.values() if venue.trade_adapter]
    change = plan_change(
        lever.inputs.strategy,
        reading.settings,
        reading.exchanges,
        reading.state.twap_leverage_ratio,
        assignments,
        add=add,
        remove=remove,
        known_exchanges=list(dict.fromkeys([*known, *reading.exchanges])),
        collateral_decimals=collateral.decimals,
    )
    steps = [PlannedStep(call=call, phase="setup", gas_estimate=SETTINGS_GAS) for call in change.calls]
    plan = seal_lever_plan(
        target, lever, steps, gas_price_wei=int(connection.w3.eth.gas_price), created_at=now or datetime.now(UTC)
    )
    name = f"{target.key}-settings"
    path = write_plan(plan, out or default_plan_path(data_dir, name, target.where.name, plan.snapshot.block_number))
    operator = lever.market.operator
    return SettingsPlanResult(
        plan=plan,
        path=path,
        rows=tuple(plan_rows(plan.state, plan.steps, collateral.symbol, collateral.decimals)),
        warnings=change.warnings,
        operator=operator,
        operator_is_contract=bool(connection.w3.eth.get_code(operator)),
    )


def require_leverage(target: ProductOnNetwork) -> None:
    if target.product.kind != "leverage":
        raise UsageError(
            f"{target.key} is not a leverage token (products.{target.key}.kind is {target.product.kind!r}): "
            f"plan its rebalances with `indexops plan {target.key}`"
        )


def chosen_exchanges(lever: LeverReading, wanted: Sequence[str]) -> list[str]:
    """The exchanges to alternate between: those asked for, in that order (all enabled ones by default)."""
    enabled = list(lever.reading.exchanges)
    if not enabled:
        raise UsageError("the strategy has no enabled exchange: add one with `indexops lever settings --add-exchange`")
    for name in wanted:
        if name not in enabled:
            raise UsageError(f"unknown exchange {name!r}: the strategy's enabled exchanges are {', '.join(enabled)}")
    return list(dict.fromkeys(wanted)) or enabled


def _check_engage(target: ProductOnNetwork, lever: LeverReading) -> None:
    state = lever.reading.state
    if state.borrow_balance > 0 and not state.in_twap:
        raise UsageError(
            f"{target.key} is engaged already (ratio {lever.reading.contract_ratio / 1e18:.4f}x, debt left): "
            "engage starts from no debt (the contract would revert: Debt must be 0); disengage first"
        )


def _check_disengage(target: ProductOnNetwork, lever: LeverReading) -> None:
    if lever.reading.state.borrow_balance == 0:
        raise UsageError(f"{target.key} is not engaged: it has no debt to repay (ratio 1x)")


def require_signers(target: ProductOnNetwork, lever: LeverReading, steps: Sequence[PlannedStep]) -> None:
    """Each step needs a signer the contract lets make it: the keeper steps an allow-listed EOA (or anyone)."""
    keeper_steps = [step for step in steps if step.call.signer_role == "keeper"]
    if not keeper_steps or lever.reading.anyone_callable or lever.allowed_callers:
        return
    asked = ", ".join(lever.reading.callers) or "none configured"
    raise UsageError(
        f"{keeper_steps[0].call.function.split('(')[0]} must be sent by an EOA on the strategy's caller allowlist, and "
        f"it allows none of the callers known ({asked}) nor anyone: allow a keeper with updateCallerStatus, or "
        f"name one with --keeper (products.{target.key}.deployments.{target.where.name}.leverage.allowed_callers)"
    )


def seal_lever_plan(
    target: ProductOnNetwork,
    lever: LeverReading,
    steps: Sequence[PlannedStep],
    *,
    gas_price_wei: int,
    created_at: datetime,
) -> Plan:
    reading = lever.reading
    state = lever_state(lever)
    gas = sum(step.gas_estimate for step in steps)
    return seal(
        {
            "product": target.key,
            "network": target.where.name,
            "chain_id": target.where.network.chain_id,
            "snapshot": {
                "block_number": reading.block_number,
                "block_hash": lever.market.block_hash,
                "timestamp": reading.state.timestamp,
            },
            "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "route": "fli",
            "set_token": reading.strategy.set_token,
            "targets": [],
            "state_digest": state_digest(state),
            "state": state,
            "steps": [step_fields(index, step) for index, step in enumerate(steps)],
            "totals": {
                "trades": sum(1 for step in steps if step.limits),
                "transactions": len(steps),
                "gas": gas,
                "gas_price_wei": gas_price_wei,
                "eth_usd": 0.0,
                "notional_usd": 0.0,
                "impact_usd": 0.0,
                "fees_usd": 0.0,
                "gas_usd": 0.0,
                "total_cost_usd": 0.0,
                "cost_bps_of_nav": 0.0,
                "duration_seconds": sum(step.cool_off_after for step in steps[:-1]),
            },
            "baseline": None,
            "skipped": [],
        }
    )
