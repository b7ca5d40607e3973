"""`indexops execute PLAN`: check that the plan still holds, then run it through the executor.

Steps whose role the product's Safe holds are not signed here: `--safe` exports them for the Safe's
owners, and a later run checks their effect on chain and journals them as done outside the executor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError, UsageError
from indexops.execution.cool_off import CoolOffClock
from indexops.execution.drift import state_changes
from indexops.execution.executor import ExecutionSettings, Executor
from indexops.execution.external import SafeSteps
from indexops.execution.journal import Journal
from indexops.plans.build import snapshot_state
from indexops.routes.choose import route_for
from indexops.routes.route import ChainNow, ReadsItsOwnState, Route

GWEI = 10**9
GIM_CANNOT_BATCH = (
    "GIM trades are single calls from the trader's EOA and cannot be batched; "
    "the operator set-up batches through a Safe (`--safe --multisend`)"
)
ROLE_OPTION = {"operator": "--account", "owner": "--account", "trader": "--trader", "keeper": "--keeper"}


class PlanIsStale(UsageError):
    def __init__(self, reasons: list[str], replan: str = "indexops plan"):
        super().__init__(
            "the chain moved since the plan was made: " + "; ".join(reasons) + f". Re-run `{replan}` "
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


class PlanFromAnotherChainInstance(ChainError):
    def __init__(self, block: int, planned: str, here: str | None):
        found = f"is {here[:10]}…" if here else "does not exist"
        super().__init__(
            f"the plan was made on another instance of this chain: its snapshot block {block} was {planned[:10]}…, "
            f"here it {found} (a sandbox started again, or a reorganisation): re-run `indexops plan`"
        )


@dataclass(frozen=True)
class Preflight:
    resuming: bool
    overridden: tuple[str, ...]  # what --force let through


def check_before_first_step(
    connection,
    target: ProductOnNetwork,
    plan,
    journal: Journal,
    signers: dict,
    force: bool,
    safe_steps: SafeSteps | None = None,
) -> Preflight:
    """Chain, age, drift and roles; on a resumed run the chain has moved by our own steps, so drift is not checked.

    A plan whose Safe steps the Safe has already executed is resumed too: the chain moved by the plan. The
    route reads what its plans are made from (an index snapshot, or a leverage strategy: `chain_now`).
    """
    if plan.chain_id != target.where.network.chain_id:
        raise PlanForAnotherChain(plan.chain_id, target.where.name, target.where.network.chain_id)
    run = journal.run(plan.content_hash)
    resuming = run is not None and any(step.attempts or step.external for step in run.steps)
    route = route_of(plan, target)
    now, changes = chain_now(connection, target, route, {role: signer.address for role, signer in signers.items()})
    _check_roles(plan, now.holders, signers, safe_steps)
    done = {step.index for step in run.steps if step.done} if run is not None else set()
    route.check_before_send(connection.w3, (step for step in plan.steps if step.index not in done))
    if not resuming and safe_steps is not None:
        first = next((step for step in plan.steps if safe_steps.sends(step)), None)
        resuming = first is not None and safe_steps.in_place(connection.w3, plan, first)
    if resuming:
        return Preflight(resuming=True, overridden=())
    execution = target.product.execution
    problems = []
    age = now.block_number - plan.snapshot.block_number
    if age > execution.max_plan_age_blocks:
        problems.append(f"the plan is {age} blocks old (limit {execution.max_plan_age_blocks})")
    problems += changes(plan.state, now.state, execution.drift_tolerance_bps)
    if problems and not force:
        raise PlanIsStale(problems, _replan(plan))
    return Preflight(resuming=False, overridden=tuple(problems))


def _replan(plan) -> str:
    if plan.route != "fli":
        return "indexops plan"
    from indexops.routes.fli.chunks import lever_action

    return f"indexops lever {lever_action([step.function for step in plan.steps])} {plan.product}"


def chain_now(connection, target: ProductOnNetwork, route: Route, signers: Mapping[str, str]):
    """What the chain holds now for this route's plans, and the function that says what moved since a plan;
    `signers` are the addresses chosen per role (whether a keeper is allowed depends on who it is)."""
    if isinstance(route, ReadsItsOwnState):
        return route.read_now(connection, signers), route.state_changes
    from indexops.chain.reader import read_snapshot

    snapshot = read_snapshot(connection, target)
    holders = {role.name: tuple(role.holders) for role in snapshot.roles}
    return ChainNow(snapshot.block_number, snapshot_state(snapshot), holders), state_changes


def _check_roles(plan, holders: Mapping[str, tuple[str, ...]], signers: dict, safe_steps: SafeSteps | None) -> None:
    """Every role the plan signs with needs a signer that holds it, except the roles the Safe holds."""
    held_by_safe = safe_steps.roles if safe_steps is not None else frozenset()
    for role in sorted({step.signer_role for step in plan.steps} - held_by_safe):
        signer = signers.get(role)
        first = next(step.index for step in plan.steps if step.signer_role == role)
        if signer is None:
            raise UsageError(f"step {first} needs a {role} signer: choose one with {ROLE_OPTION[role]}")
        if role in holders and signer.address.lower() not in {h.lower() for h in holders[role]}:
            raise SignerLacksRole(role, signer.address, holders[role], first)


def chain_genesis(connection, plan) -> str:
    """The hash of this chain's block 0, the journal's name for the chain instance the plan runs on.

    The plan's snapshot block must be on this chain: a chain started again (same chain id, same
    deterministic deployment) has other blocks, and a plan or journal of the old one says nothing of it.
    """
    from indexops.chain import rpc_retry
    from indexops.execution import chain_ops

    w3 = connection.w3
    here = rpc_retry.call(lambda: chain_ops.block_hash(w3, plan.snapshot.block_number))
    if here != plan.snapshot.block_hash.lower():
        raise PlanFromAnotherChainInstance(plan.snapshot.block_number, plan.snapshot.block_hash, here)
    genesis = rpc_retry.call(lambda: chain_ops.block_hash(w3, 0))
    if genesis is None:
        raise ChainError("the RPC has no block 0: it is not a chain indexops can journal")
    return genesis


def run_plan(
    connection,
    target: ProductOnNetwork,
    plan,
    journal: Journal,
    signers: dict,
    *,
    gas_cap_gwei: float | None,
    warp: bool,
    report,
    max_gas_wait: int,
    receipt_timeout: int,
    on_warp=None,
    safe_steps: SafeSteps | None = None,
) -> None:
    if warp and not target.where.network.sandbox:
        raise UsageError("--warp moves anvil's clock: it works only on the sandbox network")
    cap = gas_cap_gwei if gas_cap_gwei is not None else target.product.execution.max_gas_price_gwei
    settings = ExecutionSettings(
        gas_cap_wei=int(cap * GWEI) if cap is not None else None,
        max_gas_wait_seconds=max_gas_wait,
        receipt_timeout_seconds=receipt_timeout,
        warp=warp,
        on_warp=on_warp,
    )
    clock = CoolOffClock(connection.w3, plan, journal, target.deployment.modules.get("gim"))
    executor = Executor(
        connection.w3,
        plan,
        journal,
        signers,
        settings,
        report=report,
        cool_off_ready=clock.seconds_until_ready,
        safe_steps=safe_steps,
    )
    executor.run()


def journal_path(explicit: Path | None, data_dir: Path) -> Path:
    from indexops.execution.journal import default_journal_path

    return explicit or default_journal_path(data_dir)


def require_chain_id(connection, plan) -> None:
    if connection.chain_id != plan.chain_id:
        raise ChainError(f"the plan is for chain {plan.chain_id} but the RPC is chain {connection.chain_id}")


def route_of(plan, target: ProductOnNetwork) -> Route:
    """The route that made the plan: the product's manager kind, batched if the plan's trades are."""
    return route_for(target, batch=_batches(plan))


def _batches(plan) -> bool:
    return any(step.function.startswith("batchTrade(") for step in plan.steps if step.phase == "trade")


def check_batching(plan) -> None:
    """`execute --batch`: the plan must carry its batching (made with `indexops plan --batch`)."""
    if plan.route == "base-manager":
        raise UsageError(GIM_CANNOT_BATCH)
    if plan.route == "fli":
        raise UsageError("a lever plan's calls are single strategy calls, one per chunk, and cannot be batched")
    if plan.route != "delegated":
        raise UsageError(f"{plan.route} trades are single TradeModule calls from the manager and cannot be batched")
    if not _batches(plan):
        raise UsageError(f"this plan was made without --batch: re-plan with `indexops plan {plan.product} --batch`")


def safe_steps_of(
    connection,
    target: ProductOnNetwork,
    plan_file: str,
    *,
    tx_hash: str | None = None,
    tx_hashes: tuple[str | None, ...] = (),
) -> SafeSteps | None:
    """The plan's Safe: the product's operator when `operator_is_safe`, and the roles it holds on chain now."""
    from indexops.workflows.safe.chain import role_holders

    deployment = target.deployment
    if not deployment.operator_is_safe or deployment.operator is None:
        return None
    safe = deployment.operator
    held = frozenset(
        role
        for role, addresses in role_holders(connection.w3, target).items()
        if safe.lower() in {a.lower() for a in addresses}
    )
    if not held:
        return None
    return SafeSteps(
        safe=safe,
        roles=held,
        plan_file=plan_file,
        gim=deployment.modules.get("gim"),
        tx_hashes=(tx_hash,) if tx_hash else tx_hashes,
    )


def executed_in(sidecar: Path, plan) -> tuple[str | None, ...]:
    """The transactions that executed the SafeTxs of `indexops safe export` (None for one not executed yet)."""
    from indexops.safe.sidecar import load_sidecar

    try:
        file = load_sidecar(sidecar.read_text(encoding="utf-8"), path=str(sidecar))
    except OSError as error:
        raise UsageError(f"--safe-file {sidecar}: {error.strerror or error}") from None
    if file.plan is not None and file.plan != plan.content_hash:
        raise UsageError(f"--safe-file {sidecar} was exported from plan {file.plan[:10]}, not {plan.content_hash[:10]}")
    return tuple(entry.executed_in for entry in file.transactions)


def export_for_safe(
    connection, loaded, target: ProductOnNetwork, plan, *, multisend: bool, out: Path | None, plan_dir: Path
):
    """`execute --safe`: the plan's Safe steps as `indexops safe export` writes them (`--out` read the same way:
    a `.json` path is the batch file, anything else a directory; default the plan's); nothing is sent."""
    from indexops.workflows.safe.export import destination, export_plan

    where_to = destination(out, plan_dir)
    return export_plan(
        connection,
        loaded,
        target,
        plan,
        safe=None,
        multisend=multisend,
        nonce=None,
        out_dir=where_to.directory,
        stem=where_to.stem,
    )
