"""`indexops safe exec`: execTransaction of each pending SafeTx, signed and sent by an executing account.

The SafeTxs come from a sidecar (every pending one, in nonce order) or from a Transaction Service's
queue (one, by its safeTxHash, its hash recomputed from its fields first). Every SafeTx's signatures are
checked against the Safe's current owners and threshold before the first one is sent; each is then
simulated (eth_call from the executing account) right before it is signed and sent, and a sidecar's is
recorded as soon as it is mined. An executing account that is an owner and has not signed counts as one
more signature when one is missing: its approved-hash signature (v 1) needs no approval from the sender.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from eth_abi import decode
from eth_utils import keccak

from indexops.chain.abis import contract
from indexops.errors import ChainError, UsageError
from indexops.execution import chain_ops
from indexops.safe.independent_hash import encoded_transaction_data
from indexops.safe.revert_codes import explain_revert
from indexops.safe.safetx import SafeTx
from indexops.safe.service_tx import QueuedSafeTx
from indexops.safe.sidecar import SafeTxFile, SignedSafeTx
from indexops.safe.signature_check import check_signatures
from indexops.safe.signatures import SafeSignature, approved_hash_signature, combine
from indexops.workflows.safe.chain import SafeState, read_safe, signature_facts
from indexops.workflows.safe.files import write_sidecar
from indexops.workflows.safe.sending import send_call

EXECUTION_SUCCESS = keccak(text="ExecutionSuccess(bytes32,uint256)")
EXECUTION_FAILURE = keccak(text="ExecutionFailure(bytes32,uint256)")


class NothingPending(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"{path}: every SafeTx in it was already executed")


class NonceNotNext(UsageError):
    def __init__(self, nonce: int, current: int):
        if nonce < current:
            message = f"the SafeTx with nonce {nonce} can no longer execute: the Safe's nonce is already {current}"
        else:
            message = (
                f"the SafeTx with nonce {nonce} is queued: the Safe's next nonce is {current}; execute those first"
            )
        super().__init__(message)


class SafeVersionChanged(UsageError):
    def __init__(self, file_version: str, chain_version: str):
        super().__init__(
            f"the file was hashed for Safe {file_version}, but the Safe now reports {chain_version}; export again"
        )


class ExecWouldFail(ChainError):
    def __init__(self, nonce: int, reason: str):
        super().__init__(f"execTransaction of the SafeTx with nonce {nonce} would fail: {reason}; nothing was sent")


class AlreadyExecuted(UsageError):
    def __init__(self, safe_tx_hash: bytes, where: str):
        super().__init__(f"the SafeTx 0x{safe_tx_hash.hex()} was already executed ({where})")


class ExecFailed(ChainError):
    def __init__(self, nonce: int, tx_hash: str, reason: str):
        super().__init__(f"execTransaction of the SafeTx with nonce {nonce} failed in {tx_hash}: {reason}")


@dataclass(frozen=True)
class Executed:
    nonce: int
    safe_tx_hash: str
    tx_hash: str
    block: int
    gas_used: int
    sender_approved: bool = False  # the executing owner's own approved-hash signature made up the threshold


@dataclass(frozen=True)
class ReadyToExecute:
    """What the checks found: the Safe as it is now, and each pending entry with its packed signatures
    (`sender_approves`: the nonces whose threshold the executing owner's own approval makes up)."""

    state: SafeState
    pending: tuple[tuple[int, SignedSafeTx, bytes], ...]
    sender_approves: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReadyQueued:
    state: SafeState
    queued: QueuedSafeTx
    signatures: bytes
    sender_approved: bool


def with_sender_approval(
    signatures: Sequence[SafeSignature], state: SafeState, sender: str
) -> tuple[tuple[SafeSignature, ...], bool]:
    """The signatures, and the sender's approved-hash one when it is an owner who has not signed and one is missing."""
    signers = {signature.owner for signature in signatures}
    if len(signatures) < state.threshold and sender in state.owners and sender not in signers:
        return (*signatures, approved_hash_signature(sender)), True
    return tuple(signatures), False


def _checked_signatures(w3, state: SafeState, tx: SafeTx, digest: bytes, signatures: bytes, sender: str) -> None:
    facts = signature_facts(w3, state.address, digest, encoded_transaction_data(tx), sender)
    check_signatures(signatures, digest, state.owners, state.threshold, version=state.version, chain=facts)


def check_before_exec(connection, sidecar_path: Path, file: SafeTxFile, sender: str) -> ReadyToExecute:
    """Version, nonce order, every pending SafeTx's signatures checked as the Safe checks them (against the
    current owners and threshold, approvals and contract owners read from the chain), and the first one
    simulated from `sender` (the later ones run on the state the earlier ones leave)."""
    pending = [(index, entry) for index, entry in enumerate(file.transactions) if entry.executed_in is None]
    if not pending:
        raise NothingPending(sidecar_path)
    state = read_safe(connection.w3, file.safe)
    if state.version != file.safe_version:
        raise SafeVersionChanged(file.safe_version, state.version)
    packed: list[tuple[int, SignedSafeTx, bytes]] = []
    approves = []
    for index, entry in pending:
        signed, approved = with_sender_approval(entry.signatures, state, sender)
        if approved:
            approves.append(entry.safe_tx.nonce)
        packed.append((index, entry, combine(signed, state.owners, state.threshold)))
    for _, entry, blob in packed:
        _checked_signatures(connection.w3, state, entry.safe_tx, entry.safe_tx_hash, blob, sender)
    if pending[0][1].safe_tx.nonce != state.nonce:
        raise NonceNotNext(pending[0][1].safe_tx.nonce, state.nonce)
    _, first, first_blob = packed[0]
    data = exec_transaction_data(connection.w3, first.safe_tx, first_blob)
    simulate_exec(connection.w3, sender, state.address, data, first.safe_tx.nonce)
    return ReadyToExecute(state, tuple(packed), tuple(approves))


def check_queued_before_exec(connection, queued: QueuedSafeTx, state: SafeState, sender: str) -> ReadyQueued:
    """A queued SafeTx (its hash already checked), its confirmations combined and checked as the Safe checks
    them, its nonce the Safe's next, and its execution simulated from `sender`."""
    tx, digest = queued.safe_tx, queued.safe_tx_hash
    if queued.executed:
        raise AlreadyExecuted(digest, f"in {queued.transaction_hash or 'a transaction the service records'}")
    if tx.nonce != state.nonce:
        raise NonceNotNext(tx.nonce, state.nonce)
    current = [signature for signature in queued.signatures if signature.owner in state.owners]
    signatures, approved = with_sender_approval(current, state, sender)
    packed = combine(signatures, state.owners, state.threshold)
    _checked_signatures(connection.w3, state, tx, digest, packed, sender)
    simulate_exec(connection.w3, sender, state.address, exec_transaction_data(connection.w3, tx, packed), tx.nonce)
    return ReadyQueued(state, queued, packed, approved)


def exec_queued(connection, ready: ReadyQueued, signer, *, receipt_timeout: int = 180) -> Executed:
    tx = ready.queued.safe_tx
    executed = _execute(
        connection.w3,
        connection.chain_id,
        ready.state,
        tx,
        ready.queued.safe_tx_hash,
        ready.signatures,
        signer,
        receipt_timeout,
    )
    return replace(executed, sender_approved=ready.sender_approved)


def exec_export(
    connection,
    sidecar_path: Path,
    file: SafeTxFile,
    ready: ReadyToExecute,
    signer,
    *,
    receipt_timeout: int = 180,
    on_executed: Callable[[Executed], None] = lambda executed: None,
) -> tuple[Executed, ...]:
    """Simulate, sign, send and record each pending SafeTx in nonce order."""
    done = []
    for index, entry, signatures in ready.pending:
        executed = _execute(
            connection.w3,
            connection.chain_id,
            ready.state,
            entry.safe_tx,
            entry.safe_tx_hash,
            signatures,
            signer,
            receipt_timeout,
        )
        if entry.safe_tx.nonce in ready.sender_approves:
            executed = replace(executed, sender_approved=True)
        file = file.with_execution(index, executed.tx_hash)
        write_sidecar(sidecar_path, file)
        on_executed(executed)
        done.append(executed)
    return tuple(done)


def exec_transaction_data(w3, tx: SafeTx, signatures: bytes) -> str:
    safe = contract(w3, "GnosisSafe", tx.safe)
    return safe.encode_abi(
        "execTransaction",
        args=[
            tx.to,
            tx.value,
            tx.data,
            tx.operation,
            tx.safe_tx_gas,
            tx.base_gas,
            tx.gas_price,
            tx.gas_token,
            tx.refund_receiver,
            signatures,
        ],
    )


def _execute(
    w3, chain_id: int, state: SafeState, tx: SafeTx, digest: bytes, signatures: bytes, signer, receipt_timeout: int
) -> Executed:
    nonce = tx.nonce
    data = exec_transaction_data(w3, tx, signatures)
    simulate_exec(w3, signer.address, state.address, data, nonce)
    sent = send_call(w3, chain_id, signer, state.address, data, receipt_timeout=receipt_timeout)
    receipt = sent.receipt
    if receipt["status"] != 1:
        raise ExecFailed(nonce, sent.tx_hash, "the transaction reverted")
    topics = [log["topics"][0] for log in receipt["logs"] if log["address"] == state.address and log["topics"]]
    if EXECUTION_FAILURE in topics or EXECUTION_SUCCESS not in topics:
        raise ExecFailed(nonce, sent.tx_hash, "the Safe reported ExecutionFailure")
    return Executed(nonce, "0x" + digest.hex(), sent.tx_hash, receipt["blockNumber"], receipt["gasUsed"])


def simulate_exec(w3, sender: str, safe: str, data: str, nonce: int) -> None:
    from web3.exceptions import ContractLogicError

    try:
        result = w3.eth.call({"from": sender, "to": safe, "data": data}, "pending")
    except ContractLogicError as error:
        raise ExecWouldFail(nonce, explain_revert(chain_ops.revert_reason(error))) from None
    (success,) = decode(["bool"], bytes(result))
    if not success:  # with a non-zero safeTxGas an inner failure returns false instead of reverting
        raise ExecWouldFail(nonce, "the Safe transaction's call fails")
