"""Assemble a sealed Plan from a planned rebalance, the route's steps and the snapshot they came from."""

from __future__ import annotations

from collections.abc import Sequence

from indexops.planning.rebalance import CostTotals, RebalancePlan
from indexops.plans.files import seal
from indexops.plans.model import Plan
from indexops.plans.state import state_digest
from indexops.snapshot import Snapshot

PRECISE_UNIT = 10**18


def build_plan(
    *,
    product: str,
    network: str,
    route: str,
    snapshot: Snapshot,
    rebalance: RebalancePlan,
    steps: Sequence,
    created_at: str,
    dust_usd: float,
) -> Plan:
    eth_usd = rebalance.eth_usd
    nav_usd = rebalance.nav_weth * eth_usd
    setup_gas = sum(s.gas_estimate for s in steps if s.phase != "trade")
    setup_count = sum(1 for s in steps if s.phase != "trade")
    return seal(
        {
            "product": product,
            "network": network,
            "chain_id": snapshot.chain_id,
            "snapshot": {
                "block_number": snapshot.block_number,
                "block_hash": snapshot.block_hash,
                "timestamp": snapshot.timestamp,
            },
            "created_at": created_at,
            "route": route,
            "set_token": snapshot.set_token,
            "targets": [
                {
                    "symbol": t.symbol,
                    "address": t.address,
                    "decimals": t.decimals,
                    "current_unit": t.current_unit,
                    "target_unit": t.target_unit,
                    "current_weight": t.current_weight,
                    "target_weight": t.target_weight,
                }
                for t in rebalance.targets
            ],
            "state_digest": state_digest(snapshot_state(snapshot)),
            "state": snapshot_state(snapshot),
            "steps": [step_fields(index, step) for index, step in enumerate(steps)],
            "totals": _totals(
                rebalance.totals,
                rebalance,
                setup_gas,
                setup_count,
                nav_usd,
                gas=sum(s.gas_estimate for s in steps),
                transactions=len(steps),
            ),
            "baseline": _totals(rebalance.baseline, rebalance, setup_gas, setup_count, nav_usd),
            "skipped": [
                {
                    "symbol": t.component,
                    "side": t.side,
                    "quantity": t.quantity,
                    "notional_usd": t.notional_wei / PRECISE_UNIT * eth_usd,
                    "reason": f"below the dust threshold of ${dust_usd:g}",
                }
                for t in rebalance.skipped
            ],
        }
    )


def snapshot_state(snapshot: Snapshot) -> dict:
    """The chain values a plan depends on: if any of these moved, the plan is stale."""
    return {
        "set_token": snapshot.set_token,
        "total_supply": snapshot.total_supply,
        "position_multiplier": snapshot.position_multiplier,
        "manager": snapshot.manager,
        "roles": {r.name: sorted(r.holders) for r in snapshot.roles},
        "components": {c.address: _component_state(c) for c in snapshot.components},
    }


def _component_state(component) -> dict:
    state = {
        "symbol": component.symbol,
        "unit": component.unit,
        "balance": component.balance,
        "pools": {p.venue: [p.token_reserve, p.weth_reserve] for p in component.pools},
    }
    if component.gim is not None:
        gim = component.gim
        state["gim"] = [gim.max_size, gim.cool_off, gim.last_trade, gim.exchange]
    return state


def step_fields(index: int, step) -> dict:
    """A route's planned step as the plan file's step fields."""
    call = step.call
    return {
        "index": index,
        "phase": step.phase,
        "signer_role": call.signer_role,
        "to": call.to,
        "value": call.value,
        "data": "0x" + call.data.hex(),
        "function": call.function,
        "args": call.args,
        "description": call.description,
        "component": step.component,
        "side": step.side,
        "chunk": step.chunk,
        "chunks": step.chunks,
        "limits": step.limits,
        "expected": step.expected,
        "venue": step.venue,
        "cool_off_after": step.cool_off_after,
        "gas_estimate": step.gas_estimate,
    }


def _totals(
    costs: CostTotals,
    rebalance: RebalancePlan,
    setup_gas: int,
    setup_count: int,
    nav_usd: float,
    gas: int | None = None,
    transactions: int | None = None,
) -> dict:
    """Totals in USD; `gas` and `transactions` are given when the route's steps are known (they may batch)."""
    to_usd = rebalance.eth_usd / PRECISE_UNIT
    gas_price = rebalance.gas_price_wei
    trade_gas = costs.gas_wei // gas_price if gas_price else costs.trades * rebalance.profile.gas_per_trade
    total_gas = gas if gas is not None else setup_gas + trade_gas
    gas_usd = total_gas * gas_price * to_usd
    total = costs.impact_wei * to_usd + costs.fees_wei * to_usd + gas_usd
    return {
        "trades": costs.trades,
        "transactions": transactions if transactions is not None else setup_count + costs.trades,
        "gas": total_gas,
        "gas_price_wei": gas_price,
        "eth_usd": rebalance.eth_usd,
        "notional_usd": costs.notional_wei * to_usd,
        "impact_usd": costs.impact_wei * to_usd,
        "fees_usd": costs.fees_wei * to_usd,
        "gas_usd": gas_usd,
        "total_cost_usd": total,
        "cost_bps_of_nav": total / nav_usd * 10_000 if nav_usd else 0.0,
        "duration_seconds": costs.duration_seconds,
    }
