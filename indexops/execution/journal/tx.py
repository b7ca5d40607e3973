"""What the journal reads out of a raw signed transaction, to check the values it is given.

The journal stores the raw signed transaction (public once broadcast, and what a rebroadcast
sends again byte for byte) together with the nonce, sender, fees and hash the executor says it
has. Reconciliation trusts those values, so they are checked against the transaction itself:
the hash is the keccak of the raw bytes, and the sender is recovered from the signature.
A value that is not a signed transaction (a key, a password, random bytes) fails to decode and
is never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_utils import big_endian_to_int, keccak, to_checksum_address

from indexops.execution.journal.errors import InvalidJournalValue

_LEGACY_FIELDS = 9


@dataclass(frozen=True)
class SignedTx:
    tx_hash: str
    sender: str
    nonce: int
    chain_id: int
    max_fee_per_gas: int
    gas_limit: int


def raw_bytes(raw_tx: object) -> bytes:
    """The raw transaction as bytes, from bytes or 0x-prefixed hex."""
    if isinstance(raw_tx, (bytes, bytearray, memoryview)):
        return bytes(raw_tx)
    if isinstance(raw_tx, str) and raw_tx.startswith("0x"):
        try:
            return bytes.fromhex(raw_tx[2:])
        except ValueError:
            pass
    raise InvalidJournalValue("raw_tx", "expected the signed transaction as bytes or 0x-prefixed hex")


def decode_signed(raw: bytes) -> SignedTx:
    """The hash, sender and fields of a raw signed transaction, or InvalidJournalValue."""
    if not raw:
        raise InvalidJournalValue("raw_tx", "is empty")
    return _decode(raw)


@lru_cache(maxsize=256)
def _decode(raw: bytes) -> SignedTx:
    from eth_account import Account  # imported here: a third of a second, needed only to record
    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    max_fee: int | None  # a typed transaction may carry neither maxFeePerGas nor gasPrice
    try:
        if raw[0] >= 0xC0:
            nonce, chain_id, max_fee, gas = _legacy_fields(raw)
        else:
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            nonce, chain_id, gas = fields["nonce"], fields["chainId"], fields["gas"]
            max_fee = fields.get("maxFeePerGas", fields.get("gasPrice"))
        sender = Account.recover_transaction(raw)
    except InvalidJournalValue:
        raise
    except Exception as error:  # noqa: BLE001 - any decoding failure means "not a signed transaction"
        raise InvalidJournalValue("raw_tx", f"is not a signed Ethereum transaction ({type(error).__name__})") from None
    if chain_id is None:
        raise InvalidJournalValue("raw_tx", "is not replay-protected (no chain id in its signature)")
    if max_fee is None:
        raise InvalidJournalValue("raw_tx", "carries no fee per gas")
    return SignedTx(
        tx_hash="0x" + keccak(raw).hex(),
        sender=to_checksum_address(sender),
        nonce=int(nonce),
        chain_id=int(chain_id),
        max_fee_per_gas=int(max_fee),
        gas_limit=int(gas),
    )


def _legacy_fields(raw: bytes) -> tuple[int, int | None, int, int]:
    import rlp

    items = rlp.decode(raw)
    if not isinstance(items, list) or len(items) != _LEGACY_FIELDS or not all(isinstance(i, bytes) for i in items):
        raise InvalidJournalValue("raw_tx", "is not a signed Ethereum transaction (bad legacy encoding)")
    nonce, gas_price, gas = (big_endian_to_int(items[i]) for i in range(3))
    v = big_endian_to_int(items[6])
    chain_id = (v - 35) // 2 if v >= 35 else None
    return nonce, chain_id, gas_price, gas
