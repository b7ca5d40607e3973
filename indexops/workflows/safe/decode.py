"""`indexops safe decode`: a verified export, every call decoded with names from the products file, and flags.

Offline: nothing here needs a chain, so a signer can review on an air-gapped machine.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice, choose_network, choose_product
from indexops.errors import UsageError
from indexops.safe.decoding import DecodedCall, Label, decode_call
from indexops.safe.errors import MalformedMultiSend, SignerNotOwner, WrongChain
from indexops.safe.flags import Flag, call_flags, safe_tx_flags
from indexops.safe.independent_hash import domain_separator, safe_tx_struct_hash
from indexops.safe.multisend import KNOWN_CALL_ONLY, MultiSendCall
from indexops.safe.safetx import SafeTx
from indexops.safe.sidecar import SafeTxFile
from indexops.safe.signatures import SafeSignature
from indexops.safe.txbuilder import batch_calls
from indexops.workflows.safe.address_book import address_book, shipped_abis
from indexops.workflows.safe.chain import operator_of_record
from indexops.workflows.safe.files import Export, calls_of


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
        tx_review, tx_flags = review_safe_tx(
            entry.safe_tx,
            entry.safe_tx_hash,
            entry.signatures,
            Decoding(labels, abis, call_only, file.multisend),
            batch_file=entry.batch_file,
            description=entry.description,
            executed_in=entry.executed_in,
        )
        reviewed.append(tx_review)
        flags += tx_flags
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


@dataclass(frozen=True)
class Decoding:
    """What decoding needs: names and ABIs from the products file, and which MultiSend contracts batch calls."""

    labels: Mapping[str, Label]
    abis: Mapping[str, Sequence[dict]]
    call_only: Collection[str]
    multisend: str | None  # the MultiSendCallOnly whose payload is unpacked into calls

    @classmethod
    def for_network(cls, loaded: LoadedConfig, where: NetworkChoice, tx: SafeTx) -> Decoding:
        call_only = call_only_addresses(where)
        return cls(address_book(loaded, where), shipped_abis(), call_only, tx.to if tx.to in call_only else None)


def review_safe_tx(
    tx: SafeTx,
    digest: bytes,
    signatures: Sequence[SafeSignature],
    decoding: Decoding,
    *,
    batch_file: str,
    description: str = "",
    executed_in: str | None = None,
) -> tuple[ReviewedSafeTx, list[Flag]]:
    """One SafeTx decoded call by call with names from the products file, and the flags for its signers."""
    problem: str | None = None
    try:
        inner, layout = calls_of(tx, decoding.multisend)
    except MalformedMultiSend as error:  # shown as the one undecoded call it is, flagged
        inner, layout = [MultiSendCall(to=tx.to, value=tx.value, data=tx.data, operation=tx.operation)], None
        problem = str(error)
    calls = tuple(decode_call(call, decoding.labels, decoding.abis) for call in inner)
    if problem is not None:
        calls = tuple(replace(call, problem=problem) for call in calls)
    target = decoding.labels.get(tx.to)
    flags = safe_tx_flags(tx, target.name if target else None, calls, decoding.call_only)
    reviewed = ReviewedSafeTx(
        batch_file=batch_file,
        description=description,
        calls=calls,
        nonce=tx.nonce,
        safe_tx_hash="0x" + digest.hex(),
        message_hash="0x" + safe_tx_struct_hash(tx).hex(),
        operation=tx.operation,
        to=tx.to,
        target=target.name if target else None,
        value=tx.value,
        signers=tuple(signature.owner for signature in signatures),
        executed_in=executed_in,
        multisend_layout=layout,
        signatures=tuple(_reviewed(signature) for signature in signatures),
    )
    return reviewed, flags


def _reviewed(signature: SafeSignature) -> ReviewedSignature:
    kind = signature.kind
    return ReviewedSignature(signature.owner, kind.value, kind.description, signature.verifiable_offline)


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
