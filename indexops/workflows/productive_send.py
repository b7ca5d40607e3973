"""The sends of `indexops rewards` and `indexops wrap`: a plan of route "delegated" holding the calls, sealed over
the product's snapshot (`indexops show` re-renders it, `indexops execute` could run it), written under the user
data dir, then run by the executor as `indexops execute` runs a plan: the signer's lock, the journal (a signed
transaction is written before it is broadcast; a run is keyed by the plan's hash and the chain's block 0),
simulation, the product's gas cap (or `--max-gas-price`), the receipts. When the operator is a Safe nothing is
sent: the calls are exported as a Transaction Builder batch and SafeTx sidecar, as `indexops safe export` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from indexops.config.loader import LoadedConfig
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError
from indexops.execution.journal import Journal
from indexops.execution.signer_lock import holding_signers
from indexops.plans import Plan, default_plan_path, seal, state_digest, write_plan
from indexops.plans.build import snapshot_state, step_fields
from indexops.routes.steps import PlannedStep
from indexops.snapshot import Snapshot
from indexops.workflows.claim_send import Sending
from indexops.workflows.execute import chain_genesis, export_for_safe, journal_path, run_plan


@dataclass(frozen=True)
class Sent:
    """What became of a plan: its transactions (sent by the operator's EOA), or the Safe's files."""

    plan_file: str
    tx_hashes: tuple[str, ...] = ()
    block_number: int | None = None  # the last step's
    safe: str | None = None
    batches: tuple[str, ...] = ()
    sidecar: str | None = None
    threshold: int | None = None
    owners: int | None = None

    def as_json(self) -> dict:
        return {**self.__dict__, "tx_hashes": list(self.tx_hashes), "batches": list(self.batches)}


def write_calls_plan(
    target: ProductOnNetwork,
    snapshot: Snapshot,
    steps: Sequence[PlannedStep],
    action: str,
    *,
    gas_price_wei: int,
    data_dir: Path,
    now: datetime | None = None,
) -> tuple[Plan, Path]:
    """The steps as a sealed plan file named `<product>-<action>-<network>-<block>.json`."""
    state = snapshot_state(snapshot)
    plan = seal(
        {
            "product": target.key,
            "network": target.where.name,
            "chain_id": target.where.network.chain_id,
            "snapshot": {
                "block_number": snapshot.block_number,
                "block_hash": snapshot.block_hash,
                "timestamp": snapshot.timestamp,
            },
            "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "route": "delegated",
            "set_token": snapshot.set_token,
            "targets": [],
            "state_digest": state_digest(state),
            "state": state,
            "steps": [step_fields(index, step) for index, step in enumerate(steps)],
            "totals": _totals(steps, gas_price_wei),
            "baseline": None,
            "skipped": [],
        }
    )
    name = f"{target.key}-{action}"
    return plan, write_plan(plan, default_plan_path(data_dir, name, target.where.name, snapshot.block_number))


def send_plan(
    connection, loaded: LoadedConfig, target: ProductOnNetwork, plan: Plan, path: Path, signer, sending: Sending
) -> Sent:
    """Run the plan from the operator's EOA, or export it for the operator's Safe (`operator_is_safe`)."""
    if target.deployment.operator_is_safe:
        exported = export_for_safe(connection, loaded, target, plan, multisend=False, out=None, plan_dir=path.parent)
        return Sent(
            plan_file=str(path),
            safe=exported.safe.address,
            batches=tuple(str(batch) for batch in exported.batch_paths),
            sidecar=str(exported.sidecar_path),
            threshold=exported.safe.threshold,
            owners=len(exported.safe.owners),
        )
    genesis = chain_genesis(connection, plan)
    with Journal.open(journal_path(sending.journal, sending.data_dir)) as book:
        with holding_signers(sending.data_dir, plan.chain_id, [signer.address]), book.acquire(plan.content_hash):
            book.begin_run(
                plan.content_hash, plan.product, plan.network, plan.chain_id, str(path.resolve()), chain_genesis=genesis
            )
            run_plan(
                connection,
                target,
                plan,
                book,
                {"operator": signer},
                gas_cap_gwei=sending.gas_cap_gwei,
                warp=False,
                report=sending.report,
                max_gas_wait=sending.max_gas_wait,
                receipt_timeout=sending.receipt_timeout,
            )
        attempts = [book.step(plan.content_hash, step.index).current for step in plan.steps]
    if any(attempt is None or attempt.block_number is None for attempt in attempts):
        raise ChainError(f"{plan.product}: the journal has no mined transaction for every step of {path}")
    return Sent(
        plan_file=str(path),
        tx_hashes=tuple(attempt.tx_hash for attempt in attempts if attempt is not None),
        block_number=max(attempt.block_number for attempt in attempts if attempt and attempt.block_number),
    )


def _totals(steps: Sequence[PlannedStep], gas_price_wei: int) -> dict:
    gas = sum(step.gas_estimate for step in steps)
    zero = ("eth_usd", "notional_usd", "impact_usd", "fees_usd", "gas_usd", "total_cost_usd", "cost_bps_of_nav")
    return {
        "trades": 0,
        "transactions": len(steps),
        "gas": gas,
        "gas_price_wei": gas_price_wei,
        "duration_seconds": 0,
        **dict.fromkeys(zero, 0.0),
    }
