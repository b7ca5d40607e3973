"""`indexops safe propose`: each pending SafeTx to a Safe Transaction Service, so other owners see it in the app.

Before anything is posted, the service's description of the Safe must match the chain's (it exists,
same owners, threshold, nonce and singleton): a service for another chain is refused, naming what
differs. With the service's queue read, a SafeTx must take the next free nonce, or a queued one when
`replace` says it is meant to replace what is queued there. The first signature then goes with the
proposal, its owner as the sender (an EOA's first, by owner address); every further signature, of any
kind the Safe accepts, follows as a confirmation. The service's own error text is kept as it says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from indexops.errors import UsageError
from indexops.safe.errors import SafeUnknownToService, ServiceDisagrees
from indexops.safe.nonces import choose_nonce
from indexops.safe.safe_view import SafeView, differences
from indexops.safe.service import TransactionService
from indexops.safe.sidecar import SafeTxFile, SignedSafeTx


class NonceTaken(UsageError):
    def __init__(self, nonce: int, queued: tuple[str, ...], next_free: int):
        super().__init__(
            f"nonce {nonce} is already queued at the service ({', '.join(queued)}): export again with --service "
            f"to take the next free nonce ({next_free}), or pass --replace to propose it in their place"
        )


class NothingToPropose(UsageError):
    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Proposed:
    nonce: int
    safe_tx_hash: str
    sender: str
    confirmations: tuple[str, ...]
    replaces: tuple[str, ...] = ()


def check_service_describes(service: TransactionService, chain: SafeView, chain_name: str) -> None:
    """The service must know the Safe and describe it as the chain does; `chain_name` is how errors name the chain."""
    described = service.describe_safe(chain.address)
    if described is None:
        raise SafeUnknownToService(service.display_url, chain.address, chain_name)
    found = differences(described, chain)
    if found:
        raise ServiceDisagrees(service.display_url, chain.address, chain_name, found)


def propose_export(
    sidecar_path: Path,
    file: SafeTxFile,
    service: TransactionService,
    chain: SafeView,
    chain_name: str,
    queued: Mapping[int, tuple[str, ...]] | None = None,
    replace: bool = False,
) -> tuple[Proposed, ...]:
    """`queued`: the service's queue by nonce (None: not read, nothing checked against it)."""
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
    replaced = _replaced(pending, chain.nonce, queued, replace)
    check_service_describes(service, chain, chain_name)
    proposed = []
    for entry in pending:
        ordered = sorted(
            entry.signatures, key=lambda signature: (not signature.verifiable_offline, int(signature.owner, 16))
        )
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
                replaced.get(entry.safe_tx.nonce, ()),
            )
        )
    return tuple(proposed)


def _replaced(
    pending: list[SignedSafeTx], chain_nonce: int, queued: Mapping[int, tuple[str, ...]] | None, replace: bool
) -> dict[int, tuple[str, ...]]:
    """What each entry would replace at its nonce (refused unless `replace`); a spent nonce or a gap before the
    first entry is refused always. A SafeTx of the file already queued is the file's own, not another."""
    if queued is None:
        return {}
    own = {"0x" + entry.safe_tx_hash.hex() for entry in pending}
    others = {nonce: tuple(h for h in hashes if h not in own) for nonce, hashes in queued.items()}
    choose_nonce(chain_nonce, others, pending[0].safe_tx.nonce)
    replaced = {}
    for entry in pending:
        taken = others.get(entry.safe_tx.nonce, ())
        if taken and not replace:
            raise NonceTaken(entry.safe_tx.nonce, taken, choose_nonce(chain_nonce, others).nonce)
        replaced[entry.safe_tx.nonce] = taken
    return replaced
