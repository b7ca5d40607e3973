"""`indexops safe sign`: owner signatures over each SafeTx of a verified export, kept in its sidecar.

A signer's own key signs the EIP-712 typed data (v 27/28), or with `eth_sign` the 32-byte hash
(v 31/32). Signatures made with other tools come in as OWNER:SIGNATURE and are recovered against
every SafeTx of the file before they are kept. On chain, an owner can instead approve each hash
(`approveHash`, kept as its v 1 signature), and an owner of an owner Safe can sign as that Safe (its
contract signature, v 0, to which each of the owner Safe's owners adds theirs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexops.errors import UsageError
from indexops.safe.errors import InvalidSignature, SignerNotOwner
from indexops.safe.sidecar import SafeTxFile
from indexops.safe.signatures import (
    SafeSignature,
    SignatureKind,
    eth_sign_safe_tx_hash,
    parse_signature,
    sign_safe_tx,
    signed_by,
)
from indexops.values import checksummed
from indexops.workflows.safe.chain import read_safe
from indexops.workflows.safe.files import Export, write_sidecar
from indexops.workflows.safe.owner_signatures import approve_hash, sign_as_contract_owner


@dataclass(frozen=True)
class AddedSignature:
    nonce: int
    safe_tx_hash: str
    owner: str
    kind: str
    note: str = ""  # an approval's transaction, or how much of a contract signature is collected


class OwnerNotInFile(UsageError):
    def __init__(self, owner: str, path: Path):
        super().__init__(f"{owner} is not among the owners {path} was exported for: export it again")


@dataclass(frozen=True)
class SignResult:
    sidecar_path: Path
    added: tuple[AddedSignature, ...]
    file: SafeTxFile


def sign_export(
    export: Export, signer=None, *, pairs: Sequence[tuple[str, str]] = (), eth_sign: bool = False
) -> SignResult:
    """Keep the OWNER:SIGNATURE `pairs`, then sign every pending SafeTx with `signer` (an indexops Signer), if any."""
    file = export.require_sidecar()
    added: list[AddedSignature] = []
    for owner_text, signature_text in pairs:
        file = _add_external(file, owner_text, signature_text, added)
    if signer is not None:
        file = _sign_pending(file, signer, eth_sign, added)
    sidecar_path = export.require_sidecar_path()
    write_sidecar(sidecar_path, file)
    return SignResult(sidecar_path, tuple(added), file)


def sign_export_on_chain(
    export: Export,
    connection,
    signer,
    *,
    as_owner: str | None = None,
    receipt_timeout: int = 180,
) -> SignResult:
    """Each pending SafeTx approved on chain by `signer` (an owner), or, with `as_owner`, signed by `signer` for
    the owner Safe `as_owner`. The sidecar is written after each one, so a sent approval is never lost."""
    file = export.require_sidecar()
    sidecar_path = export.require_sidecar_path()
    owner = as_owner or signer.address
    if owner not in file.owners:
        raise OwnerNotInFile(owner, sidecar_path)
    state = read_safe(connection.w3, file.safe)
    added: list[AddedSignature] = []
    for index, entry in enumerate(file.transactions):
        if entry.executed_in is not None:
            continue
        if as_owner is not None:
            earlier = next((s for s in entry.signatures if s.owner == as_owner), None)
            made = sign_as_contract_owner(connection.w3, state, entry.safe_tx, as_owner, signer, earlier)
            signature = made.signature
            note = f"{len(made.signed_by)} of {made.needed} signature(s) of its owners" + (
                ", accepted by the owner Safe" if made.accepted else ""
            )
        else:
            approval = approve_hash(connection, state, entry.safe_tx_hash, signer, receipt_timeout=receipt_timeout)
            signature = approval.signature
            note = f"approved in {approval.tx_hash}" if approval.tx_hash else "already approved on chain"
        file = file.with_signature(index, signature)
        write_sidecar(sidecar_path, file)
        added.append(_added(entry, signature, note))
    return SignResult(sidecar_path, tuple(added), file)


def _sign_pending(file: SafeTxFile, signer, eth_sign: bool, added: list[AddedSignature]) -> SafeTxFile:
    if signer.address not in file.owners:
        raise SignerNotOwner(signer.address)
    for index, entry in enumerate(file.transactions):
        if entry.executed_in is not None:
            continue
        if eth_sign:
            signature = eth_sign_safe_tx_hash(entry.safe_tx_hash, signer.sign_message)
        else:
            signature = sign_safe_tx(entry.safe_tx, signer.sign_typed_data)
        file = file.with_signature(index, signed_by(signature, signer.address))
        added.append(_added(entry, signature))
    return file


def _add_external(file: SafeTxFile, owner_text: str, signature_text: str, added: list[AddedSignature]) -> SafeTxFile:
    owner = checksummed(owner_text, "--add-signature owner")
    if owner not in file.owners:
        raise SignerNotOwner(owner)
    index, signature = _match(file, owner, signature_text)
    added.append(_added(file.transactions[index], signature))
    return file.with_signature(index, signature)


def parse_owner_signature(text: str) -> tuple[str, str]:
    owner, separator, signature = text.partition(":")
    if not separator or not owner or not signature:
        raise UsageError(
            f"--add-signature takes OWNER:SIGNATURE (0x address, colon, 0x 65-byte signature), got {text[:20]!r}…"
        )
    return owner.strip(), signature.strip()


def _match(file: SafeTxFile, owner: str, signature_text: str) -> tuple[int, SafeSignature]:
    for index, entry in enumerate(file.transactions):
        signature = parse_signature(signature_text, entry.safe_tx_hash, file.safe_version)
        if signature.kind in (SignatureKind.APPROVED_HASH, SignatureKind.CONTRACT):
            raise InvalidSignature(
                f"v={signature.static[64]} ({signature.kind.value}) signatures cannot be verified offline; "
                "add EIP-712 (v 27/28) or eth_sign (v 31/32) signatures"
            )
        if signature.owner == owner and entry.executed_in is None:
            return index, signature
    raise InvalidSignature(
        f"the signature given for {owner} does not recover to {owner} for any pending SafeTx in the file"
    )


def _added(entry, signature: SafeSignature, note: str = "") -> AddedSignature:
    return AddedSignature(
        entry.safe_tx.nonce, "0x" + entry.safe_tx_hash.hex(), signature.owner, signature.kind.value, note
    )
