"""`indexops claim-comp`'s sends: the claim, then (`--absorb`) AirdropModule.absorb, each a one-step lever plan.

Each plan (route "fli", sealed by `seal_lever_plan`, written under the user data dir) runs through the
executor the way `indexops execute` runs one: the signer's lock, the journal (the signed transaction is
written before it is broadcast; a run is keyed by the plan's hash and the chain's block 0), simulation,
the product's gas cap (or `--max-gas-price`), the receipt. A claim or absorb an earlier process left in
flight (killed after signing or sending) is followed to its receipt by the same plan, never signed again.
The claim is the signer's (anyone may claim when `anyoneClaim`); the absorb is the operator's: sent from the
operator's EOA, or, when the operator is a Safe, exported as a Transaction Builder batch and SafeTx sidecar
by the same code as `indexops safe export`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from web3.logs import DISCARD

from indexops.chain.abis import contract
from indexops.chain.leverage_reader import COMP
from indexops.config.loader import LoadedConfig
from indexops.config.selection import ProductOnNetwork
from indexops.errors import ChainError
from indexops.execution import chain_ops
from indexops.execution.journal import Journal
from indexops.execution.signer_lock import holding_signers
from indexops.plans import Plan, default_plan_path, load_plan, write_plan
from indexops.routes.calls import make_call
from indexops.routes.steps import PlannedStep
from indexops.workflows.claim_comp import Prepared
from indexops.workflows.execute import chain_genesis, export_for_safe, journal_path, run_plan
from indexops.workflows.lever import seal_lever_plan

ABSORB_GAS = 200_000  # AirdropModule.absorb used 0.14 M gas on the sandbox


@dataclass(frozen=True)
class Sending:
    """How the executor sends: where its journal and plans go, the gas cap, how long it waits."""

    data_dir: Path
    journal: Path | None
    gas_cap_gwei: float | None
    max_gas_wait: int
    receipt_timeout: int
    report: Callable[..., None]


@dataclass(frozen=True)
class ClaimResult:
    plan_file: str
    tx_hash: str
    block_number: int
    claimed_wei: int  # ClaimModule's RewardClaimed amount
    held_wei: int  # the SetToken's COMP balance at the claim's block
    previewed_wei: int  # the preview's balance after the claim
    in_previewed_block: bool  # mined in the block the preview simulated
    resumed: bool = False  # the claim an earlier run left in flight, followed (the preview is of a new one)

    def as_json(self) -> dict:
        return {**self.__dict__, "held": self.held_wei / 10**18}


@dataclass(frozen=True)
class AbsorbResult:
    plan_file: str
    tx_hash: str | None = None  # sent from the operator's EOA
    block_number: int | None = None
    unit: int | None = None  # COMP per set, the position's real unit after the absorb
    safe: str | None = None  # exported for the operator's Safe instead
    batches: tuple[str, ...] = ()
    sidecar: str | None = None
    threshold: int | None = None
    owners: int | None = None

    def as_json(self) -> dict:
        return {**self.__dict__, "batches": list(self.batches)}


def claim(
    connection, prepared: Prepared, signer, sending: Sending, left: tuple[Plan, Path] | None = None
) -> ClaimResult:
    """Send the claim, or follow the one `left` in flight (`left_in_flight`); the SetToken's COMP at its block,
    and what ClaimModule says it claimed."""
    step = PlannedStep(
        call=prepared.call,
        phase="finish",
        gas_estimate=prepared.preview.gas,
        expected={"comp": prepared.preview.comp_claimable_wei},
    )
    plan, path = left or _write(prepared, step, "claim-comp", sending.data_dir)
    tx_hash, block = _run(connection, prepared.target, plan, path, signer, sending)
    w3, set_token = connection.w3, prepared.preview.set_token
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    claim_module = contract(w3, "ClaimModule", prepared.call.to)
    events = claim_module.events.RewardClaimed().process_receipt(receipt, errors=DISCARD)
    claimed = sum(int(event["args"]["_amount"]) for event in events)
    held = contract(w3, "ERC20", COMP).functions.balanceOf(set_token).call(block_identifier=block)
    return ClaimResult(
        plan_file=str(path),
        tx_hash=tx_hash,
        block_number=block,
        claimed_wei=claimed,
        held_wei=int(held),
        previewed_wei=prepared.preview.comp_held_after_wei,
        in_previewed_block=block == prepared.preview.claim_block,
        resumed=left is not None,
    )


def absorb(connection, loaded: LoadedConfig, prepared: Prepared, signer, sending: Sending) -> AbsorbResult:
    """AirdropModule.absorb(setToken, COMP): sent by the operator's EOA, or exported for its Safe."""
    target = prepared.target
    module = target.deployment.modules["airdrop"]
    call = make_call(
        "AirdropModule",
        "absorb",
        module,
        [prepared.preview.set_token, COMP],
        "operator",
        f"absorb the COMP {target.key}'s SetToken holds as a position (issuance then requires it)",
    )
    step = PlannedStep(call=call, phase="finish", gas_estimate=ABSORB_GAS)
    left = None if prepared.operator_is_contract else left_in_flight(connection, target, "absorb-comp", sending)
    plan, path = left or _write(prepared, step, "absorb-comp", sending.data_dir)
    if prepared.operator_is_contract:
        exported = export_for_safe(connection, loaded, target, plan, multisend=False, out=None, plan_dir=path.parent)
        return AbsorbResult(
            plan_file=str(path),
            safe=exported.safe.address,
            batches=tuple(str(batch) for batch in exported.batch_paths),
            sidecar=str(exported.sidecar_path),
            threshold=exported.safe.threshold,
            owners=len(exported.safe.owners),
        )
    tx_hash, block = _run(connection, target, plan, path, signer, sending, role="operator")
    unit = contract(connection.w3, "SetToken", prepared.preview.set_token).functions.getDefaultPositionRealUnit(COMP)
    return AbsorbResult(
        plan_file=str(path), tx_hash=tx_hash, block_number=block, unit=int(unit.call(block_identifier=block))
    )


