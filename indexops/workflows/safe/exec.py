"""`indexops safe exec`: execTransaction of each pending SafeTx, signed and sent by an executing account.

Every pending SafeTx's signatures are checked against the Safe's current owners and threshold
before the first one is sent; each is then simulated (eth_call from the executing account)
right before it is signed and sent, and recorded in the sidecar as soon as it is mined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_abi import decode
from eth_utils import keccak

from indexops.chain.abis import contract
from indexops.errors import ChainError, UsageError
from indexops.execution import chain_ops
from indexops.execution.fees import fees_under_cap
from indexops.safe.independent_hash import encoded_transaction_data
from indexops.safe.revert_codes import explain_revert
from indexops.safe.sidecar import SafeTxFile, SignedSafeTx
from indexops.safe.signature_check import check_signatures
from indexops.safe.signatures import combine
from indexops.workflows.safe.chain import SafeState, read_safe, signature_facts
from indexops.workflows.safe.files import write_sidecar

GAS_MARGIN = 1.25
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


@dataclass(frozen=True)
class ReadyToExecute:
    """What the checks found: the Safe as it is now, and each pending entry with its packed signatures."""

    state: SafeState
    pending: tuple[tuple[int, SignedSafeTx, bytes], ...]


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
    packed = tuple((index, entry, combine(entry.signatures, state.owners, state.threshold)) for index, entry in pending)
    for _, entry, signatures in packed:
        facts = signature_facts(
            connection.w3, state.address, entry.safe_tx_hash, encoded_transaction_data(entry.safe_tx), sender
        )
        check_signatures(
            signatures, entry.safe_tx_hash, state.owners, state.threshold, version=state.version, chain=facts
        )
    if pending[0][1].safe_tx.nonce != state.nonce:
        raise NonceNotNext(pending[0][1].safe_tx.nonce, state.nonce)
    _, first, signatures = packed[0]
    data = exec_transaction_data(connection.w3, first, signatures)
    _simulate(connection.w3, sender, state.address, data, first.safe_tx.nonce)
    return ReadyToExecute(state, packed)


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
        executed = _execute(connection.w3, connection.chain_id, ready.state, entry, signatures, signer, receipt_timeout)
        file = file.with_execution(index, executed.tx_hash)
        write_sidecar(sidecar_path, file)
        on_executed(executed)
        done.append(executed)
    return tuple(done)


def exec_transaction_data(w3, entry: SignedSafeTx, signatures: bytes) -> str:
    tx = entry.safe_tx
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
    w3, chain_id: int, state: SafeState, entry: SignedSafeTx, signatures: bytes, signer, receipt_timeout: int
) -> Executed:
    nonce = entry.safe_tx.nonce
    data = exec_transaction_data(w3, entry, signatures)
    _simulate(w3, signer.address, state.address, data, nonce)
    gas = int(chain_ops.estimate_gas(w3, signer.address, state.address, data) * GAS_MARGIN)
    fees = fees_under_cap(chain_ops.base_fee(w3), None)
    if fees is None:  # only a cap can leave no fees
        raise RuntimeError("fees_under_cap gave no fees without a cap")
    raw = signer.sign_transaction(
        {
            "type": 2,
            "chainId": chain_id,
            "nonce": chain_ops.pending_nonce(w3, signer.address),
            "to": state.address,
            "data": data,
            "value": 0,
            "gas": gas,
            **fees.as_tx_fields(),
        }
    )
    tx_hash = "0x" + keccak(raw).hex()
    chain_ops.broadcast(w3, raw)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=receipt_timeout, poll_latency=0.1)
    if receipt["status"] != 1:
        raise ExecFailed(nonce, tx_hash, "the transaction reverted")
    topics = [log["topics"][0] for log in receipt["logs"] if log["address"] == state.address and log["topics"]]
    if EXECUTION_FAILURE in topics or EXECUTION_SUCCESS not in topics:
        raise ExecFailed(nonce, tx_hash, "the Safe reported ExecutionFailure")
    return Executed(nonce, "0x" + entry.safe_tx_hash.hex(), tx_hash, receipt["blockNumber"], receipt["gasUsed"])


def _simulate(w3, sender: str, safe: str, data: str, nonce: int) -> None:
    from web3.exceptions import ContractLogicError

    try:
        result = w3.eth.call({"from": sender, "to": safe, "data": data}, "pending")
    except ContractLogicError as error:
        raise ExecWouldFail(nonce, explain_revert(chain_ops.revert_reason(error))) from None
    (success,) = decode(["bool"], bytes(result))
    if not success:  # with a non-zero safeTxGas an inner failure returns false instead of reverting
        raise ExecWouldFail(nonce, "the Safe transaction's call fails")
