"""`indexops safe pending SAFE`: the Transaction Service's queue for a Safe, each SafeTx checked and decoded.

For each queued SafeTx, in nonce order: its hash recomputed from its fields (one that does not match is
listed as such, never decoded or counted), its confirmations checked one by one as the Safe checks a
signature (approvals and contract owners' answers read from the chain), who has signed and who has not,
its calls decoded as `safe decode` decodes them, the flags for signers, and whether it can execute now:
the Safe's next nonce, enough valid signatures, and its execTransaction simulated without a revert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice
from indexops.errors import UsageError
from indexops.safe.flags import Flag
from indexops.safe.independent_hash import encoded_transaction_data
from indexops.safe.nonces import next_free_nonce
from indexops.safe.service import TransactionService
from indexops.safe.service_tx import QueuedSafeTx
from indexops.safe.signature_check import check_signatures
from indexops.safe.signatures import combine
from indexops.workflows.safe.chain import SafeState, signature_facts
from indexops.workflows.safe.decode import ReviewedSafeTx
from indexops.workflows.safe.exec import ExecWouldFail, exec_transaction_data, simulate_exec
from indexops.workflows.safe.queue import read_queue, review_queued


@dataclass(frozen=True)
class CheckedConfirmation:
    owner: str
    kind: str
    valid: bool
    problem: str | None = None


@dataclass(frozen=True)
class PendingSafeTx:
    nonce: int
    safe_tx_hash: str
    hash_matches: bool
    computed_hash: str
    rejection: bool
    confirmations: tuple[CheckedConfirmation, ...]
    valid: int
    threshold: int
    not_signed: tuple[str, ...]
    executable: bool
    status: str
    proposer: str | None
    submitted: str | None
    review: ReviewedSafeTx | None  # None when its fields do not hash to its safeTxHash
    flags: tuple[Flag, ...]
    set_aside: tuple[str, ...]


@dataclass(frozen=True)
class Pending:
    safe: str
    network: str
    chain_id: int
    service: str
    version: str
    nonce: int
    threshold: int
    owners: tuple[str, ...]
    next_free_nonce: int
    transactions: tuple[PendingSafeTx, ...]

    @property
    def mismatched(self) -> tuple[PendingSafeTx, ...]:
        return tuple(tx for tx in self.transactions if not tx.hash_matches)


def pending(w3, service: TransactionService, safe: str, loaded: LoadedConfig, where: NetworkChoice) -> Pending:
    queue = read_queue(w3, service, safe)
    state = queue.state
    transactions = tuple(_checked(w3, entry, state, loaded, where, service.display_url) for entry in queue.entries)
    return Pending(
        safe=state.address,
        network=where.name,
        chain_id=service.chain_id,
        service=service.display_url,
        version=state.version,
        nonce=state.nonce,
        threshold=state.threshold,
        owners=state.owners,
        next_free_nonce=next_free_nonce(state.nonce, queue.by_nonce()),
        transactions=transactions,
    )


def _checked(
    w3, entry: QueuedSafeTx, state: SafeState, loaded: LoadedConfig, where: NetworkChoice, url: str
) -> PendingSafeTx:
    tx = entry.safe_tx
    common: dict[str, Any] = {
        "nonce": tx.nonce,
        "safe_tx_hash": "0x" + entry.safe_tx_hash.hex(),
        "hash_matches": entry.hash_matches,
        "computed_hash": "0x" + entry.computed_hash.hex(),
        "rejection": entry.is_rejection,
        "threshold": state.threshold,
        "proposer": entry.proposer,
        "submitted": entry.submitted,
        "set_aside": entry.set_aside,
    }
    if not entry.hash_matches:
        return PendingSafeTx(
            **common,
            confirmations=(),
            valid=0,
            not_signed=state.owners,
            executable=False,
            status="its fields do not hash to its safeTxHash: do not sign it",
            review=None,
            flags=(),
        )
    facts = signature_facts(w3, state.address, entry.safe_tx_hash, encoded_transaction_data(tx), None)
    checked = []
    for signature in entry.signatures:
        try:
            check_signatures(signature.hex(), entry.safe_tx_hash, state.owners, 1, version=state.version, chain=facts)
        except UsageError as error:
            checked.append(CheckedConfirmation(signature.owner, signature.kind.value, False, str(error)))
        else:
            checked.append(CheckedConfirmation(signature.owner, signature.kind.value, True))
    valid = [signature for signature, check in zip(entry.signatures, checked, strict=True) if check.valid]
    executable, status = _status(w3, entry, state, valid)
    review = review_queued(entry, state, loaded, where, url)
    return PendingSafeTx(
        **common,
        confirmations=tuple(checked),
        valid=len(valid),
        not_signed=tuple(owner for owner in state.owners if owner not in entry.signers),
        executable=executable,
        status=status,
        review=review.transactions[0],
        flags=review.flags,
    )


def _status(w3, entry: QueuedSafeTx, state: SafeState, valid) -> tuple[bool, str]:
    tx = entry.safe_tx
    missing = state.threshold - len(valid)
    if tx.nonce > state.nonce:
        waits = f"waits for nonce {state.nonce}" + (f" to {tx.nonce - 1}" if tx.nonce - 1 > state.nonce else "")
        return False, waits + (f"; needs {missing} more signature(s)" if missing > 0 else "; signed")
    if missing > 0:
        return False, f"needs {missing} more signature(s)"
    packed = combine(valid, state.owners, state.threshold)
    try:
        simulate_exec(w3, state.owners[0], state.address, exec_transaction_data(w3, tx, packed), tx.nonce)
    except ExecWouldFail as error:
        return False, str(error).removesuffix("; nothing was sent")
    return True, "executable now"
