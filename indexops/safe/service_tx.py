"""A multisig transaction as the Safe Transaction Service lists it, rebuilt and checked before it is trusted.

The service's JSON (camelCase: `GET /api/v2/multisig-transactions/{safeTxHash}/` and the results of
`GET /api/v2/safes/{address}/multisig-transactions/`) is rebuilt into a SafeTx for the Safe's own chain
and version, and its safeTxHash recomputed both ways (EIP-712 typed data and raw ABI encoding). The v1
endpoints give nonce, safeTxGas and baseGas as JSON numbers, v2 as decimal strings: both are read.

A transaction whose fields do not hash to the hash the service gives is kept with `hash_matches` false,
so a listing can show it, and is refused by everything that signs or sends (`require_matching_hash`).
Each confirmation is read as the Safe reads a signature and must be by the owner the service names; one
that is not is set aside with the reason, never counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from indexops.errors import UsageError
from indexops.safe.errors import SafeTxHashMismatch, ServiceAnswerMalformed
from indexops.safe.independent_hash import recompute_safe_tx_hash, verify_safe_tx_hash
from indexops.safe.safetx import SafeTx
from indexops.safe.signatures import SafeSignature, parse_signature
from indexops.values import ZERO_ADDRESS, bytes32, checksummed, decimal_string, hex_bytes, unsigned

WHAT = "a multisig transaction"


@dataclass(frozen=True)
class Confirmation:
    owner: str
    signature: SafeSignature
    submitted: str | None = None


@dataclass(frozen=True)
class QueuedSafeTx:
    """One transaction of the service's queue, as rebuilt here; `safe_tx_hash` is the hash the service gives."""

    safe_tx: SafeTx
    safe_tx_hash: bytes
    computed_hash: bytes
    confirmations: tuple[Confirmation, ...]
    set_aside: tuple[str, ...]  # confirmations not counted, one reason each
    confirmations_required: int | None
    executed: bool
    transaction_hash: str | None
    proposer: str | None
    submitted: str | None
    origin: str | None

    @property
    def hash_matches(self) -> bool:
        return self.safe_tx_hash == self.computed_hash

    @property
    def signers(self) -> tuple[str, ...]:
        return tuple(confirmation.owner for confirmation in self.confirmations)

    @property
    def signatures(self) -> tuple[SafeSignature, ...]:
        return tuple(confirmation.signature for confirmation in self.confirmations)

    @property
    def is_rejection(self) -> bool:
        """The standard rejection: a zero-value call to the Safe itself without data, at a queued nonce."""
        return is_rejection(self.safe_tx)


def is_rejection(tx: SafeTx) -> bool:
    return (
        tx.to == tx.safe
        and tx.value == 0
        and not tx.data
        and tx.operation == 0
        and tx.safe_tx_gas == 0
        and tx.base_gas == 0
        and tx.gas_price == 0
        and tx.gas_token == ZERO_ADDRESS
        and tx.refund_receiver == ZERO_ADDRESS
    )


def rejection_safe_tx(safe: str, chain_id: int, safe_version: str, nonce: int) -> SafeTx:
    """What Safe{Wallet} proposes to reject nonce `nonce`: a zero-value call to the Safe itself, no data."""
    return SafeTx(safe=safe, chain_id=chain_id, safe_version=safe_version, to=safe, nonce=nonce)


def require_matching_hash(queued: QueuedSafeTx) -> QueuedSafeTx:
    """The transaction, if its fields hash to the service's safeTxHash by both computations; refused otherwise."""
    if not queued.hash_matches:
        raise SafeTxHashMismatch(queued.safe_tx_hash, queued.computed_hash, "the service's fields hash to")
    verify_safe_tx_hash(queued.safe_tx, queued.safe_tx_hash)
    return queued


