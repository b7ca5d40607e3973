"""`indexops safe propose`: each pending SafeTx to a Safe Transaction Service, so other owners see it in the app.

Before anything is posted, the service's description of the Safe must match the chain's (it exists,
same owners, threshold, nonce and singleton): a service for another chain is refused, naming what
differs. The first signature (by owner address) then goes with the proposal, its owner as the sender;
every further signature follows as a confirmation. The service's own error text is kept as it says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexops.errors import UsageError
from indexops.safe.errors import SafeUnknownToService, ServiceDisagrees
from indexops.safe.safe_view import SafeView, differences
from indexops.safe.service import TransactionService
from indexops.safe.sidecar import SafeTxFile


class NothingToPropose(UsageError):
    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Proposed:
    nonce: int
    safe_tx_hash: str
    sender: str
    confirmations: tuple[str, ...]


def check_service_describes(service: TransactionService, chain: SafeView, chain_name: str) -> None:
    """The service must know the Safe and describe it as the chain does; `chain_name` is how errors name the chain."""
    described = service.describe_safe(chain.address)
    if described is None:
        raise SafeUnknownToService(service.display_url, chain.address, chain_name)
    found = differences(described, chain)
    if found:
        raise ServiceDisagrees(service.display_url, chain.address, chain_name, found)


def propose_export(
    sidecar_path: Path, file: SafeTxFile, service: TransactionService, chain: SafeView, chain_name: str
) -> tuple[Proposed, ...]:
    pending = [entry for entry in file.transactions if entry.executed_in is None]
    if not pending:
        raise NothingToPropose(sidecar_path, "every SafeTx in it was already executed")
    for entry in pending:
        if not entry.signatures:
            raise NothingToPropose(
                sidecar_path,
                f"the SafeTx with nonce {entry.safe_tx.nonce} has no signature: "
                "sign it with `indexops safe sign` first",
            )
        unverifiable = [f"{s.owner} ({s.kind.value})" for s in entry.signatures if not s.verifiable_offline]
        if unverifiable:
            listed = ", ".join(unverifiable)
            raise NothingToPropose(sidecar_path, f"approved-hash and contract signatures are not proposed ({listed})")
    check_service_describes(service, chain, chain_name)
    proposed = []
    for entry in pending:
        ordered = sorted(entry.signatures, key=lambda signature: int(signature.owner, 16))
        first, rest = ordered[0], ordered[1:]
        service.propose(entry.safe_tx, entry.safe_tx_hash, first.owner, first.hex())
        for signature in rest:
            service.confirm(entry.safe_tx_hash, signature.hex())
        proposed.append(
            Proposed(
                entry.safe_tx.nonce,
                "0x" + entry.safe_tx_hash.hex(),
                first.owner,
                tuple(signature.owner for signature in rest),
            )
        )
    return tuple(proposed)
