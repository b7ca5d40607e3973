"""`indexops execute PLAN`: check that the plan still holds, then run it through the executor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError, UsageError
from indexops.execution.cool_off import CoolOffClock
from indexops.execution.drift import state_changes
from indexops.execution.executor import ExecutionSettings, Executor
from indexops.execution.journal import Journal
from indexops.plans.build import snapshot_state

GWEI = 10**9
ROLE_OPTION = {"operator": "--account", "owner": "--account", "trader": "--trader"}


class PlanIsStale(UsageError):
    def __init__(self, reasons: list[str]):
        super().__init__(
            "the chain moved since the plan was made: " + "; ".join(reasons) + ". Re-run `indexops plan` "
            "(or pass --force to execute anyway)"
        )


class SignerLacksRole(UsageError):
    def __init__(self, role: str, signer: str, holders: tuple[str, ...], first_step: int):
        held = ", ".join(holders) or "nobody"
        super().__init__(
            f"step {first_step} needs the {role} role, which {signer} does not hold (held by {held}): "
            f"choose the right signer with {ROLE_OPTION[role]}"
        )


class PlanForAnotherChain(UsageError):
    def __init__(self, plan_chain: int, network: str, network_chain: int):
        super().__init__(f"the plan is for chain {plan_chain} but network {network!r} is chain {network_chain}")


@dataclass(frozen=True)
class Preflight:
    resuming: bool
    overridden: tuple[str, ...]  # what --force let through


def check_before_first_step(connection, target: ProductOnNetwork, plan, journal: Journal, signers: dict,
                            force: bool) -> Preflight:
    """Chain, age, drift and roles; on a resumed run the chain has moved by our own steps, so drift is not checked."""
    from indexops.chain.reader import read_snapshot

    if plan.chain_id != target.where.network.chain_id:
        raise PlanForAnotherChain(plan.chain_id, target.where.name, target.where.network.chain_id)
    run = journal.run(plan.content_hash)
    resuming = run is not None and any(step.attempts for step in run.steps)
    snapshot = read_snapshot(connection, target)
    _check_roles(plan, snapshot, signers)
    if resuming:
        return Preflight(resuming=True, overridden=())
    execution = target.product.execution
    problems = []
    age = snapshot.block_number - plan.snapshot.block_number
    if age > execution.max_plan_age_blocks:
        problems.append(f"the plan is {age} blocks old (limit {execution.max_plan_age_blocks})")
    problems += state_changes(plan.state, snapshot_state(snapshot), execution.drift_tolerance_bps)
    if problems and not force:
        raise PlanIsStale(problems)
    return Preflight(resuming=False, overridden=tuple(problems))


def _check_roles(plan, snapshot, signers: dict) -> None:
    holders = {role.name: role.holders for role in snapshot.roles}
    for role in sorted({step.signer_role for step in plan.steps}):
        signer = signers.get(role)
        first = next(step.index for step in plan.steps if step.signer_role == role)
        if signer is None:
            raise UsageError(f"step {first} needs a {role} signer: choose one with {ROLE_OPTION[role]}")
        if role in holders and signer.address.lower() not in {h.lower() for h in holders[role]}:
            raise SignerLacksRole(role, signer.address, holders[role], first)


def run_plan(connection, target: ProductOnNetwork, plan, journal: Journal, signers: dict, *, gas_cap_gwei: float | None,
             warp: bool, report, max_gas_wait: int, receipt_timeout: int, on_warp=None) -> None:
    if warp and not target.where.network.sandbox:
        raise UsageError("--warp moves anvil's clock: it works only on the sandbox network")
    cap = gas_cap_gwei if gas_cap_gwei is not None else target.product.execution.max_gas_price_gwei
    settings = ExecutionSettings(
        gas_cap_wei=int(cap * GWEI) if cap is not None else None, max_gas_wait_seconds=max_gas_wait,
        receipt_timeout_seconds=receipt_timeout, warp=warp, on_warp=on_warp,
    )
    clock = CoolOffClock(connection.w3, plan, journal, target.deployment.modules.get("gim"))
    executor = Executor(connection.w3, plan, journal, signers, settings, report=report,
                        cool_off_ready=clock.seconds_until_ready)
    executor.run()


def journal_path(explicit: Path | None, data_dir: Path) -> Path:
    from indexops.execution.journal import default_journal_path

    return explicit or default_journal_path(data_dir)


def require_chain_id(connection, plan) -> None:
    if connection.chain_id != plan.chain_id:
        raise ChainError(f"the plan is for chain {plan.chain_id} but the RPC is chain {connection.chain_id}")