def queued_from_service(answer: Any, *, chain_id: int, safe_version: str, url: str) -> QueuedSafeTx:
    """One multisig transaction of the service's JSON, rebuilt for `chain_id` and the Safe's `safe_version`."""
    if not isinstance(answer, Mapping):
        raise ServiceAnswerMalformed(url, "expected a JSON object", WHAT)
    try:
        tx = SafeTx(
            safe=checksummed(answer.get("safe"), "safe"),
            chain_id=chain_id,
            safe_version=safe_version,
            to=checksummed(answer.get("to"), "to"),
            value=_number(answer.get("value"), "value"),
            data=b"" if answer.get("data") in (None, "", "0x") else hex_bytes(answer.get("data"), "data"),
            operation=_number(answer.get("operation"), "operation"),
            safe_tx_gas=_number(answer.get("safeTxGas"), "safeTxGas"),
            base_gas=_number(answer.get("baseGas"), "baseGas"),
            gas_price=_number(answer.get("gasPrice"), "gasPrice"),
            gas_token=_address_or_zero(answer.get("gasToken"), "gasToken"),
            refund_receiver=_address_or_zero(answer.get("refundReceiver"), "refundReceiver"),
            nonce=_number(answer.get("nonce"), "nonce"),
        )
        claimed = bytes32(answer.get("safeTxHash"), "safeTxHash")
        required = answer.get("confirmationsRequired")
        confirmations = answer.get("confirmations") or []
        if not isinstance(confirmations, list):
            raise ServiceAnswerMalformed(url, "confirmations is not a list", WHAT)
    except UsageError as error:
        if isinstance(error, ServiceAnswerMalformed):
            raise
        raise ServiceAnswerMalformed(url, str(error), WHAT) from None
    computed = recompute_safe_tx_hash(tx)
    counted, set_aside = _confirmations(confirmations, claimed, safe_version) if claimed == computed else ((), ())
    return QueuedSafeTx(
        safe_tx=tx,
        safe_tx_hash=claimed,
        computed_hash=computed,
        confirmations=counted,
        set_aside=set_aside,
        confirmations_required=None if required is None else _number(required, "confirmationsRequired"),
        executed=answer.get("isExecuted") is True,
        transaction_hash=_text(answer.get("transactionHash")),
        proposer=_text(answer.get("proposer")),
        submitted=_text(answer.get("submissionDate")),
        origin=_text(answer.get("origin")),
    )


def queue_from_service(
    answers: Sequence[Any], *, chain_id: int, safe_version: str, url: str, safe: str
) -> list[QueuedSafeTx]:
    """A page of results, in nonce order then submission order; every entry must be the Safe's own."""
    queued = [queued_from_service(a, chain_id=chain_id, safe_version=safe_version, url=url) for a in answers]
    for item in queued:
        if item.safe_tx.safe != safe:
            raise ServiceAnswerMalformed(url, f"the queue of {safe} lists a transaction of {item.safe_tx.safe}", WHAT)
    return sorted(queued, key=lambda item: (item.safe_tx.nonce, item.submitted or ""))


def _confirmations(items: list, digest: bytes, version: str) -> tuple[tuple[Confirmation, ...], tuple[str, ...]]:
    counted: list[Confirmation] = []
    set_aside: list[str] = []
    for item in items:
        owner_text = item.get("owner") if isinstance(item, Mapping) else None
        try:
            owner = checksummed(owner_text, "confirmation owner")
            signature = parse_signature(item.get("signature"), digest, version)
        except UsageError as error:
            set_aside.append(f"confirmation by {owner_text}: {error}")
            continue
        if signature.owner != owner:
            set_aside.append(f"confirmation by {owner}: its signature is by {signature.owner}")
        elif owner in {confirmation.owner for confirmation in counted}:
            set_aside.append(f"confirmation by {owner}: listed twice")
        else:
            counted.append(Confirmation(owner, signature, _text(item.get("submissionDate"))))
    return tuple(counted), tuple(set_aside)


def _number(value: Any, what: str) -> int:
    return decimal_string(value, what) if isinstance(value, str) else unsigned(value, what)


def _address_or_zero(value: Any, what: str) -> str:
    return ZERO_ADDRESS if value is None else checksummed(value, what)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
