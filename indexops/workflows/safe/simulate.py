"""`indexops safe decode --simulate`: run the pending SafeTxs on a fork before anyone signs.

The fork is anvil forking the network on loopback. The threshold is met without any key, as
brownie-safe does it: `approvedHashes[owner][safeTxHash]` is written to 1 for enough owners with
`anvil_setStorageAt`, and an impersonated owner calls execTransaction with approved-hash
signatures. The state the product's Safe may change is read before and after.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from web3.exceptions import ContractLogicError

from indexops.chain.abis import contract
from indexops.config.selection import NetworkChoice, choose_network, choose_product
from indexops.errors import SandboxError, UsageError
from indexops.execution import chain_ops
from indexops.safe.decoding import Label
from indexops.safe.revert_codes import explain_revert
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.sidecar import SafeTxFile
from indexops.safe.signatures import approved_hash_signature, encode_signatures
from indexops.safe.storage import NONCE_SLOT, approved_hash_slot, slot_hex
from indexops.workflows.safe.address_book import address_book
from indexops.workflows.safe.chain import operated_product, read_safe
from indexops.workflows.safe.exec import EXECUTION_SUCCESS, NonceNotNext, exec_transaction_data
from indexops.workflows.safe.state import Probe, StateChange, probes_for, read_probes, state_changes

SENDER_BALANCE = hex(100 * 10**18)
GAS_MARGIN = 1.25


@dataclass(frozen=True)
class SimulatedSafeTx:
    nonce: int
    safe_tx_hash: str
    ok: bool
    gas_used: int
    reason: str = ""


@dataclass(frozen=True)
class Simulation:
    fork_block: int
    transactions: tuple[SimulatedSafeTx, ...]
    changes: tuple[StateChange, ...]
    nonce_set_from: int | None  # the fork's Safe nonce was moved up to the file's (queued transactions)

    @property
    def ok(self) -> bool:
        return all(tx.ok for tx in self.transactions)


def simulate_on_fork(
    rpc_url: str, chain_id: int, safe: str, txs: Sequence[SafeTx], probes: Sequence[Probe], labels: Mapping[str, Label]
) -> Simulation:
    from indexops.chain.connection import connect
    from indexops.execution.rehearsal import Fork

    with Fork(find_anvil(), rpc_url) as fork:
        return simulate_safe_txs(connect(fork.url, chain_id).w3, safe, txs, probes, labels)


def simulate_safe_txs(
    w3, safe: str, txs: Sequence[SafeTx], probes: Sequence[Probe], labels: Mapping[str, Label]
) -> Simulation:
    """Execute `txs` (in nonce order) on `w3`, which must be a disposable anvil chain."""
    if not txs:
        raise UsageError("every SafeTx in the file was already executed: nothing to simulate")
    fork_block = int(w3.eth.block_number)
    state = read_safe(w3, safe)
    before = read_probes(w3, probes)
    nonce_set_from = _move_nonce(w3, safe, state.nonce, txs[0].nonce)
    approvers = sorted(state.owners, key=lambda owner: int(owner, 16))[: state.threshold]
    executor = approvers[0]
    w3.provider.make_request("anvil_impersonateAccount", [executor])
    w3.provider.make_request("anvil_setBalance", [executor, SENDER_BALANCE])
    results = []
    for tx in txs:
        digest = safe_tx_hash(tx)
        _approve(w3, safe, approvers, digest)
        signatures = encode_signatures([approved_hash_signature(owner) for owner in approvers])
        results.append(_run(w3, executor, safe, tx, digest, exec_transaction_data(w3, tx, signatures)))
        if not results[-1].ok:
            break  # later nonces cannot run after a failed one
    after = read_probes(w3, probes)
    return Simulation(fork_block, tuple(results), tuple(state_changes(probes, before, after, labels)), nonce_set_from)


def _move_nonce(w3, safe: str, current: int, wanted: int) -> int | None:
    if wanted == current:
        return None
    if wanted < current:
        raise NonceNotNext(wanted, current)
    w3.provider.make_request("anvil_setStorageAt", [safe, slot_hex(NONCE_SLOT), slot_hex(wanted)])
    return current


def _approve(w3, safe: str, owners: Sequence[str], safe_tx_hash: bytes) -> None:
    for owner in owners:
        slot = approved_hash_slot(owner, safe_tx_hash)
        w3.provider.make_request("anvil_setStorageAt", [safe, slot_hex(slot), slot_hex(1)])
        if contract(w3, "GnosisSafe", safe).functions.approvedHashes(owner, safe_tx_hash).call() != 1:
            raise SandboxError(f"writing approvedHashes of {safe} did not take: its storage layout is not a Safe 1.x's")


def _run(w3, executor: str, safe: str, tx: SafeTx, safe_tx_hash_: bytes, data: str) -> SimulatedSafeTx:
    nonce, digest = tx.nonce, "0x" + safe_tx_hash_.hex()
    try:
        chain_ops.simulate(w3, executor, safe, data)
        gas = int(chain_ops.estimate_gas(w3, executor, safe, data) * GAS_MARGIN)
    except (ContractLogicError, ValueError) as error:  # a revert is the simulation's finding; an outage is not
        return SimulatedSafeTx(nonce, digest, False, 0, explain_revert(chain_ops.revert_reason(error)))
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": executor, "to": safe, "data": data, "gas": gas}),
        timeout=60,
        poll_latency=0.05,
    )
    succeeded = any(
        log["topics"] and log["topics"][0] == EXECUTION_SUCCESS for log in receipt["logs"] if log["address"] == safe
    )
    ok = receipt["status"] == 1 and succeeded
    return SimulatedSafeTx(nonce, digest, ok, receipt["gasUsed"], "" if ok else "the Safe reported ExecutionFailure")


def simulate_export(loaded, file: SafeTxFile, review, rpc_url: str) -> Simulation:
    """Simulate a verified file on a fork of its network, watching its product's state and the tokens it names."""
    where = choose_network(loaded, file.network)
    target = choose_product(loaded, file.product, file.network) if file.product else None
    labels = address_book(loaded, where)
    pending = [entry.safe_tx for entry in file.transactions if entry.executed_in is None]
    probes = probes_for(target, file.safe, labels, _addresses_in(review))
    return simulate_on_fork(rpc_url, file.chain_id, file.safe, pending, probes, labels)


def simulate_one(loaded, where: NetworkChoice, tx: SafeTx, review, rpc_url: str) -> Simulation:
    """Simulate one SafeTx (a queued one) on a fork, watching the product the Safe operates, if any."""
    labels = address_book(loaded, where)
    target = operated_product(loaded, where, tx.safe)
    probes = probes_for(target, tx.safe, labels, _addresses_in(review))
    return simulate_on_fork(rpc_url, tx.chain_id, tx.safe, [tx], probes, labels)


def _addresses_in(review) -> list[str]:
    found: list[str] = []

    def visit(call) -> None:
        for arg in call.args:
            values = arg.value if arg.type == "address[]" else [arg.value] if arg.type == "address" else []
            found.extend(value for value in values if value not in found)
        if call.inner is not None:
            visit(call.inner)

    for tx in review.transactions:
        for call in tx.calls:
            visit(call)
    return found


def find_anvil() -> Path:
    from indexops.sandbox.toolchain import is_installed, load_toolchain

    if is_installed():
        return load_toolchain().anvil
    on_path = shutil.which("anvil")
    if on_path is None:
        raise UsageError("--simulate needs anvil: install Foundry, or run `indexops sandbox install`")
    return Path(on_path)
