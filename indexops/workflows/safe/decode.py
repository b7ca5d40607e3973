"""`indexops safe decode`: a verified export, every call decoded with names from the products file, and flags.

Offline: nothing here needs a chain, so a signer can review on an air-gapped machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice, choose_network, choose_product
from indexops.errors import UsageError
from indexops.safe.decoding import DecodedCall, decode_call
from indexops.safe.errors import SignerNotOwner, WrongChain
from indexops.safe.flags import Flag, call_flags, safe_tx_flags
from indexops.safe.independent_hash import domain_separator, safe_tx_struct_hash
from indexops.safe.multisend import KNOWN_CALL_ONLY
from indexops.safe.sidecar import SafeTxFile
from indexops.safe.signatures import SafeSignature
from indexops.safe.txbuilder import batch_calls
from indexops.workflows.safe.address_book import address_book, shipped_abis
from indexops.workflows.safe.chain import operator_of_record
from indexops.workflows.safe.files import Export, safe_tx_batch


@dataclass(frozen=True)
class ReviewedSignature:
    owner: str
    kind: str  # eip712, eth_sign, approved_hash, contract
    what: str  # the kind in words
    verified_offline: bool  # the owner was recovered from the signature itself; otherwise only the chain can say


@dataclass(frozen=True)
class ReviewedSafeTx:
    batch_file: str
    description: str
    calls: tuple[DecodedCall, ...]
    nonce: int | None = None  # None: a batch file alone, whose nonce the Safe picks
    safe_tx_hash: str | None = None
    message_hash: str | None = None
    operation: int | None = None
    to: str | None = None
    target: str | None = None
    value: int = 0
    signers: tuple[str, ...] = ()
    executed_in: str | None = None
    multisend_layout: str | None = None  # how the MultiSend payload was laid out, when the SafeTx batches calls
    signatures: tuple[ReviewedSignature, ...] = ()


@dataclass(frozen=True)
class Review:
    path: str
    sidecar: str | None
    network: str
    chain_id: int
    safe: str | None
    transactions: tuple[ReviewedSafeTx, ...]
    flags: tuple[Flag, ...]
    checks: tuple[str, ...]
    safe_version: str | None = None
    domain_hash: str | None = None
    owners: tuple[str, ...] = ()
    threshold: int | None = None
    product: str | None = None
    plan: str | None = None


def review_export(export: Export, loaded: LoadedConfig, network: str | None = None) -> Review:
    if export.file is not None:
        return _review_sidecar(export, export.file, loaded)
    return _review_batch_alone(export, loaded, network)


def check_file_against_config(file: SafeTxFile, loaded: LoadedConfig, path: str) -> NetworkChoice:
    """The file's network must have its chain id, and its product's operator of record must be its Safe."""
    where = choose_network(loaded, file.network)
    if where.network.chain_id != file.chain_id:
        raise WrongChain(where.network.chain_id, file.chain_id, what=path)
    if file.product is not None:
        operator_of_record(choose_product(loaded, file.product, file.network), file.safe)
    return where


def call_only_addresses(where: NetworkChoice) -> set[str]:
    configured = where.network.contracts.multisend_call_only
    return set(KNOWN_CALL_ONLY) | ({configured} if configured else set())


def _review_sidecar(export: Export, file: SafeTxFile, loaded: LoadedConfig) -> Review:
    where = check_file_against_config(file, loaded, str(export.sidecar_path))
    labels, abis, call_only = address_book(loaded, where), shipped_abis(), call_only_addresses(where)
    reviewed, flags = [], []
    for entry in file.transactions:
        for owner in entry.signers:
            if owner not in file.owners:
                raise SignerNotOwner(owner)
        tx = entry.safe_tx
        inner, layout = safe_tx_batch(entry, file.multisend)
        calls = tuple(decode_call(call, labels, abis) for call in inner)
        target = labels.get(tx.to)
        flags += safe_tx_flags(tx, target.name if target else None, calls, call_only)
        reviewed.append(
            ReviewedSafeTx(
                batch_file=entry.batch_file,
                description=entry.description,
                calls=calls,
                nonce=tx.nonce,
                safe_tx_hash="0x" + entry.safe_tx_hash.hex(),
                message_hash=_message_hash(entry),
                operation=tx.operation,
                to=tx.to,
                target=target.name if target else None,
                value=tx.value,
                signers=entry.signers,
                executed_in=entry.executed_in,
                multisend_layout=layout,
                signatures=tuple(_reviewed(signature) for signature in entry.signatures),
            )
        )
    return Review(
        path=str(export.path),
        sidecar=str(export.sidecar_path),
        network=where.name,
        chain_id=file.chain_id,
        safe=file.safe,
        transactions=tuple(reviewed),
        flags=tuple(flags),
        checks=export.checks,
        safe_version=file.safe_version,
        domain_hash="0x" + domain_separator(file.safe_version, file.chain_id, file.safe).hex(),
        owners=file.owners,
        threshold=file.threshold,
        product=file.product,
        plan=file.plan,
    )


def _reviewed(signature: SafeSignature) -> ReviewedSignature:
    kind = signature.kind
    return ReviewedSignature(signature.owner, kind.value, kind.description, signature.verifiable_offline)


def _message_hash(entry) -> str:
    return "0x" + safe_tx_struct_hash(entry.safe_tx).hex()


def _review_batch_alone(export: Export, loaded: LoadedConfig, network: str | None) -> Review:
    ((name, batch),) = export.batches.items()
    chain_id = int(batch["chainId"])
    where = _network_for_chain(loaded, chain_id, network, export.path)
    labels, abis = address_book(loaded, where), shipped_abis()
    safe = batch["meta"].get("createdFromSafeAddress") or None
    calls = tuple(decode_call(call, labels, abis) for call in batch_calls(batch))
    flags = [flag for index, call in enumerate(calls) for flag in call_flags(call, f"call {index}", safe or "")]
    checks = (*export.checks, "no sidecar: the safeTxHash depends on the nonce the Safe will use")
    return Review(
        path=str(export.path),
        sidecar=None,
        network=where.name,
        chain_id=chain_id,
        safe=safe,
        transactions=(ReviewedSafeTx(batch_file=name, description=batch["meta"].get("description", ""), calls=calls),),
        flags=tuple(flags),
        checks=checks,
    )


def _network_for_chain(loaded: LoadedConfig, chain_id: int, wanted: str | None, path) -> NetworkChoice:
    names = sorted(name for name, network in loaded.file.networks.items() if network.chain_id == chain_id)
    if wanted is not None:
        where = choose_network(loaded, wanted)
        if where.network.chain_id != chain_id:
            raise WrongChain(where.network.chain_id, chain_id, what=str(path))
        return where
    if not names:
        raise UsageError(f"{path}: the batch is for chain {chain_id}, which no network of {loaded.path} is on")
    if len(names) > 1:
        raise UsageError(f"{path}: networks {', '.join(names)} are all chain {chain_id}: choose one with --network")
    return choose_network(loaded, names[0])