def _write(prepared: Prepared, step: PlannedStep, action: str, data_dir: Path) -> tuple[Plan, Path]:
    target, lever = prepared.target, prepared.lever
    gas_price = prepared.preview.base_fee_wei + prepared.preview.priority_fee_wei
    plan = seal_lever_plan(target, lever, [step], gas_price_wei=gas_price, created_at=datetime.now(UTC))
    name = f"{target.key}-{action}"
    path = write_plan(plan, default_plan_path(data_dir, name, target.where.name, plan.snapshot.block_number))
    return plan, path


def left_in_flight(connection, target: ProductOnNetwork, action: str, sending: Sending) -> tuple[Plan, Path] | None:
    """The plan of `action` ("claim-comp", "absorb-comp") an earlier run left with a transaction in flight on this
    chain instance, if any (read only: no journal is created)."""
    where = journal_path(sending.journal, sending.data_dir)
    if not where.exists():
        return None
    genesis = (chain_ops.block_hash(connection.w3, 0) or "").lower()
    prefix = f"{target.key}-{action}-{target.where.name}-"
    with Journal.open(where) as book:
        for run in book.runs():
            same = run.product == target.key and (run.chain_genesis or "").lower() == genesis
            if same and run.plan_path.name.startswith(prefix) and any(step.in_flight for step in run.steps):
                return load_plan(run.plan_path), run.plan_path
    return None


def _run(connection, target, plan: Plan, path: Path, signer, sending: Sending, role: str = "keeper") -> tuple[str, int]:
    """Run the one-step plan through the executor (journal, signer lock, gas cap); its mined hash and block."""
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
                {role: signer},
                gas_cap_gwei=sending.gas_cap_gwei,
                warp=False,
                report=sending.report,
                max_gas_wait=sending.max_gas_wait,
                receipt_timeout=sending.receipt_timeout,
            )
        attempt = book.step(plan.content_hash, 0).current
    if attempt is None or attempt.block_number is None:
        raise ChainError(f"{plan.product}: the journal has no mined transaction for {path}")
    return attempt.tx_hash, attempt.block_number
